// The provider object of every GroupBinding: this module's whole export, so that Pulumi can capture
// it as `require("pulumi-group-export/providers/GroupBinding")` (see sdk/providerStub.ts).
import { makeStub } from "../providerStub";

export = makeStub("GroupBinding");
