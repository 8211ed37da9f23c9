import { randomUUID } from "node:crypto";
import type * as pulumi from "@pulumi/pulumi";
import { PartialApplyError } from "../errors";
import { managementEnabled, type ManagementRef } from "../management/managementSchema";
import {
  DEFAULT_MAX_REMOVAL_PERCENT,
  GROUP_BINDING_STATE_VERSION,
  groupBindingArgsSchema,
  groupBindingStateSchema,
  type GroupBindingInputs,
  type GroupBindingState,
  type MemberMap,
} from "../membership/bindingSchema";
import { memberDirectoryFor } from "../membership/directories";
import type { MemberFailure } from "../membership/memberDirectory";
import { normalizeUsers, planMembership, removalGuardViolation } from "../membership/membershipPlan";
import { checkFields, isUnknown, PROVIDER_KEY, UNKNOWN, type CheckFailure, withProvider } from "./checkInputs";

export const GROUP_BINDING_TYPE = "GroupBinding";

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function memberMap(keys: Iterable<string>): MemberMap {
  return Object.fromEntries([...keys].sort().map((k) => [k, "member" as const]));
}

function loadState(props: Record<string, unknown>): GroupBindingState {
  return groupBindingStateSchema.parse({ stateVersion: GROUP_BINDING_STATE_VERSION, ...props });
}

/** Cross-field checks: the user group's users, the target's directory. */
function checkBinding(values: Record<string, unknown>, failures: CheckFailure[]): MemberMap | string {
  const userGroup = values.userGroup as { name: string; users: unknown[] } | string | undefined;
  const management = values.management as ManagementRef | string | undefined;
  const target = values.target as { directoryKey: string; label: string } | string | undefined;
  if (management && target && !isUnknown(management) && !isUnknown(target) && typeof target === "object" && typeof management === "object") {
    if (!isUnknown(target.directoryKey) && target.directoryKey !== management.directoryKey) {
      failures.push({
        property: "target",
        reason: `group ${target.label} is in directory ${target.directoryKey}, but this binding's management is ${management.directoryKey}: bind a group of ${management.directoryKey}, or use ${target.directoryKey}'s DirectoryGroupManagement`,
      });
    }
  }
  if (!userGroup || isUnknown(userGroup) || typeof userGroup !== "object" || userGroup.users.some(isUnknown)) return "unknown";
  const { members, caseDuplicates } = normalizeUsers(userGroup.users as string[]);
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

function failureText(verb: string, list: MemberFailure[]): string {
  return `could not ${verb} ${list.length} member(s): ${list.map((f) => `${f.key} (${f.reason})`).join("; ")}`;
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
  };
  const desiredKeys = Object.keys(desired.members);
  const moved = previous !== undefined && previous.target.groupId !== desired.target.groupId;
  const carried = previous && !moved ? previous : undefined;
  if (!managementEnabled(desired.management) || desiredKeys.length === 0) {
    // Management disabled, or an empty group waiting (allowEmpty): nothing changes remotely.
    return { ...base, members: carried?.members ?? {}, managedMembers: carried?.managedMembers ?? {}, pending: true };
  }
  const directory = memberDirectoryFor(desired.management);
  const label = `GroupBinding of user group "${desired.userGroupName}" to ${desired.target.label}`;

  // Resolve first: an unknown user stops the apply before anything changes.
  const { resolved, unresolved } = await directory.resolveUsers(desiredKeys);
  if (unresolved.length > 0) {
    throw new Error(`${label}: ${unresolved.length} user(s) not found in ${desired.management.directoryKey}: ${unresolved.join(", ")}; fix the user group or create the users`);
  }
  if (moved) {
    // The target group changed (e.g. a new email): members move; the old group keeps nothing of ours.
    const left = await directory.removeMembers(previous.target.groupId, new Map(Object.entries(previous.managedMembers)));
    if (left.length > 0) throw new PartialApplyError(`${label}: moving from ${previous.target.label}: ${failureText("remove", left)}`, id, previous, inputs);
  }
  const observed = await directory.listMembers(desired.target.groupId);
  const managed = carried?.managedMembers ?? {};
  const plan = planMembership({ desired: desiredKeys, observed: [...observed.keys()], managed: Object.keys(managed), mode: desired.membershipMode });
  const violation = removalGuardViolation(plan, observed.size, desired.maxRemovalPercent);
  if (violation) throw new Error(`${label}: mass-removal guard: ${violation}`);

  const addFailures = await directory.addMembers(desired.target.groupId, new Map(plan.add.map((k) => [k, resolved.get(k)!])));
  const removeFailures = await directory.removeMembers(desired.target.groupId, new Map(plan.remove.map((k) => [k, observed.get(k) ?? k])));
  const failedAdds = new Set(addFailures.map((f) => f.key));
  const failedRemoves = new Set(removeFailures.map((f) => f.key));

  const present = new Set([...observed.keys(), ...plan.add.filter((k) => !failedAdds.has(k))]);
  for (const k of plan.remove) if (!failedRemoves.has(k)) present.delete(k);
  const managedMembers = Object.fromEntries(desiredKeys.filter((k) => present.has(k)).map((k) => [k, resolved.get(k) ?? observed.get(k) ?? k]));
  const state: GroupBindingState = {
    ...base,
    members: desired.membershipMode === "authoritative" ? memberMap(present) : memberMap(Object.keys(managedMembers)),
    managedMembers,
    pending: false,
  };
  if (addFailures.length > 0 || removeFailures.length > 0) {
    const parts = [addFailures.length ? failureText("add", addFailures) : "", removeFailures.length ? failureText("remove", removeFailures) : ""].filter(Boolean);
    throw new PartialApplyError(`${label}: ${parts.join("; ")}. The rest was applied; fix the cause and run pulumi up again`, id, state, inputs);
  }
  return state;
}


function inputsOf(state: GroupBindingState): GroupBindingInputs {
  const { management, target, userGroupName, members, membershipMode, maxRemovalPercent, allowEmpty } = state;
  return { management, target, userGroupName, members, membershipMode, maxRemovalPercent, allowEmpty };
}

/** Lifecycle of the memberships one user group exports into one directory group. */
export const groupBindingProvider: pulumi.dynamic.ResourceProvider = {
  async check(_olds: Record<string, unknown>, news: Record<string, unknown>) {
    const { values, failures } = checkFields(GROUP_BINDING_TYPE, groupBindingArgsSchema, news);
    const members = checkBinding(values, failures);
    const management = values.management as ManagementRef | undefined;
    // Entra users must exist to be members: find the unknown ones at preview, all in one message.
    if (failures.length === 0 && members !== "unknown" && management && !isUnknown(management) && management.service === "entra" && managementEnabled(management)) {
      const { unresolved } = await memberDirectoryFor(management).resolveUsers(Object.keys(members));
      if (unresolved.length > 0) {
        const name = (values.userGroup as { name: string }).name;
        failures.push({ property: "userGroup", reason: `user group "${name}" has ${unresolved.length} user(s) not found in ${management.directoryKey}: ${unresolved.join(", ")}; fix the user group or create the users` });
      }
    }
    const userGroup = values.userGroup as { name?: string } | undefined;
    const inputs: Record<string, unknown> = {
      management: values.management,
      target: values.target,
      userGroupName: userGroup && typeof userGroup === "object" ? userGroup.name : userGroup,
      members: members === "unknown" ? UNKNOWN : members,
      membershipMode: values.membershipMode ?? "authoritative",
      maxRemovalPercent: values.maxRemovalPercent ?? DEFAULT_MAX_REMOVAL_PERCENT,
      allowEmpty: values.allowEmpty ?? false,
      [PROVIDER_KEY]: news[PROVIDER_KEY],
    };
    return { inputs, failures };
  },

  async diff(_id: string, olds: Record<string, unknown>, news: Record<string, unknown>) {
    const state = loadState(olds);
    const desired = news as unknown as GroupBindingInputs;
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
      state.allowEmpty !== desired.allowEmpty;
    return { changes };
  },

  async create(inputs: Record<string, unknown>) {
    const id = `binding-${randomUUID()}`;
    const state = await apply(id, inputs as unknown as GroupBindingInputs, undefined, inputs);
    return { id, outs: withProvider(state, inputs) };
  },

  async read(id: string, props: Record<string, unknown>) {
    const state = loadState(props);
    if (!managementEnabled(state.management) || state.pending) return { id, props, inputs: withProvider(inputsOf(state), props) };
    const observed = await memberDirectoryFor(state.management).listMembers(state.target.groupId);
    const members = state.membershipMode === "authoritative" ? memberMap(observed.keys()) : memberMap(Object.keys(state.managedMembers).filter((k) => observed.has(k)));
    const refreshed = { ...state, members };
    return { id, props: withProvider(refreshed, props), inputs: withProvider(inputsOf(refreshed), props) };
  },

  async update(id: string, olds: Record<string, unknown>, news: Record<string, unknown>) {
    const state = await apply(id, news as unknown as GroupBindingInputs, loadState(olds), news);
    return { outs: withProvider(state, news) };
  },

  async delete(_id: string, props: Record<string, unknown>) {
    const state = loadState(props);
    if (!managementEnabled(state.management) || state.pending) return;
    const directory = memberDirectoryFor(state.management);
    const failed = await directory.removeMembers(state.target.groupId, new Map(Object.entries(state.managedMembers)));
    if (failed.length > 0) throw new Error(`GroupBinding of user group "${state.userGroupName}" to ${state.target.label}: ${failureText("remove", failed)}`);
  },
};
