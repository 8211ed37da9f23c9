import { randomUUID } from "node:crypto";
import type { z } from "zod";
import { checkFields, containsUnknown, isUnknown, UNKNOWN, type CheckFailure } from "../contract/checkInputs";
import { defineResource, type Document, type ReadOutcome } from "../contract/defineResource";
import { PartialApplyError } from "../contract/partialApply";
import { readStoredState } from "../contract/storedState";
import { secretIf } from "../contract/secrets";
import { holdChanged, managementRefSchema, type ManagementRef } from "../groups/management";
import { nestingKey } from "../groups/nesting";
import {
  DEFAULT_MAX_REMOVAL_PERCENT,
  GROUP_BINDING_STATE_VERSION,
  groupBindingArgsSchema,
  groupBindingInputsSchema,
  toStoredBindingState,
  bindingTargetSchema,
  memberListText,
  membershipModeSchema,
  upgradeBindingState,
  userGroupSchema,
  type BindingTarget,
  type GroupBindingInputs,
  type GroupBindingState,
  type MemberMap,
} from "../groups/bindingSchema";
import type { MemberDirectory, MemberFailure, ObservedMember, ResolvedUser } from "../groups/memberDirectory";
import { normalizeUsers, planMembership, removalGuardViolation, type MembershipPlan } from "../groups/membershipPlan";
import {
  applyEntraOwners,
  applyGoogleRoles,
  checkRolesAndNesting,
  declaredRoles,
  desiredIds,
  desiredRolesById,
  entraOwnersPlan,
  extraMemberKeys,
  keysToResolve,
  ownerId,
  refreshEntraOwners,
  refreshGoogleRoles,
  rolesKeptAbove,
  roleOfKey,
} from "../groups/ownersAndNesting";
import type { OwnersPlan } from "../groups/ownersPlan";
import { planRoles, ROLE_RANK, type RoleChange } from "../groups/rolePlan";
import { providerContext, type ProviderContext } from "../context";
import { OWN_WRITE_LAG_MS, readPastOwnWrite } from "../retry";
import { decodeKeySet, encodeKeySet } from "../groups/memberTable";
import { INTERRUPTED_CREATE_KEY } from "../recovery/interruptedCreates";
import { see } from "../contract/docs";

export const GROUP_BINDING_TYPE = "GroupBinding";

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function memberMap(keys: Iterable<string>): MemberMap {
  return Object.fromEntries([...new Set(keys)].sort().map((k) => [k, "member" as const]));
}

function sortedRecord(entries: Iterable<[string, string]>): Record<string, string> {
  return Object.fromEntries([...entries].sort(([a], [b]) => a.localeCompare(b)));
}

function loadState(props: Document): GroupBindingState {
  if (props[INTERRUPTED_CREATE_KEY] === true) {
    // Made by group-export-recover and resolved only by a refresh (readInterruptedCreate).
    throw new Error(
      `${GROUP_BINDING_TYPE}${typeof props.__bindingName === "string" ? ` ${props.__bindingName}` : ""}: this state entry stands for an interrupted create and has not been refreshed yet: ` +
        `run pulumi refresh --yes --clear-pending-creates first (${see("recovery")})`,
    );
  }
  return readStoredState(label(props), props, upgradeBindingState, "bind again");
}

function describe(inputs: Pick<GroupBindingInputs, "userGroupName" | "target" | "__bindingName">): string {
  return `${GROUP_BINDING_TYPE}${inputs.__bindingName ? ` ${inputs.__bindingName}` : ""} (user group "${inputs.userGroupName}" to ${inputs.target.label})`;
}

/** The binding's name in the program (run-wide bookkeeping keys on it). */
function bindingName(values: { __bindingName?: string }): string {
  return values.__bindingName ?? "(unnamed)";
}

/** How messages name a binding from its inputs or state, as far as they tell (see `describe`). */
function label(document: Document): string {
  const name = typeof document.__bindingName === "string" ? ` ${document.__bindingName}` : "";
  const userGroup = typeof document.userGroupName === "string" && !isUnknown(document.userGroupName) ? document.userGroupName : known(userGroupSchema, document.userGroup)?.name;
  const target = bindingTargetSchema.safeParse(document.target).data;
  const to = target && !isUnknown(target.label) ? ` to ${target.label}` : "";
  return `${GROUP_BINDING_TYPE}${name}${userGroup ? ` (user group "${userGroup}"${to})` : ""}`;
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
function lookupTargetId(context: ProviderContext, target: BindingTarget, previous: BindingTarget | undefined): string | undefined {
  if (isKnownId(target.groupId)) return target.groupId;
  if (isUnknown(target.label) || target.label === "") return undefined;
  // Google takes a group's address as its key (whatever group is at it now, also one made again by hand).
  if (target.service === "google") return target.label.toLowerCase();
  // Entra: the group its resource's check plans to take over, else (an update of the group, e.g. a rename made by hand and reverted) the group of before.
  return context.run.plannedAdoption(target.directoryKey, target.label) ?? sameTargetAsBefore(target, previous)?.groupId;
}

/**
 * A target group with changes of its own in the same update (drift of its settings, a rename
 * made by hand and reverted) has no known id at preview. With the same label in the same
 * directory it is no move: the preview announces no removal from the group of before, and
 * shows the target as that group, one line. (Which group's members are read is lookupTargetId's
 * business: Google's by the address, which also finds a group made again by hand.)
 */
function sameTargetAsBefore(target: unknown, previous: BindingTarget | undefined): BindingTarget | undefined {
  const now = bindingTargetSchema.safeParse(target).data;
  if (!now || !previous || !isUnknown(now.groupId) || isUnknown(now.label) || isUnknown(now.directoryKey)) return undefined;
  if (now.label !== previous.label || now.directoryKey !== previous.directoryKey || !isKnownId(previous.groupId)) return undefined;
  return { ...now, groupId: previous.groupId };
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
  // Inputs recorded while management was off, or while the binding waited, were never applied.
  if (!previous.management?.enabled || previous.management.waitingFor !== undefined || previous.waiting !== undefined) return false;
  return (
    JSON.stringify(previous.members) === JSON.stringify(inputs.members) &&
    previous.target.groupId === inputs.target.groupId &&
    previous.target.label === inputs.target.label &&
    previous.membershipMode === inputs.membershipMode &&
    previous.nonUserMembers === inputs.nonUserMembers &&
    previous.maxRemovalPercent === inputs.maxRemovalPercent &&
    previous.removalGuardFloor === inputs.removalGuardFloor &&
    JSON.stringify(previous.owners) === JSON.stringify(inputs.owners) &&
    JSON.stringify(previous.managers) === JSON.stringify(inputs.managers) &&
    JSON.stringify(previous.memberGroupIds) === JSON.stringify(inputs.memberGroupIds)
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

/** Role changes and owner removals for the preview's `removals` (a demotion takes rights away, so it is shown like a removal). */
function roleNotes(changes: RoleChange[], owners: OwnersPlan | undefined, target: BindingTarget): Record<string, string> {
  const notes: [string, string][] = changes.filter((c) => ROLE_RANK[c.to] < ROLE_RANK[c.from]).map((c) => [`${c.member.label} (${c.from})`, `demote to ${c.to} in ${target.label} (stays a member)`]);
  for (const m of owners?.remove ?? []) notes.push([`owner ${m.label}`, `remove as owner of ${target.label}`]);
  return sortedRecord(notes);
}

function ownerKeptNotes(owners: OwnersPlan | undefined): Record<string, string> {
  return sortedRecord((owners?.kept ?? []).map((k) => [`owner ${k.member.label}`, k.why]));
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
async function previewPlan(context: ProviderContext, inputs: GroupBindingInputs, previous: z.infer<typeof previousInputsSchema> | undefined, failures: CheckFailure[]): Promise<void> {
  const directory = context.memberDirectory(inputs.management);
  const keys = keysToResolve(inputs);
  const groupId = lookupTargetId(context, inputs.target, previous?.target);
  const observed = groupId ? await directory.listMembers(groupId) : undefined;
  const resolution = await directory.resolveUsers(keys, observed ? groupId : undefined, observed, new Map(), { findUnknownUsers: true });
  const owners = await entraOwnersPlan(directory, observed ? groupId : undefined, inputs, resolution.resolved);
  if (owners?.plan.lastOwnerProblem) failures.push({ property: "owners", reason: owners.plan.lastOwnerProblem });
  const name = inputs.userGroupName;
  // Entra owners are resolved with the users; one not found is the owners list's problem, not the user group's.
  const isOwnerOnly = (k: string) => inputs.target.service === "entra" && inputs.owners?.[k] !== undefined && inputs.members[k] === undefined;
  const unresolvedUsers = resolution.unresolved.filter((k) => !isOwnerOnly(k));
  const unresolvedOwners = resolution.unresolved.filter(isOwnerOnly);
  if (unresolvedUsers.length > 0) {
    failures.push({
      property: "userGroup",
      reason: `user group "${name}" has ${unresolvedUsers.length} user(s) not found in ${inputs.management.directoryKey}: ${addresses(unresolvedUsers, inputs.__secretUsers)}; fix the user group or create the users`,
    });
  }
  if (unresolvedOwners.length > 0) {
    failures.push({
      property: "owners",
      reason: `owners lists ${unresolvedOwners.length} address(es) not found in ${inputs.management.directoryKey}: ${addresses(unresolvedOwners, inputs.__secretUsers)}; give each owner's user principal name or mail (a service principal by its object id), or create the users`,
    });
  }
  if (resolution.ambiguous.size > 0) {
    failures.push({ property: "userGroup", reason: `user group "${name}": ${ambiguityText(resolution.ambiguous, inputs.__secretUsers)}; give each user's own user principal name instead` });
  }
  for (const keysOfOne of sameUserTwice(resolution.resolved)) {
    // An owner or manager given by another address of a user of the user group is the same
    // person twice too; say which list holds which address, so the fix is obvious.
    const inRole = keysOfOne.filter((k) => inputs.owners?.[k] !== undefined || inputs.managers?.[k] !== undefined);
    if (inRole.length > 0 && inRole.length < keysOfOne.length) {
      const role = inputs.owners?.[inRole[0]!] !== undefined ? "owners" : "managers";
      const users = keysOfOne.filter((k) => !inRole.includes(k));
      failures.push({
        property: role,
        reason: `${addresses(inRole, inputs.__secretUsers)} (in ${role}) and ${addresses(users, inputs.__secretUsers)} (a user of user group "${name}") are one user (an address and its alias): give the same address in both lists, so that the user is one member with that role`,
      });
    } else {
      failures.push({ property: "userGroup", reason: `user group "${name}" lists ${addresses(keysOfOne, inputs.__secretUsers)}, which are one user (an address and its alias): keep one` });
    }
  }
  if (!observed) return;
  const desired = desiredIds(Object.keys(inputs.members), inputs.memberGroupIds, resolution.resolved);
  const plan = planMembership({
    desired,
    observed,
    managedRoles: declaredRoles(inputs),
    // Which members the binding added is in its state, which check does not see: a member
    // that was among its users before counts as its own here (additive mode may remove it).
    managed: new Set(observed.filter((m) => previous?.members?.[m.label] !== undefined && previous.target?.groupId === groupId).map((m) => m.id)),
    mode: inputs.membershipMode,
    nonUserMembers: inputs.nonUserMembers,
  });
  // A move: another group than before (by id when the id is known now, else by label: a group with changes of its own has no id at preview).
  const movedAway = previous?.target && isKnownId(previous.target.groupId) && (isKnownId(inputs.target.groupId) ? previous.target.groupId !== inputs.target.groupId : previous.target.label.toLowerCase() !== inputs.target.label.toLowerCase());
  const oldGroupId = movedAway ? previous!.target!.groupId : undefined;
  const oldMembers = oldGroupId ? await directory.listMembers(oldGroupId) : undefined;
  const moveFrom = oldGroupId && oldMembers ? { label: previous!.target!.label, members: oldMembers.filter((m) => m.role === "MEMBER" && previous!.members?.[m.label] !== undefined) } : undefined;
  const roleChanges = planRoles({ desiredRoles: desiredRolesById(desired, inputs), observed, ownersDeclared: declaredRoles(inputs).OWNER, managersDeclared: inputs.managers !== undefined, removedIds: new Set(plan.remove.map((m) => m.id)) });
  // A create: what was already there, so that the recovery of a killed apply can tell what it added.
  if (!previous?.members) inputs.__membersAtCheck = encodeKeySet(keys, new Set(plan.present.keys()));
  inputs.removals = { ...removalNotes(plan, inputs.target, moveFrom), ...roleNotes(roleChanges, owners?.plan, inputs.target) };
  inputs.kept = { ...keptNotes(plan), ...ownerKeptNotes(owners?.plan), ...rolesKeptAbove(desiredRolesById(desired, inputs), observed, inputs) };
  const ownerRemovals = owners?.plan.remove.length ?? 0;
  const violation = removalGuardViolation(plan.remove.length + ownerRemovals, observed.length + (owners?.observed.length ?? 0), inputs.maxRemovalPercent, inputs.removalGuardFloor);
  if (violation) failures.push({ property: "maxRemovalPercent", reason: `mass-removal guard: ${violation} (members to remove: ${addresses([...plan.remove.map((m) => m.label), ...(owners?.plan.remove ?? []).map((m) => `owner ${m.label}`)], inputs.__secretUsers)})` });
}

/**
 * The program's bindings of a group that a group resource's check is about to take over or move
 * to (an existing group, `target`), planned as each binding's own check will plan it (its users,
 * its owners, the mass-removal guard), from the program's manifest (groups/programManifest.ts).
 * Without a preview the engine writes the group (adopts it, patches it, replaces the old one)
 * before it checks the group's bindings, so a binding that is then refused would leave the group
 * taken over with nobody moved: refused here, the group's check fails first and nothing is
 * written, as a preview would have stopped it. Returns the problems, each naming its binding.
 */
export async function programBindingProblems(context: ProviderContext, management: ManagementRef, target: BindingTarget): Promise<string[]> {
  const problems: string[] = [];
  for (const b of context.run.programBindingsOf(nestingKey(target.directoryKey, target.label))) {
    if (!b.plan) continue;
    const google = target.service === "google";
    const roleKeys = google ? [...(b.plan.owners ?? []), ...(b.plan.managers ?? [])] : [];
    const inputs: GroupBindingInputs = {
      management,
      target,
      userGroupName: b.plan.userGroupName,
      members: memberMap(normalizeUsers([...b.plan.users, ...roleKeys]).members),
      membershipMode: b.mode,
      maxRemovalPercent: b.plan.maxRemovalPercent ?? DEFAULT_MAX_REMOVAL_PERCENT,
      ...(b.plan.removalGuardFloor !== undefined ? { removalGuardFloor: b.plan.removalGuardFloor } : {}),
      allowEmpty: false,
      nonUserMembers: b.plan.nonUserMembers ?? "keep",
      removals: {},
      kept: {},
      ...(b.plan.owners ? { owners: Object.fromEntries(normalizeUsers(b.plan.owners).members.map((o) => [o, "owner" as const])) } : {}),
      ...(b.plan.managers && google ? { managers: Object.fromEntries(normalizeUsers(b.plan.managers).members.map((m) => [m, "manager" as const])) } : {}),
      __bindingName: b.name,
    };
    if (Object.keys(inputs.members).length === 0) continue;
    const failures: CheckFailure[] = [];
    await previewPlan(context, inputs, undefined, failures);
    for (const f of failures) problems.push(`GroupBinding ${b.name} of this group: ${f.reason}`);
  }
  return problems;
}

/** Cross-field checks: the user group's users, the target's directory. Returns the desired members, or UNKNOWN. */
function checkUsers(values: Document, news: Document, failures: CheckFailure[]): MemberMap | typeof UNKNOWN {
  const management = known(managementRefSchema, values.management);
  const target = known(bindingTargetSchema.partial(), values.target);
  if (management && target?.directoryKey !== undefined && !isUnknown(target.directoryKey) && target.directoryKey !== management.directoryKey) {
    failures.push({
      property: "target",
      reason: `group ${target.label} is in directory ${target.directoryKey}, but this binding's management is ${management.directoryKey}: bind a group of ${management.directoryKey}, or use ${target.directoryKey}'s DirectoryGroupManagement`,
    });
  }
  const userGroup = known(userGroupSchema, values.userGroup);
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

/** A checked value as its schema's type; undefined while it is (or holds) a value unknown until apply. */
function known<T>(schema: z.ZodType<T>, value: unknown): T | undefined {
  if (containsUnknown(value)) return undefined;
  const parsed = schema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}

/** The user group's name even when its users are not known yet (a value from another resource). */
function userGroupName(news: Document): string {
  const userGroup = news.userGroup;
  if (isUnknown(userGroup) || typeof userGroup !== "object" || userGroup === null) return UNKNOWN;
  const name = "name" in userGroup ? userGroup.name : undefined;
  return typeof name === "string" ? name.trim() : UNKNOWN;
}

/** The fields that carry members: returned as secrets when the program gave the users as one. */
const MEMBER_FIELDS = ["members", "memberTable", "removals", "kept", "owners", "managers", "ownerIds"] as const;

/**
 * The state as the engine stores it: the member maps packed into `memberTable` (bindingSchema.ts).
 * Cast: the resource definition has one State type for what is stored and what the handlers work
 * with; `loadState` (upgradeBindingState) unpacks this form again.
 */
function stored(state: GroupBindingState): GroupBindingState {
  return toStoredBindingState(state) as unknown as GroupBindingState;
}

function withSecrets<T extends Partial<Record<(typeof MEMBER_FIELDS)[number], unknown>>>(outs: T, secret: boolean | undefined): T {
  if (!secret) return outs;
  const copy = { ...outs };
  for (const field of MEMBER_FIELDS) if (field in copy && !isUnknown(copy[field])) copy[field] = secretIf(true, copy[field]);
  return copy;
}

/** The state fields a binding takes from its desired inputs as they are (apply and the recovery of a killed create). */
function stateBase(desired: GroupBindingInputs) {
  return {
    stateVersion: GROUP_BINDING_STATE_VERSION,
    management: desired.management,
    target: desired.target,
    userGroupName: desired.userGroupName,
    membershipMode: desired.membershipMode,
    maxRemovalPercent: desired.maxRemovalPercent,
    ...(desired.removalGuardFloor !== undefined ? { removalGuardFloor: desired.removalGuardFloor } : {}),
    allowEmpty: desired.allowEmpty,
    nonUserMembers: desired.nonUserMembers,
    ...(desired.owners !== undefined ? { owners: desired.owners } : {}),
    ...(desired.managers !== undefined ? { managers: desired.managers } : {}),
    ...(desired.memberGroupIds !== undefined ? { memberGroupIds: desired.memberGroupIds } : {}),
    ...(desired.__bindingName ? { __bindingName: desired.__bindingName } : {}),
    ...(desired.__secretUsers ? { __secretUsers: true } : {}),
  } as const;
}

/** Applies desired memberships; `previous` is the stored state (undefined on create). */
async function apply(context: ProviderContext, id: string, desired: GroupBindingInputs, previous: GroupBindingState | undefined): Promise<GroupBindingState> {
  const base = stateBase(desired);
  const desiredKeys = Object.keys(desired.members);
  const moved = previous !== undefined && !previous.pending && previous.target.groupId !== desired.target.groupId;
  const carried = previous && !moved ? previous : undefined;
  if (!context.switches.enabled(desired.management) || desiredKeys.length === 0 || desired.waiting !== undefined) {
    // Management disabled, or an empty group waiting (allowEmpty): nothing changes remotely.
    const empty = { members: {}, userIds: {}, otherMemberIds: {}, managedMembers: {}, kept: {}, memberCount: 0 };
    return { ...base, ...(carried ?? empty), ...base, pending: true };
  }
  const directory = context.memberDirectory(desired.management);
  const label = describe(desired);
  const groupId = desired.target.groupId;

  // Every precondition first: the group, the users, the guard; nothing is written before.
  const observed = await directory.listMembers(groupId);
  if (!observed) throw new Error(`${label}: the group ${desired.target.label} (${groupId}) does not exist: run \`pulumi refresh\` so that it is made again by the next \`pulumi up\``);
  const known = new Map(Object.entries({ ...(carried?.ownerIds ?? {}), ...(carried?.userIds ?? {}) }).filter(([key]) => !key.startsWith("group:")));
  const resolution = await directory.resolveUsers(keysToResolve(desired), groupId, observed, known);
  if (resolution.unresolved.length > 0) {
    throw new Error(`${label}: ${resolution.unresolved.length} user(s) not found in ${desired.management.directoryKey}: ${addresses(resolution.unresolved, desired.__secretUsers)}; fix the user group or create the users`);
  }
  if (resolution.ambiguous.size > 0) throw new Error(`${label}: ${ambiguityText(resolution.ambiguous, desired.__secretUsers)}; give each user's own user principal name instead`);
  const desiredById = desiredIds(desiredKeys, desired.memberGroupIds, resolution.resolved);
  context.run.recordKeptMembers(bindingName(desired), desired.management.directoryKey, groupId, [...desiredById.values()].filter((id): id is string => id !== undefined));
  const missingGroups = [...desiredById].filter(([key, id]) => key.startsWith("group:") && id === undefined).map(([key]) => key);
  if (missingGroups.length > 0) throw new Error(`${label}: nested group(s) ${missingGroups.join(", ")} have no id yet: run pulumi up again once they exist`);
  const plan = planMembership({
    desired: desiredById,
    observed,
    managed: managedIds(carried, observed),
    mode: desired.membershipMode,
    nonUserMembers: desired.nonUserMembers,
    managedRoles: declaredRoles(desired),
  });
  const owners = await entraOwnersPlan(directory, groupId, desired, resolution.resolved);
  if (owners?.plan.lastOwnerProblem) throw new Error(`${label}: owners: ${owners.plan.lastOwnerProblem}`);
  const violation = removalGuardViolation(plan.remove.length + (owners?.plan.remove.length ?? 0), observed.length + (owners?.observed.length ?? 0), desired.maxRemovalPercent, desired.removalGuardFloor);
  if (violation) throw new Error(`${label}: mass-removal guard: ${violation} (members to remove: ${addresses([...plan.remove.map((m) => m.label), ...(owners?.plan.remove ?? []).map((m) => `owner ${m.label}`)], desired.__secretUsers)})`);
  const oldGroup = moved ? await directory.listMembers(previous.target.groupId) : undefined;

  // Add before removing anything, so an interruption leaves members in both groups, never in neither.
  const google = desired.target.service === "google";
  // Google: a declared owner or manager is added with its role (one call, no promotion after).
  const added = await directory.addMembers(groupId, plan.add.map((key) => ({ key, id: desiredById.get(key), ...(google ? { role: roleOfKey(key, desired) } : {}) })));
  const removeFailures = await directory.removeMembers(groupId, plan.remove.map((m) => ({ key: m.label, id: m.id })));
  const removedIds = new Set(plan.remove.filter((m) => !removeFailures.some((f) => f.key === m.label)).map((m) => m.id));
  // Roles change in place (members.patch): a promoted or demoted member never leaves the group.
  const roleChanges = google ? planRoles({ desiredRoles: desiredRolesById(desiredById, desired), observed, ownersDeclared: declaredRoles(desired).OWNER, managersDeclared: desired.managers !== undefined, removedIds: new Set(plan.remove.map((m) => m.id)) }) : [];
  const keyOfObserved = new Map([...plan.present].map(([key, id]) => [id, key]));
  const roleFailures = await applyGoogleRoles(directory, groupId, roleChanges.map((c) => ({ key: keyOfObserved.get(c.member.id) ?? c.member.label, id: c.member.id, role: c.to })));
  const ownerFailures = owners ? await applyEntraOwners(directory, groupId, owners.plan, resolution.resolved) : [];
  const wrote = plan.add.length + plan.remove.length + roleChanges.length + (owners ? owners.plan.add.length + owners.plan.remove.length : 0) > 0;

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
  const ownerIds = owners
    ? Object.fromEntries(
        Object.keys(desired.owners ?? {}).flatMap((k) => {
          const oid = ownerId(k, resolution.resolved);
          return oid ? [[k, oid] as const] : [];
        }),
      )
    : undefined;
  const state: GroupBindingState = {
    ...base,
    members: memberMap([...userIds.keys(), ...(desired.membershipMode === "authoritative" ? others.map((m) => m.label) : [])]),
    userIds: sortedRecord(userIds),
    otherMemberIds: desired.membershipMode === "authoritative" ? sortedRecord(others.map((m) => [m.label, m.id])) : {},
    managedMembers: sortedRecord(managedMembers),
    kept: { ...keptNotes(plan), ...ownerKeptNotes(owners?.plan), ...rolesKeptAbove(desiredRolesById(desiredById, desired), observed, desired) },
    ...(ownerIds ? { ownerIds: sortedRecord(Object.entries(ownerIds)) } : {}),
    memberCount: observed.length + new Set([...added.added.values()].map((u) => u.id).filter((id) => !observedIds.has(id))).size - removedIds.size,
    pending: false,
    ...lastWriteOf(wrote, [...added.added.values()].map((u) => u.id).filter((id) => !observedIds.has(id)), [...removedIds], carried?.lastWrite),
  };

  // The move's last step: the old group loses what this binding added there (a deleted old group has nothing to lose).
  const moveFailures: MemberFailure[] = [];
  if (moved && oldGroup) {
    const oldManaged = managedIds(previous, oldGroup);
    const keptThere = context.run.keptByOthers(bindingName(desired), desired.management.directoryKey, previous.target.groupId);
    const stillThere = oldGroup.filter((m) => oldManaged.has(m.id) && m.role === "MEMBER" && !keptThere.has(m.id));
    moveFailures.push(...(await directory.removeMembers(previous.target.groupId, stillThere.map((m) => ({ key: m.label, id: m.id })))));
  }
  const problems = [
    added.unknown.length ? `${added.unknown.length} user(s) not found in ${desired.management.directoryKey}: ${addresses(added.unknown, desired.__secretUsers)}; fix the user group or create the users` : "",
    added.failures.length ? failureText("add", added.failures, desired.__secretUsers) : "",
    removeFailures.length ? failureText("remove", removeFailures, desired.__secretUsers) : "",
    roleFailures.length ? failureText("change the role of", roleFailures, desired.__secretUsers) : "",
    ownerFailures.length ? failureText("set as owner (or remove as owner)", ownerFailures, desired.__secretUsers) : "",
    moveFailures.length ? `moving away from ${previous!.target.label}: ${failureText("remove", moveFailures, desired.__secretUsers)}` : "",
  ].filter(Boolean);
  if (problems.length > 0) {
    // What was done is recorded (init-failed state); the next `pulumi up` finishes the job.
    const partial = moveFailures.length > 0 ? { ...state, target: previous!.target, managedMembers: { ...previous!.managedMembers, ...state.managedMembers } } : state;
    throw new PartialApplyError(`${label}: ${problems.join("; ")}. The rest was applied; fix the cause and run pulumi up again`, id, withSecrets(stored(partial), desired.__secretUsers));
  }
  return state;
}

/** The inputs a refreshed state stands for, so that drift shows in the next diff. */
function inputsOf(state: GroupBindingState): Document {
  const { management, target, userGroupName, members, membershipMode, maxRemovalPercent, removalGuardFloor, allowEmpty, nonUserMembers, kept, owners, managers, memberGroupIds, __bindingName, __secretUsers } = state;
  const inputs = groupBindingInputsSchema.parse(defined({ management, target, userGroupName, members, membershipMode, maxRemovalPercent, removalGuardFloor, allowEmpty, nonUserMembers, removals: {}, kept, owners, managers, memberGroupIds, __bindingName, __secretUsers }));
  return defined({ ...inputs, members: memberListText(Object.keys(inputs.members)) });
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

/** The most ids of each kind a binding's last write records (a bigger write counts as touching every member). */
const LAST_WRITE_IDS = 500;

/** The state's record of this apply's member writes (or the previous one's, while it may still lag). */
function lastWriteOf(wrote: boolean, added: string[], removed: string[], previous: GroupBindingState["lastWrite"]): Pick<GroupBindingState, "lastWrite"> {
  if (!wrote) return previous && Date.now() - previous.at < OWN_WRITE_LAG_MS ? { lastWrite: previous } : {};
  const all = added.length > LAST_WRITE_IDS || removed.length > LAST_WRITE_IDS;
  return { lastWrite: { at: Date.now(), added: all ? [] : added.sort(), removed: all ? [] : removed.sort(), ...(all ? { all: true } : {}) } };
}

/**
 * Whether a member list differs from the state only the way a list lagging behind the binding's
 * last write would: members it added missing, members it removed still there, nothing else.
 */
function lagMayExplain(state: GroupBindingState, list: ObservedMember[] | undefined): boolean {
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
 * Refresh of a state entry made from the pending CREATE of a killed run (group-export-recover).
 * That run's check recorded which users were already members (`__membersAtCheck`); every
 * other user of the user group that is a member now was added by the killed run (or, in the
 * seconds between its check and the kill, by someone else: counted as added by the binding),
 * so it is recorded as managed: deleting the binding removes it, as if the run had finished.
 * The next `pulumi up` adds the users still missing. A group that is gone drops the entry.
 */
async function readInterruptedCreate(context: ProviderContext, props: Document): Promise<ReadOutcome<GroupBindingState>> {
  const { [INTERRUPTED_CREATE_KEY]: _marker, ...inputs } = props;
  const desired = groupBindingInputsSchema.parse(inputs);
  const directory = context.memberDirectory(desired.management);
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
  const now = refreshed(state, observed);
  return { id: `binding-${randomUUID()}`, props: withSecrets(stored(now), now.__secretUsers), inputs: withSecrets(inputsOf(now), now.__secretUsers) };
}

/** Drops undefined values: the engine cannot carry them (it fails with "Unexpected struct type"). */
function defined(values: Document): Document {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined));
}

/** Lifecycle of the memberships one user group exports into one directory group. */
export const groupBindingProvider = defineResource<ProviderContext, GroupBindingInputs, GroupBindingState>(
  {
    type: GROUP_BINDING_TYPE,
    label,
    inputs: groupBindingInputsSchema,
    loadState,
    readEntry: async (context, _id, props) => (props[INTERRUPTED_CREATE_KEY] === true ? readInterruptedCreate(context, props) : false),

    async check(context, olds, news) {
      const { values, failures } = checkFields(GROUP_BINDING_TYPE, groupBindingArgsSchema, news);
      const userMembers = checkUsers(values, news, failures);
      // The target as far as it is known at preview (an unknown service leaves the nesting checks to the apply).
      const target0 = bindingTargetSchema.safeParse(values.target ?? news.target).data;
      const nested = checkRolesAndNesting(values, target0, typeof values.__bindingName === "string" ? values.__bindingName : "(unnamed)", failures, context);
      // Owners and managers (Google) and nested groups are members too; unknown until apply if any of them is.
      const members = userMembers === UNKNOWN || nested === UNKNOWN ? UNKNOWN : memberListText([...Object.keys(userMembers), ...(target0 ? extraMemberKeys(target0.service, nested) : [])]);
      const inputs: Document = defined({
        management: values.management ?? news.management,
        target: values.target ?? news.target,
        userGroupName: userGroupName(news),
        members,
        membershipMode: values.membershipMode ?? "authoritative",
        maxRemovalPercent: values.maxRemovalPercent ?? DEFAULT_MAX_REMOVAL_PERCENT,
        removalGuardFloor: values.removalGuardFloor,
        allowEmpty: values.allowEmpty ?? false,
        nonUserMembers: values.nonUserMembers ?? "keep",
        removals: {},
        kept: {},
        ...(nested !== UNKNOWN ? nested : {}),
        __bindingName: values.__bindingName,
        __secretUsers: values.__secretUsers,
      });
      const previous = previousInputsSchema.safeParse(olds).data;
      const secret = inputs.__secretUsers === true;
      const management = known(managementRefSchema, inputs.management);
      const target = bindingTargetSchema.safeParse(inputs.target).data;
      const located = failures.length === 0 && management !== undefined && management.released === undefined && target !== undefined && !isUnknown(target.directoryKey) && !isUnknown(target.label);
      if (located) {
        const groupKeys = [isKnownId(target.groupId) ? `id:${target.groupId}` : "", !isUnknown(target.label) ? `${target.directoryKey}:${target.label.toLowerCase()}` : ""].filter(Boolean);
        // A mode unknown until apply claims like an additive one: it conflicts only with an authoritative binding.
        const mode = membershipModeSchema.safeParse(inputs.membershipMode).data ?? "additive";
        const other = context.bindings.claimGroupMembership(typeof inputs.__bindingName === "string" ? inputs.__bindingName : "(unnamed)", mode, groupKeys);
        if (other) {
          failures.push({
            property: "target",
            reason: `${target.label} is also bound by GroupBinding ${other.name} (${other.mode}); with ${String(inputs.membershipMode)} here, each would remove the other's members: bind each user group to its own group, or make both bindings additive`,
          });
        }
      }
      // Kept as the create recorded it, so that later previews do not show it going away (only a pending create reads it).
      if (previous?.members && previous.__membersAtCheck !== undefined) inputs.__membersAtCheck = previous.__membersAtCheck;
      // No member at all, and allowEmpty: the binding waits and the apply changes nothing, so the
      // preview shows why, and the members the group keeps rather than their removal.
      if (members === "" && values.allowEmpty === true) {
        inputs.waiting = `the user group ${userGroupName(news)} has no users: the binding waits (allowEmpty), and the group keeps its members`;
        if (previous?.members) inputs.members = memberListText(Object.keys(previous.members));
      }
      // Everything known (members too): the preview can say what the apply will remove and keep.
      const desired = members !== UNKNOWN ? groupBindingInputsSchema.safeParse(inputs).data : undefined;
      if (located && failures.length === 0 && desired && desired.waiting === undefined && context.switches.enabled(management) && Object.keys(desired.members).length > 0) {
        if (sameAsBefore(desired, previous)) inputs.kept = previous?.kept ?? {};
        else {
          await previewPlan(context, desired, previous, failures);
          inputs.removals = desired.removals;
          inputs.kept = desired.kept;
          if (desired.__membersAtCheck !== undefined) inputs.__membersAtCheck = desired.__membersAtCheck;
        }
      }
      // Shown as the group of before when its id is not known at preview but its label is unchanged (one line, no false move).
      const sameGroup = sameTargetAsBefore(inputs.target, previous?.target);
      if (sameGroup) inputs.target = sameGroup;
      return { inputs: withSecrets(inputs, secret), failures };
    },

    async diff(context, _id, state, desired) {
      // What this binding keeps in its group, as far as its state knows the ids: no other binding's delete takes them away.
      if (typeof desired.members === "object" && isKnownId(desired.target.groupId) && desired.target.groupId === state.target.groupId) {
        const ids = Object.keys(desired.members).flatMap((key) => (state.userIds[key] !== undefined ? [state.userIds[key]] : []));
        context.run.recordKeptMembers(bindingName(desired), desired.management.directoryKey, state.target.groupId, [...ids, ...Object.values(desired.memberGroupIds ?? {})]);
      }
      const switchFlipped = state.management.enabled !== desired.management.enabled || holdChanged(state.management, desired.management);
      if (!context.switches.enabled(desired.management)) return { changes: switchFlipped };
      const sameMembers = JSON.stringify(state.members) === JSON.stringify(desired.members);
      // While the binding waits (empty user group, allowEmpty) its members change nowhere: starting
      // to wait is an update (the state records it, the preview says why), then only settings count.
      const waiting = desired.waiting !== undefined;
      const changes =
        switchFlipped ||
        (waiting ? !state.pending : state.pending || !sameMembers) ||
        state.target.groupId !== desired.target.groupId ||
        state.membershipMode !== desired.membershipMode ||
        state.maxRemovalPercent !== desired.maxRemovalPercent ||
        state.removalGuardFloor !== desired.removalGuardFloor ||
        state.allowEmpty !== desired.allowEmpty ||
        state.nonUserMembers !== desired.nonUserMembers ||
        JSON.stringify(state.owners) !== JSON.stringify(desired.owners) ||
        JSON.stringify(state.managers) !== JSON.stringify(desired.managers) ||
        JSON.stringify(state.memberGroupIds) !== JSON.stringify(desired.memberGroupIds) ||
        Object.keys(desired.removals ?? {}).length > 0;
      return { changes };
    },

    async create(context, desired) {
      const id = `binding-${randomUUID()}`;
      const state = await apply(context, id, desired, undefined);
      return { id, outs: withSecrets(stored(state), desired.__secretUsers) };
    },

    async read(context, id, state) {
      if (!context.switches.enabled(state.management) || state.pending) return { id, inputs: withSecrets(inputsOf(state), state.__secretUsers) };
      const directory = context.memberDirectory(state.management);
      // A list lagging behind this binding's own last write (Entra member links replicate) is read again, not taken for drift.
      const observed = await readPastOwnWrite((attempt) => directory.listMembers(state.target.groupId, { fresh: attempt > 0 }), (list) => lagMayExplain(state, list), state.lastWrite?.at);
      const members = refreshed(observed ? await reresolveAddresses(state, observed, directory) : state, observed);
      const { callerKept, ...owners } = observed ? await refreshEntraOwners(directory, members) : {};
      const { lastWrite, ...rest } = members;
      // The last write is kept only while a lagging list could still follow it.
      const now: GroupBindingState = { ...rest, ...owners, kept: callerKept ? sortedRecord([...Object.entries(members.kept), callerKept]) : members.kept, ...(lastWrite && Date.now() - lastWrite.at < OWN_WRITE_LAG_MS ? { lastWrite } : {}) };
      return { id, props: withSecrets(stored(now), now.__secretUsers), inputs: withSecrets(inputsOf(now), now.__secretUsers) };
    },

    async update(context, id, state, desired) {
      const outs = await apply(context, id, desired, state);
      return { outs: withSecrets(stored(outs), desired.__secretUsers) };
    },

    async delete(context, _id, state) {
      if (!context.switches.enabled(state.management) || state.pending) return;
      const directory = context.memberDirectory(state.management);
      const observed = await directory.listMembers(state.target.groupId);
      if (!observed) return; // The group is gone, and its members with it.
      // Only members this binding added, and never one promoted since (a higher role is not ours to remove).
      const managed = managedIds(state, observed);
      // Never a member another binding of this run keeps (a binding renamed in the program: its successor keeps them).
      const keptByOthers = context.run.keptByOthers(bindingName(state), state.management.directoryKey, state.target.groupId);
      const removable = observed.filter((m) => managed.has(m.id) && m.role === "MEMBER" && !keptByOthers.has(m.id));
      const failed = await directory.removeMembers(state.target.groupId, removable.map((m) => ({ key: m.label, id: m.id })));
      if (failed.length > 0) throw new Error(`${describe(state)}: ${failureText("remove", failed, state.__secretUsers)}; run pulumi destroy (or up) again once the cause is fixed`);
    },
  },
  providerContext,
);
