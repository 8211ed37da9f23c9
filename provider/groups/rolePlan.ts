import type { MemberRole, ObservedMember } from "./memberDirectory";

/**
 * Google roles, planned in place. A Google member has exactly one role (OWNER, MANAGER or
 * MEMBER: Directory API `members` resource), changed with members.patch, never by removing
 * and adding the member again (that would drop its delivery settings and its id's history).
 *
 * Rules (docs/resources/group-binding.md#owners-managers-and-nested-groups):
 * - a key in `owners` is an OWNER, else a key in `managers` is a MANAGER, else a MEMBER (a user
 *   listed in users and owners is one OWNER member);
 * - a role is managed only when its list is declared: without `owners`, an OWNER is never
 *   demoted (the binding then manages plain membership only, as before); with `owners`, an
 *   OWNER not listed is demoted (to MANAGER if listed there, else MEMBER); same for `managers`;
 *   a member in an undeclared role is still promoted into a declared higher one (a MANAGER
 *   listed in `owners` becomes OWNER even when `managers` is not declared);
 * - a member the membership plan removes gets no role change.
 */
export interface RolePlanInput {
  /** Member id -> the role the program asks for (ids of desired members only). */
  desiredRoles: ReadonlyMap<string, MemberRole>;
  observed: readonly ObservedMember[];
  ownersDeclared: boolean;
  managersDeclared: boolean;
  /** Ids the membership plan removes: they get no role change. */
  removedIds: ReadonlySet<string>;
}

export interface RoleChange {
  member: ObservedMember;
  from: MemberRole;
  to: MemberRole;
}

/** Google roles from lowest to highest. */
export const ROLE_RANK: Record<MemberRole, number> = { MEMBER: 0, MANAGER: 1, OWNER: 2 };

/** Whether a role is managed by this binding (declared), so that holding it is not a reason to be kept. */
export function managedRoles(ownersDeclared: boolean, managersDeclared: boolean): Record<MemberRole, boolean> {
  return { OWNER: ownersDeclared, MANAGER: managersDeclared, MEMBER: true };
}

/** The role of a desired key: owners first, then managers, else MEMBER. */
export function roleOf(key: string, owners: ReadonlySet<string>, managers: ReadonlySet<string>): MemberRole {
  return owners.has(key) ? "OWNER" : managers.has(key) ? "MANAGER" : "MEMBER";
}

export function planRoles({ desiredRoles, observed, ownersDeclared, managersDeclared, removedIds }: RolePlanInput): RoleChange[] {
  const managed = managedRoles(ownersDeclared, managersDeclared);
  const changes: RoleChange[] = [];
  for (const member of observed) {
    if (removedIds.has(member.id)) continue;
    const wanted = desiredRoles.get(member.id) ?? "MEMBER";
    if (wanted === member.role) continue;
    // Leaving a role the program does not manage: never downwards (an undeclared OWNER stays
    // OWNER); upwards only into a declared role (a MANAGER made by hand whom owners lists becomes
    // OWNER, else every refresh would show the missing owner again and no apply would fix it).
    if (!managed[member.role] && !(managed[wanted] && ROLE_RANK[wanted] > ROLE_RANK[member.role])) continue;
    // Taking a role the program does not manage: only what its lists ask for (a listed manager of an unmanaged owner stays owner above).
    if (wanted !== "MEMBER" && !managed[wanted]) continue;
    changes.push({ member, from: member.role, to: wanted });
  }
  return changes.sort((a, b) => a.member.label.localeCompare(b.member.label));
}

/**
 * Members the program lists in a declared role while they hold a higher role it does not manage
 * (a listed manager who is an OWNER, owners not declared). planRoles never demotes them, so they
 * hold at least what the list asks: said at preview as kept, and not drift at refresh.
 */
export function heldAbove({ desiredRoles, observed, ownersDeclared, managersDeclared }: Omit<RolePlanInput, "removedIds">): { member: ObservedMember; wanted: MemberRole }[] {
  const managed = managedRoles(ownersDeclared, managersDeclared);
  return observed.flatMap((member) => {
    const wanted = desiredRoles.get(member.id);
    return wanted !== undefined && wanted !== "MEMBER" && !managed[member.role] && ROLE_RANK[member.role] > ROLE_RANK[wanted] ? [{ member, wanted }] : [];
  });
}

/** Why a member listed in a role keeps a higher one (the `kept` note). */
export function heldAboveNote(role: MemberRole, wanted: MemberRole): string {
  const list = (r: MemberRole) => (r === "OWNER" ? "owners" : "managers");
  return `${role}: kept (listed in ${list(wanted)}; ${list(role)} are not declared, so ${role === "OWNER" ? "an OWNER" : "a MANAGER"} is never demoted: declare ${list(role)} to manage that role)`;
}

/** Keys listed both as owner and manager: one member has one role, so this is an input error. */
export function inBothRoles(owners: readonly string[], managers: readonly string[]): string[] {
  const o = new Set(owners);
  return [...new Set(managers.filter((m) => o.has(m)))].sort();
}
