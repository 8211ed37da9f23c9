import type { GroupBindingInputs, GroupBindingState } from "./bindingSchema";
import { memberMap, sortedRecord } from "./bindingPlan";
import { stateBase } from "./bindingStorage";
import type { MemberDirectory, ObservedMember } from "./memberDirectory";
import { decodeKeySet } from "./memberTable";
import { declaredRoles, refreshGoogleRoles, roleOfKey, rolesKeptAbove } from "./ownersAndNesting";

/**
 * A GroupBinding's refresh, pure but for the directory it is given: the members a group has
 * now, told apart by identity (so only real drift shows), a list lagging behind the binding's
 * own write told from drift, and the state of a create a killed run left behind.
 */

/** Ids this binding added; version-1 Google states stored addresses, matched here by label. */
export function managedIds(state: GroupBindingState | undefined, observed: readonly ObservedMember[]): Set<string> {
  const byLabel = new Map(observed.map((m) => [m.label, m.id]));
  return new Set(Object.values(state?.managedMembers ?? {}).map((id) => (id.includes("@") ? (byLabel.get(id) ?? id) : id)));
}

/** Refresh: the group's members now, told apart by identity, so only real drift shows. */
export function refreshed(state: GroupBindingState, observed: ObservedMember[] | undefined): GroupBindingState {
  if (!observed) {
    // The group was deleted outside Pulumi: no members; the next up makes the group and its members again.
    return { ...state, members: {}, userIds: {}, otherMemberIds: {}, managedMembers: {}, kept: {}, memberCount: 0 };
  }

  const keyOfId = new Map(Object.entries(state.userIds).map(([key, id]) => [id, key]));
  const observedIds = new Set(observed.map((m) => m.id));
  // Version-1 Google states know users by address only: match those by the member's primary address.
  const byLabel = new Map(observed.map((m) => [m.label, m]));
  const userIds = new Map(Object.entries(state.userIds).filter(([, id]) => observedIds.has(id)));
  for (const key of Object.keys(state.members)) {
    const member = byLabel.get(key);
    if (member && !keyOfId.has(member.id) && !(key in state.otherMemberIds) && state.managedMembers[key] !== undefined) {
      userIds.set(key, member.id);
      keyOfId.set(member.id, key);
    }
  }
  const userIdSet = new Set(userIds.values());
  const kept: [string, string][] = [];
  const others: [string, string][] = [];
  const rolesManaged = declaredRoles(state);
  for (const m of observed) {
    if (userIdSet.has(m.id)) continue;
    if (m.role !== "MEMBER" && !rolesManaged[m.role]) kept.push([m.label, `${m.role}: kept (a binding manages plain membership)`]);
    else if (m.kind !== "user" && state.nonUserMembers === "keep") kept.push([m.label, `${m.kind} member: kept (nonUserMembers: "keep")`]);
    else if (state.membershipMode === "authoritative") others.push([m.label, m.id]);
  }
  const desiredRoles = new Map([...userIds].map(([key, id]) => [id, roleOfKey(key, state)]));
  return {
    ...state,
    members: memberMap([...userIds.keys(), ...others.map(([label]) => label)]),
    userIds: sortedRecord(userIds),
    otherMemberIds: sortedRecord(others),
    kept: sortedRecord([...kept, ...Object.entries(rolesKeptAbove(desiredRoles, observed, state))]),
    memberCount: observed.length,
    ...refreshGoogleRoles({ ...state, userIds: sortedRecord(userIds) }, observed),
  };
}

/**
 * Whether a member list differs from the state only the way a list lagging behind the binding's
 * last write would: members it added missing, members it removed still there, nothing else.
 */
export function lagMayExplain(state: GroupBindingState, list: ObservedMember[] | undefined): boolean {
  // A group that is gone is the answer, not lag (only a group this run created is waited for).
  const write = state.lastWrite;
  if (!list || !write) return false;
  const ids = new Set(list.map((m) => m.id));
  const missing = [...Object.values(state.userIds), ...Object.values(state.otherMemberIds)].filter((id) => !ids.has(id));
  const stillThere = write.all ? [] : write.removed.filter((id) => ids.has(id));
  if (missing.length === 0 && list.length === state.memberCount) return false;
  if (write.all) return true;
  return missing.every((id) => write.added.includes(id)) && list.length === state.memberCount - missing.length + stillThere.length;
}

/**
 * An address is not an identity for ever: an admin can move an alias, a mail or a proxy address
 * to another person. At refresh, users of the user group that did not match a member by their
 * primary address are resolved again (only those, so a refresh of primary addresses costs
 * nothing more); one whose address now names someone else, or no one, loses its stored id, so
 * the next preview shows the change and the next apply follows the address.
 */
export async function reresolveAddresses(state: GroupBindingState, observed: ObservedMember[], directory: MemberDirectory): Promise<GroupBindingState> {
  const labelOf = new Map(observed.map((m) => [m.id, m.label]));
  // Nested groups are known by id, not by an address that could move.
  const keys = Object.entries(state.userIds).filter(([key, id]) => labelOf.get(id) !== key && !key.startsWith("group:")).map(([key]) => key);
  if (keys.length === 0) return state;
  const resolution = await directory.resolveUsers(keys, state.target.groupId, observed, new Map());
  const userIds = { ...state.userIds };
  for (const key of keys) {
    const user = resolution.resolved.get(key);
    if (user) userIds[key] = user.id;
    else delete userIds[key];
  }
  return { ...state, userIds };
}

/**
 * Refresh of a state entry made from the pending CREATE of a killed run (group-export-recover).
 * That run's check recorded which users were already members (`__membersAtCheck`); every
 * other user of the user group that is a member now was added by the killed run (or, in the
 * seconds between its check and the kill, by someone else: counted as added by the binding),
 * so it is recorded as managed: deleting the binding removes it, as if the run had finished.
 * The next `pulumi up` adds the users still missing. A group that is gone drops the entry.
 */
export async function recoveredState(directory: MemberDirectory, desired: GroupBindingInputs): Promise<GroupBindingState | undefined> {
  const observed = await directory.listMembers(desired.target.groupId);
  if (!observed) return undefined;
  const keys = Object.keys(desired.members);
  const before = decodeKeySet(desired.__membersAtCheck ?? "", keys);
  const resolution = await directory.resolveUsers(keys, desired.target.groupId, observed, new Map());
  const observedIds = new Set(observed.map((m) => m.id));
  const userIds = new Map<string, string>();
  for (const key of keys) {
    const id = resolution.resolved.get(key)?.id;
    if (id !== undefined && observedIds.has(id)) userIds.set(key, id);
  }
  const state: GroupBindingState = {
    ...stateBase(desired),
    members: memberMap(userIds.keys()),
    userIds: sortedRecord(userIds),
    otherMemberIds: {},
    managedMembers: sortedRecord([...userIds].filter(([key]) => !before.has(key))),
    kept: {},
    memberCount: observed.length,
    pending: false,
  };
  return refreshed(state, observed);
}

