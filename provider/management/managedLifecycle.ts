import { randomUUID } from "node:crypto";
import type { GroupOrigin } from "../google/groupSchema";
import { managementEnabled, type ManagementRef } from "./managementSchema";

/**
 * The part of a group's lifecycle that the management switch decides, shared by every
 * kind of group: while management is disabled nothing remote is read or written, a group
 * created meanwhile is only "pending", and once enabled again it is made for real.
 */
interface ManagedState {
  origin: GroupOrigin;
  management: ManagementRef;
}

/** Nothing remote to read, write or delete: management is off, or the group was never made. */
export function isDormant(state: ManagedState): boolean {
  return state.origin === "pending" || !managementEnabled(state.management);
}

/** The id of a group recorded while management was disabled (replaced once it is enabled). */
export function pendingId(): string {
  return `pending-${randomUUID()}`;
}

/**
 * The diff of a group: while disabled only the switch itself is recorded; a pending group
 * is replaced (made for real) once enabled; otherwise `changed` says whether fields differ.
 */
export function managedDiff(state: ManagedState, desired: { management: ManagementRef }, changed: boolean): { changes: boolean; replaces: string[] } {
  const switchFlipped = state.management.enabled !== desired.management.enabled;
  if (!managementEnabled(desired.management)) return { changes: switchFlipped, replaces: [] };
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
