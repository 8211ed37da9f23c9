import type * as pulumi from "@pulumi/pulumi";
import { verifyAuthorization } from "../management/authorization";
import { directoryGroupManagementArgsSchema, managementRef, recordManagementSwitch, type DirectoryGroupManagementArgs } from "../management/managementSchema";
import { checkFields, isUnknown, PROVIDER_KEY, withProvider } from "./checkInputs";

export const DIRECTORY_GROUP_MANAGEMENT_TYPE = "DirectoryGroupManagement";

type Inputs = ReturnType<typeof directoryGroupManagementArgsSchema.parse>;


async function applied(inputs: Inputs, raw: Record<string, unknown>) {
  const ref = managementRef(inputs);
  // Verification proves authorization; while disabled nothing is written, so nothing to prove.
  const { principal } = inputs.enabled ? await verifyAuthorization(ref, inputs.google?.customerId) : { principal: "" };
  return withProvider({ ...inputs, directoryKey: ref.directoryKey, principal }, raw);
}

/** The "enable management of groups and memberships" switch of one directory. */
export const directoryGroupManagementProvider: pulumi.dynamic.ResourceProvider = {
  async check(_olds: Record<string, unknown>, news: Record<string, unknown>) {
    const { values, failures } = checkFields(DIRECTORY_GROUP_MANAGEMENT_TYPE, directoryGroupManagementArgsSchema, news);
    const google = news.google !== undefined;
    const entra = news.entra !== undefined;
    if (google === entra) {
      failures.push({ property: google ? "entra" : "google", reason: "exactly one of google and entra must be set: one DirectoryGroupManagement per directory" });
    }
    if (values.enabled === undefined) values.enabled = true;
    if (failures.length === 0 && !Object.values(values).some(isUnknown)) {
      recordManagementSwitch(managementRef(values as Inputs).directoryKey, values.enabled as boolean);
    }
    return { inputs: { ...values, [PROVIDER_KEY]: news[PROVIDER_KEY] }, failures };
  },

  async diff(_id: string, olds: Record<string, unknown>, news: Record<string, unknown>) {
    const keys = ["google", "entra", "enabled"] as const;
    const changes = keys.some((k) => JSON.stringify(olds[k]) !== JSON.stringify(news[k]));
    // Another directory is another management (its id is the directory key).
    const key = (v: Record<string, unknown>) => managementRef(directoryGroupManagementArgsSchema.parse({ google: v.google, entra: v.entra, enabled: true })).directoryKey;
    return { changes, replaces: key(olds) !== key(news) ? ["google", "entra"] : [] };
  },

  async create(inputs: Record<string, unknown>) {
    // Cast: these are the inputs this resource's own check validated and normalized; the engine hands them back untyped. Issue 10's typed resource definitions replace the cast with a parse.
    const parsed = inputs as unknown as Inputs;
    const outs = await applied(parsed, inputs);
    return { id: outs.directoryKey, outs };
  },

  async update(_id: string, _olds: Record<string, unknown>, news: Record<string, unknown>) {
    // Cast: these are the inputs this resource's own check validated and normalized; the engine hands them back untyped. Issue 10's typed resource definitions replace the cast with a parse.
    return { outs: await applied(news as unknown as Inputs, news) };
  },

  // Nothing remote to read: the switch lives in the program, the proof in the last apply.
  async read(id: string, props: Record<string, unknown>) {
    return { id, props };
  },

  // Deleting releases management: nothing remote is deleted.
  async delete() {},
};

export type { DirectoryGroupManagementArgs };
