import { randomUUID } from "node:crypto";
import { checkFields, isUnknown, UNKNOWN, type CheckFailure } from "../contract/checkInputs";
import { defineResource, type Document, type ReadOutcome } from "../contract/defineResource";
import { PartialApplyError } from "../contract/partialApply";
import { readStoredState } from "../contract/storedState";
import { checkUsers, isKnownId, lookupTargetId, manifestBindingInputs, previousInputsSchema, sameAsBefore, sameTargetAsBefore, settingsChanged, userGroupName, type PreviousInputs } from "../groups/bindingCheck";
import { ambiguousUsers, bindingName, describe, failureText, GROUP_BINDING_TYPE, interruptedCreateText, known, label, usersNotFound } from "../groups/bindingMessages";
import { planBinding, sortedRecord, stateAfter } from "../groups/bindingPlan";
import { previewPlan } from "../groups/bindingPreview";
import { lagMayExplain, managedIds, recoveredState, refreshed, reresolveAddresses } from "../groups/bindingRefresh";
import { bindingTargetSchema, groupBindingArgsSchema, groupBindingInputsSchema, memberListText, membershipModeSchema, upgradeBindingState, withDefaults, type BindingTarget, type GroupBindingInputs, type GroupBindingState } from "../groups/bindingSchema";
import { defined, inputsOf, stateBase, storedOuts, withSecrets } from "../groups/bindingStorage";
import { holdChanged, managementRefSchema, type ManagementRef } from "../groups/management";
import type { MemberFailure } from "../groups/memberDirectory";
import { nestingKey } from "../groups/nesting";
import { applyEntraOwners, applyGoogleRoles, checkRolesAndNesting, desiredIds, entraOwnersPlan, extraMemberKeys, keysToResolve, ownerId, refreshEntraOwners, roleOfKey } from "../groups/ownersAndNesting";
import { providerContext, type ProviderContext } from "../context";
import { OWN_WRITE_LAG_MS, readPastOwnWrite } from "../retry";
import { INTERRUPTED_CREATE_KEY } from "../recovery/interruptedCreates";

export { GROUP_BINDING_TYPE } from "../groups/bindingMessages";

/**
 * GroupBinding's wiring: check, diff and the lifecycle handlers. What a binding plans is
 * groups/bindingPlan.ts (one plan for preview and apply), its texts groups/bindingMessages.ts,
 * its refresh and crash recovery groups/bindingRefresh.ts, its stored forms groups/bindingStorage.ts.
 */

function loadState(props: Document): GroupBindingState {
  // Made by group-export-recover and resolved only by a refresh (readInterruptedCreate).
  if (props[INTERRUPTED_CREATE_KEY] === true) throw new Error(interruptedCreateText(props));
  return readStoredState(label(props), props, upgradeBindingState, "bind again");
}

/** The preview's plan of a binding: its group read by id, or found as lookupTargetId says. */
async function preview(context: ProviderContext, inputs: GroupBindingInputs, previous: PreviousInputs | undefined, failures: CheckFailure[]): Promise<void> {
  const found = lookupTargetId((directoryKey, label) => context.run.plannedGroup(directoryKey, label), inputs.target, previous?.target);
  await previewPlan(context.memberDirectory(inputs.management), found, inputs, previous, failures);
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
    const inputs = manifestBindingInputs(b, management, target);
    if (!inputs) continue;
    const failures: CheckFailure[] = [];
    await preview(context, inputs, undefined, failures);
    for (const f of failures) problems.push(`GroupBinding ${b.name} of this group: ${f.reason}`);
  }
  return problems;
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
  const secret = desired.__secretUsers;
  const directoryKey = desired.management.directoryKey;

  // Every precondition first: the group, the users, the guard; nothing is written before.
  const observed = await directory.listMembers(groupId);
  if (!observed) throw new Error(`${label}: the group ${desired.target.label} (${groupId}) does not exist: run \`pulumi refresh\` so that it is made again by the next \`pulumi up\``);
  const knownIds = new Map(Object.entries({ ...(carried?.ownerIds ?? {}), ...(carried?.userIds ?? {}) }).filter(([key]) => !key.startsWith("group:")));
  const resolution = await directory.resolveUsers(keysToResolve(desired), groupId, observed, knownIds);
  if (resolution.unresolved.length > 0) throw new Error(`${label}: ${usersNotFound(resolution.unresolved, directoryKey, secret)}`);
  if (resolution.ambiguous.size > 0) throw new Error(`${label}: ${ambiguousUsers(resolution.ambiguous, secret)}`);
  const desiredById = desiredIds(desiredKeys, desired.memberGroupIds, resolution.resolved);
  context.run.recordKeptMembers(bindingName(desired), directoryKey, groupId, [...desiredById.values()].filter((id): id is string => id !== undefined));
  const missingGroups = [...desiredById].filter(([key, id]) => key.startsWith("group:") && id === undefined).map(([key]) => key);
  if (missingGroups.length > 0) throw new Error(`${label}: nested group(s) ${missingGroups.join(", ")} have no id yet: run pulumi up again once they exist`);
  const owners = await entraOwnersPlan(directory, groupId, desired, resolution.resolved);
  if (owners?.plan.lastOwnerProblem) throw new Error(`${label}: owners: ${owners.plan.lastOwnerProblem}`);
  const current = { observed, managed: managedIds(carried, observed), owners };
  const plan = planBinding({ ids: desiredById, inputs: desired }, current);
  if (plan.guard) throw new Error(`${label}: ${plan.guard}`);
  const oldGroup = moved ? await directory.listMembers(previous.target.groupId) : undefined;

  // Add before removing anything, so an interruption leaves members in both groups, never in neither.
  const google = desired.target.service === "google";
  const { add, remove, present } = plan.membership;
  // Google: a declared owner or manager is added with its role (one call, no promotion after).
  const added = await directory.addMembers(groupId, add.map((key) => ({ key, id: desiredById.get(key), ...(google ? { role: roleOfKey(key, desired) } : {}) })));
  const removeFailures = await directory.removeMembers(groupId, remove.map((m) => ({ key: m.label, id: m.id })));
  const removedIds = new Set(remove.filter((m) => !removeFailures.some((f) => f.key === m.label)).map((m) => m.id));
  // Roles change in place (members.patch): a promoted or demoted member never leaves the group.
  const keyOfObserved = new Map([...present].map(([key, id]) => [id, key]));
  const roleFailures = await applyGoogleRoles(directory, groupId, plan.roleChanges.map((c) => ({ key: keyOfObserved.get(c.member.id) ?? c.member.label, id: c.member.id, role: c.to })));
  const ownerFailures = owners ? await applyEntraOwners(directory, groupId, owners.plan, resolution.resolved) : [];
  const ownerIds = owners
    ? Object.fromEntries(
        Object.keys(desired.owners ?? {}).flatMap((k) => {
          const oid = ownerId(k, resolution.resolved);
          return oid ? [[k, oid] as const] : [];
        }),
      )
    : undefined;
  const state = stateAfter(base, plan, current, { added: added.added, removedIds, ownerIds, previousWrite: carried?.lastWrite, now: Date.now(), lagMs: OWN_WRITE_LAG_MS });

  // The move's last step: the old group loses what this binding added there (a deleted old group has nothing to lose).
  const moveFailures: MemberFailure[] = [];
  if (moved && oldGroup) {
    const oldManaged = managedIds(previous, oldGroup);
    const keptThere = context.run.keptByOthers(bindingName(desired), directoryKey, previous.target.groupId);
    const stillThere = oldGroup.filter((m) => oldManaged.has(m.id) && m.role === "MEMBER" && !keptThere.has(m.id));
    moveFailures.push(...(await directory.removeMembers(previous.target.groupId, stillThere.map((m) => ({ key: m.label, id: m.id })))));
  }
  const problems = [
    added.unknown.length ? usersNotFound(added.unknown, directoryKey, secret) : "",
    added.failures.length ? failureText("add", added.failures, secret) : "",
    removeFailures.length ? failureText("remove", removeFailures, secret) : "",
    roleFailures.length ? failureText("change the role of", roleFailures, secret) : "",
    ownerFailures.length ? failureText("set as owner (or remove as owner)", ownerFailures, secret) : "",
    moveFailures.length ? `moving away from ${previous!.target.label}: ${failureText("remove", moveFailures, secret)}` : "",
  ].filter(Boolean);
  if (problems.length > 0) {
    // What was done is recorded (init-failed state); the next `pulumi up` finishes the job.
    const partial = moveFailures.length > 0 ? { ...state, target: previous!.target, managedMembers: { ...previous!.managedMembers, ...state.managedMembers } } : state;
    throw new PartialApplyError(`${label}: ${problems.join("; ")}. The rest was applied; fix the cause and run pulumi up again`, id, storedOuts(partial, secret));
  }
  return state;
}

/** Refresh of a state entry made from the pending CREATE of a killed run (groups/bindingRefresh.ts, recoveredState). */
async function readInterruptedCreate(context: ProviderContext, props: Document): Promise<ReadOutcome<GroupBindingState>> {
  const { [INTERRUPTED_CREATE_KEY]: _marker, ...inputs } = props;
  const desired = groupBindingInputsSchema.parse(inputs);
  const now = await recoveredState(context.memberDirectory(desired.management), desired);
  if (!now) return undefined;
  return { id: `binding-${randomUUID()}`, props: storedOuts(now, now.__secretUsers), inputs: withSecrets(inputsOf(now), now.__secretUsers) };
}

/** Lifecycle of the memberships one user group exports into one directory group. */
export const groupBindingProvider = defineResource<ProviderContext, GroupBindingInputs, GroupBindingState>(
  {
    type: GROUP_BINDING_TYPE,
    label,
    name: (document) => (typeof document.__bindingName === "string" ? document.__bindingName : undefined),
    inputs: groupBindingInputsSchema,
    loadState,
    readEntry: async (context, _id, props) => (props[INTERRUPTED_CREATE_KEY] === true ? readInterruptedCreate(context, props) : false),

    async check(context, olds, news) {
      const { values, failures } = checkFields(GROUP_BINDING_TYPE, groupBindingArgsSchema, news);
      const userMembers = checkUsers(values, news, failures);
      // The target as far as it is known at preview (an unknown service leaves the nesting checks to the apply).
      const target0 = bindingTargetSchema.safeParse(values.target ?? news.target).data;
      const nested = checkRolesAndNesting(values, target0, bindingName(values), failures, context);
      // Owners and managers (Google) and nested groups are members too; unknown until apply if any of them is.
      const members = userMembers === UNKNOWN || nested === UNKNOWN ? UNKNOWN : memberListText([...Object.keys(userMembers), ...(target0 ? extraMemberKeys(target0.service, nested) : [])]);
      const inputs: Document = defined({
        management: values.management ?? news.management,
        target: values.target ?? news.target,
        userGroupName: userGroupName(news),
        members,
        ...withDefaults(values),
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
        const other = context.bindings.claimGroupMembership(bindingName(inputs), mode, groupKeys);
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
      // Not synced (released, or management disabled): the members stay those last synced, so the
      // preview shows no change then, and the whole change when syncing resumes (as keepSyncedFields for groups).
      if (management && !context.switches.enabled(management) && previous?.members && members !== UNKNOWN) inputs.members = memberListText(Object.keys(previous.members));
      // Everything known (members too): the preview can say what the apply will remove and keep.
      const desired = members !== UNKNOWN ? groupBindingInputsSchema.safeParse(inputs).data : undefined;
      if (located && failures.length === 0 && desired && desired.waiting === undefined && context.switches.enabled(management) && Object.keys(desired.members).length > 0) {
        if (sameAsBefore(desired, previous)) inputs.kept = previous?.kept ?? {};
        else {
          await preview(context, desired, previous, failures);
          inputs.removals = desired.removals;
          inputs.kept = desired.kept;
          if (desired.__membersAtCheck !== undefined) inputs.__membersAtCheck = desired.__membersAtCheck;
        }
      }
      // Shown as the group of before when its id is not known at preview but its label is unchanged (one line, no false move).
      const sameGroup = sameTargetAsBefore(inputs.target, previous?.target, (directoryKey, label) => context.run.plannedGroup(directoryKey, label));
      if (sameGroup) inputs.target = sameGroup;
      return { inputs: withSecrets(inputs, secret), failures };
    },

    async diff(context, _id, state, desired, call) {
      // What this binding keeps in its group, as far as its state knows the ids: no other binding's delete takes them away.
      if (!call.refresh && typeof desired.members === "object" && isKnownId(desired.target.groupId) && desired.target.groupId === state.target.groupId) {
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
        settingsChanged(state, desired) ||
        Object.keys(desired.removals ?? {}).length > 0;
      return { changes };
    },

    async create(context, desired) {
      const id = `binding-${randomUUID()}`;
      const state = await apply(context, id, desired, undefined);
      return { id, outs: storedOuts(state, desired.__secretUsers) };
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
      return { id, props: storedOuts(now, now.__secretUsers), inputs: withSecrets(inputsOf(now), now.__secretUsers) };
    },

    async update(context, id, state, desired) {
      const outs = await apply(context, id, desired, state);
      return { outs: storedOuts(outs, desired.__secretUsers) };
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
