import { randomBytes } from "node:crypto";
import type * as pulumi from "@pulumi/pulumi";
import { graphDirectoryClient, graphStatus, type GraphGroup } from "../entra/graphClient";
import {
  deriveMailNickname,
  ENTRA_GROUP_STATE_VERSION,
  entraSecurityGroupArgsSchema,
  entraSecurityGroupStateSchema,
  type EntraSecurityGroupInputs,
  type EntraSecurityGroupState,
} from "../entra/securityGroupSchema";
import { describeTakeover, isSecurityGroup, planTakeover, type TakeoverPlan } from "../entra/takeoverPlan";
import { effectiveDeletionPolicy } from "../google/groupPlan";
import { isDormant, refreshedGroup, managedDiff, pendingId } from "../management/managedLifecycle";
import { managementEnabled, type ManagementRef } from "../management/managementSchema";
import { entraSettings, SettingsError } from "../settings";
import { claimKeys, groupConflictMessage, otherHolders, recordPlannedAdoption, registerClaims, type Claim } from "../management/runRegistry";
import { checkFields, isUnknown, PROVIDER_KEY, withProvider, type CheckFailure } from "./checkInputs";
import { resourceLabel, PULUMI_NAME_KEY, withResourceContext } from "./pulumiName";

export const ENTRA_SECURITY_GROUP_TYPE = "EntraSecurityGroup";

type Inputs = EntraSecurityGroupInputs;

function client(management: ManagementRef) {
  return graphDirectoryClient(management.tenantId ?? "", entraSettings());
}

function loadState(props: Record<string, unknown>): EntraSecurityGroupState {
  return entraSecurityGroupStateSchema.parse({ stateVersion: ENTRA_GROUP_STATE_VERSION, ...props });
}

const UNIQUENESS_FIX =
  'declare each Entra group once (remove one of the resources), give them different display names, or, to really have two groups of one name, set onExisting: "create" on both';

function owner(name: string | undefined, displayName: unknown): string {
  return resourceLabel(ENTRA_SECURITY_GROUP_TYPE, name, String(displayName ?? ""));
}

/** The display name decides a takeover unless an id is pinned or takeover is refused. */
function takesOverByName(desired: { adoptId?: unknown; onExisting?: unknown }): boolean {
  return desired.adoptId === undefined && desired.onExisting !== "create";
}

function claimsOf(directoryKey: string, desired: { displayName: string; adoptId?: string; onExisting?: string }, adopted: string | undefined): Claim[] {
  const claims: Claim[] = [];
  if (takesOverByName(desired)) claims.push({ key: claimKeys.displayName(directoryKey, desired.displayName), label: `display name "${desired.displayName}"` });
  for (const id of [desired.adoptId, adopted]) if (id) claims.push({ key: claimKeys.group(directoryKey, id), label: `group ${id}` });
  return claims;
}

function stateOf(inputs: Inputs, group: Pick<GraphGroup, "id" | "displayName" | "description" | "mailNickname">, origin: EntraSecurityGroupState["origin"]): EntraSecurityGroupState {
  const { management, adoption, onAmbiguousName, onExisting, adoptId, deletionPolicy, pulumiName } = inputs;
  return {
    stateVersion: ENTRA_GROUP_STATE_VERSION,
    management,
    ...(adoption ? { adoption } : {}),
    ...(pulumiName ? { pulumiName } : {}),
    displayName: group.displayName,
    description: group.description ?? "",
    mailNickname: group.mailNickname,
    ...(onAmbiguousName ? { onAmbiguousName } : {}),
    ...(onExisting ? { onExisting } : {}),
    ...(adoptId ? { adoptId } : {}),
    ...(deletionPolicy ? { deletionPolicy } : {}),
    groupId: group.id,
    origin,
  };
}

/** The takeover plan against the directory as it is now (read-only). */
async function lookupTakeover(desired: Pick<Inputs, "management" | "displayName" | "adoptId" | "onAmbiguousName" | "onExisting">): Promise<TakeoverPlan> {
  const graph = client(desired.management);
  if (desired.adoptId) {
    const pinned = await graph.getGroup(desired.adoptId);
    if (!pinned) return { action: "fail", message: `adoptId ${desired.adoptId} is no group in ${desired.management.directoryKey}: give an existing group's object id` };
    if (!isSecurityGroup(pinned)) return { action: "fail", message: `adoptId ${desired.adoptId} is not a security group: only security groups are managed` };
  }
  return planTakeover(desired.displayName, await graph.findGroupsByDisplayName(desired.displayName), desired);
}

/** Fields that differ between desired and what the group has; mailNickname only if the user set one. */
function fieldChanges(desired: Inputs, current: Pick<EntraSecurityGroupState, "displayName" | "description" | "mailNickname">) {
  const patch: { displayName?: string; description?: string; mailNickname?: string } = {};
  if (desired.displayName !== current.displayName) patch.displayName = desired.displayName;
  if (desired.description !== current.description) patch.description = desired.description;
  if (desired.mailNickname && desired.mailNickname !== current.mailNickname) patch.mailNickname = desired.mailNickname;
  return patch;
}

function checkDirectory(values: Record<string, unknown>, failures: CheckFailure[]): void {
  const management = values.management as ManagementRef | undefined;
  if (management && !isUnknown(management) && management.service !== "entra") {
    failures.push({ property: "management", reason: `is the Google Workspace directory ${management.directoryKey}: an EntraSecurityGroup needs an Entra ID DirectoryGroupManagement` });
  }
  for (const option of ["onAmbiguousName", "onExisting"]) {
    if (values.adoptId !== undefined && values[option] !== undefined) {
      failures.push({ property: option, reason: "has no effect with adoptId (the pinned group is taken over): remove one of them" });
    }
  }
}

async function createForReal(who: string, desired: Inputs): Promise<{ group: GraphGroup | Pick<GraphGroup, "id" | "displayName" | "description" | "mailNickname">; origin: "created" | "adopted" }> {
  const graph = client(desired.management);
  const plan = await lookupTakeover(desired);
  if (plan.action === "fail") throw new Error(plan.message);
  // Before the first write: no other resource of this run claims the same group (values unknown at preview are known now).
  const others = claimsOf(desired.management.directoryKey, desired, plan.action === "adopt" ? plan.groupId : undefined).flatMap((c) => otherHolders(who, c.key).map((holder) => ({ holder, label: c.label })));
  if (others.length > 0) throw new Error(groupConflictMessage(who, others, desired.management.directoryKey, UNIQUENESS_FIX));
  const derived = deriveMailNickname(desired.displayName);
  if (plan.action === "adopt") {
    const existing = (await graph.getGroup(plan.groupId))!;
    const patch = fieldChanges(desired, { displayName: existing.displayName, description: existing.description ?? "", mailNickname: existing.mailNickname });
    if (Object.keys(patch).length > 0) await graph.patchGroup(existing.id, patch);
    // A group carrying the alias this package derives was made by an earlier, interrupted create.
    const origin = existing.mailNickname === (desired.mailNickname ?? derived) ? "created" : "adopted";
    return { group: { ...existing, ...patch }, origin };
  }
  const fields = { displayName: desired.displayName, description: desired.description, mailNickname: desired.mailNickname ?? derived };
  try {
    return { group: await graph.createSecurityGroup(fields), origin: "created" };
  } catch (error) {
    // The derived alias is taken by an unrelated object: derive another once.
    if (graphStatus(error) !== 400 || desired.mailNickname || !/mailNickname/i.test(String((error as Error).message))) throw error;
    return { group: await graph.createSecurityGroup({ ...fields, mailNickname: `${derived.slice(0, 55)}-${randomBytes(3).toString("hex")}` }), origin: "created" };
  }
}

/** Lifecycle of an Entra ID security group, identified by display name until it is managed. */
export const entraSecurityGroupProvider: pulumi.dynamic.ResourceProvider = {
  async check(olds: Record<string, unknown>, news: Record<string, unknown>) {
    const { [PULUMI_NAME_KEY]: pulumiName, ...given } = news;
    const name = typeof pulumiName === "string" ? pulumiName : undefined;
    const { values, failures } = checkFields(ENTRA_SECURITY_GROUP_TYPE, entraSecurityGroupArgsSchema, given);
    checkDirectory(values, failures);
    const who = owner(name, values.displayName);
    if (values.description === undefined) values.description = "";
    const management = values.management as ManagementRef | undefined;
    const known = !Object.values(values).some(isUnknown);
    if (failures.length === 0 && management && known) {
      try {
        entraSettings();
      } catch (error) {
        if (error instanceof SettingsError) throw new Error(`${who}: ${error.message}`);
        throw error;
      }
      // Once a group is managed its identity is its object id: takeover is decided once, at first preview.
      let adopted: string | undefined;
      if (typeof olds.adoption === "string") values.adoption = olds.adoption;
      else if (managementEnabled(management)) {
        // values were checked field by field against the schema just above.
        // Cast: these are the inputs this resource's own check validated and normalized; the engine hands them back untyped. Issue 10's typed resource definitions replace the cast with a parse.
        const plan = await withResourceContext(who, `group "${String(values.displayName)}"`, () => lookupTakeover(values as unknown as Inputs));
        if (plan.action === "fail") failures.push({ property: plan.message.startsWith("adoptId") ? "adoptId" : "displayName", reason: plan.message });
        else values.adoption = describeTakeover(plan);
        if (plan.action === "adopt") adopted = plan.groupId;
      }
      if (adopted) recordPlannedAdoption(management.directoryKey, String(values.displayName), adopted);
      const desired = values as { displayName: string; adoptId?: string; onExisting?: string };
      const conflicts = registerClaims(who, claimsOf(management.directoryKey, desired, adopted));
      if (conflicts.length > 0) failures.push({ property: "displayName", reason: groupConflictMessage(who, conflicts, management.directoryKey, UNIQUENESS_FIX) });
    }
    return { inputs: { ...values, ...(name ? { [PULUMI_NAME_KEY]: name } : {}), [PROVIDER_KEY]: news[PROVIDER_KEY] }, failures };
  },

  async diff(_id: string, olds: Record<string, unknown>, news: Record<string, unknown>) {
    const state = loadState(olds);
    // Cast: these are the inputs this resource's own check validated and normalized; the engine hands them back untyped. Issue 10's typed resource definitions replace the cast with a parse.
    const desired = news as unknown as Inputs;
    const changed = Object.keys(fieldChanges(desired, state)).length > 0 || state.deletionPolicy !== desired.deletionPolicy;
    return managedDiff(state, desired, changed);
  },

  async create(inputs: Record<string, unknown>) {
    // Cast: these are the inputs this resource's own check validated and normalized; the engine hands them back untyped. Issue 10's typed resource definitions replace the cast with a parse.
    const desired = inputs as unknown as Inputs;
    if (!managementEnabled(desired.management)) {
      const pending = { id: "", displayName: desired.displayName, description: desired.description, mailNickname: desired.mailNickname ?? "" };
      return { id: pendingId(), outs: withProvider(stateOf(desired, pending, "pending"), inputs) };
    }
    const who = owner(desired.pulumiName, desired.displayName);
    const { group, origin } = await withResourceContext(who, `group "${desired.displayName}"`, () => createForReal(who, desired));
    return { id: group.id, outs: withProvider(stateOf(desired, group, origin), inputs) };
  },

  async read(id: string, props: Record<string, unknown>) {
    const state = loadState(props);
    if (isDormant(state)) return { id, props };
    const who = owner(state.pulumiName, state.displayName);
    const observed = await withResourceContext(who, `group "${state.displayName}" (${state.groupId})`, () => client(state.management).getGroup(state.groupId));
    // A 404 is the answer: the group is gone (refresh drops it; the next up makes it again).
    if (!observed) return {};
    const refreshed = withProvider({ ...state, displayName: observed.displayName, description: observed.description ?? "", mailNickname: observed.mailNickname }, props);
    return refreshedGroup(id, refreshed);
  },

  async update(_id: string, olds: Record<string, unknown>, news: Record<string, unknown>) {
    const state = loadState(olds);
    // Cast: these are the inputs this resource's own check validated and normalized; the engine hands them back untyped. Issue 10's typed resource definitions replace the cast with a parse.
    const desired = news as unknown as Inputs;
    if (!managementEnabled(desired.management)) return { outs: withProvider({ ...state, management: desired.management }, news) };
    const patch = fieldChanges(desired, state);
    const who = owner(desired.pulumiName, desired.displayName);
    if (Object.keys(patch).length > 0) await withResourceContext(who, `group "${state.displayName}" (${state.groupId})`, () => client(desired.management).patchGroup(state.groupId, patch));
    const group = { id: state.groupId, displayName: state.displayName, description: state.description, mailNickname: state.mailNickname, ...patch };
    return { outs: withProvider(stateOf(desired, group, state.origin), news) };
  },

  async delete(_id: string, props: Record<string, unknown>) {
    const state = loadState(props);
    if (isDormant(state)) return;
    if (effectiveDeletionPolicy(state.origin, state.deletionPolicy) !== "delete") return;
    const who = owner(state.pulumiName, state.displayName);
    // Another resource of this run took the group over (e.g. the resource was renamed without an alias): release it, do not delete it under that resource.
    if (otherHolders(who, claimKeys.group(state.management.directoryKey, state.groupId)).length > 0) return;
    await withResourceContext(who, `group "${state.displayName}" (${state.groupId})`, () => client(state.management).deleteGroup(state.groupId));
  },
};
