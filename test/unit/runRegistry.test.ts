import { expect } from "chai";
import { BindingClaims } from "../../provider/groups/bindingClaims";
import { RoleClaims } from "../../provider/groups/ownersAndNesting";
import { claimKeys, groupConflictMessage, RunRegistry } from "../../provider/groups/runRegistry";

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
