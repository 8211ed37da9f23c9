import { managedDiff } from "../management/managedLifecycle";
import type { DirectoryGroup } from "./directoryClient";
import type { DeletionPolicy, GoogleDistributionGroupInputs, GoogleDistributionGroupState, GroupOrigin } from "./groupSchema";

/**
 * Pure reconciliation of a Google group object: desired inputs vs what the directory
 * holds -> the operations to run. No I/O here; the resource provider executes the plan.
 */

type ManagedField = "name" | "description";
const MANAGED_FIELDS: ManagedField[] = ["name", "description"];

/** Fields of an existing group that differ from the desired ones (one-way sync). */
export function groupFieldChanges(desired: Pick<GoogleDistributionGroupInputs, ManagedField>, observed: Pick<DirectoryGroup, ManagedField>): Partial<Record<ManagedField, string>> {
  const patch: Partial<Record<ManagedField, string>> = {};
  for (const field of MANAGED_FIELDS) {
    if (desired[field] !== observed[field]) patch[field] = desired[field];
  }
  return patch;
}

export type CreatePlan =
  | { action: "insert" }
  | { action: "adopt"; groupId: string; patch: Partial<Record<ManagedField, string>> };

/** Create: adopt the group that already has this email, else insert a new one. */
export function planGroupCreate(desired: GoogleDistributionGroupInputs, existing: DirectoryGroup | undefined): CreatePlan {
  if (!existing) return { action: "insert" };
  return { action: "adopt", groupId: existing.id, patch: groupFieldChanges(desired, existing) };
}

export interface GroupDiff {
  changes: boolean;
  replaces: string[];
}

/**
 * What an update must do. A new email moves the resource to the group of that address
 * (found or created; the old group is released, and bindings move the members); other
 * fields update in place. While management is disabled only the switch itself is recorded;
 * a group that was never made (pending) is made by a replacement once it is enabled.
 */
export function diffGroup(state: GoogleDistributionGroupState, desired: GoogleDistributionGroupInputs): GroupDiff {
  const changed = state.email !== desired.email || MANAGED_FIELDS.some((f) => state[f] !== desired[f]) || state.deletionPolicy !== desired.deletionPolicy;
  return managedDiff(state, desired, changed);
}

/** The preview's word on what create will do, from a read-only lookup. */
export function describeAdoption(existing: DirectoryGroup | undefined): string {
  return existing ? `adopt existing group ${existing.id}` : "create";
}

/** Deleting the resource: delete what we created, release what we adopted, unless overridden. */
export function effectiveDeletionPolicy(origin: GroupOrigin, override: DeletionPolicy | undefined): DeletionPolicy {
  return override ?? (origin === "created" ? "delete" : "release");
}

/** Refresh: the state as the directory shows it now, so drift surfaces in the next diff. */
export function observedState(state: GoogleDistributionGroupState, observed: DirectoryGroup): GoogleDistributionGroupState {
  return { ...state, email: observed.email, name: observed.name, description: observed.description, groupId: observed.id };
}
