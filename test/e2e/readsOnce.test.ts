import { expect } from "chai";
import { startSandbox, type Sandbox } from "../../provider/sandbox";
import { tally } from "../bench/readsBench";
import { E2eStack, type ProgramSpec } from "../support/e2eProgram";
import { googleMembers } from "../support/sandboxViews";

/** Member-list reads (pages, batch items included) in the sandbox's counts, per directory. */
function memberLists(counts: Record<string, number>): { google: number; entra: number } {
  const sum = (re: RegExp) => Object.entries(counts).reduce((n, [k, v]) => (re.test(k) ? n + v : n), 0);
  return { google: sum(/^(BATCH-ITEM )?GET \/admin\/directory\/v1\/groups\/:[^/]+\/members$/), entra: sum(/^(BATCH-ITEM )?GET \/v1\.0\/groups\/:[^/]+\/members$/) };
}

/**
 * Issue 21: each group and member list is read once per provider process and shared by check,
 * diff and apply; reads asked for together go out in one Directory API batch / Graph `$batch`;
 * one token per credential and scope per process. Counted by the sandbox, through the real CLI.
 */
describe("Every read once, reads batched across groups, through the real Pulumi CLI", function () {
  const GROUPS = 12;
  const users = ["alice", "bob", "carol", "dave", "erin"].map((n) => `${n}@example.com`);
  let sandbox: Sandbox;

  before(async function () {
    sandbox = await startSandbox({
      google: { domains: ["example.com"], users: users.map((primaryEmail) => ({ primaryEmail })) },
      entra: { users: users.map((userPrincipalName) => ({ userPrincipalName })) },
    });
  });
  after(async () => sandbox?.close());

  it(`a refresh of ${GROUPS} Google and ${GROUPS} Entra groups with bindings reads each once, in a few batches, with one token per scope`, async () => {
    const stack = await E2eStack.create(sandbox, "reads-refresh");
    const spec: ProgramSpec = {
      management: { workspace: { google: { domains: ["example.com"] } }, tenant: { entra: { tenantId: sandbox.entra.tenantId } } },
      googleGroups: {},
      entraGroups: {},
      bindings: {},
    };
    for (let g = 0; g < GROUPS; g++) {
      spec.googleGroups![`g-${g}`] = { management: "workspace", email: `g-${g}@example.com` };
      spec.bindings![`g-${g}-members`] = { target: `g-${g}`, userGroup: { name: `G ${g}`, users: users.slice(0, 3) } };
      spec.entraGroups![`e-${g}`] = { management: "tenant", displayName: `E ${g}` };
      spec.bindings![`e-${g}-members`] = { target: `e-${g}`, userGroup: { name: `E ${g}`, users: users.slice(0, 3) } };
    }
    stack.declare(spec);
    const up = await stack.workspace.up();
    expect(up.code, up.output).to.equal(0);
    // Created this run: no member list of a group the run itself made.
    sandbox.resetRequestCounts();
    const refresh = await stack.workspace.refresh();
    expect(refresh.code, refresh.output).to.equal(0);
    const counts = sandbox.requestCounts();
    const t = tally(counts);
    const lists = memberLists(counts);
    expect({ googleLists: lists.google, entraLists: lists.entra }, "each member list once").to.deep.equal({ googleLists: GROUPS, entraLists: GROUPS });
    expect(t.google.reads, `Directory reads: each group and each member list once (${JSON.stringify(counts)})`).to.equal(2 * GROUPS);
    expect(t.settings.reads, "Groups Settings: one GET per group (no batch)").to.equal(GROUPS);
    expect(t.entra.reads, "Graph reads: each group and each member list once").to.equal(2 * GROUPS);
    // The engine reads up to its parallelism at once: a handful of batches, not one request per read.
    expect(t.google.trips, "Directory round trips").to.be.at.most(GROUPS / 2);
    expect(t.entra.trips, "Graph round trips").to.be.at.most(GROUPS / 2);
    expect(t.tokens.entra, "one Graph token for the refresh").to.equal(1);
    // Directory scope and Groups Settings scope: one token each.
    expect(t.tokens.google, "one Google token per scope").to.be.at.most(2);
    const clean = await stack.workspace.preview("--refresh", "--expect-no-changes");
    expect(clean.code, clean.output).to.equal(0);
    expect((await stack.workspace.destroy()).code).to.equal(0);
  });

  it("an up adding members lists the group's members once per process; a group this run creates is never listed", async () => {
    const stack = await E2eStack.create(sandbox, "reads-up");
    const declare = (members: string[]) =>
      stack.declare({
        management: { workspace: { google: { domains: ["example.com"] } } },
        googleGroups: { team: { management: "workspace", email: "team@example.com" } },
        bindings: { "team-members": { target: "team", userGroup: { name: "Team", users: members } } },
      });
    declare(users.slice(0, 2));
    sandbox.resetRequestCounts();
    const create = await stack.workspace.up();
    expect(create.code, create.output).to.equal(0);
    expect(memberLists(sandbox.requestCounts()).google, "the group made this run is not listed").to.equal(0);
    expect(googleMembers(sandbox, "team@example.com")).to.have.length(2);
    // A preview process and an update process: the update's check and apply share one list.
    declare(users);
    sandbox.resetRequestCounts();
    const add = await stack.workspace.upWithPreview();
    expect(add.code, add.output).to.equal(0);
    expect(memberLists(sandbox.requestCounts()).google, "one list per process (preview, update)").to.equal(2);
    expect(googleMembers(sandbox, "team@example.com")).to.have.length(users.length);
    expect((await stack.workspace.destroy()).code).to.equal(0);
  });
});
