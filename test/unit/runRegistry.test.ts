import { expect } from "chai";
import { claimKeys, groupConflictMessage, RunRegistry } from "../../provider/groups/runRegistry";

const registry = new RunRegistry();
const { claimBindingTarget, otherHolders, recentlyCreated, recordCreated, registerClaims, releaseClaims } = {
  claimBindingTarget: registry.claimBindingTarget.bind(registry),
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

  it("bindings: additive ones share a group, an authoritative one conflicts with any other", () => {
    expect(claimBindingTarget("bind-1", DIR, "g1", "additive")).to.equal(undefined);
    expect(claimBindingTarget("bind-2", DIR, "g1", "additive")).to.equal(undefined);
    const message = claimBindingTarget("bind-3", DIR, "g1", "authoritative");
    expect(message).to.include("bind-3 and bind-1, bind-2 both manage the members of group g1");
    expect(message).to.include('membershipMode: "additive"');
  });

  it("remembers the groups this run created, so only their 404s count as propagation", () => {
    expect(recentlyCreated("0abc")).to.equal(false);
    recordCreated("0ABC");
    expect(recentlyCreated("0abc")).to.equal(true);
  });
});
