import { expect } from "chai";
import { startSandbox, type Sandbox } from "../../provider/sandbox";
import type { ProgramSpec } from "../support/e2eProgram";
import { OwnershipStack } from "../support/ownershipProgram";
import { googleGroup, googleMembers, stepsOf, writeRequests } from "../support/sandboxViews";

const USERS = ["alice", "bob", "carol", "dave"].map((n) => ({ primaryEmail: `${n}@example.com` }));
const MANAGEMENT = { workspace: { google: { domains: ["example.com"] } } };
const TEAM_ID = "0team00001";
const LEGACY_ID = "0legacy001";
const OPS_ID = "0ops000001";

function group(email: unknown, extra: Record<string, unknown> = {}) {
  return { management: "workspace", email, ...extra };
}

function groupsAt(sandbox: Sandbox, email: string) {
  return sandbox.google.tenant.groups.filter((g) => g.email === email || g.aliases.includes(email));
}

describe("Google groups: one owner, aliases, moves, gone groups and adoption control, through the real Pulumi CLI", function () {
  let sandbox: Sandbox;
  let stack: OwnershipStack;
  let spec: ProgramSpec;
  const groups = () => spec.googleGroups!;

  async function expectClean() {
    const clean = await stack.workspace.preview("--refresh", "--expect-no-changes");
    expect(clean.code, clean.output).to.equal(0);
  }

  before(async function () {
    sandbox = await startSandbox({
      google: {
        domains: ["example.com"],
        admins: ["admin@example.com"],
        users: USERS,
        groups: [
          { id: TEAM_ID, email: "team@example.com", name: "Team", description: "", aliases: ["crew@example.com"] },
          { id: LEGACY_ID, email: "legacy@example.com", name: "Legacy", description: "", aliases: ["old-legacy@example.com"] },
          { id: OPS_ID, email: "ops@example.com", name: "Ops", description: "", members: [{ id: "1dave", email: "dave@example.com", role: "MEMBER", type: "USER" }] },
        ],
      },
    });
    stack = await OwnershipStack.create(sandbox, "google-ownership");
  });
  after(async () => sandbox?.close());

  it("two resources at one address in different case fail at preview, naming both and the fix; nothing is written", async () => {
    stack.declare({ management: MANAGEMENT, googleGroups: { a: group("eng@example.com"), b: group("ENG@Example.com") } });
    sandbox.resetRequestCounts();
    const preview = await stack.workspace.preview();
    expect(preview.code).to.not.equal(0);
    expect(preview.output).to.match(/GoogleDistributionGroup "(a|b)" and GoogleDistributionGroup "(a|b)" would both manage one remote group \(address eng@example\.com/);
    expect(preview.output).to.include('GoogleDistributionGroup "a"').and.to.include('GoogleDistributionGroup "b"');
    expect(preview.output).to.include("Fix: declare each Google group once");
    expect(writeRequests(sandbox)).to.deep.equal([]);
    expect(groupsAt(sandbox, "eng@example.com")).to.have.length(0);
  });

  it("a group declared by its alias is adopted without a perpetual diff; declaring it again by its primary address fails naming both", async () => {
    spec = { management: MANAGEMENT, googleGroups: { crew: group("crew@example.com", { name: "Team" }) } };
    stack.declare(spec);
    const preview = await stack.workspace.preview();
    expect(preview.code, preview.output).to.equal(0);
    expect(preview.stdout).to.include(`adopt existing group ${TEAM_ID} (crew@example.com is its alias; primary address team@example.com)`);
    const up = await stack.workspace.up();
    expect(up.code, up.output).to.equal(0);
    expect(sandbox.google.tenant.groups).to.have.length(3);
    expect(googleGroup(sandbox, "team@example.com")).to.include({ id: TEAM_ID, name: "Team" });
    expect((await stack.outputs()).crew).to.include({ email: "crew@example.com", primaryEmail: "team@example.com", origin: "adopted", groupId: TEAM_ID });
    await expectClean();
    await expectClean();

    stack.declare({ ...spec, googleGroups: { ...groups(), team: group("team@example.com") } });
    sandbox.resetRequestCounts();
    const twice = await stack.workspace.preview();
    expect(twice.code).to.not.equal(0);
    expect(twice.output).to.match(/GoogleDistributionGroup "(team|crew)" and GoogleDistributionGroup "(team|crew)" would both manage one remote group \(.*address crew@example\.com/);
    expect(twice.output).to.include('GoogleDistributionGroup "team"').and.to.include('GoogleDistributionGroup "crew"');
    expect(writeRequests(sandbox)).to.deep.equal([]);
    expect(sandbox.google.tenant.groups).to.have.length(3);
  });

  it("an email change away from a group the stack created replaces it: members move, the old group is deleted, the id follows", async () => {
    spec = {
      management: MANAGEMENT,
      googleGroups: { ...groups(), eng: group("eng@example.com", { name: "Eng" }) },
      bindings: { "eng-members": { target: "eng", userGroup: { name: "Eng", users: ["alice@example.com", "bob@example.com"] } } },
    };
    stack.declare(spec);
    const up = await stack.workspace.up();
    expect(up.code, up.output).to.equal(0);
    expect(googleMembers(sandbox, "eng@example.com")).to.deep.equal(["alice@example.com", "bob@example.com"]);
    expect((await stack.outputs()).eng.origin).to.equal("created");

    groups().eng = group("engineering@example.com", { name: "Eng" });
    stack.declare(spec);
    const preview = await stack.workspace.preview();
    expect(preview.code, preview.output).to.equal(0);
    expect(stepsOf(preview.stdout, "GoogleDistributionGroup")).to.deep.include({ op: "replace", name: "eng" });
    if (!preview.stdout.includes("create; replaces the group")) console.log(preview.stdout);
    expect(preview.stdout).to.include("create; replaces the group of eng@example.com, which is deleted after the members move if this stack created it");
    const move = await stack.workspace.up();
    expect(move.code, move.output).to.equal(0);
    expect(googleMembers(sandbox, "engineering@example.com")).to.deep.equal(["alice@example.com", "bob@example.com"]);
    expect(groupsAt(sandbox, "eng@example.com"), "the created group is not left behind").to.have.length(0);
    const newId = googleGroup(sandbox, "engineering@example.com")!.id;
    expect((await stack.outputs()).eng).to.include({ groupId: newId, origin: "created" });
    expect((await stack.ids("GoogleDistributionGroup")).eng, "the Pulumi id is the managed group").to.equal(newId);
    await expectClean();
  });

  it("moving into an existing group adopts it and deletes the group the stack created", async () => {
    groups().eng = group("ops@example.com", { name: "Ops" });
    spec.bindings!["eng-members"].userGroup = { name: "Eng", users: ["alice@example.com", "bob@example.com", "dave@example.com"] };
    stack.declare(spec);
    const up = await stack.workspace.up();
    expect(up.code, up.output).to.equal(0);
    expect(googleMembers(sandbox, "ops@example.com")).to.deep.equal(["alice@example.com", "bob@example.com", "dave@example.com"]);
    expect(groupsAt(sandbox, "engineering@example.com")).to.have.length(0);
    expect((await stack.outputs()).eng).to.include({ groupId: OPS_ID, origin: "adopted" });
    expect((await stack.ids("GoogleDistributionGroup")).eng).to.equal(OPS_ID);
    await expectClean();
  });

  it("an address unknown at preview: the change shows as a replacement and leaves no created group behind", async () => {
    groups().late = group({ $late: "unk1@example.com" });
    stack.declare(spec);
    const first = await stack.workspace.up();
    expect(first.code, first.output).to.equal(0);
    expect(groupsAt(sandbox, "unk1@example.com")).to.have.length(1);

    groups().late = group({ $late: "unk2@example.com" });
    stack.declare(spec);
    const preview = await stack.workspace.preview();
    expect(preview.code, preview.output).to.equal(0);
    expect(stepsOf(preview.stdout, "GoogleDistributionGroup")).to.deep.include({ op: "replace", name: "late" });
    const up = await stack.workspace.up();
    expect(up.code, up.output).to.equal(0);
    expect(groupsAt(sandbox, "unk1@example.com"), "old created group deleted").to.have.length(0);
    const unk2 = googleGroup(sandbox, "unk2@example.com")!;
    expect((await stack.ids("GoogleDistributionGroup")).late).to.equal(unk2.id);
    await expectClean();
  });

  it("two resources at one address, one of them unknown at preview, are stopped at apply before the second writes", async () => {
    stack.declare({ ...spec, googleGroups: { ...groups(), dupA: group("dup@example.com"), dupB: group({ $late: "DUP@example.com" }) } });
    const up = await stack.workspace.up();
    expect(up.code).to.not.equal(0);
    // Whichever of the two the engine checks second is the one that fails (timing decides the order).
    expect(up.output).to.match(/GoogleDistributionGroup "dup[AB]" and GoogleDistributionGroup "dup[AB]" would both manage one remote group \(address dup@example\.com/);
    // The failed check stops the update; whether dupA's create had started by then is timing too.
    // Never two groups, never the second resource in state, and no group without its resource.
    const made = groupsAt(sandbox, "dup@example.com");
    expect(made.length, "at most the first resource's group exists").to.be.at.most(1);
    const ids = await stack.ids("GoogleDistributionGroup");
    expect(ids).to.not.have.property("dupB");
    if (made.length === 1) expect(ids, "the group made is the first resource's, not orphaned").to.have.property("dupA");
    groups().dupA = group("dup@example.com");
    stack.declare(spec);
    const fixed = await stack.workspace.up();
    expect(fixed.code, fixed.output).to.equal(0);
    await expectClean();
  });

  it("a group deleted by hand: refresh reports it gone at once (no propagation retries), the next up makes it again", async () => {
    const gone = googleGroup(sandbox, "unk2@example.com")!;
    sandbox.google.tenant.groups.splice(sandbox.google.tenant.groups.indexOf(gone), 1);
    const started = Date.now();
    const refresh = await stack.workspace.refresh();
    const seconds = (Date.now() - started) / 1000;
    console.log(`      refresh of a deleted group: ${seconds.toFixed(1)} s`);
    expect(refresh.code, refresh.output).to.equal(0);
    expect(seconds).to.be.lessThan(20);
    expect(await stack.ids("GoogleDistributionGroup")).to.not.have.property("late");
    const up = await stack.workspace.up();
    expect(up.code, up.output).to.equal(0);
    const again = googleGroup(sandbox, "unk2@example.com")!;
    expect(again.id).to.not.equal(gone.id);
    expect((await stack.outputs()).late).to.include({ origin: "created", groupId: again.id });
    await expectClean();
  });

  it("an apply error names the resource and the group", async () => {
    groups().dupA = group("dup@example.com", { description: "changed" });
    stack.declare(spec);
    stack.workspace.setEnv("GROUP_EXPORT_READ_ONLY", "true");
    const up = await stack.workspace.up();
    stack.workspace.setEnv("GROUP_EXPORT_READ_ONLY", "false");
    expect(up.code).to.not.equal(0);
    expect(up.output).to.match(/GoogleDistributionGroup "dupA" \(group dup@example\.com \(\w+\)\): .*read-only/);
    expect(googleGroup(sandbox, "dup@example.com")!.description).to.equal("");
    const fixed = await stack.workspace.up();
    expect(fixed.code, fixed.output).to.equal(0);
    expect(googleGroup(sandbox, "dup@example.com")!.description).to.equal("changed");
  });

  it("takeover under control: onExisting \"fail\" refuses, adoptId pins the group, the import option points to adoptId", async () => {
    stack.declare({ ...spec, googleGroups: { ...groups(), legacy: group("legacy@example.com", { onExisting: "fail" }) } });
    sandbox.resetRequestCounts();
    const refused = await stack.workspace.preview();
    expect(refused.code).to.not.equal(0);
    expect(refused.output).to.include(`group ${LEGACY_ID} (legacy@example.com, old-legacy@example.com) already has address legacy@example.com and onExisting is "fail"`);
    expect(writeRequests(sandbox)).to.deep.equal([]);

    stack.declare({ ...spec, googleGroups: { ...groups(), legacy: group("legacy@example.com", { opts: { import: LEGACY_ID } }) } });
    const imported = await stack.workspace.preview();
    expect(imported.code).to.not.equal(0);
    expect(imported.output).to.include('GoogleDistributionGroup "legacy": the import option is not supported');
    expect(imported.output).to.include("adoptId");
    expect(imported.output).to.not.include("code must be a string");

    groups().legacy = group("legacy@example.com", { name: "Legacy", adoptId: LEGACY_ID });
    stack.declare(spec);
    const preview = await stack.workspace.preview();
    expect(preview.code, preview.output).to.equal(0);
    expect(preview.stdout).to.include(`adopt existing group ${LEGACY_ID} (adoptId)`);
    const up = await stack.workspace.up();
    expect(up.code, up.output).to.equal(0);
    expect(groupsAt(sandbox, "legacy@example.com")).to.have.length(1);
    expect((await stack.outputs()).legacy).to.include({ groupId: LEGACY_ID, origin: "adopted" });
    await expectClean();

    stack.declare({ ...spec, googleGroups: { ...groups(), again: group("old-legacy@example.com", { name: "Legacy", adoptId: LEGACY_ID }) } });
    sandbox.resetRequestCounts();
    const pinnedTwice = await stack.workspace.preview();
    expect(pinnedTwice.code).to.not.equal(0);
    expect(pinnedTwice.output).to.match(/GoogleDistributionGroup "(legacy|again)" and GoogleDistributionGroup "(legacy|again)" would both manage one remote group/);
    expect(pinnedTwice.output).to.include(`group ${LEGACY_ID}`);
    expect(writeRequests(sandbox)).to.deep.equal([]);
  });

  it("a create whose address is taken while it runs, by a group no attempt of this create can have made, is recorded as adopted (never deleted by this stack)", async () => {
    sandbox.faults.add({ api: "google", method: "POST", path: "^/groups$", kind: "latency", delayMs: 3000, count: 1 });
    groups().racer = group("racer@example.com");
    stack.declare(spec);
    const running = stack.workspace.up();
    for (let waited = 0; sandbox.faults.list().length > 0 && waited < 120_000; waited += 50) await new Promise((r) => setTimeout(r, 50));
    expect(sandbox.faults.list(), "the insert is under way").to.have.length(0);
    // Someone else's group, made while the insert waits: the insert's only attempt gets 409 and
    // never lost an answer, so nothing shows the group is this create's own (docs/guides/migrating.md#moving-an-existing-group-under-management).
    sandbox.google.tenant.groups.push({ id: "0racer0001", email: "racer@example.com", name: "racer", description: "", adminCreated: true, aliases: [], etag: '"r"' });
    const up = await running;
    expect(up.code, up.output).to.equal(0);
    expect(groupsAt(sandbox, "racer@example.com")).to.have.length(1);
    expect((await stack.outputs()).racer).to.include({ groupId: "0racer0001", origin: "adopted" });
    await expectClean();
  });

  it("a resource renamed without an alias: the new one takes the group over and the old one's delete releases it instead of deleting it", async () => {
    const { racer, ...rest } = groups();
    spec.googleGroups = { ...rest, racer2: { ...racer, deletionPolicy: "delete" } };
    stack.declare(spec);
    const up = await stack.workspace.up();
    expect(up.code, up.output).to.equal(0);
    expect(groupsAt(sandbox, "racer@example.com").map((g) => g.id)).to.deep.equal(["0racer0001"]);
    expect((await stack.outputs()).racer2).to.include({ groupId: "0racer0001" });
    expect(await stack.ids("GoogleDistributionGroup")).to.not.have.property("racer");
    await expectClean();
  });

  it("destroy deletes every group the stack created and releases the ones it adopted", async () => {
    const destroy = await stack.workspace.destroy();
    expect(destroy.code, destroy.output).to.equal(0);
    for (const created of ["racer@example.com", "unk2@example.com", "dup@example.com", "engineering@example.com", "eng@example.com"]) {
      expect(groupsAt(sandbox, created), created).to.have.length(0);
    }
    expect(sandbox.google.tenant.groups.map((g) => g.id).sort()).to.deep.equal([LEGACY_ID, OPS_ID, TEAM_ID].sort());
  });
});
