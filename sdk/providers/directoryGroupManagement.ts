// The provider object of every DirectoryGroupManagement: this module's whole export, so that Pulumi can capture
// it as `require("pulumi-group-export/providers/DirectoryGroupManagement")` (see sdk/providerStub.ts).
import { makeStub } from "../providerStub";

export = makeStub("DirectoryGroupManagement");
