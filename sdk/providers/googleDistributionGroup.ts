// The provider object of every GoogleDistributionGroup: this module's whole export, so that Pulumi can capture
// it as `require("pulumi-group-export/providers/GoogleDistributionGroup")` (see sdk/providerStub.ts).
import { makeStub } from "../providerStub";

export = makeStub("GoogleDistributionGroup");
