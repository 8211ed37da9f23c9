import type * as pulumi from "@pulumi/pulumi";
import { googleDirectoryClient, type DirectoryGroup } from "../google/directoryClient";
import { diffGroup, effectiveDeletionPolicy, groupFieldChanges, observedState, planGroupCreate } from "../google/groupPlan";
import {
  emailLocalPart,
  GOOGLE_GROUP_STATE_VERSION,
  googleDistributionGroupArgsSchema,
  googleDistributionGroupStateSchema,
  type GoogleDistributionGroupInputs,
  type GoogleDistributionGroupState,
} from "../google/groupSchema";
import { googleSettings, SettingsError } from "../settings";
import { checkFields, isUnknown, PROVIDER_KEY } from "./checkInputs";

export const GOOGLE_DISTRIBUTION_GROUP_TYPE = "GoogleDistributionGroup";

function client() {
  return googleDirectoryClient(googleSettings());
}

/** Older stored states are upgraded here (there is one version so far). */
function loadState(props: Record<string, unknown>): GoogleDistributionGroupState {
  return googleDistributionGroupStateSchema.parse({ stateVersion: GOOGLE_GROUP_STATE_VERSION, ...props });
}

function stateOf(inputs: GoogleDistributionGroupInputs, group: DirectoryGroup, origin: GoogleDistributionGroupState["origin"]): GoogleDistributionGroupState {
  return {
    stateVersion: GOOGLE_GROUP_STATE_VERSION,
    email: group.email,
    name: group.name,
    description: group.description,
    ...(inputs.deletionPolicy ? { deletionPolicy: inputs.deletionPolicy } : {}),
    groupId: group.id,
    origin,
  };
}

/** Carries the provider reference into outputs, as the dynamic-provider host expects. */
function withProvider<T extends object>(outs: T, inputs: Record<string, unknown>): T {
  return { ...outs, [PROVIDER_KEY]: inputs[PROVIDER_KEY] };
}

/** Lifecycle of a Google Workspace distribution group, identified by its email. */
export const googleDistributionGroupProvider: pulumi.dynamic.ResourceProvider = {
  async check(_olds: Record<string, unknown>, news: Record<string, unknown>) {
    const { values, failures } = checkFields(GOOGLE_DISTRIBUTION_GROUP_TYPE, googleDistributionGroupArgsSchema, news);
    if (failures.length === 0) {
      try {
        googleSettings();
      } catch (error) {
        if (error instanceof SettingsError) throw new Error(`${GOOGLE_DISTRIBUTION_GROUP_TYPE} ${String(values.email ?? "")}: ${error.message}`);
        throw error;
      }
    }
    const email = values.email;
    if (values.name === undefined && typeof email === "string" && !isUnknown(email)) values.name = emailLocalPart(email);
    if (values.description === undefined) values.description = "";
    return { inputs: { ...values, [PROVIDER_KEY]: news[PROVIDER_KEY] }, failures };
  },

  async diff(_id: string, olds: Record<string, unknown>, news: Record<string, unknown>) {
    return diffGroup(loadState(olds), news as unknown as GoogleDistributionGroupInputs);
  },

  async create(inputs: Record<string, unknown>) {
    const desired = inputs as unknown as GoogleDistributionGroupInputs;
    const directory = client();
    const plan = planGroupCreate(desired, await directory.getGroup(desired.email));
    let group: DirectoryGroup;
    let origin: GoogleDistributionGroupState["origin"];
    if (plan.action === "insert") {
      const inserted = await directory.insertGroup({ email: desired.email, name: desired.name, description: desired.description });
      group = inserted.group;
      // A 409 on insert means the group appeared between our lookup and the insert.
      origin = inserted.existed ? "adopted" : "created";
      const patch = groupFieldChanges(desired, group);
      if (inserted.existed && Object.keys(patch).length > 0) group = await directory.patchGroup(group.id, patch);
    } else {
      group = Object.keys(plan.patch).length > 0 ? await directory.patchGroup(plan.groupId, plan.patch) : ((await directory.getGroup(plan.groupId)) as DirectoryGroup);
      origin = "adopted";
    }
    return { id: group.id, outs: withProvider(stateOf(desired, group, origin), inputs) };
  },

  async read(id: string, props: Record<string, unknown>) {
    const state = loadState(props);
    const observed = await client().getGroup(id);
    if (!observed) return {};
    const refreshed = withProvider(observedState(state, observed), props);
    const { groupId: _g, origin: _o, stateVersion: _v, ...inputs } = refreshed;
    return { id, props: refreshed, inputs };
  },

  async update(id: string, olds: Record<string, unknown>, news: Record<string, unknown>) {
    const state = loadState(olds);
    const desired = news as unknown as GoogleDistributionGroupInputs;
    const patch = groupFieldChanges(desired, state);
    const group = Object.keys(patch).length > 0 ? await client().patchGroup(id, patch) : { id, email: state.email, name: state.name, description: state.description };
    return { outs: withProvider(stateOf(desired, group, state.origin), news) };
  },

  async delete(id: string, props: Record<string, unknown>) {
    const state = loadState(props);
    if (effectiveDeletionPolicy(state.origin, state.deletionPolicy) === "delete") await client().deleteGroup(id);
  },
};
