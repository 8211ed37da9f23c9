import { expect } from "chai";
import { capturedAsPackage } from "../../sdk/providerStub";

/**
 * Pulumi writes a resource's provider as a `require` of this package only when the stub module
 * sits under `node_modules/pulumi-group-export` below the program; anywhere else the stub is
 * written by value (a `require` of the path Pulumi would compute could not be resolved). The
 * end-to-end side: test/e2e/googleDistributionGroup.test.ts (installed package) and the root
 * project's tests (the repository's own, linked package).
 */
describe("provider stubs: written as a require of the package only where that resolves", () => {
  const stub = "node_modules/pulumi-group-export/dist/sdk/providers/groupBinding.js";
  it("an npm or yarn install below the program: by package name", () => {
    expect(capturedAsPackage("/srv/infra", `/srv/infra/${stub}`)).to.equal(true);
    expect(capturedAsPackage("/srv/infra/stacks/prod", `/srv/infra/${stub}`)).to.equal(true);
  });
  it("pnpm's store, a linked checkout, the repository itself: by value", () => {
    expect(capturedAsPackage("/srv/infra", "/srv/infra/node_modules/.pnpm/pulumi-group-export@0.2.0/node_modules/pulumi-group-export/dist/sdk/providers/groupBinding.js")).to.equal(false);
    expect(capturedAsPackage("/srv/infra", "/home/me/src/pulumi-group-export/dist/sdk/providers/groupBinding.js")).to.equal(false);
    expect(capturedAsPackage("/work/pulumi-group-export", "/work/pulumi-group-export/dist/sdk/providers/groupBinding.js")).to.equal(false);
  });
});
