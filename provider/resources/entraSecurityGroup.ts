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
import { checkFields, isUnknown, PROVIDER_KEY, withProvider, type CheckFailure } from "./checkInputs";

export const ENTRA_SECURITY_GROUP_TYPE = "EntraSecurityGroup";

type Inputs = EntraSecurityGroupInputs;

function client(management: ManagementRef) {
  return graphDirectoryClient(management.tenantId ?? "", entraSettings());
}

function loadState(props: Record<string, unknown>): EntraSecurityGroupState {
  return entraSecurityGroupStateSchema.parse({ stateVersion: ENTRA_GROUP_STATE_VERSION, ...props });
}

function stateOf(inputs: Inputs, group: Pick<GraphGroup, "id" | "displayName" | "description" | "mailNickname">, origin: EntraSecurityGroupState["origin"]): EntraSecurityGroupState {
  const { management, adoption, onAmbiguousName, adoptId, deletionPolicy } = inputs;
  return {
    stateVersion: ENTRA_GROUP_STATE_VERSION,
    management,
    ...(adoption ? { adoption } : {}),
    displayName: group.displayName,
    description: group.description ?? "",
    mailNickname: group.mailNickname,
    ...(onAmbiguousName ? { onAmbiguousName } : {}),
    ...(adoptId ? { adoptId } : {}),
    ...(deletionPolicy ? { deletionPolicy } : {}),
    groupId: group.id,
    origin,
  };
}

/** The takeover plan against the directory as it is now (read-only). */
async function lookupTakeover(desired: Pick<Inputs, "management" | "displayName" | "adoptId" | "onAmbiguousName">): Promise<TakeoverPlan> {
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
  if (values.adoptId !== undefined && values.onAmbiguousName !== undefined) {
    failures.push({ property: "onAmbiguousName", reason: "has no effect with adoptId (the pinned group is taken over): remove one of them" });
  }
}

async function createForReal(desired: Inputs): Promise<{ group: GraphGroup | Pick<GraphGroup, "id" | "displayName" | "description" | "mailNickname">; origin: "created" | "adopted" }> {
  const graph = client(desired.management);
  const plan = await lookupTakeover(desired);
  if (plan.action === "fail") throw new Error(`${ENTRA_SECURITY_GROUP_TYPE} "${desired.displayName}": ${plan.message}`);
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
    const { values, failures } = checkFields(ENTRA_SECURITY_GROUP_TYPE, entraSecurityGroupArgsSchema, news);
    checkDirectory(values, failures);
    if (values.description === undefined) values.description = "";
    const management = values.management as ManagementRef | undefined;
    const known = !Object.values(values).some(isUnknown);
    if (failures.length === 0 && management && known) {
      try {
        entraSettings();
      } catch (error) {
        if (error instanceof SettingsError) throw new Error(`${ENTRA_SECURITY_GROUP_TYPE} "${String(values.displayName)}": ${error.message}`);
        throw error;
      }
      // Once a group is managed its identity is its object id: takeover is decided once, at first preview.
      if (typeof olds.adoption === "string") values.adoption = olds.adoption;
      else if (managementEnabled(management)) {
        const plan = await lookupTakeover(values as unknown as Inputs);
        if (plan.action === "fail") failures.push({ property: plan.message.startsWith("adoptId") ? "adoptId" : "displayName", reason: plan.message });
        else values.adoption = describeTakeover(plan);
      }
    }
    return { inputs: { ...values, [PROVIDER_KEY]: news[PROVIDER_KEY] }, failures };
  },

  async diff(_id: string, olds: Record<string, unknown>, news: Record<string, unknown>) {
    const state = loadState(olds);
    const desired = news as unknown as Inputs;
    const changed = Object.keys(fieldChanges(desired, state)).length > 0 || state.deletionPolicy !== desired.deletionPolicy;
    return managedDiff(state, desired, changed);
  },

  async create(inputs: Record<string, unknown>) {
    const desired = inputs as unknown as Inputs;
    if (!managementEnabled(desired.management)) {
      const pending = { id: "", displayName: desired.displayName, description: desired.description, mailNickname: desired.mailNickname ?? "" };
      return { id: pendingId(), outs: withProvider(stateOf(desired, pending, "pending"), inputs) };
    }
    const { group, origin } = await createForReal(desired);
    return { id: group.id, outs: withProvider(stateOf(desired, group, origin), inputs) };
  },

  async read(id: string, props: Record<string, unknown>) {
    const state = loadState(props);
    if (isDormant(state)) return { id, props };
    const observed = await client(state.management).getGroup(state.groupId);
    if (!observed) return {};
    const refreshed = withProvider({ ...state, displayName: observed.displayName, description: observed.description ?? "", mailNickname: observed.mailNickname }, props);
    return refreshedGroup(id, refreshed);
  },

  async update(_id: string, olds: Record<string, unknown>, news: Record<string, unknown>) {
    const state = loadState(olds);
    const desired = news as unknown as Inputs;
    if (!managementEnabled(desired.management)) return { outs: withProvider({ ...state, management: desired.management }, news) };
    const patch = fieldChanges(desired, state);
    if (Object.keys(patch).length > 0) await client(desired.management).patchGroup(state.groupId, patch);
    const group = { id: state.groupId, displayName: state.displayName, description: state.description, mailNickname: state.mailNickname, ...patch };
    return { outs: withProvider(stateOf(desired, group, state.origin), news) };
  },

  async delete(_id: string, props: Record<string, unknown>) {
    const state = loadState(props);
    if (isDormant(state)) return;
    if (effectiveDeletionPolicy(state.origin, state.deletionPolicy) === "delete") await client(state.management).deleteGroup(state.groupId);
  },
};
