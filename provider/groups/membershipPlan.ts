import { DEFAULT_REMOVAL_GUARD_FLOOR, type MembershipMode, type NonUserMembersPolicy } from "./bindingSchema";
import type { MemberRole, ObservedMember } from "./memberDirectory";

/**
 * Pure membership reconciliation, by identity: desired users (resolved to directory ids
 * where known) vs the group's observed members -> what to add, what to remove, and what
 * is deliberately left alone. No I/O here.
 *
 * Rules (docs/resources/group-binding.md):
 * - a desired user whose id is among the members is present, whatever address the
 *   program wrote for it;
 * - a member with a higher role (Google OWNER or MANAGER) is never removed: the binding
 *   manages plain membership;
 * - non-user members (groups, "everyone in the customer", service principals, devices,
 *   contacts) are removed in authoritative mode only with `nonUserMembers: "remove"`;
 * - additive mode only removes members this binding added (`managed`): members that were
 *   there before it, or that others added, are never its own;
 * - authoritative mode removes every other plain member.
 */
export interface MembershipPlanInput {
  /** Desired key -> directory id, or undefined when the id is learned by adding it. */
  desired: ReadonlyMap<string, string | undefined>;
  observed: readonly ObservedMember[];
  /** Ids of members this binding added (what additive mode may remove). */
  managed: ReadonlySet<string>;
  mode: MembershipMode;
  nonUserMembers: NonUserMembersPolicy;
  /**
   * Roles the binding manages (declared `owners` / `managers`): a member holding such a role is
   * not kept for it, so an undeclared owner is handled like any member. Default: none.
   */
  managedRoles?: Partial<Record<MemberRole, boolean>>;
}

export interface KeptMember {
  member: ObservedMember;
  /** Why it is left alone, for the preview. */
  why: string;
}

export interface MembershipPlan {
  /** Desired keys to add, sorted. */
  add: string[];
  /** Members to remove (by id), sorted by label. */
  remove: ObservedMember[];
  /** Members left alone on purpose (higher role, non-user kind), sorted by label. */
  kept: KeptMember[];
  /** Desired keys already present -> the id they are present under. */
  present: Map<string, string>;
}

const byLabel = (a: { label: string }, b: { label: string }) => a.label.localeCompare(b.label);

export function planMembership({ desired, observed, managed, mode, nonUserMembers, managedRoles }: MembershipPlanInput): MembershipPlan {
  const observedById = new Map(observed.map((m) => [m.id, m]));
  const wantedIds = new Set([...desired.values()].filter((id): id is string => id !== undefined));
  const present = new Map<string, string>();
  const add: string[] = [];
  for (const [key, id] of desired) {
    if (id !== undefined && observedById.has(id)) present.set(key, id);
    else add.push(key);
  }
  const remove: ObservedMember[] = [];
  const kept: KeptMember[] = [];
  for (const member of observed) {
    if (wantedIds.has(member.id)) continue;
    if (mode === "additive" && !managed.has(member.id)) continue;
    if (member.role !== "MEMBER" && !managedRoles?.[member.role]) kept.push({ member, why: `${member.role}: kept (a binding manages plain membership)` });
    // A non-user member this binding added (a nested group taken out of memberGroups) is removed like any member it added.
    else if (member.kind !== "user" && nonUserMembers === "keep" && !managed.has(member.id)) kept.push({ member, why: `${member.kind} member: kept (nonUserMembers: "keep")` });
    else remove.push(member);
  }
  return { add: add.sort(), remove: remove.sort(byLabel), kept: kept.sort((a, b) => byLabel(a.member, b.member)), present };
}

/**
 * The mass-removal guard's verdict: an error text when the plan removes more than `floor`
 * members AND more than `maxRemovalPercent` of the group (both, like the deletion limits of
 * Google Cloud Directory Sync and Entra Connect, which are absolute: a share alone would stop
 * the removal of the only stranger of a one-member group).
 */
export function removalGuardViolation(removeCount: number, observedCount: number, maxRemovalPercent: number, floor: number = DEFAULT_REMOVAL_GUARD_FLOOR): string | undefined {
  if (removeCount <= floor || observedCount === 0) return undefined;
  const percent = (removeCount / observedCount) * 100;
  if (percent <= maxRemovalPercent) return undefined;
  return (
    `would remove ${removeCount} of ${observedCount} members (${percent.toFixed(0)}%), more than maxRemovalPercent ${maxRemovalPercent}% and more than removalGuardFloor ${floor} members: ` +
    `check the user group, or raise maxRemovalPercent (or removalGuardFloor) for this apply`
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
