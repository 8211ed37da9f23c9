import type * as pulumi from "@pulumi/pulumi";
import { googleDirectoryClient, type DirectoryGroup } from "../google/directoryClient";
import { describeAdoption, diffGroup, effectiveDeletionPolicy, groupFieldChanges, observedState, planGroupCreate } from "../google/groupPlan";
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
import { googleSettings, SettingsError } from "../settings";
import { checkFields, isUnknown, PROVIDER_KEY, type CheckFailure, withProvider } from "./checkInputs";

export const GOOGLE_DISTRIBUTION_GROUP_TYPE = "GoogleDistributionGroup";

type Inputs = GoogleDistributionGroupInputs & { management: ManagementRef; adoption?: string };

function client() {
  return googleDirectoryClient(googleSettings());
}

/** Older stored states are upgraded here (there is one version so far). */
function loadState(props: Record<string, unknown>): GoogleDistributionGroupState {
  return googleDistributionGroupStateSchema.parse({ stateVersion: GOOGLE_GROUP_STATE_VERSION, ...props });
}

function stateOf(inputs: Inputs, group: DirectoryGroup, origin: GoogleDistributionGroupState["origin"]): GoogleDistributionGroupState {
  return {
    stateVersion: GOOGLE_GROUP_STATE_VERSION,
    management: inputs.management,
    ...(inputs.adoption ? { adoption: inputs.adoption } : {}),
    email: group.email,
    name: group.name,
    description: group.description,
    ...(inputs.deletionPolicy ? { deletionPolicy: inputs.deletionPolicy } : {}),
    groupId: group.id,
    origin,
  };
}


/** The email must be in one of the directory's domains, and the directory a Google one. */
function checkDirectory(values: Record<string, unknown>, failures: CheckFailure[]): void {
  const management = values.management as ManagementRef | undefined;
  const email = values.email;
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

/** Finds or makes the group with the desired email; returns it and how it came to be. */
async function findOrCreate(desired: Inputs): Promise<{ group: DirectoryGroup; origin: "created" | "adopted" }> {
  const directory = client();
  const plan = planGroupCreate(desired, await directory.getGroup(desired.email));
  if (plan.action === "adopt") {
    const group = Object.keys(plan.patch).length > 0 ? await directory.patchGroup(plan.groupId, plan.patch) : ((await directory.getGroup(plan.groupId)) as DirectoryGroup);
    return { group, origin: "adopted" };
  }
  const inserted = await directory.insertGroup({ email: desired.email, name: desired.name, description: desired.description });
  // A 409 means the group appeared between the lookup and the insert (or a retried insert landed).
  const patch = groupFieldChanges(desired, inserted.group);
  const group = inserted.existed && Object.keys(patch).length > 0 ? await directory.patchGroup(inserted.group.id, patch) : inserted.group;
  return { group, origin: inserted.existed ? "adopted" : "created" };
}

/** Lifecycle of a Google Workspace distribution group, identified by its email. */
export const googleDistributionGroupProvider: pulumi.dynamic.ResourceProvider = {
  async check(olds: Record<string, unknown>, news: Record<string, unknown>) {
    const { values, failures } = checkFields(GOOGLE_DISTRIBUTION_GROUP_TYPE, googleDistributionGroupArgsSchema, news);
    checkDirectory(values, failures);
    const email = values.email;
    if (values.name === undefined && typeof email === "string" && !isUnknown(email)) values.name = emailLocalPart(email);
    if (values.description === undefined) values.description = "";
    const management = values.management as ManagementRef | undefined;
    if (failures.length === 0 && management && !isUnknown(management)) {
      try {
        googleSettings();
      } catch (error) {
        if (error instanceof SettingsError) throw new Error(`${GOOGLE_DISTRIBUTION_GROUP_TYPE} ${String(email ?? "")}: ${error.message}`);
        throw error;
      }
      // Say at preview whether create will adopt or create (read-only lookup, once).
      if (typeof olds.adoption === "string" && olds.email === email) values.adoption = olds.adoption;
      else if (typeof email === "string" && !isUnknown(email) && managementEnabled(management)) values.adoption = describeAdoption(await client().getGroup(email));
    }
    return { inputs: { ...values, [PROVIDER_KEY]: news[PROVIDER_KEY] }, failures };
  },

  async diff(_id: string, olds: Record<string, unknown>, news: Record<string, unknown>) {
    const desired = news as unknown as Inputs;
    return diffGroup(loadState(olds), desired);
  },

  async create(inputs: Record<string, unknown>) {
    const desired = inputs as unknown as Inputs;
    if (!managementEnabled(desired.management)) {
      const pending = { id: "", email: desired.email, name: desired.name, description: desired.description };
      return { id: pendingId(), outs: withProvider(stateOf(desired, pending, "pending"), inputs) };
    }
    const { group, origin } = await findOrCreate(desired);
    return { id: group.id, outs: withProvider(stateOf(desired, group, origin), inputs) };
  },

  async read(id: string, props: Record<string, unknown>) {
    const state = loadState(props);
    if (isDormant(state)) return { id, props };
    const observed = await client().getGroup(state.groupId);
    if (!observed) return {};
    const refreshed = withProvider(observedState(state, observed), props);
    return refreshedGroup(id, refreshed);
  },

  async update(_id: string, olds: Record<string, unknown>, news: Record<string, unknown>) {
    const state = loadState(olds);
    const desired = news as unknown as Inputs;
    if (!managementEnabled(desired.management)) return { outs: withProvider({ ...state, management: desired.management }, news) };
    if (desired.email !== state.email) {
      // Another address is another group: find or create it; the old one is released.
      const { group, origin } = await findOrCreate(desired);
      return { outs: withProvider(stateOf(desired, group, origin), news) };
    }
    const patch = groupFieldChanges(desired, state);
    const group = Object.keys(patch).length > 0 ? await client().patchGroup(state.groupId, patch) : { id: state.groupId, email: state.email, name: state.name, description: state.description };
    return { outs: withProvider(stateOf(desired, group, state.origin), news) };
  },

  async delete(_id: string, props: Record<string, unknown>) {
    const state = loadState(props);
    if (isDormant(state)) return;
    if (effectiveDeletionPolicy(state.origin, state.deletionPolicy) === "delete") await client().deleteGroup(state.groupId);
  },
};
