import { expect } from "chai";
import { BindingClaims } from "../../provider/groups/bindingClaims";
import { RoleClaims } from "../../provider/groups/ownersAndNesting";
import * as sinon from "sinon";
import { claimKeys, groupConflictMessage, GROUPS_SETTLED_MAX_WAIT_MS, RunRegistry } from "../../provider/groups/runRegistry";

const registry = new RunRegistry();
const { otherHolders, recentlyCreated, recordCreated, registerClaims, releaseClaims } = {
  otherHolders: registry.otherHolders.bind(registry),
  recentlyCreated: registry.recentlyCreated.bind(registry),
  recordCreated: registry.recordCreated.bind(registry),
  registerClaims: registry.registerClaims.bind(registry),
  releaseClaims: registry.releaseClaims.bind(registry),
};

const DIR = "google:my_customer";

describe("per-run registry: one remote group, one owner", () => {
  afterEach(() => {
    for (const owner of ["A", "B", "C", "bind-1", "bind-2", "bind-3"]) releaseClaims(owner);
  });

  it("the second claimant of a key gets a conflict naming the first, in either order", () => {
    expect(registerClaims("A", [{ key: claimKeys.address(DIR, "Eng@example.com"), label: "address eng@example.com" }])).to.deep.equal([]);
    const conflicts = registerClaims("B", [{ key: claimKeys.address(DIR, "eng@example.com"), label: "address eng@example.com" }]);
    expect(conflicts).to.deep.equal([{ holder: "A", label: "address eng@example.com" }]);
    expect(groupConflictMessage("B", conflicts, DIR, "remove one")).to.equal(
      "B and A would both manage one remote group (address eng@example.com in google:my_customer): a remote group has one owner. Fix: remove one",
    );
  });

  it("a resource claiming again replaces its own claims (no conflict with itself)", () => {
    registerClaims("A", [{ key: "k1", label: "k1" }]);
    expect(registerClaims("A", [{ key: "k1", label: "k1" }, { key: "k2", label: "k2" }])).to.deep.equal([]);
    registerClaims("A", [{ key: "k2", label: "k2" }]);
    expect(otherHolders("B", "k1")).to.deep.equal([]);
    expect(otherHolders("B", "k2")).to.deep.equal(["A"]);
  });

  it("a managed resource's group (claimed from its diff) conflicts with a new resource that finds it by another name, in either order", () => {
    const group = claimKeys.group(DIR, "G1");
    // The new resource's check first (it takes the group over), then the managed one's diff.
    expect(registerClaims("B", [{ key: group, label: "group G1" }])).to.deep.equal([]);
    expect(registry.claimHeldGroup("A", DIR, "g1")).to.deep.equal([{ holder: "B", label: "group g1" }]);
    releaseClaims("A");
    releaseClaims("B");
    // The managed one's diff first: the new one's check sees it; claiming again is no conflict with itself.
    registerClaims("A", [{ key: claimKeys.address(DIR, "new@example.com"), label: "address new@example.com" }]);
    expect(registry.claimHeldGroup("A", DIR, "G1")).to.deep.equal([]);
    expect(registry.claimHeldGroup("A", DIR, "G1")).to.deep.equal([]);
    expect(registerClaims("B", [{ key: group, label: "group G1" }])).to.deep.equal([{ holder: "A", label: "group G1" }]);
    expect(otherHolders("B", claimKeys.address(DIR, "new@example.com")), "the held group adds to the check's claims").to.deep.equal(["A"]);
    releaseClaims("A");
    expect(otherHolders("B", group)).to.deep.equal([]);
  });

  it("a takeover waits for the program's group resources: each checked, each managed one diffed; bounded", async () => {
    const run = new RunRegistry();
    const settledAfter = async (wait: Promise<void>, step: () => void) => {
      let done = false;
      void wait.then(() => (done = true));
      await new Promise((r) => setImmediate(r));
      const before = done;
      step();
      await new Promise((r) => setImmediate(r));
      return { before, after: done };
    };
    await run.groupsSettled(DIR, 50); // no manifest: nothing to wait for
    run.declareGroups(DIR, ["A", "B"]);
    run.groupChecked("B", false);
    expect(await settledAfter(run.groupsSettled(DIR), () => run.groupChecked("A", true))).to.deep.equal({ before: false, after: false });
    expect(await settledAfter(run.groupsSettled(DIR), () => run.groupDiffed("A"))).to.deep.equal({ before: false, after: true });
    await run.groupsSettled(DIR, 50);
    await run.groupsSettled("entra:other", 50);
    // A declared resource that never comes: the wait ends at its bound.
    run.declareGroups(DIR, ["A", "B", "C"]);
    const clock = sinon.useFakeTimers();
    try {
      let done = false;
      void run.groupsSettled(DIR).then(() => (done = true));
      await clock.tickAsync(GROUPS_SETTLED_MAX_WAIT_MS - 1);
      expect(done, "still waiting just before the bound").to.equal(false);
      await clock.tickAsync(1);
      expect(done, "done at the bound").to.equal(true);
    } finally {
      clock.restore();
    }
  });

  it("bindings: additive ones share a group, an authoritative one conflicts with any other, and each of two sees the other", () => {
    const bindings = new BindingClaims();
    expect(bindings.claimGroupMembership("bind-1", "additive", ["g1"])).to.equal(undefined);
    expect(bindings.claimGroupMembership("bind-2", "additive", ["g1"])).to.equal(undefined);
    expect(bindings.claimGroupMembership("bind-3", "authoritative", ["g1"])).to.include({ name: "bind-1", mode: "additive" });
    // The program's manifest registers every binding first: the one checked first also sees the other.
    expect(bindings.claimGroupMembership("bind-1", "additive", ["g1"])).to.include({ name: "bind-3", mode: "authoritative" });
    const roles = new RoleClaims();
    expect(roles.claim("bind-1", "g1")).to.equal(undefined);
    expect(roles.claim("bind-2", "g1")).to.equal("bind-1");
    expect(roles.claim("bind-1", "g1")).to.equal("bind-2");
  });

  it("members another binding of the run keeps in a group are known to the others (never removed by their delete)", () => {
    const run = new RunRegistry();
    run.recordKeptMembers("new", DIR, "G1", ["u1", "u2"]);
    run.recordKeptMembers("other", DIR, "g2", ["u3"]);
    expect([...run.keptByOthers("old", DIR, "g1")].sort()).to.deep.equal(["u1", "u2"]);
    expect([...run.keptByOthers("new", DIR, "g1")]).to.deep.equal([]);
  });

  it("remembers the groups this run created, so only their 404s count as propagation", () => {
    expect(recentlyCreated("0abc")).to.equal(false);
    recordCreated("0ABC");
    expect(recentlyCreated("0abc")).to.equal(true);
  });
});
