import { expect } from "chai";
import { startSandbox, type Sandbox } from "../../provider/sandbox";
import type { ProgramSpec } from "../support/e2eProgram";
import { OwnershipStack } from "../support/ownershipProgram";
import { entraGroupsNamed, entraMembers, writeRequests } from "../support/sandboxViews";

const SALES_ID = "5a1e5000-0000-4000-8000-000000000001";
const LOWER_ID = "e0000000-0000-4000-8000-000000000001";
const SPACE_ID = "e0000000-0000-4000-8000-000000000002";
const OLD_ID = "e0000000-0000-4000-8000-000000000003";
const LEGACY_ID = "1e9ac000-0000-4000-8000-000000000001";
const SEEDED = [SALES_ID, LOWER_ID, SPACE_ID, OLD_ID, LEGACY_ID];

function group(displayName: unknown, extra: Record<string, unknown> = {}) {
  return { management: "tenant", displayName, ...extra };
}

describe("Entra groups: one owner, exact takeover, gone groups and adoption control, through the real Pulumi CLI", function () {
  let sandbox: Sandbox;
  let stack: OwnershipStack;
  let spec: ProgramSpec;
  const groups = () => spec.entraGroups!;
  const management = () => ({ tenant: { entra: { tenantId: sandbox.entra.tenantId } } });
  const seededUntouched = () => {
    expect(sandbox.entra.tenant.groups.filter((g) => SEEDED.includes(g.id)).map((g) => g.id).sort()).to.deep.equal([...SEEDED].sort());
    expect(entraMembers(sandbox, LOWER_ID), "the near match keeps its members").to.deep.equal(["carol@example.com"]);
  };

  async function expectClean() {
    const clean = await stack.workspace.preview("--refresh", "--expect-no-changes");
    expect(clean.code, clean.output).to.equal(0);
  }

  before(async function () {
    sandbox = await startSandbox({
      entra: {
        users: ["alice", "bob", "carol"].map((n) => ({ userPrincipalName: `${n}@example.com` })),
        groups: [
          { id: SALES_ID, displayName: "Sales", members: [] },
          { id: LOWER_ID, displayName: "engineering", mailNickname: "eng-lower" },
          { id: SPACE_ID, displayName: "Engineering ", mailNickname: "eng-space" },
          { id: OLD_ID, displayName: "Engineering-old", mailNickname: "eng-old" },
          { id: LEGACY_ID, displayName: "Legacy team", mailNickname: "legacy" },
        ],
      },
    });
    const carol = sandbox.entra.tenant.users.find((u) => u.userPrincipalName === "carol@example.com")!;
    sandbox.entra.tenant.groups.find((g) => g.id === LOWER_ID)!.members = [carol.id];
    stack = await OwnershipStack.create(sandbox, "entra-ownership");
  });
  after(async () => sandbox?.close());

  it("two resources with one display name fail at preview, naming both and the fix; nothing is written", async () => {
    stack.declare({ management: management(), entraGroups: { p1: group("Platform"), p2: group("Platform") } });
    sandbox.resetRequestCounts();
    const preview = await stack.workspace.preview();
    expect(preview.code).to.not.equal(0);
    expect(preview.output).to.match(/EntraSecurityGroup "p[12]" and EntraSecurityGroup "p[12]" would both manage one remote group \(display name "Platform"/);
    expect(preview.output).to.include('set onExisting: "create" on both');
    expect(writeRequests(sandbox)).to.deep.equal([]);
    expect(entraGroupsNamed(sandbox, "Platform")).to.have.length(0);
  });

  it("a pinned id and a takeover by name of the same group fail at preview, naming both", async () => {
    stack.declare({ management: management(), entraGroups: { pinned: group("Sales team", { adoptId: SALES_ID }), byName: group("Sales") } });
    sandbox.resetRequestCounts();
    const preview = await stack.workspace.preview();
    expect(preview.code).to.not.equal(0);
    expect(preview.output).to.match(new RegExp(`EntraSecurityGroup "(pinned|byName)" and EntraSecurityGroup "(pinned|byName)" would both manage one remote group \\(group ${SALES_ID}`));
    expect(writeRequests(sandbox)).to.deep.equal([]);
  });

  it("takes over only an exact name: near matches are reported at preview and never adopted", async () => {
    spec = {
      management: management(),
      entraGroups: { engineering: group("Engineering") },
      bindings: { "engineering-members": { target: "engineering", userGroup: { name: "Engineering", users: ["alice@example.com"] } } },
    };
    stack.declare(spec);
    const preview = await stack.workspace.preview();
    expect(preview.code, preview.output).to.equal(0);
    expect(preview.stdout).to.include(`group ${LOWER_ID} is named \\"engineering\\"`);
    expect(preview.stdout, preview.stdout).to.include('never taken over');
    expect(preview.stdout).to.not.include(`adopt existing group ${LOWER_ID}`);
    const up = await stack.workspace.up();
    expect(up.code, up.output).to.equal(0);
    const [created] = entraGroupsNamed(sandbox, "Engineering");
    expect(created.id).to.not.be.oneOf(SEEDED);
    expect(entraMembers(sandbox, created.id)).to.deep.equal(["alice@example.com"]);
    expect((await stack.outputs()).engineering).to.include({ origin: "created", groupId: created.id });
    seededUntouched();
    await expectClean();
  });

  it("takeover under control: onExisting \"fail\" stops, \"create\" makes a new group, adoptId pins one; import points to adoptId", async () => {
    stack.declare({ ...spec, entraGroups: { ...groups(), sales: group("Sales", { onExisting: "fail" }) } });
    const refused = await stack.workspace.preview();
    expect(refused.code).to.not.equal(0);
    expect(refused.output).to.include(`security group ${SALES_ID} is already named "Sales" and onExisting is "fail"`);

    stack.declare({ ...spec, entraGroups: { ...groups(), legacy: group("Legacy team", { opts: { import: LEGACY_ID } }) } });
    const imported = await stack.workspace.preview();
    expect(imported.code).to.not.equal(0);
    expect(imported.output).to.include('EntraSecurityGroup "legacy": the import option is not supported');
    expect(imported.output).to.include("adoptId");
    expect(imported.output).to.not.include("code must be a string");

    groups().sales = group("Sales", { onExisting: "create" });
    groups().legacy = group("Legacy team", { adoptId: LEGACY_ID });
    stack.declare(spec);
    const preview = await stack.workspace.preview();
    expect(preview.code, preview.output).to.equal(0);
    expect(preview.stdout).to.include(`onExisting is \\"create\\": ${SALES_ID} not taken over`);
    const up = await stack.workspace.up();
    expect(up.code, up.output).to.equal(0);
    const sales = entraGroupsNamed(sandbox, "Sales");
    expect(sales).to.have.length(2);
    const outputs = await stack.outputs();
    expect(outputs.sales.origin).to.equal("created");
    expect(outputs.sales.groupId).to.not.equal(SALES_ID);
    expect(outputs.legacy).to.include({ origin: "adopted", groupId: LEGACY_ID });
    seededUntouched();
    await expectClean();
  });

  it("one display name, one of them unknown at preview: stopped at apply before the second writes", async () => {
    stack.declare({ ...spec, entraGroups: { ...groups(), ops1: group("Ops"), ops2: group({ $late: "Ops" }) } });
    const up = await stack.workspace.up();
    expect(up.code).to.not.equal(0);
    // Whichever of the two the engine checks second is the one that fails (timing decides the order).
    expect(up.output).to.match(/EntraSecurityGroup "ops[12]" and EntraSecurityGroup "ops[12]" would both manage one remote group \(display name "Ops"/);
    // ops2 never writes; whether ops1 was created before the engine stopped on ops2's error depends on timing.
    expect(entraGroupsNamed(sandbox, "Ops")).to.have.length.of.at.most(1);
    groups().ops1 = group("Ops");
    stack.declare(spec);
    const fixed = await stack.workspace.up();
    expect(fixed.code, fixed.output).to.equal(0);
    expect(entraGroupsNamed(sandbox, "Ops")).to.have.length(1);
    await expectClean();
  });

  it("a group deleted by hand: refresh reports it gone at once, the next up makes it again", async () => {
    const [ops] = entraGroupsNamed(sandbox, "Ops");
    sandbox.entra.tenant.groups.splice(sandbox.entra.tenant.groups.indexOf(ops), 1);
    const started = Date.now();
    const refresh = await stack.workspace.refresh();
    const seconds = (Date.now() - started) / 1000;
    console.log(`      refresh of a deleted group: ${seconds.toFixed(1)} s`);
    expect(refresh.code, refresh.output).to.equal(0);
    expect(seconds).to.be.lessThan(20);
    expect(await stack.ids("EntraSecurityGroup")).to.not.have.property("ops1");
    const up = await stack.workspace.up();
    expect(up.code, up.output).to.equal(0);
    const again = entraGroupsNamed(sandbox, "Ops");
    expect(again).to.have.length(1);
    expect(again[0].id).to.not.equal(ops.id);
    await expectClean();
  });

  it("destroy deletes what the stack created and releases what it adopted", async () => {
    const destroy = await stack.workspace.destroy();
    expect(destroy.code, destroy.output).to.equal(0);
    expect(sandbox.entra.tenant.groups.filter((g) => !g.deletedDateTime).map((g) => g.id).sort()).to.deep.equal([...SEEDED].sort());
    seededUntouched();
  });
});
