import { expect } from "chai";
import fc from "fast-check";
import { planBinding, stateAfter } from "../../provider/groups/bindingPlan";
import type { GroupBindingInputs, MembershipMode } from "../../provider/groups/bindingSchema";
import { stateBase } from "../../provider/groups/bindingStorage";
import type { ObservedMember } from "../../provider/groups/memberDirectory";
import { GOOGLE_BINDING } from "../support/bindingInputs";

/**
 * The binding plan (groups/bindingPlan.ts, the one plan of preview and apply) over thousands of
 * generated journeys, in process: one group, one binding,
 * edits of its users and mode and changes made by hand, each followed by the preview's plan
 * (which knows the previous inputs only) and the apply's plan (which knows what the binding
 * added). It complements, never replaces, the CLI journeys of test/e2e/journeys.test.ts: the
 * engine's ordering of creates and deletes is not here.
 */
const PEOPLE = Array.from({ length: 6 }, (_, i) => ({ id: `u${i}`, label: `user${i}@example.com` }));
const STRANGER = { id: "s0", label: "stranger@example.com" };
// The guard is evaluated (plan.guard), but these plans are small: the journeys test what is removed, not the guard.
const BINDING: GroupBindingInputs = { ...GOOGLE_BINDING, maxRemovalPercent: 100 };

type Edit =
  | { kind: "users"; users: number[] }
  | { kind: "mode"; mode: MembershipMode }
  | { kind: "handAdd"; who: number }
  | { kind: "handRemove"; who: number }
  | { kind: "handPromote"; who: number };

const editArbitrary: fc.Arbitrary<Edit> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("users" as const), users: fc.uniqueArray(fc.nat(PEOPLE.length - 1), { minLength: 1, maxLength: 5 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("mode" as const), mode: fc.constantFrom<MembershipMode>("authoritative", "additive") }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("handAdd" as const), who: fc.nat(PEOPLE.length) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("handRemove" as const), who: fc.nat(PEOPLE.length) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("handPromote" as const), who: fc.nat(PEOPLE.length - 1) }) },
);

/** An adopted group: a stranger, an owner, a nested group (non-user) already in it. */
const initialMembers = (): ObservedMember[] => [
  { ...STRANGER, kind: "user", role: "MEMBER" },
  { id: "o0", label: "owner@example.com", kind: "user", role: "OWNER" },
  { id: "g0", label: "all-staff@example.com", kind: "group", role: "MEMBER" },
];

describe("membership plans over generated journeys (in process)", () => {
  it("after every apply: the users are members, higher roles and non-user members stay, additive removes only its own, the preview announced every removal, and a second plan is empty", () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.nat(PEOPLE.length - 1), { minLength: 1, maxLength: 4 }), fc.array(editArbitrary, { minLength: 1, maxLength: 12 }), (first, edits) => {
        let members = initialMembers();
        let desired = first;
        let mode: MembershipMode = "authoritative";
        let managed = new Set<string>();
        /** The binding's previous inputs (what a preview knows): the users it listed last. */
        let previousLabels = new Set<string>();
        const apply = () => {
          const wanted = new Map(desired.map((i) => [PEOPLE[i]!.label, PEOPLE[i]!.id]));
          const inputs: GroupBindingInputs = { ...BINDING, members: Object.fromEntries([...wanted.keys()].map((k) => [k, "member" as const])), membershipMode: mode };
          const want = { ids: wanted, inputs };
          // The preview counts a member it listed before as its own (README: additive may announce a removal the apply then skips, never the reverse).
          const preview = planBinding(want, { observed: members, managed: new Set(members.filter((m) => previousLabels.has(m.label)).map((m) => m.id)) });
          const current = { observed: members, managed };
          const plan = planBinding(want, current);
          expect(plan.guard, "the guard lets these small plans through").to.equal(undefined);
          const announced = new Set(preview.membership.remove.map((m) => m.id));
          for (const m of plan.membership.remove) {
            expect(announced.has(m.id), `the apply removes ${m.label}, which the preview did not announce`).to.equal(true);
            expect(preview.removals[m.label], `the preview's removals list ${m.label}`).to.equal(`remove from ${BINDING.target.label}`);
          }
          for (const m of plan.membership.remove) {
            expect(m.role, `${m.label}: a higher role is never removed`).to.equal("MEMBER");
            if (m.kind !== "user") expect(managed.has(m.id), `${m.label}: a non-user member is kept`).to.equal(true);
            if (mode === "additive") expect(managed.has(m.id), `${m.label}: additive removes only what it added`).to.equal(true);
          }
          const removedIds = new Set(plan.membership.remove.map((m) => m.id));
          const added = new Map(plan.membership.add.map((key) => [key, { id: PEOPLE.find((p) => p.label === key)!.id }]));
          members = [...members.filter((m) => !removedIds.has(m.id)), ...[...added].map(([label, { id }]) => ({ id, label, kind: "user" as const, role: "MEMBER" as const }))];
          // The binding's own members from now on, as the apply records them (groups/bindingPlan.ts, stateAfter).
          const state = stateAfter(stateBase(inputs), plan, current, { added, removedIds, previousWrite: undefined, now: 0, lagMs: 0 });
          managed = new Set(Object.values(state.managedMembers));
          expect(state.memberCount, "the recorded member count is the group's").to.equal(members.length);
          for (const i of desired) expect(members.some((m) => m.id === PEOPLE[i]!.id), `${PEOPLE[i]!.label} is a member`).to.equal(true);
          expect(members.some((m) => m.role === "OWNER") && members.some((m) => m.kind === "group"), "the owner and the nested group stay").to.equal(true);
          if (mode === "authoritative") {
            const strays = members.filter((m) => m.role === "MEMBER" && m.kind === "user" && !wanted.has(m.label) && ![...wanted.values()].includes(m.id));
            expect(strays.map((m) => m.label), "authoritative: no plain member outside the user group").to.deep.equal([]);
          }
          const again = planBinding(want, { observed: members, managed });
          expect([again.membership.add, again.membership.remove, again.writes], "a second plan has nothing to do").to.deep.equal([[], [], false]);
          previousLabels = new Set(desired.map((i) => PEOPLE[i]!.label));
        };
        apply();
        for (const edit of edits) {
          if (edit.kind === "users") desired = edit.users;
          else if (edit.kind === "mode") mode = edit.mode;
          else if (edit.kind === "handAdd") {
            const who = PEOPLE[edit.who] ?? STRANGER;
            if (!members.some((m) => m.id === who.id)) members.push({ ...who, kind: "user", role: "MEMBER" });
          } else if (edit.kind === "handRemove") members = members.filter((m) => m.id !== (PEOPLE[edit.who] ?? STRANGER).id);
          else members = members.map((m) => (m.id === PEOPLE[edit.who]!.id ? { ...m, role: "MANAGER" as const } : m));
          apply();
        }
      }),
      { numRuns: 2000, seed: 4242 },
    );
  });
});
