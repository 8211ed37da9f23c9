import type { z } from "zod";
import { containsUnknown, isUnknown, UNKNOWN, type CheckFailure } from "../contract/checkInputs";
import type { Document } from "../contract/defineResource";
import { known } from "./bindingMessages";
import { memberMap } from "./bindingPlan";
import { BINDING_SETTING_DEFAULTS, bindingTargetSchema, groupBindingInputsSchema, userGroupSchema, type BindingTarget, type GroupBindingInputs, type GroupBindingState, type MemberMap } from "./bindingSchema";
import { managementRefSchema, type ManagementRef } from "./management";
import type { ResolvedUser } from "./memberDirectory";
import { normalizeUsers } from "./membershipPlan";
import type { ManifestBinding } from "./programManifest";

/** A GroupBinding's checks at preview: its users, its group, and whether it asks for anything new. */

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function isKnownId(groupId: string): boolean {
  return groupId !== "" && !isUnknown(groupId);
}

/** What a binding's preview reads: the key of its group, and the group's id when it is known (a Google address is no id). */
export interface TargetLookup {
  groupKey: string;
  groupId?: string;
}

/** The group a group resource of this run will hold under a label (RunRegistry.plannedGroup). */
export type PlannedGroup = (directoryKey: string, label: string) => string | undefined;

/**
 * The group to read at preview when its id is not known yet (a group adopted in the same
 * update, or one with changes of its own): the group its resource will hold (taken over, or its
 * own renamed in place), else Google's address (whatever group is at it now, also one made again
 * by hand), else for Entra the group of before under the same label. `undefined`: nothing to read
 * (a group made by this update has no members to remove).
 */
export function lookupTargetId(planned: PlannedGroup, target: BindingTarget, previous: BindingTarget | undefined): TargetLookup | undefined {
  if (isKnownId(target.groupId)) return { groupKey: target.groupId, groupId: target.groupId };
  if (isUnknown(target.label) || target.label === "") return undefined;
  const label = target.service === "google" ? target.label.toLowerCase() : target.label;
  const held = planned(target.directoryKey, label);
  if (held) return { groupKey: held, groupId: held };
  if (target.service === "google") return { groupKey: label };
  const before = sameTargetAsBefore(target, previous);
  return before ? { groupKey: before.groupId, groupId: before.groupId } : undefined;
}

/**
 * A target group with changes of its own in the same update (drift of its settings, a rename
 * made by hand and reverted, a rename of the group itself) has no known id at preview. With the
 * same label in the same directory, or with the group of before planned under its new label
 * (`planned`), it is no move: the preview announces no removal from the group of before, and
 * shows the target as that group, one line. (Which group's members are read is lookupTargetId's
 * business.)
 */
export function sameTargetAsBefore(target: unknown, previous: BindingTarget | undefined, planned?: PlannedGroup): BindingTarget | undefined {
  const now = bindingTargetSchema.safeParse(target).data;
  if (!now || !previous || !isUnknown(now.groupId) || isUnknown(now.label) || isUnknown(now.directoryKey)) return undefined;
  if (now.directoryKey !== previous.directoryKey || !isKnownId(previous.groupId)) return undefined;
  const label = now.service === "google" ? now.label.toLowerCase() : now.label;
  if (now.label !== previous.label && planned?.(now.directoryKey, label) !== previous.groupId) return undefined;
  return { ...now, groupId: previous.groupId };
}

/**
 * The inputs `diff` does not compare as they are, each for a reason: the switch, the group and the
 * members have rules of their own there; names, notes and markers are not settings of the group.
 */
const DIFF_APART = new Set<string>(["management", "target", "members", "waiting", "removals", "kept", "userGroupName", "__bindingName", "__secretUsers", "__membersAtCheck"] satisfies (keyof GroupBindingInputs)[]);

/** The settings `diff` compares as they are: every input the schema declares but those apart, so a field added to the schema is compared without being listed. */
const COMPARED_SETTINGS = Object.keys(groupBindingInputsSchema.shape).filter((key) => !DIFF_APART.has(key)) as (keyof GroupBindingInputs & keyof GroupBindingState)[];

/** Whether a setting (mode, guard, policy, owners, managers, nested groups, ...) differs between the state and the desired inputs. */
export function settingsChanged(state: GroupBindingState, desired: GroupBindingInputs): boolean {
  return COMPARED_SETTINGS.some((key) => JSON.stringify(state[key]) !== JSON.stringify(desired[key]));
}

/** The previous inputs of a binding, as `check` receives them (not its state: that only `diff`, `update`, `read` and `delete` see). */
export const previousInputsSchema = groupBindingInputsSchema.partial();
export type PreviousInputs = z.infer<typeof previousInputsSchema>;

/**
 * Whether the binding asks for exactly what it asked before, of the same group: then the
 * preview needs no call (nothing is added or removed; drift comes in through `--refresh`,
 * which makes the previous inputs the group's members as observed, so drift is a change).
 */
export function sameAsBefore(inputs: GroupBindingInputs, previous: PreviousInputs | undefined): boolean {
  if (!previous?.members || !previous.target) return false;
  // Inputs recorded while management was off, while the binding was released, or while it waited, were never applied.
  if (!previous.management?.enabled || previous.management.waitingFor !== undefined || previous.management.released !== undefined || previous.waiting !== undefined) return false;
  // The settings diff compares, all of them: a setting added to the schema is compared here too.
  return (
    JSON.stringify(previous.members) === JSON.stringify(inputs.members) &&
    previous.target.groupId === inputs.target.groupId &&
    previous.target.label === inputs.target.label &&
    COMPARED_SETTINGS.every((key) => JSON.stringify(previous[key]) === JSON.stringify(inputs[key]))
  );
}

/** Two users of the user group that are one person (an address and its alias): an input error. */
export function sameUserTwice(resolved: Map<string, ResolvedUser>): string[][] {
  const byId = new Map<string, string[]>();
  for (const [key, user] of resolved) byId.set(user.id, [...(byId.get(user.id) ?? []), key]);
  return [...byId.values()].filter((keys) => keys.length > 1);
}

/** Cross-field checks: the user group's users, the target's directory. Returns the desired members, or UNKNOWN. */
export function checkUsers(values: Document, news: Document, failures: CheckFailure[]): MemberMap | typeof UNKNOWN {
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

/** The user group's name even when its users are not known yet (a value from another resource). */
export function userGroupName(news: Document): string {
  const userGroup = news.userGroup;
  if (isUnknown(userGroup) || typeof userGroup !== "object" || userGroup === null) return UNKNOWN;
  const name = "name" in userGroup ? userGroup.name : undefined;
  return typeof name === "string" ? name.trim() : UNKNOWN;
}

/**
 * A binding of the program's manifest as its own check will make its inputs (users, owners and
 * managers normalized, defaults applied): what a group resource's check plans before the group
 * is written (resources/groupBinding.ts, programBindingProblems). Undefined: nothing to plan.
 */
export function manifestBindingInputs(b: ManifestBinding, management: ManagementRef, target: BindingTarget): GroupBindingInputs | undefined {
  if (!b.plan) return undefined;
  const google = target.service === "google";
  const roleKeys = google ? [...(b.plan.owners ?? []), ...(b.plan.managers ?? [])] : [];
  const inputs: GroupBindingInputs = {
    management,
    target,
    userGroupName: b.plan.userGroupName,
    members: memberMap(normalizeUsers([...b.plan.users, ...roleKeys]).members),
    // The manifest's settings over their defaults (not validated: the binding's own check reports a bad one).
    ...BINDING_SETTING_DEFAULTS,
    membershipMode: b.mode,
    maxRemovalPercent: b.plan.maxRemovalPercent ?? BINDING_SETTING_DEFAULTS.maxRemovalPercent,
    ...(b.plan.removalGuardFloor !== undefined ? { removalGuardFloor: b.plan.removalGuardFloor } : {}),
    nonUserMembers: b.plan.nonUserMembers ?? BINDING_SETTING_DEFAULTS.nonUserMembers,
    removals: {},
    kept: {},
    ...(b.plan.owners ? { owners: Object.fromEntries(normalizeUsers(b.plan.owners).members.map((o) => [o, "owner" as const])) } : {}),
    ...(b.plan.managers && google ? { managers: Object.fromEntries(normalizeUsers(b.plan.managers).members.map((m) => [m, "manager" as const])) } : {}),
    __bindingName: b.name,
  };
  return Object.keys(inputs.members).length > 0 ? inputs : undefined;
}
