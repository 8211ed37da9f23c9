import type { ObservedMember } from "./memberDirectory";

/**
 * Entra group owners, planned exactly. Owners are a relation of their own (`/groups/{id}/owners`,
 * added with `POST owners/$ref`, removed with `DELETE owners/{id}/$ref`: Graph group pages),
 * separate from members: an owner need not be a member.
 *
 * Rules (docs/resources/group-binding.md#owners-managers-and-nested-groups):
 * - managed only when `owners` is declared; then the owners are exactly the declared users;
 * - the calling application's own service principal is never added unless declared, and never
 *   removed or reported as drift unless declared: a directory may make the principal that
 *   creates a group its owner (delegated creation makes the signed-in user owner; apps with only
 *   Group.Create need to own what they made), and removing it could cost the app its access;
 * - additions go before removals (Graph refuses to remove a group's last owner that is a user:
 *   "The group must have at least one owner"), and a plan that would leave no owner is refused.
 */
export interface OwnersPlanInput {
  /** Declared owner key -> its object id (undefined: unknown at preview). */
  desired: ReadonlyMap<string, string | undefined>;
  observed: readonly ObservedMember[];
  /** The calling application's service principal object id, if known. */
  callerId: string | undefined;
}

export interface OwnersPlan {
  add: string[];
  remove: ObservedMember[];
  /** Owners left alone on purpose (the calling application). */
  kept: { member: ObservedMember; why: string }[];
  present: Map<string, string>;
  /** Set when the plan removes every owner, which Graph refuses. */
  lastOwnerProblem?: string;
}

export const CALLER_KEPT = "the calling application: kept (the directory may make a group's creator its owner; list it in owners to manage it)";

export function planOwners({ desired, observed, callerId }: OwnersPlanInput): OwnersPlan {
  const observedIds = new Set(observed.map((m) => m.id));
  const wanted = new Set([...desired.values()].filter((id): id is string => id !== undefined));
  const add: string[] = [];
  const present = new Map<string, string>();
  for (const [key, id] of desired) {
    if (id !== undefined && observedIds.has(id)) present.set(key, id);
    else add.push(key);
  }
  const remove: ObservedMember[] = [];
  const kept: OwnersPlan["kept"] = [];
  for (const m of observed) {
    if (wanted.has(m.id)) continue;
    if (callerId !== undefined && m.id === callerId) kept.push({ member: m, why: CALLER_KEPT });
    else remove.push(m);
  }
  const remaining = present.size + add.length + kept.length;
  const lastOwnerProblem =
    remove.length > 0 && remaining === 0
      ? `would remove every owner (${remove.map((m) => m.label).join(", ")}), which Entra refuses ("The group must have at least one owner"): declare at least one owner`
      : undefined;
  return { add: add.sort(), remove: remove.sort((a, b) => a.label.localeCompare(b.label)), kept, present, ...(lastOwnerProblem ? { lastOwnerProblem } : {}) };
}
