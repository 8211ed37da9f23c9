import { expect } from "chai";
import { startSandbox, type Sandbox } from "../../provider/sandbox";
import { E2eStack, type ProgramSpec } from "../support/e2eProgram";
import { entraGroupsNamed, entraMembers, googleMembers } from "../support/sandboxViews";

/**
 * Every removal at preview, and only real ones (docs/resources/group-binding.md#every-removal-is-visible-at-preview):
 * after management is disabled, the users changed and management enabled again, the preview
 * lists the member the apply removes; drift that changes the target group itself (a setting
 * changed by hand, an Entra group renamed by hand) is no move of the binding: no member is
 * announced as leaving, and the target stays one line.
 */
const USERS = ["alice", "bob", "carol"].map((n) => `${n}@example.com`);

describe("Removals at preview: all the real ones, none that are not, through the real Pulumi CLI", function () {
  let sandbox: Sandbox;

  before(async function () {
    sandbox = await startSandbox({
      google: { domains: ["example.com"], users: USERS.map((primaryEmail) => ({ primaryEmail })) },
      entra: { users: USERS.map((userPrincipalName) => ({ userPrincipalName })) },
    });
  });
  after(async () => sandbox?.close());

  const spec = (enabled: boolean, users: string[], texts: { description?: string; whoCanJoin?: string } = {}): ProgramSpec => ({
    management: { tenant: { entra: { tenantId: sandbox.entra.tenantId }, enabled }, workspace: { google: { domains: ["example.com"] }, enabled } },
    googleGroups: { web: { management: "workspace", email: "web@example.com", settings: { whoCanJoin: texts.whoCanJoin ?? "INVITED_CAN_JOIN" }, ...(texts.description ? { description: texts.description } : {}) } },
    entraGroups: { ops: { management: "tenant", displayName: "Ops", ...(texts.description ? { description: texts.description } : {}) } },
    bindings: {
      "web-members": { target: "web", userGroup: { name: "Web", users } },
      "ops-members": { target: "ops", userGroup: { name: "Ops", users } },
    },
  });

  it("after a disable, a change of users and a re-enable, the preview announces the removal the apply makes", async () => {
    const stack = await E2eStack.create(sandbox, "reenable");
    stack.declare(spec(true, ["alice@example.com", "carol@example.com"]));
    expect((await stack.workspace.up()).code).to.equal(0);
    stack.declare(spec(false, ["alice@example.com", "bob@example.com"]));
    const disabled = await stack.workspace.up();
    expect(disabled.code, disabled.output).to.equal(0);
    expect(googleMembers(sandbox, "web@example.com"), "nothing changes while disabled").to.deep.equal(["alice@example.com", "carol@example.com"]);

    stack.declare(spec(true, ["alice@example.com", "bob@example.com"]));
    const preview = await stack.workspace.preview();
    expect(preview.code, preview.output).to.equal(0);
    expect(preview.stdout).to.match(/"?carol@example\.com"?\s*:\s*"remove from web@example\.com"/);
    expect(preview.stdout).to.match(/"?carol@example\.com"?\s*:\s*"remove from Ops"/);
    const up = await stack.workspace.up();
    expect(up.code, up.output).to.equal(0);
    expect(googleMembers(sandbox, "web@example.com")).to.deep.equal(["alice@example.com", "bob@example.com"]);
    expect(entraMembers(sandbox, entraGroupsNamed(sandbox, "Ops")[0]!.id)).to.deep.equal(["alice@example.com", "bob@example.com"]);
    const clean = await stack.workspace.preview("--refresh", "--expect-no-changes");
    expect(clean.code, clean.output).to.equal(0);
    expect((await stack.workspace.destroy()).code).to.equal(0);
  });

  it("group fields changed while management is disabled show nothing then, and at the re-enable show the change the apply makes", async () => {
    type Step = { urn: string; oldState?: { inputs?: Record<string, unknown> }; newState?: { inputs?: Record<string, unknown> } };
    const inputsOf = (json: string, type: string) => ((JSON.parse(json) as { steps?: Step[] }).steps ?? []).find((st) => st.urn.includes(`:${type}::`));
    const stack = await E2eStack.create(sandbox, "reenable-fields");
    stack.declare(spec(true, ["alice@example.com"]));
    expect((await stack.workspace.up()).code).to.equal(0);
    const changed = { description: "Web and ops people", whoCanJoin: "CAN_REQUEST_TO_JOIN" };
    stack.declare(spec(false, ["alice@example.com"], changed));
    const whileDisabled = await stack.workspace.run(["preview", "--json"]);
    expect(whileDisabled.code, whileDisabled.output).to.equal(0);
    for (const type of ["GoogleDistributionGroup", "EntraSecurityGroup"]) {
      const step = inputsOf(whileDisabled.stdout, type);
      expect(step?.newState?.inputs?.description ?? "", `${type}: nothing shown while disabled`).to.equal("");
    }
    expect((await stack.workspace.up()).code).to.equal(0);
    const web = sandbox.google.tenant.groups.find((g) => g.email === "web@example.com")!;
    expect(web.description, "nothing changes while disabled").to.equal("");

    stack.declare(spec(true, ["alice@example.com"], changed));
    const reenabled = await stack.workspace.run(["preview", "--json"]);
    expect(reenabled.code, reenabled.output).to.equal(0);
    const google = inputsOf(reenabled.stdout, "GoogleDistributionGroup");
    expect([google?.oldState?.inputs?.description, google?.newState?.inputs?.description]).to.deep.equal(["", changed.description]);
    expect([(google?.oldState?.inputs?.settings as Record<string, string>)?.whoCanJoin, (google?.newState?.inputs?.settings as Record<string, string>)?.whoCanJoin]).to.deep.equal(["INVITED_CAN_JOIN", changed.whoCanJoin]);
    const entra = inputsOf(reenabled.stdout, "EntraSecurityGroup");
    expect([entra?.oldState?.inputs?.description, entra?.newState?.inputs?.description]).to.deep.equal(["", changed.description]);
    const up = await stack.workspace.up();
    expect(up.code, up.output).to.equal(0);
    expect(web.description).to.equal(changed.description);
    expect(web.settings!.whoCanJoin).to.equal(changed.whoCanJoin);
    expect(entraGroupsNamed(sandbox, "Ops")[0]!.description).to.equal(changed.description);
    const clean = await stack.workspace.preview("--refresh", "--expect-no-changes");
    expect(clean.code, clean.output).to.equal(0);
    expect((await stack.workspace.destroy()).code).to.equal(0);
  });

  it("a setting changed by hand and an Entra group renamed by hand are no move: no member announced as leaving, the target one line", async () => {
    const stack = await E2eStack.create(sandbox, "target-drift");
    stack.declare(spec(true, ["alice@example.com", "bob@example.com"]));
    expect((await stack.workspace.up()).code).to.equal(0);
    const web = sandbox.google.tenant.groups.find((g) => g.email === "web@example.com")!;
    web.settings = { ...web.settings!, whoCanJoin: "ANYONE_CAN_JOIN" };
    entraGroupsNamed(sandbox, "Ops")[0]!.displayName = "Ops (renamed by hand)";

    const drift = await stack.workspace.preview("--refresh");
    expect(drift.code, drift.output).to.equal(0);
    expect(drift.stdout).to.include("ANYONE_CAN_JOIN");
    expect(drift.stdout).to.include("Ops (renamed by hand)");
    expect(drift.stdout, "no member leaves").to.not.match(/remove from/);
    expect(drift.stdout).to.not.include("the binding moves");
    expect(drift.stdout, "the target stays one line").to.not.match(/groupId\s*:/);
    const up = await stack.workspace.up("--refresh");
    expect(up.code, up.output).to.equal(0);
    expect(web.settings!.whoCanJoin).to.equal("INVITED_CAN_JOIN");
    expect(entraGroupsNamed(sandbox, "Ops")).to.have.length(1);
    expect(googleMembers(sandbox, "web@example.com")).to.deep.equal(["alice@example.com", "bob@example.com"]);
    const clean = await stack.workspace.preview("--refresh", "--expect-no-changes");
    expect(clean.code, clean.output).to.equal(0);
    expect((await stack.workspace.destroy()).code).to.equal(0);
  });

  // A group renamed by the program (Entra display name; any case) is the same group: its bindings'
  // previews read it (the group's diff records it under the new name), so they list the real
  // removals, apply the mass-removal guard, and announce no move.
  const renamed = (displayName: string, users: string[]): ProgramSpec => ({
    management: { tenant: { entra: { tenantId: sandbox.entra.tenantId } } },
    entraGroups: { team: { management: "tenant", displayName } },
    // No floor: the guard's 50 % applies to these three users.
    bindings: { "team-members": { target: "team", userGroup: { name: "Team", users }, removalGuardFloor: 0 } },
  });

  it("an Entra group renamed by the program (or only its case changed) is no move: real removals listed, the guard applied at preview, with and without a preview", async () => {
    const stack = await E2eStack.create(sandbox, "renamed-target");
    stack.declare(renamed("Team", USERS));
    expect((await stack.workspace.up()).code).to.equal(0);
    const id = entraGroupsNamed(sandbox, "Team")[0]!.id;

    // Renamed, members unchanged: nobody announced as leaving.
    stack.declare(renamed("Team Crew", USERS));
    const rename = await stack.workspace.preview();
    expect(rename.code, rename.output).to.equal(0);
    expect(rename.stdout, "no member leaves").to.not.match(/remove from|the binding moves/);
    expect(rename.stdout, "the target stays one line").to.not.match(/groupId\s*:/);

    // Renamed and two of three users dropped: the guard (50 %) stops it at preview, naming them; nothing is written.
    stack.declare(renamed("Team Crew", ["alice@example.com"]));
    const guarded = await stack.workspace.preview();
    expect(guarded.code, guarded.output).to.not.equal(0);
    expect(guarded.output).to.match(/mass-removal guard/);
    const refused = await stack.workspace.up();
    expect(refused.code, "the same answer without a preview").to.not.equal(0);
    expect(refused.output).to.match(/mass-removal guard/);
    // Without a preview the engine renames the group before it checks the binding (left: see the closing note of issue 20); nobody is removed.
    expect(entraMembers(sandbox, id), "nobody removed").to.deep.equal(USERS);

    // Only the case changes, and bob leaves: his removal is announced, then made; the group is the same.
    stack.declare(renamed("TEAM", ["alice@example.com", "carol@example.com"]));
    const caseOnly = await stack.workspace.preview();
    expect(caseOnly.code, caseOnly.output).to.equal(0);
    expect(caseOnly.stdout).to.match(/"?bob@example\.com"?\s*:\s*"remove from TEAM"/);
    expect(caseOnly.stdout).to.not.match(/the binding moves/);
    const up = await stack.workspace.upWithPreview();
    expect(up.code, up.output).to.equal(0);
    expect(entraGroupsNamed(sandbox, "TEAM").map((g) => g.id)).to.deep.equal([id]);
    expect(entraMembers(sandbox, id)).to.deep.equal(["alice@example.com", "carol@example.com"]);
    const clean = await stack.workspace.preview("--refresh", "--expect-no-changes");
    expect(clean.code, clean.output).to.equal(0);
    expect((await stack.workspace.destroy()).code).to.equal(0);
  });
});
