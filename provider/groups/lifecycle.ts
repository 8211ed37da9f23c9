import { randomUUID } from "node:crypto";
import { z } from "zod";
import { holdChanged, type ManagementRef } from "./management";

/** Whether the group existed before this package managed it ("pending": not yet made, management disabled). */
export const groupOriginSchema = z.enum(["created", "adopted", "pending"]);
export type GroupOrigin = z.infer<typeof groupOriginSchema>;

/** What removing a group resource does: "delete" the group or "release" it (leave it as it is). */
export const deletionPolicySchema = z.enum(["delete", "release"]);
export type DeletionPolicy = z.infer<typeof deletionPolicySchema>;

/** Deleting the resource: delete what we created, release what we adopted, unless overridden. */
export function effectiveDeletionPolicy(origin: GroupOrigin, override: DeletionPolicy | undefined): DeletionPolicy {
  return override ?? (origin === "created" ? "delete" : "release");
}

/**
 * The part of a group's lifecycle that the management switch decides, shared by every
 * kind of group: while management is disabled nothing remote is read or written, a group
 * created meanwhile is only "pending", and once enabled again it is made for real.
 */
interface ManagedState {
  origin: GroupOrigin;
  management: ManagementRef;
}

/**
 * Nothing remote to read, write or delete: management is off (`enabled`: the switch rule's
 * verdict for the state's directory, ManagementSwitches), or the group was never made.
 */
export function isDormant(state: ManagedState, enabled: boolean): boolean {
  return state.origin === "pending" || !enabled;
}

/** The id of a group recorded while management was disabled (replaced once it is enabled). */
export function pendingId(): string {
  return `pending-${randomUUID()}`;
}

/**
 * The diff of a group: while disabled only the switch itself is recorded; a pending group
 * is replaced (made for real) once enabled; otherwise `changed` says whether fields differ.
 * `enabled` is the switch rule's verdict for the desired directory (ManagementSwitches).
 */
export function managedDiff(state: ManagedState, desired: { management: ManagementRef }, changed: boolean, enabled: boolean): { changes: boolean; replaces: string[] } {
  // The switch, or the group's own hold (waiting, released): recorded even while nothing remote changes, so that a released group's removal later deletes nothing.
  const switchFlipped = state.management.enabled !== desired.management.enabled || holdChanged(state.management, desired.management);
  if (!enabled) return { changes: switchFlipped, replaces: [] };
  if (state.origin === "pending") return { changes: true, replaces: ["management"] };
  return { changes: changed || switchFlipped, replaces: [] };
}

/**
 * A refresh's answer for a group: the observed state as outputs, and the same minus what
 * the provider computes as inputs, so drift made by hand shows in the next diff.
 */
export function refreshedGroup<T extends ManagedState & { groupId: string; stateVersion: number }>(id: string, refreshed: T, computed: string[] = []) {
  const { groupId: _g, origin: _o, stateVersion: _v, ...rest } = refreshed;
  const inputs: Record<string, unknown> = { ...rest };
  for (const key of computed) delete inputs[key];
  return { id, props: refreshed, inputs };
}

/**
 * While a group is not synced (released, or its management disabled), the fields the directory
 * holds keep the values last synced in the inputs (`olds`): an edit made meanwhile changes
 * nothing remote, so the preview must not show it then, and shows it when syncing resumes,
 * against what the group still has (the diff the engine shows compares the old inputs).
 * `olds.adoption` marks a group that was taken on (made or adopted) before.
 */
export function keepSyncedFields(values: Record<string, unknown>, olds: Record<string, unknown>, fields: readonly string[]): void {
  if (typeof olds.adoption !== "string") return;
  for (const field of fields) {
    if (olds[field] === undefined) delete values[field];
    else values[field] = olds[field];
  }
}
