import { expect } from "chai";
import type { ObservedMember } from "../../provider/groups/memberDirectory";
import { normalizeUsers, planMembership, removalGuardViolation } from "../../provider/groups/membershipPlan";

const user = (id: string, label: string, role: ObservedMember["role"] = "MEMBER"): ObservedMember => ({ id, label, kind: "user", role });
const other = (id: string, label: string, kind: ObservedMember["kind"]): ObservedMember => ({ id, label, kind, role: "MEMBER" });

describe("membership reconciliation, by identity", () => {
  it("authoritative: adds the missing and removes plain members not in the user group", () => {
    const plan = planMembership({
      desired: new Map([["a@x.com", "1"], ["b@x.com", "2"]]),
      observed: [user("2", "b@x.com"), user("9", "hand@x.com")],
      managed: new Set(),
      mode: "authoritative",
      nonUserMembers: "keep",
    });
    expect(plan.add).to.deep.equal(["a@x.com"]);
    expect(plan.remove.map((m) => m.label)).to.deep.equal(["hand@x.com"]);
    expect([...plan.present]).to.deep.equal([["b@x.com", "2"]]);
  });

  it("an alias or another address of a member is that member: nothing to add or remove", () => {
    const plan = planMembership({ desired: new Map([["alice.old@x.com", "1"]]), observed: [user("1", "alice@x.com")], managed: new Set(), mode: "authoritative", nonUserMembers: "keep" });
    expect(plan.add).to.deep.equal([]);
    expect(plan.remove).to.deep.equal([]);
    expect(plan.present.get("alice.old@x.com")).to.equal("1");
  });

  it("never removes an OWNER or a MANAGER, in either mode, and says why", () => {
    for (const mode of ["authoritative", "additive"] as const) {
      const plan = planMembership({
        desired: new Map([["a@x.com", "1"]]),
        observed: [user("1", "a@x.com"), user("7", "owner@x.com", "OWNER"), user("8", "manager@x.com", "MANAGER")],
        managed: new Set(["7", "8"]),
        mode,
        nonUserMembers: "remove",
      });
      expect(plan.remove, mode).to.deep.equal([]);
      expect(plan.kept.map((k) => [k.member.label, k.why])).to.deep.equal([
        ["manager@x.com", "MANAGER: kept (a binding manages plain membership)"],
        ["owner@x.com", "OWNER: kept (a binding manages plain membership)"],
      ]);
    }
  });

  it("non-user members are kept by default and removed by id with nonUserMembers: remove", () => {
    const observed = [user("1", "a@x.com"), other("C01", "customer:C01", "customer"), other("g1", "group:sub@x.com", "group"), other("sp", "servicePrincipal:bot (12345678)", "servicePrincipal")];
    const keep = planMembership({ desired: new Map([["a@x.com", "1"]]), observed, managed: new Set(), mode: "authoritative", nonUserMembers: "keep" });
    expect(keep.remove).to.deep.equal([]);
    expect(keep.kept.map((k) => k.member.id)).to.have.members(["C01", "g1", "sp"]);
    const remove = planMembership({ desired: new Map([["a@x.com", "1"]]), observed, managed: new Set(), mode: "authoritative", nonUserMembers: "remove" });
    expect(remove.remove.map((m) => m.id)).to.have.members(["C01", "g1", "sp"]);
    expect(remove.remove.every((m) => m.id !== "")).to.equal(true);
  });

  it("a nested group this binding added and no longer declares is removed, even with nonUserMembers: keep", () => {
    const observed = [user("1", "a@x.com"), other("g1", "group:Ops: EMEA", "group"), other("g2", "group:Hand made", "group")];
    const plan = planMembership({ desired: new Map([["a@x.com", "1"]]), observed, managed: new Set(["1", "g1"]), mode: "authoritative", nonUserMembers: "keep" });
    expect(plan.remove.map((m) => m.id)).to.deep.equal(["g1"]);
    expect(plan.kept.map((k) => k.member.id)).to.deep.equal(["g2"]);
  });

  it("additive: only ever removes members this binding added", () => {
    const plan = planMembership({
      desired: new Map([["a@x.com", "1"]]),
      observed: [user("1", "a@x.com"), user("2", "b@x.com"), user("3", "hand@x.com")],
      managed: new Set(["1", "2"]),
      mode: "additive",
      nonUserMembers: "keep",
    });
    expect(plan.add).to.deep.equal([]);
    expect(plan.remove.map((m) => m.label)).to.deep.equal(["b@x.com"]);
  });

  it("a user whose identity is learned by adding it is added", () => {
    const plan = planMembership({ desired: new Map([["new@x.com", undefined]]), observed: [], managed: new Set(), mode: "authoritative", nonUserMembers: "keep" });
    expect(plan.add).to.deep.equal(["new@x.com"]);
  });

  it("stops a plan that removes more than the allowed share, and names the fix", () => {
    expect(removalGuardViolation(3, 4, 50, 0)).to.match(/would remove 3 of 4 members \(75%\).*raise maxRemovalPercent/);
    expect(removalGuardViolation(3, 4, 75, 0)).to.equal(undefined);
    expect(removalGuardViolation(3, 6, 50, 0)).to.equal(undefined);
    expect(removalGuardViolation(0, 0, 0, 0)).to.equal(undefined);
  });

  it("the guard means mass: removals up to the floor (default 10) never trip it, above it the share decides", () => {
    expect(removalGuardViolation(1, 1, 50), "the only stranger of a one-member group").to.equal(undefined);
    expect(removalGuardViolation(10, 10, 0), "ten of ten, at the default floor").to.equal(undefined);
    expect(removalGuardViolation(11, 12, 50)).to.match(/would remove 11 of 12 members \(92%\), more than maxRemovalPercent 50% and more than removalGuardFloor 10 members/);
    expect(removalGuardViolation(11, 30, 50), "a small share of a large group").to.equal(undefined);
    expect(removalGuardViolation(3, 3, 50, 2)).to.match(/removalGuardFloor 2/);
  });

  it("lowercases users and reports the same user given in different case", () => {
    const { members, caseDuplicates } = normalizeUsers(["Carol@X.com", " carol@x.com", "dave@x.com", "dave@x.com"]);
    expect(members).to.deep.equal(["carol@x.com", "dave@x.com"]);
    expect(caseDuplicates).to.deep.equal([["Carol@X.com", "carol@x.com"]]);
  });
});
