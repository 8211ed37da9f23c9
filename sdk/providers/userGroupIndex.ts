// The provider object of every UserGroupIndex: this module's whole export, so that Pulumi can capture
// it as `require("pulumi-group-export/providers/UserGroupIndex")` (see sdk/providerStub.ts).
import { makeStub } from "../providerStub";

export = makeStub("UserGroupIndex");
