import { isUnknown, type CheckFailure } from "../contract/checkInputs";
import type { Document } from "../contract/defineResource";
import { managedDiff } from "../groups/lifecycle";
import { claimKeys, type Claim } from "../groups/runRegistry";
import { managementEnabled, managementRefSchema, type ManagementRef } from "../groups/management";
import type { DirectoryGroup } from "./client";
import { GOOGLE_GROUP_STATE_VERSION, type GoogleDistributionGroupInputs, type GoogleDistributionGroupState } from "./schema";

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

/** Every address of a group: a group is one group under any of them. */
export function groupAddresses(group: Pick<DirectoryGroup, "email" | "aliases">): string[] {
  return [group.email, ...(group.aliases ?? [])].map((a) => a.toLowerCase());
}

/** Whether `email` is one of the addresses the stored state knows for its group. */
export function isAddressOfState(email: string, state: Pick<GoogleDistributionGroupState, "email" | "primaryEmail" | "aliases" | "nonEditableAliases">): boolean {
  const known = [state.email, state.primaryEmail ?? state.email, ...(state.aliases ?? []), ...(state.nonEditableAliases ?? [])];
  return known.includes(email.toLowerCase());
}

export type AdoptionDecision = { adoption: string } | { fail: string; property: "email" | "adoptId" };

/**
 * What create will do, decided from a read-only lookup (of `adoptId` if given, else of the
 * address): adopt the group found, create one, or stop because the user refused takeover
 * (`onExisting: "fail"`) or pinned an id that does not fit.
 */
export function decideAdoption(desired: Pick<GoogleDistributionGroupInputs, "email" | "adoptId" | "onExisting">, found: DirectoryGroup | undefined): AdoptionDecision {
  if (desired.adoptId) {
    if (!found) return { property: "adoptId", fail: `${desired.adoptId} is no group of this directory: give an existing group's id (Admin console > Groups > the group's URL, or groups.get)` };
    if (!groupAddresses(found).includes(desired.email)) {
      return { property: "email", fail: `${desired.email} is not an address of group ${found.id} (its addresses: ${groupAddresses(found).join(", ")}): set email to one of them, or leave adoptId out to find the group by address` };
    }
    return { adoption: `adopt existing group ${found.id} (adoptId)` };
  }
  if (!found) return { adoption: "create" };
  if (desired.onExisting === "fail") {
    return {
      property: "email",
      fail: `group ${found.id} (${groupAddresses(found).join(", ")}) already has address ${desired.email} and onExisting is "fail": choose a free address, or take it over with onExisting: "adopt" or adoptId: "${found.id}"`,
    };
  }
  return { adoption: `adopt existing group ${found.id}${found.email !== desired.email ? ` (${desired.email} is its alias; primary address ${found.email})` : ""}` };
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
 * What an update must do. An address that is not one of the managed group's addresses
 * means another group: the resource is REPLACED (Pulumi creates the replacement first, so
 * it finds or creates the group of the new address, bindings move the members add-then-
 * remove, and only then is the old resource deleted: the old group is deleted if this stack
 * created it, released if it adopted it, or as `deletionPolicy` says). An address of the
 * same group (its primary address or an alias, as the state knows them or as this run's check
 * found the address: `addressOfGroup`) is no move. Other fields update in place.
 * While management is disabled only the switch itself is recorded; a group that was never
 * made (pending) is made by a replacement once it is enabled. `enabled`: the switch rule's
 * verdict for the desired directory (the provider passes ManagementSwitches' answer).
 */
export function diffGroup(state: GoogleDistributionGroupState, desired: GoogleDistributionGroupInputs, enabled = managementEnabled(desired.management), addressOfGroup = false): GroupDiff {
  const emailChanged = state.email !== desired.email;
  const otherGroup = emailChanged && !isAddressOfState(desired.email, state) && !addressOfGroup;
  const otherPin = (desired.adoptId ?? "") !== (state.adoptId ?? "") && desired.adoptId !== undefined && desired.adoptId !== state.groupId;
  const changed =
    emailChanged ||
    otherPin ||
    MANAGED_FIELDS.some((f) => state[f] !== desired[f]) ||
    state.deletionPolicy !== desired.deletionPolicy ||
    state.onExisting !== desired.onExisting ||
    state.adoptId !== desired.adoptId;
  const diff = managedDiff(state, desired, changed, enabled);
  if (diff.changes && diff.replaces.length === 0 && state.origin !== "pending" && (otherGroup || otherPin)) return { changes: true, replaces: otherGroup ? ["email"] : ["adoptId"] };
  return diff;
}

/** The preview's word on what create will do, from a read-only lookup. */
export function describeAdoption(existing: DirectoryGroup | undefined): string {
  return existing ? `adopt existing group ${existing.id}` : "create";
}

/**
 * Refresh: the state as the directory shows it now, so drift surfaces in the next diff. The
 * declared address stays while it is still one of the group's addresses (no perpetual diff
 * for a group declared by its alias); if it is not any more, the primary address shows.
 */
export function observedState(state: GoogleDistributionGroupState, observed: DirectoryGroup): GoogleDistributionGroupState {
  const addresses = groupAddresses(observed);
  return {
    ...state,
    email: addresses.includes(state.email) ? state.email : observed.email,
    primaryEmail: observed.email,
    aliases: observed.aliases ?? [],
    name: observed.name,
    description: observed.description,
    groupId: observed.id,
  };
}

/**
 * The keys naming the remote group a resource would manage (one remote group, one owner):
 * its address and pinned id, and, once looked up, the group found with all its addresses.
 */
export function groupClaims(directoryKey: string, email: string | undefined, adoptId: string | undefined, found: DirectoryGroup | undefined): Claim[] {
  const claims: Claim[] = [];
  if (email) claims.push({ key: claimKeys.address(directoryKey, email), label: `address ${email}` });
  if (adoptId) claims.push({ key: claimKeys.group(directoryKey, adoptId), label: `group ${adoptId}` });
  if (found) {
    claims.push({ key: claimKeys.group(directoryKey, found.id), label: `group ${found.id}` });
    for (const address of groupAddresses(found)) claims.push({ key: claimKeys.address(directoryKey, address), label: `address ${address} of group ${found.id}` });
  }
  return claims;
}

export function stateOf(inputs: GoogleDistributionGroupInputs, group: DirectoryGroup, origin: GoogleDistributionGroupState["origin"]): GoogleDistributionGroupState {
  return {
    stateVersion: GOOGLE_GROUP_STATE_VERSION,
    management: inputs.management,
    ...(inputs.adoption ? { adoption: inputs.adoption } : {}),
    ...(inputs.pulumiName ? { pulumiName: inputs.pulumiName } : {}),
    email: inputs.email,
    primaryEmail: group.email,
    aliases: group.aliases ?? [],
    name: group.name,
    description: group.description,
    ...(inputs.deletionPolicy ? { deletionPolicy: inputs.deletionPolicy } : {}),
    ...(inputs.onExisting ? { onExisting: inputs.onExisting } : {}),
    ...(inputs.adoptId ? { adoptId: inputs.adoptId } : {}),
    groupId: group.id,
    origin,
  };
}

/**
 * A group released (or waiting) with no address given: a user group whose email was removed at
 * the source (the seed: "If you remove a distribution group's email address, the group and its
 * memberships are no longer synced"). The group it had keeps its address (from the previous
 * inputs); with none (never exported), a waiting group stays unmade (`email: ""`), and a
 * released one cannot be, so the preview fails with the reason the SDK gave and the fix.
 * `{}`: an address is given (or the group is neither released nor waiting): checked as usual.
 */
export function heldEmail(given: Document, olds: Document): { email?: string } | { failure: CheckFailure } {
  if (given.email !== undefined && given.email !== "") return {};
  const hold = managementRefSchema.safeParse(given.management).data;
  if (!hold || (hold.released === undefined && hold.waitingFor === undefined)) return {};
  if (typeof olds.email === "string" && olds.email !== "") return { email: olds.email };
  if (hold.waitingFor !== undefined) return { email: "" };
  return {
    failure: {
      property: "email",
      reason: `${hold.released}: a Google group needs the distribution group's address, and this one was never exported (the seed warns that users of a group bound without an address can be suspended). Fix: give the user group its email at its source (email: in a groups file, the Email Address attribute in JumpCloud), or export it to Entra ID only (exportTo: [entra]); renamed after its email was removed, nothing identified the user group across the rename: keep its old name, or give it a key under the old name first (docs/guides/migrating.md#renaming-a-user-group)`,
    },
  };
}

/** The email must be in one of the directory's domains, and the directory a Google one. */
export function checkDirectory(values: Document, failures: CheckFailure[]): void {
  const management = values.management;
  if (values.adoptId !== undefined && values.onExisting !== undefined) {
    failures.push({ property: "onExisting", reason: "has no effect with adoptId (the pinned group is taken over): remove one of them" });
  }
  if (!isManagementRef(management)) return;
  checkDomains(management, values.email, failures);
}

/** The checked management reference among check's values, unless it is unknown until apply. */
export function managementOf(values: Document): ManagementRef | undefined {
  return isManagementRef(values.management) ? values.management : undefined;
}

export function isManagementRef(value: unknown): value is ManagementRef {
  return managementRefSchema.safeParse(value).success;
}

export function checkDomains(management: ManagementRef, email: unknown, failures: CheckFailure[]): void {
  if (management.service !== "google") {
    failures.push({ property: "management", reason: `is the Entra ID directory ${management.directoryKey}: a GoogleDistributionGroup needs a Google Workspace DirectoryGroupManagement` });
    return;
  }
  const domains = management.domains ?? [];
  if (typeof email === "string" && email !== "" && !isUnknown(email) && domains.length > 0 && !domains.includes(email.split("@")[1])) {
    failures.push({ property: "email", reason: `${email} is not in the directory's domains (${domains.join(", ")}): use an address in one of them, or add its domain to the DirectoryGroupManagement's google.domains` });
  }
}
