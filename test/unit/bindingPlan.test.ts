import { expect } from "chai";
import { planBinding, stateAfter, type BindingDesired } from "../../provider/groups/bindingPlan";
import type { GroupBindingInputs } from "../../provider/groups/bindingSchema";
import { stateBase } from "../../provider/groups/bindingStorage";
import type { ObservedMember } from "../../provider/groups/memberDirectory";
import { planOwners } from "../../provider/groups/ownersPlan";
import { GOOGLE_BINDING } from "../support/bindingInputs";

/** The binding plan that preview and apply share (groups/bindingPlan.ts), called directly. */
const GOOGLE: GroupBindingInputs = { ...GOOGLE_BINDING, members: { "ann@example.com": "member", "bob@example.com": "member" } };
const member = (id: string, label: string, role: ObservedMember["role"] = "MEMBER", kind: ObservedMember["kind"] = "user"): ObservedMember => ({ id, label, kind, role });
const wanted = (inputs: GroupBindingInputs, ids: Record<string, string | undefined>): BindingDesired => ({ ids: new Map(Object.entries(ids)), inputs });

describe("the binding plan shared by preview and apply", () => {
  it("announces removals, demotions and kept members in the preview's words, and the guard lets a small removal through", () => {
    const inputs = { ...GOOGLE, owners: { "ann@example.com": "owner" as const } };
    const observed = [member("u1", "ann@example.com"), member("u9", "zed@example.com"), member("o2", "old-owner@example.com", "OWNER"), member("g5", "all@example.com", "MEMBER", "group")];
    // old-owner is still a user of the user group, but no longer in owners: demoted in place, not removed.
    const plan = planBinding(wanted(inputs, { "ann@example.com": "u1", "bob@example.com": undefined, "old-owner@example.com": "o2" }), { observed, managed: new Set() });
    expect(plan.membership.add).to.deep.equal(["bob@example.com"]);
    expect(plan.membership.remove.map((m) => m.id)).to.deep.equal(["u9"]);
    expect(plan.roleChanges.map((c) => [c.member.id, c.from, c.to])).to.deep.equal([
      ["u1", "MEMBER", "OWNER"],
      ["o2", "OWNER", "MEMBER"],
    ]);
    expect(plan.removals).to.deep.equal({ "zed@example.com": "remove from team@example.com", "old-owner@example.com (OWNER)": "demote to MEMBER in team@example.com (stays a member)" });
    expect(plan.kept).to.deep.equal({ "all@example.com": 'group member: kept (nonUserMembers: "keep")' });
    expect(plan.guard).to.equal(undefined);
    expect(plan.writes).to.equal(true);
  });

  it("refuses a mass removal with the members it would remove, and withholds them when the users are a secret", () => {
    const observed = Array.from({ length: 20 }, (_, i) => member(`s${i}`, `stranger${String(i).padStart(2, "0")}@example.com`));
    const desired = wanted(GOOGLE, { "ann@example.com": undefined });
    const plan = planBinding(desired, { observed, managed: new Set() });
    expect(plan.guard).to.match(/^mass-removal guard: would remove 20 of 20 members \(100%\), more than maxRemovalPercent 50% and more than removalGuardFloor 10 members: .* \(members to remove: stranger00@example.com, stranger01@example.com, /);
    const secret = planBinding(wanted({ ...GOOGLE, __secretUsers: true }, { "ann@example.com": undefined }), { observed, managed: new Set() });
    expect(secret.guard).to.match(/\(members to remove: 20 address\(es\) withheld \(the user list is a secret\)\)$/);
    expect(planBinding(wanted({ ...GOOGLE, maxRemovalPercent: 100 }, { "ann@example.com": undefined }), { observed, managed: new Set() }).guard).to.equal(undefined);
  });

  it("announces a move's removals from the group of before, and counts Entra owners in the guard and the notes", () => {
    const moved = planBinding(wanted(GOOGLE, { "ann@example.com": "u1" }), {
      observed: [member("u1", "ann@example.com")],
      managed: new Set(),
      moveFrom: { label: "old@example.com", members: [member("u1", "ann@example.com")] },
    });
    expect(moved.removals).to.deep.equal({ "ann@example.com (in old@example.com)": "remove from old@example.com if this binding added it: the binding moves to team@example.com" });
    expect(moved.writes).to.equal(false);

    const entra: GroupBindingInputs = { ...GOOGLE, target: { directoryKey: "entra:t", service: "entra", groupId: "e1", label: "Team" }, owners: { "ann@example.com": "owner" } };
    const ownersObserved = [member("u1", "ann@example.com"), member("x1", "former@example.com")];
    const owners = { plan: planOwners({ desired: new Map([["ann@example.com", "u1"]]), observed: ownersObserved, callerId: undefined }), observed: ownersObserved };
    const plan = planBinding(wanted(entra, { "ann@example.com": "u1" }), { observed: [member("u1", "ann@example.com")], managed: new Set(), owners });
    expect(plan.roleChanges, "Entra has no member roles").to.deep.equal([]);
    expect(plan.removals).to.deep.equal({ "owner former@example.com": "remove as owner of Team" });
    expect(plan.writes).to.equal(true);
  });

  it("records as the binding's own only what it added, now or before, and counts the group as the writes left it", () => {
    const observed = [member("u1", "ann@example.com"), member("u2", "bob@example.com"), member("u9", "zed@example.com")];
    const current = { observed, managed: new Set(["u2"]) };
    const desired = wanted(GOOGLE, { "ann@example.com": "u1", "bob@example.com": "u2", "cy@example.com": undefined });
    const plan = planBinding(desired, current);
    const state = stateAfter(stateBase(GOOGLE), plan, current, { added: new Map([["cy@example.com", { id: "u3" }]]), removedIds: new Set(["u9"]), previousWrite: undefined, now: 1000, lagMs: 30_000 });
    expect(state.managedMembers).to.deep.equal({ "bob@example.com": "u2", "cy@example.com": "u3" });
    expect(state.userIds).to.deep.equal({ "ann@example.com": "u1", "bob@example.com": "u2", "cy@example.com": "u3" });
    expect(state.memberCount).to.equal(3);
    expect(state.lastWrite).to.deep.equal({ at: 1000, added: ["u3"], removed: ["u9"] });
    // A removal that failed leaves the member in the state (authoritative: the next apply removes it).
    const failed = stateAfter(stateBase(GOOGLE), plan, current, { added: new Map(), removedIds: new Set(), previousWrite: undefined, now: 1000, lagMs: 30_000 });
    expect(failed.otherMemberIds).to.deep.equal({ "zed@example.com": "u9" });
    expect(failed.memberCount).to.equal(3);
  });
});
