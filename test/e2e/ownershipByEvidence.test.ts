import { expect } from "chai";
import { startSandbox, type Sandbox } from "../../provider/sandbox";
import { OwnershipStack } from "../support/ownershipProgram";
import { entraGroupsNamed, googleGroup } from "../support/sandboxViews";

/**
 * Ownership by evidence (docs/guides/migrating.md#moving-an-existing-group-under-management): a group is
 * `created` only when this stack's own create call made it (its answer, or a lost answer whose
 * group is recognisably that call's); a group found existing is `adopted`, whatever the program
 * repeats of its fields, so removing the resource never deletes a group that existed before.
 * Each case runs both ways a user applies: preview then up, and up without a preview.
 */
const ALPHA_ID = "a1fa0000-0000-4000-8000-000000000001";

for (const way of ["preview first", "no preview"] as const) {
  describe(`Ownership by evidence (${way}), through the real Pulumi CLI`, function () {
    let sandbox: Sandbox;
    let stack: OwnershipStack;
    const tenant = () => ({ tenant: { entra: { tenantId: sandbox.entra.tenantId } }, workspace: { google: { domains: ["example.com"] } } });
    const up = () => (way === "preview first" ? stack.workspace.upWithPreview() : stack.workspace.up());

    before(async function () {
      sandbox = await startSandbox({
        google: { domains: ["example.com"], users: [{ primaryEmail: "alice@example.com" }], groups: [{ email: "beta@example.com", name: "Beta", description: "b" }] },
        entra: { users: [{ userPrincipalName: "alice@example.com" }], groups: [{ id: ALPHA_ID, displayName: "Alpha", description: "a", mailNickname: "alpha" }] },
      });
      stack = await OwnershipStack.create(sandbox, `evidence-${way === "preview first" ? "p" : "n"}`);
    });
    after(async () => sandbox?.close());

    it("an existing Entra group declared with all its own fields is adopted, and destroy leaves it", async () => {
      stack.declare({ management: tenant(), entraGroups: { alpha: { management: "tenant", displayName: "Alpha", description: "a", mailNickname: "alpha" } } });
      const applied = await up();
      expect(applied.code, applied.output).to.equal(0);
      expect((await stack.outputs()).alpha).to.include({ origin: "adopted", groupId: ALPHA_ID });
      const destroyed = await stack.workspace.destroy();
      expect(destroyed.code, destroyed.output).to.equal(0);
      expect(sandbox.entra.tenant.groups.map((g) => g.id)).to.include(ALPHA_ID);
    });

    it("an existing Google group declared with its own name and description is adopted, and destroy leaves it", async () => {
      stack.declare({ management: tenant(), googleGroups: { beta: { management: "workspace", email: "beta@example.com", name: "Beta", description: "b" } } });
      const applied = await up();
      expect(applied.code, applied.output).to.equal(0);
      expect((await stack.outputs()).beta).to.include({ origin: "adopted" });
      expect((await stack.workspace.destroy()).code).to.equal(0);
      expect(googleGroup(sandbox, "beta@example.com"), "the group is still there").to.not.equal(undefined);
    });

    it("an Entra create whose answer is lost makes one group, recorded as created (destroy deletes it)", async () => {
      sandbox.faults.add({ api: "entra", method: "POST", path: "^/groups$", kind: "dropResponse", count: 1 });
      stack.declare({ management: tenant(), entraGroups: { eng: { management: "tenant", displayName: "Engineering" } } });
      const applied = await up();
      expect(applied.code, applied.output).to.equal(0);
      const made = entraGroupsNamed(sandbox, "Engineering");
      expect(made, "one group, not an orphan beside it").to.have.length(1);
      expect((await stack.outputs()).eng).to.include({ origin: "created", groupId: made[0]!.id });
      const clean = await stack.workspace.preview("--refresh", "--expect-no-changes");
      expect(clean.code, clean.output).to.equal(0);
      expect((await stack.workspace.destroy()).code).to.equal(0);
      expect(entraGroupsNamed(sandbox, "Engineering")).to.have.length(0);
    });

    it("a Google insert whose answer is lost makes one group, recorded as created (destroy deletes it)", async () => {
      sandbox.faults.add({ api: "google", method: "POST", path: "^/groups$", kind: "dropResponse", count: 1 });
      stack.declare({ management: tenant(), googleGroups: { gamma: { management: "workspace", email: "gamma@example.com" } } });
      const applied = await up();
      expect(applied.code, applied.output).to.equal(0);
      expect(sandbox.faults.list(), "the fault fired").to.have.length(0);
      const made = googleGroup(sandbox, "gamma@example.com")!;
      expect((await stack.outputs()).gamma).to.include({ origin: "created", groupId: made.id });
      expect((await stack.workspace.destroy()).code).to.equal(0);
      expect(googleGroup(sandbox, "gamma@example.com")).to.equal(undefined);
    });

    it("a Google group someone else makes at the address while the create runs is adopted, not claimed", async () => {
      sandbox.faults.add({ api: "google", method: "POST", path: "^/groups$", kind: "latency", delayMs: 2500, count: 1 });
      stack.declare({ management: tenant(), googleGroups: { racer: { management: "workspace", email: "racer@example.com" } } });
      const running = up();
      for (let waited = 0; sandbox.faults.list().length > 0 && waited < 120_000; waited += 50) await new Promise((r) => setTimeout(r, 50));
      // Someone else's group lands at the address before the (delayed) insert reaches the directory.
      sandbox.google.tenant.groups.push({ id: "0racer0001", email: "racer@example.com", name: "Racer", description: "theirs", adminCreated: true, aliases: [], etag: '"r"' });
      const applied = await running;
      expect(applied.code, applied.output).to.equal(0);
      expect((await stack.outputs()).racer).to.include({ groupId: "0racer0001", origin: "adopted" });
      expect((await stack.workspace.destroy()).code).to.equal(0);
      expect(googleGroup(sandbox, "racer@example.com"), "someone else's group stays").to.not.equal(undefined);
    });
  });
}
