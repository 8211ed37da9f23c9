import { expect } from "chai";
import { normalizeUsers, planMembership, removalGuardViolation } from "../../provider/membership/membershipPlan";

describe("membership reconciliation", () => {
  it("authoritative: adds the missing and removes everyone not in the user group", () => {
    const plan = planMembership({ desired: ["a@x.com", "b@x.com"], observed: ["b@x.com", "hand@x.com"], managed: [], mode: "authoritative" });
    expect(plan).to.deep.equal({ add: ["a@x.com"], remove: ["hand@x.com"] });
  });

  it("additive: only ever removes members this binding added", () => {
    const plan = planMembership({ desired: ["a@x.com"], observed: ["a@x.com", "b@x.com", "hand@x.com"], managed: ["a@x.com", "b@x.com"], mode: "additive" });
    expect(plan).to.deep.equal({ add: [], remove: ["b@x.com"] });
  });

  it("does not try to remove managed members that are already gone", () => {
    const plan = planMembership({ desired: [], observed: [], managed: ["gone@x.com"], mode: "additive" });
    expect(plan.remove).to.deep.equal([]);
  });

  it("stops a plan that removes more than the allowed share, and names the fix", () => {
    const plan = { add: [], remove: ["a", "b", "c"] };
    expect(removalGuardViolation(plan, 4, 50)).to.match(/would remove 3 of 4 members \(75%\).*raise maxRemovalPercent/);
    expect(removalGuardViolation(plan, 4, 75)).to.equal(undefined);
    expect(removalGuardViolation(plan, 6, 50)).to.equal(undefined);
    expect(removalGuardViolation({ add: ["a"], remove: [] }, 0, 0)).to.equal(undefined);
  });

  it("lowercases users and reports the same user given in different case", () => {
    const { members, caseDuplicates } = normalizeUsers(["Carol@X.com", " carol@x.com", "dave@x.com", "dave@x.com"]);
    expect(members).to.deep.equal(["carol@x.com", "dave@x.com"]);
    expect(caseDuplicates).to.deep.equal([["Carol@X.com", "carol@x.com"]]);
  });
});
