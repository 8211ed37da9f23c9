import type { MembershipMode } from "./bindingSchema";

/**
 * Pure membership reconciliation: desired users vs the group's observed members (and, in
 * additive mode, what this binding manages) -> the members to add and to remove.
 */
export interface MembershipPlanInput {
  desired: string[];
  observed: string[];
  /** Members this binding added earlier (all lowercased). */
  managed: string[];
  mode: MembershipMode;
}

export interface MembershipPlan {
  add: string[];
  remove: string[];
}

export function planMembership({ desired, observed, managed, mode }: MembershipPlanInput): MembershipPlan {
  const want = new Set(desired);
  const have = new Set(observed);
  const add = desired.filter((m) => !have.has(m)).sort();
  const removable = mode === "authoritative" ? observed : managed.filter((m) => have.has(m));
  const remove = removable.filter((m) => !want.has(m)).sort();
  return { add, remove };
}

/** The mass-removal guard's verdict: an error text when the plan removes too large a share. */
export function removalGuardViolation(plan: MembershipPlan, observedCount: number, maxRemovalPercent: number): string | undefined {
  if (plan.remove.length === 0 || observedCount === 0) return undefined;
  const percent = (plan.remove.length / observedCount) * 100;
  if (percent <= maxRemovalPercent) return undefined;
  return (
    `would remove ${plan.remove.length} of ${observedCount} members (${percent.toFixed(0)}%), more than maxRemovalPercent ${maxRemovalPercent}%: ` +
    `check the user group, or raise maxRemovalPercent for this apply`
  );
}

/** Lowercases users and finds the ones given twice in different case (an input error). */
export function normalizeUsers(users: string[]): { members: string[]; caseDuplicates: string[][] } {
  const byKey = new Map<string, Set<string>>();
  for (const user of users) {
    const raw = user.trim();
    const key = raw.toLowerCase();
    if (!byKey.has(key)) byKey.set(key, new Set());
    byKey.get(key)!.add(raw);
  }
  const caseDuplicates = [...byKey.values()].filter((spellings) => spellings.size > 1).map((s) => [...s]);
  return { members: [...byKey.keys()].sort(), caseDuplicates };
}
