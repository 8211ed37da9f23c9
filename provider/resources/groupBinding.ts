import { randomUUID } from "node:crypto";
import type { z } from "zod";
import type * as pulumi from "@pulumi/pulumi";
import { PartialApplyError } from "../errors";
import { managementEnabled, type ManagementRef } from "../management/managementSchema";
import { plannedAdoption } from "../management/runRegistry";
import { claimGroupMembership } from "../membership/bindingClaims";
import {
  DEFAULT_MAX_REMOVAL_PERCENT,
  GROUP_BINDING_STATE_VERSION,
  groupBindingArgsSchema,
  groupBindingInputsSchema,
  toStoredBindingState,
  upgradeBindingState,
  type BindingTarget,
  type GroupBindingInputs,
  type GroupBindingState,
  type MemberMap,
} from "../membership/bindingSchema";
import { memberDirectoryFor } from "../membership/directories";
import type { MemberDirectory, MemberFailure, ObservedMember, ResolvedUser } from "../membership/memberDirectory";
import { normalizeUsers, planMembership, removalGuardViolation, type MembershipPlan } from "../membership/membershipPlan";
import { checkFields, containsUnknown, isUnknown, UNKNOWN, withProvider, type CheckFailure } from "./checkInputs";
import { INTERRUPTED_CREATE_KEY } from "../recovery/interruptedCreates";
import { decodeKeySet, encodeKeySet } from "../membership/memberTable";
import { secretIf } from "./secrets";

export const GROUP_BINDING_TYPE = "GroupBinding";

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function memberMap(keys: Iterable<string>): MemberMap {
  return Object.fromEntries([...new Set(keys)].sort().map((k) => [k, "member" as const]));
}

function sortedRecord(entries: Iterable<[string, string]>): Record<string, string> {
  return Object.fromEntries([...entries].sort(([a], [b]) => a.localeCompare(b)));
}

function loadState(props: Record<string, unknown>): GroupBindingState {
  if (props[INTERRUPTED_CREATE_KEY] === true) {
    // Made by group-export-recover and resolved only by a refresh (readInterruptedCreate).
    throw new Error(
      `${GROUP_BINDING_TYPE}${typeof props.__bindingName === "string" ? ` ${props.__bindingName}` : ""}: this state entry stands for an interrupted create and has not been refreshed yet: ` +
        `run pulumi refresh --yes --clear-pending-creates first (README: "If an apply is interrupted")`,
    );
  }
  try {
    return upgradeBindingState(props);
  } catch (error) {
    throw new Error(
      `${GROUP_BINDING_TYPE}: its stored state cannot be read (${(error as Error).message.split("\n")[0]}): ` +
        "run `pulumi refresh`; if that fails too, remove it from the stack with `pulumi state delete <urn>` and run `pulumi up` to bind again",
    );
  }
}

function describe(inputs: Pick<GroupBindingInputs, "userGroupName" | "target" | "__bindingName">): string {
  return `${GROUP_BINDING_TYPE}${inputs.__bindingName ? ` ${inputs.__bindingName}` : ""} (user group "${inputs.userGroupName}" to ${inputs.target.label})`;
}

function failureText(verb: string, list: MemberFailure[], secret?: boolean): string {
  if (secret) return `could not ${verb} ${list.length} member(s) (addresses withheld: the user list is a secret): ${[...new Set(list.map((f) => f.reason))].join("; ")}`;
  return `could not ${verb} ${list.length} member(s): ${list.map((f) => `${f.key} (${f.reason})`).join("; ")}`;
}

/** Addresses for a message, or a count when the program gave the users as a secret (messages are not secret). */
function addresses(list: readonly string[], secret: boolean | undefined): string {
  return secret ? `${list.length} address(es) withheld (the user list is a secret)` : list.join(", ");
}

/** Two or more users carry this address (e.g. in otherMails): which one is meant cannot be told. */
function ambiguityText(ambiguous: Map<string, string[]>, secret: boolean | undefined): string {
  if (secret) return `${ambiguous.size} address(es) belong to several users (withheld: the user list is a secret)`;
  return [...ambiguous].map(([key, users]) => `${key} is an address of ${users.join(" and ")}`).join("; ");
}

function isKnownId(groupId: string): boolean {
  return groupId !== "" && !isUnknown(groupId);
}

/** Ids this binding added; version-1 Google states stored addresses, matched here by label. */
function managedIds(state: GroupBindingState | undefined, observed: readonly ObservedMember[]): Set<string> {
  const byLabel = new Map(observed.map((m) => [m.label, m.id]));
  return new Set(Object.values(state?.managedMembers ?? {}).map((id) => (id.includes("@") ? (byLabel.get(id) ?? id) : id)));
}

/**
 * The key to read the group by at preview when its id is not known yet (a group adopted in
 * the same update): Google's address; for Entra, the id its group resource plans to take
 * over. `undefined`: nothing to read (a group made by this update has no members to remove).
 */
function lookupTargetId(target: BindingTarget): string | undefined {
  if (isKnownId(target.groupId)) return target.groupId;
  if (isUnknown(target.label) || target.label === "") return undefined;
  // Google takes a group's address as its key; an Entra group is the one its resource's check plans to take over.
  return target.service === "google" ? target.label.toLowerCase() : plannedAdoption(target.directoryKey, target.label);
}

/** The previous inputs of a binding, as `check` receives them (not its state: that only `diff`, `update`, `read` and `delete` see). */
const previousInputsSchema = groupBindingInputsSchema.partial();

/**
 * Whether the binding asks for exactly what it asked before, of the same group: then the
 * preview needs no call (nothing is added or removed; drift comes in through `--refresh`,
 * which makes the previous inputs the group's members as observed, so drift is a change).
 */
function sameAsBefore(inputs: GroupBindingInputs, previous: z.infer<typeof previousInputsSchema> | undefined): boolean {
  if (!previous?.members || !previous.target) return false;
  return (
    JSON.stringify(previous.members) === JSON.stringify(inputs.members) &&
    previous.target.groupId === inputs.target.groupId &&
    previous.target.label === inputs.target.label &&
    previous.membershipMode === inputs.membershipMode &&
    previous.nonUserMembers === inputs.nonUserMembers &&
    previous.maxRemovalPercent === inputs.maxRemovalPercent
  );
}

function removalNotes(plan: MembershipPlan, target: BindingTarget, moveFrom: { label: string; members: ObservedMember[] } | undefined): Record<string, string> {
  const notes: [string, string][] = plan.remove.map((m) => [m.label, `remove from ${target.label}`]);
  for (const m of moveFrom?.members ?? []) notes.push([`${m.label} (in ${moveFrom!.label})`, `remove from ${moveFrom!.label} if this binding added it: the binding moves to ${target.label}`]);
  return sortedRecord(notes);
}

function keptNotes(plan: MembershipPlan): Record<string, string> {
  return sortedRecord(plan.kept.map((k) => [k.member.label, k.why]));
}

/** Two users of the user group that are one person (an address and its alias): an input error. */
function sameUserTwice(resolved: Map<string, ResolvedUser>): string[][] {
  const byId = new Map<string, string[]>();
  for (const [key, user] of resolved) byId.set(user.id, [...(byId.get(user.id) ?? []), key]);
  return [...byId.values()].filter((keys) => keys.length > 1);
}

/**
 * Preview: resolves the users, plans against what the group holds now (read-only calls) and
 * reports what the apply will remove and keep, with the mass-removal guard evaluated on the
 * same figures as at apply. Only called when the binding asks for something new.
 */
async function previewPlan(inputs: GroupBindingInputs, previous: z.infer<typeof previousInputsSchema> | undefined, failures: CheckFailure[]): Promise<void> {
  const directory = memberDirectoryFor(inputs.management);
  const keys = Object.keys(inputs.members);
  const groupId = lookupTargetId(inputs.target);
  const observed = groupId ? await directory.listMembers(groupId) : undefined;
  const resolution = await directory.resolveUsers(keys, observed ? groupId : undefined, observed, new Map());
  const name = inputs.userGroupName;
  if (resolution.unresolved.length > 0) {
    failures.push({
      property: "userGroup",
      reason: `user group "${name}" has ${resolution.unresolved.length} user(s) not found in ${inputs.management.directoryKey}: ${addresses(resolution.unresolved, inputs.__secretUsers)}; fix the user group or create the users`,
    });
  }
  if (resolution.ambiguous.size > 0) {
    failures.push({ property: "userGroup", reason: `user group "${name}": ${ambiguityText(resolution.ambiguous, inputs.__secretUsers)}; give each user's own user principal name instead` });
  }
  for (const keysOfOne of sameUserTwice(resolution.resolved)) {
    failures.push({ property: "userGroup", reason: `user group "${name}" lists ${addresses(keysOfOne, inputs.__secretUsers)}, which are one user (an address and its alias): keep one` });
  }
  if (!observed) return;
  const plan = planMembership({
    desired: new Map(keys.map((k) => [k, resolution.resolved.get(k)?.id])),
    observed,
    // Which members the binding added is in its state, which check does not see: a member
    // that was among its users before counts as its own here (additive mode may remove it).
    managed: new Set(observed.filter((m) => previous?.members?.[m.label] !== undefined && previous.target?.groupId === groupId).map((m) => m.id)),
    mode: inputs.membershipMode,
    nonUserMembers: inputs.nonUserMembers,
  });
  const oldGroupId = previous?.target && isKnownId(previous.target.groupId) && previous.target.groupId !== groupId ? previous.target.groupId : undefined;
  const oldMembers = oldGroupId ? await directory.listMembers(oldGroupId) : undefined;
  const moveFrom = oldGroupId && oldMembers ? { label: previous!.target!.label, members: oldMembers.filter((m) => m.role === "MEMBER" && previous!.members?.[m.label] !== undefined) } : undefined;
  // A create: what was already there, so that the recovery of a killed apply can tell what it added.
  if (!previous?.members) inputs.__membersAtCheck = encodeKeySet(keys, new Set(plan.present.keys()));
  inputs.removals = removalNotes(plan, inputs.target, moveFrom);
  inputs.kept = keptNotes(plan);
  const violation = removalGuardViolation(plan.remove.length, observed.length, inputs.maxRemovalPercent);
  if (violation) failures.push({ property: "maxRemovalPercent", reason: `mass-removal guard: ${violation} (members to remove: ${addresses(plan.remove.map((m) => m.label), inputs.__secretUsers)})` });
}

/** Cross-field checks: the user group's users, the target's directory. Returns the desired members, or UNKNOWN. */
function checkUsers(values: Record<string, unknown>, news: Record<string, unknown>, failures: CheckFailure[]): MemberMap | typeof UNKNOWN {
  const management = values.management as ManagementRef | undefined;
  const target = values.target as BindingTarget | undefined;
  if (management && target && !containsUnknown(management) && !isUnknown(target.directoryKey) && target.directoryKey !== management.directoryKey) {
    failures.push({
      property: "target",
      reason: `group ${target.label} is in directory ${target.directoryKey}, but this binding's management is ${management.directoryKey}: bind a group of ${management.directoryKey}, or use ${target.directoryKey}'s DirectoryGroupManagement`,
    });
  }
  const userGroup = values.userGroup as { name: string; users: string[] } | undefined;
  if (!userGroup || containsUnknown(news.userGroup)) return UNKNOWN;
  const { members, caseDuplicates } = normalizeUsers(userGroup.users);
  for (const spellings of caseDuplicates) {
    failures.push({ property: "userGroup", reason: `user group "${userGroup.name}" lists ${spellings.map((s) => `"${s}"`).join(" and ")}: the same user in different case; keep one` });
  }
  const malformed = members.filter((m) => !EMAIL.test(m));
  if (malformed.length > 0) {
    failures.push({ property: "userGroup", reason: `user group "${userGroup.name}" has users that are not email addresses/user principal names: ${malformed.join(", ")}; give each user as name@domain` });
  }
  if (members.length === 0 && values.allowEmpty !== true) {
    failures.push({
      property: "userGroup",
      reason: `user group "${userGroup.name}" has no users: groups must have at least one user to be exported; add users, or set allowEmpty: true to keep the binding pending until it has some`,
    });
  }
  return memberMap(members);
}

/** The user group's name even when its users are not known yet (a value from another resource). */
function userGroupName(news: Record<string, unknown>): string {
  const userGroup = news.userGroup;
  if (isUnknown(userGroup) || typeof userGroup !== "object" || userGroup === null) return UNKNOWN;
  const name = (userGroup as { name?: unknown }).name;
  return typeof name === "string" ? name.trim() : UNKNOWN;
}

/** The fields that carry members: returned as secrets when the program gave the users as one. */
const MEMBER_FIELDS = ["members", "memberTable", "removals", "kept"] as const;

function withSecrets<T extends Partial<Record<(typeof MEMBER_FIELDS)[number], unknown>>>(outs: T, secret: boolean | undefined): T {
  if (!secret) return outs;
  const copy = { ...outs };
  for (const field of MEMBER_FIELDS) if (field in copy && !isUnknown(copy[field])) copy[field] = secretIf(true, copy[field]);
  return copy;
}

/** Applies desired memberships; `previous` is the stored state (undefined on create). */
async function apply(id: string, desired: GroupBindingInputs, previous: GroupBindingState | undefined, inputs: Record<string, unknown>): Promise<GroupBindingState> {
  const base = {
    stateVersion: GROUP_BINDING_STATE_VERSION,
    management: desired.management,
    target: desired.target,
    userGroupName: desired.userGroupName,
    membershipMode: desired.membershipMode,
    maxRemovalPercent: desired.maxRemovalPercent,
    allowEmpty: desired.allowEmpty,
    nonUserMembers: desired.nonUserMembers,
    ...(desired.__bindingName ? { __bindingName: desired.__bindingName } : {}),
    ...(desired.__secretUsers ? { __secretUsers: true } : {}),
  } as const;
  const desiredKeys = Object.keys(desired.members);
  const moved = previous !== undefined && !previous.pending && previous.target.groupId !== desired.target.groupId;
  const carried = previous && !moved ? previous : undefined;
  if (!managementEnabled(desired.management) || desiredKeys.length === 0) {
    // Management disabled, or an empty group waiting (allowEmpty): nothing changes remotely.
    const empty = { members: {}, userIds: {}, otherMemberIds: {}, managedMembers: {}, kept: {}, memberCount: 0 };
    return { ...base, ...(carried ?? empty), ...base, pending: true };
  }
  const directory = memberDirectoryFor(desired.management);
  const label = describe(desired);
  const groupId = desired.target.groupId;

  // Every precondition first: the group, the users, the guard; nothing is written before.
  const observed = await directory.listMembers(groupId);
  if (!observed) throw new Error(`${label}: the group ${desired.target.label} (${groupId}) does not exist: run \`pulumi refresh\` so that it is made again by the next \`pulumi up\``);
  const known = new Map(Object.entries(carried?.userIds ?? {}));
  const resolution = await directory.resolveUsers(desiredKeys, groupId, observed, known);
  if (resolution.unresolved.length > 0) {
    throw new Error(`${label}: ${resolution.unresolved.length} user(s) not found in ${desired.management.directoryKey}: ${addresses(resolution.unresolved, desired.__secretUsers)}; fix the user group or create the users`);
  }
  if (resolution.ambiguous.size > 0) throw new Error(`${label}: ${ambiguityText(resolution.ambiguous, desired.__secretUsers)}; give each user's own user principal name instead`);
  const plan = planMembership({
    desired: new Map(desiredKeys.map((k) => [k, resolution.resolved.get(k)?.id])),
    observed,
    managed: managedIds(carried, observed),
    mode: desired.membershipMode,
    nonUserMembers: desired.nonUserMembers,
  });
  const violation = removalGuardViolation(plan.remove.length, observed.length, desired.maxRemovalPercent);
  if (violation) throw new Error(`${label}: mass-removal guard: ${violation} (members to remove: ${addresses(plan.remove.map((m) => m.label), desired.__secretUsers)})`);
  const oldGroup = moved ? await directory.listMembers(previous.target.groupId) : undefined;

  // Add before removing anything, so an interruption leaves members in both groups, never in neither.
  const added = await directory.addMembers(groupId, plan.add.map((key) => ({ key, id: resolution.resolved.get(key)?.id })));
  const removeFailures = await directory.removeMembers(groupId, plan.remove.map((m) => ({ key: m.label, id: m.id })));
  const removedIds = new Set(plan.remove.filter((m) => !removeFailures.some((f) => f.key === m.label)).map((m) => m.id));

  const userIds = new Map<string, string>();
  for (const [key, id] of plan.present) userIds.set(key, id);
  for (const [key, user] of added.added) userIds.set(key, user.id);
  // Managed: what this binding added, now or before; never a member that was there without it.
  const previouslyManaged = managedIds(carried, observed);
  const observedIds = new Set(observed.map((m) => m.id));
  const managedMembers = new Map<string, string>();
  for (const [key, id] of plan.present) if (previouslyManaged.has(id)) managedMembers.set(key, id);
  for (const [key, user] of added.added) if (!observedIds.has(user.id) || previouslyManaged.has(user.id)) managedMembers.set(key, user.id);

  const keptIds = new Set(plan.kept.map((k) => k.member.id));
  const userIdSet = new Set(userIds.values());
  const others = observed.filter((m) => !userIdSet.has(m.id) && !keptIds.has(m.id) && !removedIds.has(m.id));
  const state: GroupBindingState = {
    ...base,
    members: memberMap([...userIds.keys(), ...(desired.membershipMode === "authoritative" ? others.map((m) => m.label) : [])]),
    userIds: sortedRecord(userIds),
    otherMemberIds: desired.membershipMode === "authoritative" ? sortedRecord(others.map((m) => [m.label, m.id])) : {},
    managedMembers: sortedRecord(managedMembers),
    kept: keptNotes(plan),
    memberCount: observed.length + new Set([...added.added.values()].map((u) => u.id).filter((id) => !observedIds.has(id))).size - removedIds.size,
    pending: false,
  };

  // The move's last step: the old group loses what this binding added there (a deleted old group has nothing to lose).
  const moveFailures: MemberFailure[] = [];
  if (moved && oldGroup) {
    const oldManaged = managedIds(previous, oldGroup);
    const stillThere = oldGroup.filter((m) => oldManaged.has(m.id) && m.role === "MEMBER");
    moveFailures.push(...(await directory.removeMembers(previous.target.groupId, stillThere.map((m) => ({ key: m.label, id: m.id })))));
  }
  const problems = [
    added.unknown.length ? `${added.unknown.length} user(s) not found in ${desired.management.directoryKey}: ${addresses(added.unknown, desired.__secretUsers)}; fix the user group or create the users` : "",
    added.failures.length ? failureText("add", added.failures, desired.__secretUsers) : "",
    removeFailures.length ? failureText("remove", removeFailures, desired.__secretUsers) : "",
    moveFailures.length ? `moving away from ${previous!.target.label}: ${failureText("remove", moveFailures, desired.__secretUsers)}` : "",
  ].filter(Boolean);
  if (problems.length > 0) {
    // What was done is recorded (init-failed state); the next `pulumi up` finishes the job.
    const partial = moveFailures.length > 0 ? { ...state, target: previous!.target, managedMembers: { ...previous!.managedMembers, ...state.managedMembers } } : state;
    throw new PartialApplyError(`${label}: ${problems.join("; ")}. The rest was applied; fix the cause and run pulumi up again`, id, withSecrets(toStoredBindingState(partial), desired.__secretUsers), inputs);
  }
  return state;
}

/** The inputs a refreshed state stands for, so that drift shows in the next diff. */
function inputsOf(state: GroupBindingState): GroupBindingInputs {
  const { management, target, userGroupName, members, membershipMode, maxRemovalPercent, allowEmpty, nonUserMembers, kept, __bindingName, __secretUsers } = state;
  return defined(groupBindingInputsSchema.parse({ management, target, userGroupName, members, membershipMode, maxRemovalPercent, allowEmpty, nonUserMembers, removals: {}, kept, __bindingName, __secretUsers }));
}

/**
 * An address is not an identity for ever: an admin can move an alias, a mail or a proxy address
 * to another person. At refresh, users of the user group that did not match a member by their
 * primary address are resolved again (only those, so a refresh of primary addresses costs
 * nothing more); one whose address now names someone else, or no one, loses its stored id, so
 * the next preview shows the change and the next apply follows the address.
 */
async function reresolveAddresses(state: GroupBindingState, observed: ObservedMember[], directory: MemberDirectory): Promise<GroupBindingState> {
  const labelOf = new Map(observed.map((m) => [m.id, m.label]));
  const keys = Object.entries(state.userIds).filter(([key, id]) => labelOf.get(id) !== key).map(([key]) => key);
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

/** Refresh: the group's members now, told apart by identity, so only real drift shows. */
function refreshed(state: GroupBindingState, observed: ObservedMember[] | undefined): GroupBindingState {
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
  for (const m of observed) {
    if (userIdSet.has(m.id)) continue;
    if (m.role !== "MEMBER") kept.push([m.label, `${m.role}: kept (a binding manages plain membership)`]);
    else if (m.kind !== "user" && state.nonUserMembers === "keep") kept.push([m.label, `${m.kind} member: kept (nonUserMembers: "keep")`]);
    else if (state.membershipMode === "authoritative") others.push([m.label, m.id]);
  }
  return {
    ...state,
    members: memberMap([...userIds.keys(), ...others.map(([label]) => label)]),
    userIds: sortedRecord(userIds),
    otherMemberIds: sortedRecord(others),
    kept: sortedRecord(kept),
    memberCount: observed.length,
  };
}

/**
 * Refresh of a state entry made from the pending CREATE of a killed run (group-export-recover).
 * That run's check recorded which users were already members (`__membersAtCheck`); every
 * other user of the user group that is a member now was added by the killed run (or, in the
 * seconds between its check and the kill, by someone else: counted as added by the binding),
 * so it is recorded as managed: deleting the binding removes it, as if the run had finished.
 * The next `pulumi up` adds the users still missing. A group that is gone drops the entry.
 */
async function readInterruptedCreate(props: Record<string, unknown>) {
  const { [INTERRUPTED_CREATE_KEY]: _marker, ...inputs } = props;
  const desired = groupBindingInputsSchema.parse(inputs);
  const directory = memberDirectoryFor(desired.management);
  const observed = await directory.listMembers(desired.target.groupId);
  if (!observed) return {};
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
    stateVersion: GROUP_BINDING_STATE_VERSION,
    management: desired.management,
    target: desired.target,
    userGroupName: desired.userGroupName,
    membershipMode: desired.membershipMode,
    maxRemovalPercent: desired.maxRemovalPercent,
    allowEmpty: desired.allowEmpty,
    nonUserMembers: desired.nonUserMembers,
    ...(desired.__bindingName ? { __bindingName: desired.__bindingName } : {}),
    ...(desired.__secretUsers ? { __secretUsers: true } : {}),
    members: memberMap(userIds.keys()),
    userIds: sortedRecord(userIds),
    otherMemberIds: {},
    managedMembers: sortedRecord([...userIds].filter(([key]) => !before.has(key))),
    kept: {},
    memberCount: observed.length,
    pending: false,
  };
  const now = refreshed(state, observed);
  return {
    id: `binding-${randomUUID()}`,
    props: withProvider(withSecrets(toStoredBindingState(now), now.__secretUsers), props),
    inputs: withProvider(withSecrets(inputsOf(now), now.__secretUsers), props),
  };
}

/** Drops undefined values: the engine cannot carry them (it fails with "Unexpected struct type"). */
function defined<T extends Record<string, unknown>>(values: T): T {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined)) as T;
}

/** Lifecycle of the memberships one user group exports into one directory group. */
export const groupBindingProvider: pulumi.dynamic.ResourceProvider = {
  async check(olds: Record<string, unknown>, news: Record<string, unknown>) {
    const { values, failures } = checkFields(GROUP_BINDING_TYPE, groupBindingArgsSchema, news);
    const members = checkUsers(values, news, failures);
    const inputs = defined({
      management: values.management ?? news.management,
      target: values.target ?? news.target,
      userGroupName: userGroupName(news),
      members,
      membershipMode: values.membershipMode ?? "authoritative",
      maxRemovalPercent: values.maxRemovalPercent ?? DEFAULT_MAX_REMOVAL_PERCENT,
      allowEmpty: values.allowEmpty ?? false,
      nonUserMembers: values.nonUserMembers ?? "keep",
      removals: {},
      kept: {},
      __bindingName: values.__bindingName,
      __secretUsers: values.__secretUsers,
    }) as GroupBindingInputs;
    const management = inputs.management;
    const target = inputs.target;
    const located = failures.length === 0 && management && !containsUnknown(management) && target && !isUnknown(target.directoryKey) && !isUnknown(target.label);
    if (located) {
      const groupKeys = [isKnownId(target.groupId) ? `id:${target.groupId}` : "", !isUnknown(target.label) ? `${target.directoryKey}:${target.label.toLowerCase()}` : ""].filter(Boolean);
      const other = claimGroupMembership(inputs.__bindingName ?? "(unnamed)", inputs.membershipMode, groupKeys);
      if (other) {
        failures.push({
          property: "target",
          reason: `${target.label} is also bound by GroupBinding ${other.name} (${other.mode}); with ${inputs.membershipMode} here, each would remove the other's members: bind each user group to its own group, or make both bindings additive`,
        });
      }
    }
    const previous = previousInputsSchema.safeParse(olds).data;
    // Kept as the create recorded it, so that later previews do not show it going away (only a pending create reads it).
    if (previous?.members && previous.__membersAtCheck !== undefined) inputs.__membersAtCheck = previous.__membersAtCheck;
    if (located && failures.length === 0 && members !== UNKNOWN && managementEnabled(management) && Object.keys(members).length > 0) {
      if (sameAsBefore(inputs, previous)) inputs.kept = previous?.kept ?? {};
      else await previewPlan(inputs, previous, failures);
    }
    return { inputs: withProvider(withSecrets(inputs, inputs.__secretUsers), news), failures };
  },

  async diff(_id: string, olds: Record<string, unknown>, news: Record<string, unknown>) {
    const state = loadState(olds);
    const desired = news as GroupBindingInputs;
    const switchFlipped = state.management.enabled !== desired.management.enabled;
    if (!managementEnabled(desired.management)) return { changes: switchFlipped };
    const sameMembers = JSON.stringify(state.members) === JSON.stringify(desired.members);
    const changes =
      switchFlipped ||
      state.pending ||
      !sameMembers ||
      state.target.groupId !== desired.target.groupId ||
      state.membershipMode !== desired.membershipMode ||
      state.maxRemovalPercent !== desired.maxRemovalPercent ||
      state.allowEmpty !== desired.allowEmpty ||
      state.nonUserMembers !== desired.nonUserMembers ||
      Object.keys(desired.removals ?? {}).length > 0;
    return { changes };
  },

  async create(inputs: Record<string, unknown>) {
    const id = `binding-${randomUUID()}`;
    const desired = groupBindingInputsSchema.parse(inputs);
    const state = await apply(id, desired, undefined, inputs);
    return { id, outs: withProvider(withSecrets(toStoredBindingState(state), desired.__secretUsers), inputs) };
  },

  async read(id: string, props: Record<string, unknown>) {
    if (props[INTERRUPTED_CREATE_KEY] === true) return readInterruptedCreate(props);
    const state = loadState(props);
    if (!managementEnabled(state.management) || state.pending) return { id, props: withProvider(withSecrets(toStoredBindingState(state), state.__secretUsers), props), inputs: withProvider(withSecrets(inputsOf(state), state.__secretUsers), props) };
    const directory = memberDirectoryFor(state.management);
    const observed = await directory.listMembers(state.target.groupId);
    const now = refreshed(observed ? await reresolveAddresses(state, observed, directory) : state, observed);
    return { id, props: withProvider(withSecrets(toStoredBindingState(now), now.__secretUsers), props), inputs: withProvider(withSecrets(inputsOf(now), now.__secretUsers), props) };
  },

  async update(id: string, olds: Record<string, unknown>, news: Record<string, unknown>) {
    const desired = groupBindingInputsSchema.parse(news);
    const state = await apply(id, desired, loadState(olds), news);
    return { outs: withProvider(withSecrets(toStoredBindingState(state), desired.__secretUsers), news) };
  },

  async delete(_id: string, props: Record<string, unknown>) {
    const state = loadState(props);
    if (!managementEnabled(state.management) || state.pending) return;
    const directory = memberDirectoryFor(state.management);
    const observed = await directory.listMembers(state.target.groupId);
    if (!observed) return; // The group is gone, and its members with it.
    // Only members this binding added, and never one promoted since (a higher role is not ours to remove).
    const managed = managedIds(state, observed);
    const removable = observed.filter((m) => managed.has(m.id) && m.role === "MEMBER");
    const failed = await directory.removeMembers(state.target.groupId, removable.map((m) => ({ key: m.label, id: m.id })));
    if (failed.length > 0) throw new Error(`${describe(state)}: ${failureText("remove", failed, state.__secretUsers)}; run pulumi destroy (or up) again once the cause is fixed`);
  },
};
