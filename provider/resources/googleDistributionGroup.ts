import type * as pulumi from "@pulumi/pulumi";
import { googleDirectoryClient, type DirectoryGroup } from "../google/directoryClient";
import { adoptionSettingsNote, aliasClaims, aliasConflictsAtPreview, applyExtras, checkExtras, currentGroup, extrasChanged, readExtras, refreshedInputs } from "../google/groupExtras";
import { decideAdoption, diffGroup, effectiveDeletionPolicy, groupAddresses, groupFieldChanges, isAddressOfState, observedState } from "../google/groupPlan";
import {
  emailLocalPart,
  GOOGLE_GROUP_STATE_VERSION,
  googleDistributionGroupArgsSchema,
  googleDistributionGroupStateSchema,
  type GoogleDistributionGroupInputs,
  type GoogleDistributionGroupState,
} from "../google/groupSchema";
import { isDormant, refreshedGroup, pendingId } from "../management/managedLifecycle";
import { managementEnabled, type ManagementRef } from "../management/managementSchema";
import {
  claimKeys,
  forgetPlannedCreate,
  groupConflictMessage,
  otherHolders,
  plannedCreate,
  recentlyCreated,
  recordedMove,
  recordMove,
  recordPlannedCreate,
  registerClaims,
  type Claim,
} from "../management/runRegistry";
import { INTERRUPTED_CREATE_KEY } from "../recovery/interruptedCreates";
import { PartialApplyError } from "../errors";
import { googleSettings, SettingsError } from "../settings";
import { checkFields, isUnknown, PROVIDER_KEY, type CheckFailure, withProvider } from "./checkInputs";
import { resourceLabel, PULUMI_NAME_KEY, withResourceContext } from "./pulumiName";

export const GOOGLE_DISTRIBUTION_GROUP_TYPE = "GoogleDistributionGroup";

type Inputs = GoogleDistributionGroupInputs & { management: ManagementRef; adoption?: string; pulumiName?: string };

/** Outputs the provider computes; a refresh must not turn them into inputs. */
const COMPUTED = ["primaryEmail", "aliases", "nonEditableAliases", "aliasesManaged"];

const UNIQUENESS_FIX =
  "declare each Google group once: remove one of the resources (bind both user groups' users through one binding), or give them different addresses";

function client() {
  return googleDirectoryClient(googleSettings());
}

/** Older stored states are upgraded here: version 1 stored the primary address as `email`. */
function loadState(props: Record<string, unknown>): GoogleDistributionGroupState {
  if (props[INTERRUPTED_CREATE_KEY] === true) {
    // Made by group-export-recover and resolved only by a refresh (readInterruptedCreate).
    throw new Error(
      `${owner(typeof props.pulumiName === "string" ? props.pulumiName : undefined, props.email)}: this state entry stands for the interrupted create of group ${String(props.email)} and has not been refreshed yet: ` +
        `run pulumi refresh --yes --clear-pending-creates first (README: "If an apply is interrupted")`,
    );
  }
  return googleDistributionGroupStateSchema.parse({ stateVersion: GOOGLE_GROUP_STATE_VERSION, ...props });
}

function owner(name: string | undefined, email: unknown): string {
  return resourceLabel(GOOGLE_DISTRIBUTION_GROUP_TYPE, name, String(email ?? ""));
}

function stateOf(inputs: Inputs, group: DirectoryGroup, origin: GoogleDistributionGroupState["origin"]): GoogleDistributionGroupState {
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

/** The email must be in one of the directory's domains, and the directory a Google one. */
function checkDirectory(values: Record<string, unknown>, failures: CheckFailure[]): void {
  const management = values.management as ManagementRef | undefined;
  const email = values.email;
  if (values.adoptId !== undefined && values.onExisting !== undefined) {
    failures.push({ property: "onExisting", reason: "has no effect with adoptId (the pinned group is taken over): remove one of them" });
  }
  if (!management || isUnknown(management)) return;
  if (management.service !== "google") {
    failures.push({ property: "management", reason: `is the Entra ID directory ${management.directoryKey}: a GoogleDistributionGroup needs a Google Workspace DirectoryGroupManagement` });
    return;
  }
  const domains = management.domains ?? [];
  if (typeof email === "string" && !isUnknown(email) && domains.length > 0 && !domains.includes(email.split("@")[1])) {
    failures.push({ property: "email", reason: `${email} is not in the directory's domains (${domains.join(", ")}): use an address in one of them, or add its domain to the DirectoryGroupManagement's google.domains` });
  }
}

/** The keys naming the remote group a resource would manage: its address, and the group found. */
function claimsOf(directoryKey: string, email: string | undefined, adoptId: string | undefined, found: DirectoryGroup | undefined): Claim[] {
  const claims: Claim[] = [];
  if (email) claims.push({ key: claimKeys.address(directoryKey, email), label: `address ${email}` });
  if (adoptId) claims.push({ key: claimKeys.group(directoryKey, adoptId), label: `group ${adoptId}` });
  if (found) {
    claims.push({ key: claimKeys.group(directoryKey, found.id), label: `group ${found.id}` });
    for (const address of groupAddresses(found)) claims.push({ key: claimKeys.address(directoryKey, address), label: `address ${address} of group ${found.id}` });
  }
  return claims;
}

/** At apply: no other resource of this run claims the address (re-checked before the first write). */
function assertSoleOwner(who: string, desired: Inputs): void {
  const key = claimKeys.address(desired.management.directoryKey, desired.email);
  const others = otherHolders(who, key);
  if (others.length > 0) throw new Error(groupConflictMessage(who, others.map((holder) => ({ holder, label: `address ${desired.email}` })), desired.management.directoryKey, UNIQUENESS_FIX));
}

/**
 * Finds or makes the group with the desired email; returns it and how it came to be.
 * A group found where this run's check found none (and no other resource claims it) is this
 * stack's own earlier attempt landing late, so it counts as created (see runRegistry).
 */
async function findOrCreate(who: string, desired: Inputs): Promise<{ group: DirectoryGroup; origin: "created" | "adopted" }> {
  const directory = client();
  const addressKey = claimKeys.address(desired.management.directoryKey, desired.email);
  const ours = (group: DirectoryGroup) => plannedCreate(who, addressKey) && otherHolders(who, claimKeys.group(desired.management.directoryKey, group.id)).length === 0;
  const adopt = async (existing: DirectoryGroup, origin: "created" | "adopted") => {
    const patch = groupFieldChanges(desired, existing);
    const group = Object.keys(patch).length > 0 ? { ...existing, ...(await directory.patchGroup(existing.id, patch)), aliases: existing.aliases } : existing;
    return { group, origin };
  };
  const existing = await directory.getGroup(desired.adoptId ?? desired.email);
  const decision = decideAdoption(desired, existing);
  if ("fail" in decision) throw new Error(`${decision.property}: ${decision.fail}`);
  if (existing) return adopt(existing, !desired.adoptId && ours(existing) ? "created" : "adopted");
  const inserted = await directory.insertGroup({ email: desired.email, name: desired.name, description: desired.description });
  if (!inserted.existed) return { group: inserted.group, origin: "created" };
  // 409: the address was taken between the lookup and the insert (or a retried insert landed).
  const refused = decideAdoption(desired, inserted.group);
  if ("fail" in refused && !ours(inserted.group)) throw new Error(`${refused.property}: ${refused.fail}`);
  return adopt(inserted.group, ours(inserted.group) ? "created" : "adopted");
}

/** Lifecycle of a Google Workspace distribution group, identified by its email. */
export const googleDistributionGroupProvider: pulumi.dynamic.ResourceProvider = {
  async check(olds: Record<string, unknown>, news: Record<string, unknown>) {
    const { [PULUMI_NAME_KEY]: pulumiName, ...given } = news;
    const name = typeof pulumiName === "string" ? pulumiName : undefined;
    const { values, failures } = checkFields(GOOGLE_DISTRIBUTION_GROUP_TYPE, googleDistributionGroupArgsSchema, given);
    checkDirectory(values, failures);
    checkExtras(values, failures, values.management as ManagementRef | undefined);
    const email = values.email;
    const who = owner(name, email);
    if (values.name === undefined && typeof email === "string" && !isUnknown(email)) values.name = emailLocalPart(email);
    if (values.description === undefined) values.description = "";
    const management = values.management as ManagementRef | undefined;
    if (failures.length === 0 && management && !isUnknown(management)) {
      try {
        googleSettings();
      } catch (error) {
        if (error instanceof SettingsError) throw new Error(`${who}: ${error.message}`);
        throw error;
      }
      const knownEmail = typeof email === "string" && !isUnknown(email) ? email : undefined;
      const adoptId = typeof values.adoptId === "string" && !isUnknown(values.adoptId) ? values.adoptId : undefined;
      let found: DirectoryGroup | undefined;
      // Say at preview whether create will adopt or create (read-only lookup, only when the address or pin changed).
      const unchanged = typeof olds.adoption === "string" && olds.email === email && olds.adoptId === values.adoptId && olds.onExisting === values.onExisting;
      if (unchanged) values.adoption = olds.adoption;
      else if (knownEmail && !isUnknown(values.adoptId) && managementEnabled(management)) {
        found = await withResourceContext(who, `group ${adoptId ?? knownEmail}`, () => client().getGroup(adoptId ?? knownEmail));
        const decision = decideAdoption({ email: knownEmail, adoptId, onExisting: values.onExisting as Inputs["onExisting"] }, found);
        if ("fail" in decision) failures.push({ property: decision.property, reason: decision.fail });
        else {
          // Taking a group over must not change its settings unseen: the preview names those that change.
          const note = found && failures.length === 0 ? await withResourceContext(who, `settings of group ${found.email}`, () => adoptionSettingsNote(found!.email, values.settings)) : "";
          values.adoption = movedFrom(who, olds, knownEmail, decision.adoption + note);
        }
        const addressKey = claimKeys.address(management.directoryKey, knownEmail);
        if (!found) recordPlannedCreate(who, addressKey);
        else forgetPlannedCreate(who);
      }
      // Aliases to add that another group already answers to: refused now, not at apply.
      if (knownEmail && managementEnabled(management) && !failures.some((f) => f.property === "aliases")) {
        failures.push(...(await withResourceContext(who, `aliases of ${knownEmail}`, () => aliasConflictsAtPreview(knownEmail, values.aliases, olds.aliases))));
      }
      const conflicts = registerClaims(who, [...claimsOf(management.directoryKey, knownEmail, adoptId, found), ...aliasClaims(management.directoryKey, values.aliases)]);
      if (conflicts.length > 0) failures.push({ property: "email", reason: groupConflictMessage(who, conflicts, management.directoryKey, UNIQUENESS_FIX) });
    }
    return { inputs: { ...values, ...(name ? { [PULUMI_NAME_KEY]: name } : {}), [PROVIDER_KEY]: news[PROVIDER_KEY] }, failures };
  },

  async diff(_id: string, olds: Record<string, unknown>, news: Record<string, unknown>) {
    // Cast: these are the inputs this resource's own check validated and normalized; the engine hands them back untyped. Issue 10's typed resource definitions replace the cast with a parse.
    const desired = news as unknown as Inputs;
    const state = loadState(olds);
    const diff = diffGroup(state, desired);
    // Settings and aliases change in place; while management is off or the group is pending, the group's own diff decides.
    if (!diff.changes && managementEnabled(desired.management) && state.origin !== "pending" && extrasChanged(state, desired)) return { changes: true, replaces: [] };
    return diff;
  },

  async create(inputs: Record<string, unknown>) {
    // Cast: these are the inputs this resource's own check validated and normalized; the engine hands them back untyped. Issue 10's typed resource definitions replace the cast with a parse.
    const desired = inputs as unknown as Inputs;
    if (!managementEnabled(desired.management)) {
      const pending = { id: "", email: desired.email, name: desired.name, description: desired.description };
      return { id: pendingId(), outs: withProvider(stateOf(desired, pending, "pending"), inputs) };
    }
    const who = owner(desired.pulumiName, desired.email);
    return withResourceContext(who, `group ${desired.email}`, async () => {
      assertSoleOwner(who, desired);
      const { group, origin } = await findOrCreate(who, desired);
      const made = stateOf(desired, group, origin);
      try {
        const extras = await applyExtras(desired, group, recentlyCreated(group.id));
        return { id: group.id, outs: withProvider({ ...made, ...extras }, inputs) };
      } catch (error) {
        // The group exists: record it, so the next up finishes its settings and aliases instead of orphaning it.
        const message = error instanceof Error ? error.message : String(error);
        throw new PartialApplyError(`${who} (group ${desired.email}): ${message}. The group was ${origin}; run pulumi up again to finish`, group.id, made, inputs);
      }
    });
  },

  async read(id: string, props: Record<string, unknown>) {
    if (props[INTERRUPTED_CREATE_KEY] === true) return readInterruptedCreate(props);
    const state = loadState(props);
    if (isDormant(state)) return { id, props };
    const observed = await withResourceContext(owner(state.pulumiName, state.email), `group ${state.email} (${state.groupId})`, () => client().getGroup(state.groupId));
    // A 404 is the answer: the group is gone (refresh drops it; the next up makes it again).
    if (!observed) return {};
    const base = observedState(state, observed);
    const extras = await withResourceContext(owner(state.pulumiName, state.email), `settings of group ${observed.email}`, () => readExtras({ ...state, email: base.email }, observed));
    const refreshed = withProvider({ ...base, ...extras }, props);
    const result = refreshedGroup(id, refreshed, COMPUTED);
    return { ...result, inputs: refreshedInputs(result.inputs, refreshed) };
  },

  async update(_id: string, olds: Record<string, unknown>, news: Record<string, unknown>) {
    const state = loadState(olds);
    // Cast: these are the inputs this resource's own check validated and normalized; the engine hands them back untyped. Issue 10's typed resource definitions replace the cast with a parse.
    const desired = news as unknown as Inputs;
    if (!managementEnabled(desired.management)) return { outs: withProvider({ ...state, management: desired.management }, news) };
    const who = owner(desired.pulumiName, desired.email);
    return withResourceContext(who, `group ${state.email} (${state.groupId})`, async () => {
      // Another group is a replacement (diff); an update only ever concerns the managed group.
      if (!isAddressOfState(desired.email, state)) throw new Error(`email ${desired.email} is not an address of the managed group; this change must replace the resource (run pulumi up again)`);
      assertSoleOwner(who, desired);
      const patch = groupFieldChanges(desired, state);
      const current: DirectoryGroup = { id: state.groupId, email: state.primaryEmail ?? state.email, name: state.name, description: state.description, aliases: state.aliases ?? [] };
      const patched = Object.keys(patch).length > 0 ? { ...current, ...(await client().patchGroup(state.groupId, patch)), aliases: current.aliases, nonEditableAliases: state.nonEditableAliases } : { ...current, nonEditableAliases: state.nonEditableAliases };
      const group = await currentGroup(desired, patched);
      const extras = await applyExtras(desired, group, false);
      return { outs: withProvider({ ...stateOf(desired, group, state.origin), ...extras }, news) };
    });
  },

  async delete(_id: string, props: Record<string, unknown>) {
    const state = loadState(props);
    if (isDormant(state)) return;
    if (effectiveDeletionPolicy(state.origin, state.deletionPolicy) !== "delete") return;
    const who = owner(state.pulumiName, state.email);
    // Another resource of this run took the group over (e.g. the resource was renamed without an alias): release it, do not delete it under that resource.
    const dir = state.management.directoryKey;
    const keys = [claimKeys.group(dir, state.groupId), ...[state.email, state.primaryEmail ?? state.email].map((a) => claimKeys.address(dir, a))];
    if (keys.some((k) => otherHolders(who, k).length > 0)) return;
    await withResourceContext(who, `group ${state.email} (${state.groupId})`, () => client().deleteGroup(state.groupId));
  },
};

/**
 * Refresh of a state entry made from the pending CREATE of a killed run (group-export-recover):
 * that run's check found the address free (`adoption: "create"`), so a group now at the
 * address is the one its insert made: recorded as created, under its real id. No group: the
 * insert never landed, the entry is dropped and the next up creates the group.
 */
async function readInterruptedCreate(props: Record<string, unknown>) {
  const { [INTERRUPTED_CREATE_KEY]: _marker, ...inputs } = props;
  // Cast: these are the inputs this resource's own check validated and normalized; the engine hands them back untyped. Issue 10's typed resource definitions replace the cast with a parse.
  const desired = inputs as unknown as Inputs;
  const who = owner(desired.pulumiName, desired.email);
  const found = await withResourceContext(who, `group ${desired.email}`, () => client().getGroup(desired.email));
  if (!found) return {};
  const state = withProvider(stateOf(desired, found, "created"), props);
  return refreshedGroup(found.id, state, COMPUTED);
}

/** An address change is a replacement; the preview's `adoption` says what becomes of the old group. */
function movedFrom(who: string, olds: Record<string, unknown>, email: string, adoption: string): string {
  if (typeof olds.email === "string" && olds.email !== email && typeof olds.adoption === "string") recordMove(who, `${olds.email}>${email}`);
  // The engine checks a replacement again without old inputs: the first check of this run recorded the move.
  const [previous, to] = (recordedMove(who) ?? "").split(">");
  if (!previous || to !== email) return adoption;
  return `${adoption}; replaces the group of ${previous}, which is deleted after the members move if this stack created it, else released (deletionPolicy overrides)`;
}
