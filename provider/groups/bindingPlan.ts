import type { GroupBindingInputs, GroupBindingState, MemberMap } from "./bindingSchema";
import { massRemovalText } from "./bindingMessages";
import type { ObservedMember, ResolvedUser } from "./memberDirectory";
import { planMembership, removalGuardViolation, type MembershipPlan } from "./membershipPlan";
import { declaredRoles, desiredRolesById, rolesKeptAbove } from "./ownersAndNesting";
import type { OwnersPlan } from "./ownersPlan";
import { planRoles, ROLE_RANK, type RoleChange } from "./rolePlan";

/**
 * A binding's plan, pure: what its desired members ask of the group as it is now. The preview
 * (check) and the apply call the same `planBinding`, so what the preview announces (removals,
 * members kept, the mass-removal guard's verdict) is worked out exactly as the apply works it
 * out; they differ only in what they know of the binding's own members (`managed`). After the
 * writes, `stateAfter` gives the state the apply records.
 */

/** What the binding asks for: its desired members resolved to ids (undefined: learned by adding it), and its settings. */
export interface BindingDesired {
  ids: ReadonlyMap<string, string | undefined>;
  inputs: Pick<GroupBindingInputs, "target" | "membershipMode" | "nonUserMembers" | "owners" | "managers" | "maxRemovalPercent" | "removalGuardFloor" | "__secretUsers">;
}

/** The group as it is, and what the binding knows of it. */
export interface BindingCurrent {
  observed: readonly ObservedMember[];
  /** Ids of the members this binding added (the apply: from its state; the preview: its previous users). */
  managed: ReadonlySet<string>;
  /** Entra's owners relation when owners are declared: the plan and the owners the group has. */
  owners?: { plan: OwnersPlan; observed: readonly ObservedMember[] };
  /** A move (preview): the group of before and the members the binding may remove there. */
  moveFrom?: { label: string; members: readonly ObservedMember[] };
}

export interface BindingPlan {
  membership: MembershipPlan;
  /** Google roles changed in place (members.patch); none for Entra, whose owners are a relation of their own. */
  roleChanges: RoleChange[];
  /** What the apply removes or takes away (label -> what), as the preview shows it. */
  removals: Record<string, string>;
  /** Members left alone on purpose (label -> why). */
  kept: Record<string, string>;
  /** The mass-removal guard's refusal, or undefined when the plan may go ahead. */
  guard: string | undefined;
  /** Whether the apply writes anything (members, roles or owners). */
  writes: boolean;
}

export function memberMap(keys: Iterable<string>): MemberMap {
  return Object.fromEntries([...new Set(keys)].sort().map((k) => [k, "member" as const]));
}

export function sortedRecord(entries: Iterable<[string, string]>): Record<string, string> {
  return Object.fromEntries([...entries].sort(([a], [b]) => a.localeCompare(b)));
}

export function planBinding(desired: BindingDesired, current: BindingCurrent): BindingPlan {
  const { inputs } = desired;
  const { observed, owners } = current;
  const membership = planMembership({ desired: desired.ids, observed, managed: current.managed, mode: inputs.membershipMode, nonUserMembers: inputs.nonUserMembers, managedRoles: declaredRoles(inputs) });
  const roleChanges =
    inputs.target.service === "google"
      ? planRoles({ desiredRoles: desiredRolesById(desired.ids, inputs), observed, ownersDeclared: declaredRoles(inputs).OWNER, managersDeclared: inputs.managers !== undefined, removedIds: new Set(membership.remove.map((m) => m.id)) })
      : [];
  const target = inputs.target.label;
  const removals: [string, string][] = membership.remove.map((m) => [m.label, `remove from ${target}`]);
  const moveFrom = current.moveFrom;
  for (const m of moveFrom?.members ?? []) removals.push([`${m.label} (in ${moveFrom!.label})`, `remove from ${moveFrom!.label} if this binding added it: the binding moves to ${target}`]);
  // A demotion takes rights away, so it is shown like a removal.
  const roleNotes: [string, string][] = roleChanges.filter((c) => ROLE_RANK[c.to] < ROLE_RANK[c.from]).map((c) => [`${c.member.label} (${c.from})`, `demote to ${c.to} in ${target} (stays a member)`]);
  for (const m of owners?.plan.remove ?? []) roleNotes.push([`owner ${m.label}`, `remove as owner of ${target}`]);
  // A listed manager who keeps a higher role the binding does not manage is said as kept (planRoles never demotes it).
  const kept = { ...sortedRecord(membership.kept.map((k) => [k.member.label, k.why])), ...sortedRecord((owners?.plan.kept ?? []).map((k) => [`owner ${k.member.label}`, k.why])), ...rolesKeptAbove(desiredRolesById(desired.ids, inputs), observed, inputs) };
  const ownerRemovals = owners?.plan.remove ?? [];
  const violation = removalGuardViolation(membership.remove.length + ownerRemovals.length, observed.length + (owners?.observed.length ?? 0), inputs.maxRemovalPercent, inputs.removalGuardFloor);
  const removed = [...membership.remove.map((m) => m.label), ...ownerRemovals.map((m) => `owner ${m.label}`)];
  return {
    membership,
    roleChanges,
    removals: { ...sortedRecord(removals), ...sortedRecord(roleNotes) },
    kept,
    guard: violation ? massRemovalText(violation, removed, inputs.__secretUsers) : undefined,
    writes: membership.add.length + membership.remove.length + roleChanges.length + (owners ? owners.plan.add.length + owners.plan.remove.length : 0) > 0,
  };
}

/** What the apply's writes came to. */
export interface ApplyOutcome {
  /** Desired keys added -> the user (or group) added. */
  added: ReadonlyMap<string, Pick<ResolvedUser, "id">>;
  /** Ids of the members actually removed. */
  removedIds: ReadonlySet<string>;
  /** Entra owners' ids (address -> id), when owners are managed. */
  ownerIds?: Record<string, string>;
  /** The previous apply's record of its writes, kept while a lagging list could still follow it. */
  previousWrite: GroupBindingState["lastWrite"];
  now: number;
  /** How long a list may lag behind a write of ours. */
  lagMs: number;
}

/** The most ids of each kind a binding's last write records (a bigger write counts as touching every member). */
const LAST_WRITE_IDS = 500;

/** The state's record of this apply's member writes (or the previous one's, while it may still lag). */
export function lastWriteOf(wrote: boolean, added: string[], removed: string[], previous: GroupBindingState["lastWrite"], now: number, lagMs: number): Pick<GroupBindingState, "lastWrite"> {
  if (!wrote) return previous && now - previous.at < lagMs ? { lastWrite: previous } : {};
  const all = added.length > LAST_WRITE_IDS || removed.length > LAST_WRITE_IDS;
  return { lastWrite: { at: now, added: all ? [] : added.sort(), removed: all ? [] : removed.sort(), ...(all ? { all: true } : {}) } };
}

type StateBase = Omit<GroupBindingState, "members" | "userIds" | "otherMemberIds" | "managedMembers" | "kept" | "memberCount" | "pending" | "lastWrite" | "ownerIds">;

/** The state an apply records: `base` (the desired inputs as they are) plus the members as the plan and the writes left them. */
export function stateAfter(base: StateBase, plan: BindingPlan, current: BindingCurrent, outcome: ApplyOutcome): GroupBindingState {
  const { membership } = plan;
  const { observed } = current;
  const userIds = new Map<string, string>(membership.present);
  for (const [key, user] of outcome.added) userIds.set(key, user.id);
  // Managed: what this binding added, now or before; never a member that was there without it.
  const observedIds = new Set(observed.map((m) => m.id));
  const managedMembers = new Map<string, string>();
  for (const [key, id] of membership.present) if (current.managed.has(id)) managedMembers.set(key, id);
  for (const [key, user] of outcome.added) if (!observedIds.has(user.id) || current.managed.has(user.id)) managedMembers.set(key, user.id);
  const keptIds = new Set(membership.kept.map((k) => k.member.id));
  const userIdSet = new Set(userIds.values());
  const authoritative = base.membershipMode === "authoritative";
  const others = observed.filter((m) => !userIdSet.has(m.id) && !keptIds.has(m.id) && !outcome.removedIds.has(m.id));
  const addedIds = [...outcome.added.values()].map((u) => u.id).filter((id) => !observedIds.has(id));
  return {
    ...base,
    members: memberMap([...userIds.keys(), ...(authoritative ? others.map((m) => m.label) : [])]),
    userIds: sortedRecord(userIds),
    otherMemberIds: authoritative ? sortedRecord(others.map((m) => [m.label, m.id])) : {},
    managedMembers: sortedRecord(managedMembers),
    kept: plan.kept,
    ...(outcome.ownerIds ? { ownerIds: sortedRecord(Object.entries(outcome.ownerIds)) } : {}),
    memberCount: observed.length + new Set(addedIds).size - outcome.removedIds.size,
    pending: false,
    ...lastWriteOf(plan.writes, addedIds, [...outcome.removedIds], outcome.previousWrite, outcome.now, outcome.lagMs),
  };
}
