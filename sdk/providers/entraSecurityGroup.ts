// The provider object of every EntraSecurityGroup: this module's whole export, so that Pulumi can capture
// it as `require("pulumi-group-export/providers/EntraSecurityGroup")` (see sdk/providerStub.ts).
import { makeStub } from "../providerStub";

export = makeStub("EntraSecurityGroup");
