import { expect } from "chai";
import { startSandbox, type Sandbox } from "../../provider/sandbox";
import type { ProgramSpec } from "../support/e2eProgram";
import { OwnershipStack } from "../support/ownershipProgram";
import { googleMembers, stepsOf, writeRequests } from "../support/sandboxViews";

/**
 * A group's email changed to an address the managed group already has but the state does not
 * know (an alias an admin added by hand, or the old primary address after an admin changed the
 * primary): the same group, so no replacement, and above all no delete. Before, the engine
 * replaced the resource; the replacement found the same group at the new address, and the old
 * resource's delete then deleted it with its members (the stack had created it).
 */
const PEOPLE = ["alice", "bob", "carol"].map((n) => `${n}@example.com`);

describe("an email changed to another address of the same group keeps the group and its members (real Pulumi CLI)", function () {
  let sandbox: Sandbox;
  let stack: OwnershipStack;
  const spec = (email: string, users: string[], extra: Record<string, unknown> = {}): ProgramSpec => ({
    management: { workspace: { google: { domains: ["example.com"] } } },
    googleGroups: { zeta: { management: "workspace", email, name: "Zeta", ...extra } },
    bindings: { "zeta-members": { target: "zeta", userGroup: { name: "Zeta", users } } },
  });
  const groupById = (id: string) => sandbox.google.tenant.groups.find((g) => g.id === id);

  before(async function () {
    sandbox = await startSandbox({ google: { domains: ["example.com"], users: PEOPLE.map((primaryEmail) => ({ primaryEmail })) } });
    stack = await OwnershipStack.create(sandbox, "own-address");
  });
  after(async () => sandbox?.close());

  /** The group resource's stored inputs (its managed settings, its adoption). */
  async function storedInputs(): Promise<Record<string, unknown>> {
    const state = JSON.parse((await stack.workspace.ok(["stack", "export"])).stdout) as { deployment: { resources: { type: string; inputs?: Record<string, unknown> }[] } };
    return state.deployment.resources.find((r) => r.type.endsWith(":GoogleDistributionGroup"))!.inputs!;
  }

  async function expectKept(id: string, email: string, members: string[]) {
    expect(groupById(id), `group ${id} still exists`).to.not.equal(undefined);
    expect(sandbox.google.tenant.groups.filter((g) => g.name === "Zeta").map((g) => g.id), "no second group").to.deep.equal([id]);
    expect(googleMembers(sandbox, email)).to.deep.equal(members);
    expect((await stack.outputs()).zeta).to.include({ groupId: id, origin: "created" });
    const clean = await stack.workspace.preview("--refresh", "--expect-no-changes");
    expect(clean.code, clean.output).to.equal(0);
  }

  it("an alias added by hand, then the email changed to it (preview, then up): an update in place, nothing deleted", async () => {
    stack.declare(spec("zeta@example.com", ["alice@example.com", "bob@example.com"]));
    const made = await stack.workspace.up();
    expect(made.code, made.output).to.equal(0);
    const id = (await stack.outputs()).zeta!.groupId as string;
    const managed = await storedInputs();
    expect(Object.keys((managed.settings ?? {}) as Record<string, string>), "a created group has the distribution-list settings").to.not.have.length(0);
    groupById(id)!.aliases.push("zeta-new@example.com");

    stack.declare(spec("zeta-new@example.com", ["alice@example.com", "bob@example.com"]));
    const preview = await stack.workspace.preview();
    expect(preview.code, preview.output).to.equal(0);
    const steps = stepsOf(preview.stdout, "GoogleDistributionGroup");
    expect(steps, preview.stdout).to.deep.include({ op: "update", name: "zeta" });
    expect(steps.map((s) => s.op)).to.not.include.members(["replace", "delete", "create-replacement", "delete-replaced"]);
    expect(preview.stdout).to.not.include("replaces the group");
    sandbox.resetRequestCounts();
    const up = await stack.workspace.up();
    expect(up.code, up.output).to.equal(0);
    expect(writeRequests(sandbox).filter((k) => /\bDELETE\b/.test(k)), "nothing deleted").to.deep.equal([]);
    await expectKept(id, "zeta@example.com", ["alice@example.com", "bob@example.com"]);
    const after = await storedInputs();
    expect(after, "still the stack's own group, its settings still managed").to.deep.include({ adoption: managed.adoption, settings: managed.settings });
  });

  it("the primary address changed by hand, then the email changed to it, applied without a preview (Automation API): kept, with deletionPolicy delete and onExisting fail too", async () => {
    stack.declare(spec("zeta-new@example.com", ["alice@example.com", "bob@example.com", "carol@example.com"], { deletionPolicy: "delete", onExisting: "fail" }));
    const first = await stack.workspace.automationUp("own-address");
    expect(first.code, first.output).to.equal(0);
    const id = (await stack.outputs()).zeta!.groupId as string;
    // An admin makes another address the primary; Google keeps the old primary as an alias.
    const group = groupById(id)!;
    group.aliases = [...group.aliases.filter((a) => a !== "zeta-primary@example.com"), group.email];
    group.email = "zeta-primary@example.com";

    stack.declare(spec("zeta-primary@example.com", ["alice@example.com", "bob@example.com", "carol@example.com"], { deletionPolicy: "delete", onExisting: "fail" }));
    sandbox.resetRequestCounts();
    const up = await stack.workspace.automationUp("own-address");
    expect(up.code, up.output).to.equal(0);
    expect(writeRequests(sandbox).filter((k) => /\bDELETE\b/.test(k)), "nothing deleted").to.deep.equal([]);
    await expectKept(id, "zeta-primary@example.com", ["alice@example.com", "bob@example.com", "carol@example.com"]);
  });

  it("the old address gone from the group too (nothing ties the two addresses at preview): a replacement, but the group it finds is its own, so nothing is deleted", async () => {
    const id = (await stack.outputs()).zeta!.groupId as string;
    const group = groupById(id)!;
    group.aliases = ["zeta-last@example.com"];
    group.email = "zeta-final@example.com";
    stack.declare(spec("zeta-final@example.com", ["alice@example.com", "bob@example.com", "carol@example.com"], { deletionPolicy: "delete" }));
    sandbox.resetRequestCounts();
    const up = await stack.workspace.up();
    expect(up.code, up.output).to.equal(0);
    expect(writeRequests(sandbox).filter((k) => /\bDELETE\b/.test(k)), "nothing deleted").to.deep.equal([]);
    expect(groupById(id), "the group stays").to.not.equal(undefined);
    expect(googleMembers(sandbox, "zeta-final@example.com")).to.deep.equal(["alice@example.com", "bob@example.com", "carol@example.com"]);
    const clean = await stack.workspace.preview("--refresh", "--expect-no-changes");
    expect(clean.code, clean.output).to.equal(0);
  });
});
