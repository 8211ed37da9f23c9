import { expect } from "chai";
import { startSandbox, type Sandbox } from "../../provider/sandbox";
import { E2eStack, type ProgramSpec } from "../support/e2eProgram";
import { entraGroupsNamed, entraMembers } from "../support/sandboxViews";

/**
 * Reads that lag this stack's own writes are not drift (docs/guides/ci.md#reads-that-lag-a-write): the
 * Groups Settings API 404s for tens of seconds after a create and answers the previous values
 * for a while after a write; Entra member links replicate for seconds. One `up` converges, a
 * refreshing preview right after it is clean, and no write is skipped or repeated because a read
 * lagged behind the stack's own write.
 */
const PEOPLE = ["alice", "bob"].map((n) => `${n}@example.com`);

describe("Reads lagging this stack's own writes, through the real Pulumi CLI", function () {
  let sandbox: Sandbox;

  before(async function () {
    sandbox = await startSandbox({
      google: { domains: ["example.com"], users: PEOPLE.map((primaryEmail) => ({ primaryEmail })) },
      entra: { users: PEOPLE.map((userPrincipalName) => ({ userPrincipalName })) },
    });
  });
  afterEach(() => {
    sandbox.google.setSettingsPropagationDelay(0);
    sandbox.google.setSettingsStaleReads(0);
    sandbox.entra.setMemberReplicationDelay(0);
  });
  after(async () => sandbox?.close());

  const googleSpec = (settings: Record<string, string>): ProgramSpec => ({
    management: { workspace: { google: { domains: ["example.com"] } } },
    googleGroups: { lists: { management: "workspace", email: "lists@example.com", settings } },
  });
  const settingsOf = (email: string) => sandbox.google.tenant.groups.find((g) => g.email === email)!.settings!;

  it("a 30-s Groups Settings lag after a create: one up makes the group and gives it its settings", async () => {
    const stack = await E2eStack.create(sandbox, "settings-lag");
    sandbox.google.setSettingsPropagationDelay(30_000);
    stack.declare(googleSpec({ whoCanJoin: "INVITED_CAN_JOIN" }));
    const up = await stack.workspace.up();
    expect(up.code, up.output).to.equal(0);
    expect(settingsOf("lists@example.com")).to.include({ whoCanJoin: "INVITED_CAN_JOIN", whoCanPostMessage: "ALL_IN_DOMAIN_CAN_POST" });
    const clean = await stack.workspace.preview("--refresh", "--expect-no-changes");
    expect(clean.code, clean.output).to.equal(0);
    expect((await stack.workspace.destroy()).code).to.equal(0);
  });

  it("stale reads after a write: the refreshing preview right after an up is clean; archive then un-archive leaves the group un-archived", async () => {
    const stack = await E2eStack.create(sandbox, "settings-stale");
    sandbox.google.setSettingsStaleReads(8_000);
    stack.declare(googleSpec({}));
    expect((await stack.workspace.up()).code).to.equal(0);
    const clean = await stack.workspace.preview("--refresh", "--expect-no-changes");
    expect(clean.code, clean.output).to.equal(0);

    stack.declare(googleSpec({ isArchived: "true" }));
    const archive = await stack.workspace.up();
    expect(archive.code, archive.output).to.equal(0);
    expect(settingsOf("lists@example.com").isArchived).to.equal("true");
    // Right away, while reads still answer "false": the write must not be skipped.
    stack.declare(googleSpec({ isArchived: "false" }));
    const unarchive = await stack.workspace.up();
    expect(unarchive.code, unarchive.output).to.equal(0);
    expect(settingsOf("lists@example.com").isArchived, "un-archived").to.equal("false");
    const settled = await stack.workspace.preview("--refresh", "--expect-no-changes");
    expect(settled.code, settled.output).to.equal(0);
    expect((await stack.workspace.destroy()).code).to.equal(0);
  });

  it("Entra member replication (5 s): the refreshing preview right after the up that added members is clean", async () => {
    const stack = await E2eStack.create(sandbox, "member-replication");
    stack.declare({
      management: { tenant: { entra: { tenantId: sandbox.entra.tenantId } } },
      entraGroups: { ops: { management: "tenant", displayName: "Lagging Ops" } },
      bindings: { "ops-members": { target: "ops", userGroup: { name: "Ops", users: ["alice@example.com"] } } },
    });
    expect((await stack.workspace.up()).code).to.equal(0);
    sandbox.entra.setMemberReplicationDelay(5_000);
    stack.declare({
      management: { tenant: { entra: { tenantId: sandbox.entra.tenantId } } },
      entraGroups: { ops: { management: "tenant", displayName: "Lagging Ops" } },
      bindings: { "ops-members": { target: "ops", userGroup: { name: "Ops", users: ["alice@example.com", "bob@example.com"] } } },
    });
    const up = await stack.workspace.up();
    expect(up.code, up.output).to.equal(0);
    const clean = await stack.workspace.preview("--refresh", "--expect-no-changes");
    expect(clean.code, clean.output).to.equal(0);
    expect(entraMembers(sandbox, entraGroupsNamed(sandbox, "Lagging Ops")[0]!.id)).to.deep.equal(PEOPLE);
    expect((await stack.workspace.destroy()).code).to.equal(0);
  });
});
