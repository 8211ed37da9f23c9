import { expect } from "chai";
import { startSandbox, type Sandbox } from "../../provider/sandbox";
import { OwnershipStack } from "../support/ownershipProgram";
import { entraGroupsNamed, entraMembers, googleGroup, googleMembers, writeRequests } from "../support/sandboxViews";

/**
 * The same answers with and without a preview (docs/guides/migrating.md#one-remote-group-one-owner-with-or-without-a-preview): pulumi/actions
 * and other CI drivers run `up` through the Automation API, which does not preview first. Two
 * resources that would manage one group, or two bindings that would fight over one group's
 * members, are refused before EITHER writes, whichever the engine checks first; a second run
 * refuses the same way (no members flipping back and forth).
 */
const PEOPLE = ["alice", "bob", "carol"].map((n) => `${n}@example.com`);
const STRANGERS = Array.from({ length: 12 }, (_, n) => `stranger${String(n).padStart(2, "0")}@example.com`);

describe("Conflicts refused before either side writes, with the Automation API (no preview)", function () {
  let sandbox: Sandbox;
  let stack: OwnershipStack;
  const management = () => ({ tenant: { entra: { tenantId: sandbox.entra.tenantId } }, workspace: { google: { domains: ["example.com"] } } });

  before(async function () {
    sandbox = await startSandbox({
      google: {
        domains: ["example.com"],
        users: [...PEOPLE, ...STRANGERS].map((primaryEmail) => ({ primaryEmail })),
        groups: [{ email: "shared@example.com", name: "Shared" }, { email: "crowd@example.com", name: "Crowd", members: STRANGERS.map((email) => ({ email, type: "USER" as const })) }],
      },
      entra: { users: PEOPLE.map((userPrincipalName) => ({ userPrincipalName })) },
    });
    stack = await OwnershipStack.create(sandbox, "automation");
  });
  after(async () => sandbox?.close());

  it("two Google groups at one address (any case) and two Entra groups of one display name: neither is made", async () => {
    stack.declare({
      management: management(),
      googleGroups: { first: { management: "workspace", email: "team@example.com" }, second: { management: "workspace", email: "Team@Example.com" } },
      entraGroups: { one: { management: "tenant", displayName: "Platform" }, two: { management: "tenant", displayName: "Platform" } },
    });
    sandbox.resetRequestCounts();
    for (let round = 0; round < 2; round++) {
      const refused = await stack.workspace.automationUp("automation");
      expect(refused.code, refused.output).to.not.equal(0);
      expect(refused.output).to.match(/(GoogleDistributionGroup "(first|second)" and GoogleDistributionGroup "(first|second)"|EntraSecurityGroup "(one|two)" and EntraSecurityGroup "(one|two)") would both manage one remote group/);
      expect(googleGroup(sandbox, "team@example.com"), "neither Google group is made").to.equal(undefined);
      expect(entraGroupsNamed(sandbox, "Platform"), "neither Entra group is made").to.have.length(0);
    }
    expect(writeRequests(sandbox)).to.deep.equal([]);
  });

  it("two authoritative bindings of one group: neither adds or removes anyone, run after run", async () => {
    stack.declare({
      management: management(),
      googleGroups: { shared: { management: "workspace", email: "shared@example.com" } },
      bindings: {
        "shared-a": { target: "shared", userGroup: { name: "A", users: ["alice@example.com"] } },
        "shared-b": { target: "shared", userGroup: { name: "B", users: ["bob@example.com", "carol@example.com"] } },
      },
    });
    for (let round = 0; round < 2; round++) {
      const refused = await stack.workspace.automationUp("automation");
      expect(refused.code, refused.output).to.not.equal(0);
      expect(refused.output).to.match(/shared@example\.com is also bound by GroupBinding shared-[ab]/);
      expect(googleMembers(sandbox, "shared@example.com"), "no member written").to.deep.equal([]);
    }
    // The fix the message gives: both additive. Then both apply.
    stack.declare({
      management: management(),
      googleGroups: { shared: { management: "workspace", email: "shared@example.com" } },
      bindings: {
        "shared-a": { target: "shared", membershipMode: "additive", userGroup: { name: "A", users: ["alice@example.com"] } },
        "shared-b": { target: "shared", membershipMode: "additive", userGroup: { name: "B", users: ["bob@example.com", "carol@example.com"] } },
      },
    });
    const fixed = await stack.workspace.automationUp("automation");
    expect(fixed.code, fixed.output).to.equal(0);
    expect(googleMembers(sandbox, "shared@example.com")).to.deep.equal(PEOPLE);
  });

  it("a move to an existing group whose members the binding's guard protects is refused before the group is replaced", async () => {
    const spec = (email: string) => ({
      management: management(),
      googleGroups: { eng: { management: "workspace", email, name: "Eng" } },
      bindings: { "eng-members": { target: "eng", userGroup: { name: "Eng", users: ["alice@example.com", "bob@example.com"] } } },
    });
    stack.declare(spec("eng@example.com"));
    expect((await stack.workspace.automationUp("automation")).code).to.equal(0);
    stack.declare(spec("crowd@example.com"));
    const refused = await stack.workspace.automationUp("automation");
    expect(refused.code, refused.output).to.not.equal(0);
    expect(refused.output).to.match(/GroupBinding eng-members of this group: mass-removal guard: would remove 12 of 12 members/);
    expect(googleMembers(sandbox, "crowd@example.com"), "nobody removed").to.deep.equal(STRANGERS);
    expect(googleGroup(sandbox, "crowd@example.com")!.name, "the group not taken over (its name unchanged)").to.equal("Crowd");
    expect(googleMembers(sandbox, "eng@example.com"), "nobody moved").to.deep.equal(["alice@example.com", "bob@example.com"]);
    expect((await stack.outputs()).eng).to.include({ email: "eng@example.com" });
  });

  it("a managed group renamed away from the name a new resource finds it by: neither writes, whichever is declared first, with or without a preview", async () => {
    // Found by the journeys' split of a user group: its Entra side moved (renamed) to one new user group while another named the group by its old display name.
    const held = await OwnershipStack.create(sandbox, "held");
    const spec = (groups: Record<string, Record<string, string>>) => ({
      management: management(),
      entraGroups: groups,
      bindings: { "alpha-members": { target: "alpha", userGroup: { name: "Alpha", users: ["alice@example.com"] } } },
    });
    held.declare(spec({ alpha: { management: "tenant", displayName: "Alpha" } }));
    const made = await held.workspace.automationUp("held");
    expect(made.code, made.output).to.equal(0);
    const [alpha] = entraGroupsNamed(sandbox, "Alpha");
    expect(alpha, "the stack made Alpha").to.not.equal(undefined);
    const both = new RegExp(`EntraSecurityGroup "(alpha|newcomer)" and EntraSecurityGroup "(alpha|newcomer)" would both manage one remote group \\(group ${alpha!.id}`, "i");
    for (const order of [["newcomer", "alpha"], ["alpha", "newcomer"]]) {
      const groups: Record<string, Record<string, string>> = {};
      for (const name of order) groups[name] = name === "alpha" ? { management: "tenant", displayName: "Alpha Team" } : { management: "tenant", displayName: "Alpha", description: "the newcomer's" };
      held.declare(spec(groups));
      sandbox.resetRequestCounts();
      const preview = await held.workspace.preview();
      expect(preview.code, preview.output).to.not.equal(0);
      expect(preview.output, `${order.join(" before ")}: the preview`).to.match(both);
      const up = await held.workspace.automationUp("held");
      expect(up.code, up.output).to.not.equal(0);
      expect(up.output, `${order.join(" before ")}: the Automation API's up`).to.match(both);
      expect(writeRequests(sandbox), `${order.join(" before ")}: nothing written`).to.deep.equal([]);
      expect(entraGroupsNamed(sandbox, "Alpha").map((g) => g.id), "not renamed").to.deep.equal([alpha!.id]);
      expect(alpha!.description ?? "", "not taken over").to.not.equal("the newcomer's");
      expect(entraMembers(sandbox, alpha!.id)).to.deep.equal(["alice@example.com"]);
      expect(Object.keys(await held.ids("EntraSecurityGroup")), "only alpha holds the group").to.deep.equal(["alpha"]);
    }
    // The fix the message gives (another display name for the newcomer): both apply, each its own group.
    held.declare(spec({ newcomer: { management: "tenant", displayName: "Alpha Newcomers" }, alpha: { management: "tenant", displayName: "Alpha Team" } }));
    const fixed = await held.workspace.automationUp("held");
    expect(fixed.code, fixed.output).to.equal(0);
    expect(entraGroupsNamed(sandbox, "Alpha Team").map((g) => g.id)).to.deep.equal([alpha!.id]);
    expect(entraGroupsNamed(sandbox, "Alpha Newcomers")).to.have.length(1);
  });

  it("the same conflict fails a preview, naming both resources, whichever is checked first", async () => {
    stack.declare({
      management: management(),
      googleGroups: { first: { management: "workspace", email: "team@example.com" }, second: { management: "workspace", email: "team@example.com" } },
    });
    sandbox.resetRequestCounts();
    const preview = await stack.workspace.preview();
    expect(preview.code).to.not.equal(0);
    // Each resource sees the other through the program's manifest: the one checked first fails (the engine stops there).
    expect(preview.output).to.match(/GoogleDistributionGroup "(first|second)" and GoogleDistributionGroup "(first|second)" would both manage one remote group \(address team@example\.com/);
    expect(writeRequests(sandbox)).to.deep.equal([]);
  });
});
