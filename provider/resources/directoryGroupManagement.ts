import { z } from "zod";
import { defineResource, type Document } from "../contract/defineResource";
import { resourceLabel } from "../contract/resourceName";
import { readStoredState } from "../contract/storedState";
import { checkFields, isUnknown } from "../contract/checkInputs";
import { explainFailure } from "../contract/failures";
import { authorizeEntra } from "../entra/authorize";
import { authorizeGoogle } from "../google/authorize";
import { directoryGroupManagementArgsSchema, managementRef, type DirectoryGroupManagementArgs } from "../groups/management";
import { providerContext, type ProviderContext } from "../context";
import { takeoverClaims } from "../entra/plan";
import { aliasClaims } from "../google/groupExtras";
import { groupClaims } from "../google/plan";
import { nestingKey } from "../groups/nesting";
import { PROGRAM_MANIFEST_KEY, programManifestSchema } from "../groups/programManifest";

export const DIRECTORY_GROUP_MANAGEMENT_TYPE = "DirectoryGroupManagement";

/** Inputs after check: `enabled` defaulted; also the stored state, with what the apply proved. */
const inputsSchema = directoryGroupManagementArgsSchema;
type Inputs = z.output<typeof inputsSchema>;
const stateSchema = inputsSchema.extend({ directoryKey: z.string(), principal: z.string() });
type State = z.output<typeof stateSchema>;

/** The directory a management's inputs or state name, for messages (the state stores it; inputs imply it). */
function directoryKeyOf(document: Document): string {
  if (typeof document.directoryKey === "string") return document.directoryKey;
  const parsed = directoryGroupManagementArgsSchema.safeParse({ google: document.google, entra: document.entra });
  return parsed.success && (parsed.data.google || parsed.data.entra) ? managementRef(parsed.data).directoryKey : "(directory not known yet)";
}

/**
 * The seed's "authorize sync first" for the directory, with the context's client for it; once
 * per process (the check of a new directory and its create prove the same thing).
 */
function authorize(context: ProviderContext, inputs: Inputs): Promise<{ principal: string }> {
  const ref = managementRef(inputs);
  switch (ref.service) {
    case "google": {
      const customerId = inputs.google?.customerId ?? "my_customer";
      return context.verifyOnce(`${ref.directoryKey}\n${customerId}\n${(ref.domains ?? []).join(",")}`, "google", () => authorizeGoogle(ref, customerId, context.settings.google(), () => context.google()));
    }
    case "entra":
      return context.verifyOnce(ref.directoryKey, "entra", () => authorizeEntra(ref, context.settings.entra(), () => context.graph(ref.tenantId ?? "")));
  }
}

async function applied(context: ProviderContext, inputs: Inputs): Promise<State> {
  const ref = managementRef(inputs);
  // Verification proves authorization; while disabled nothing is written, so nothing to prove.
  const { principal } = inputs.enabled ? await authorize(context, inputs) : { principal: "" };
  return { ...inputs, directoryKey: ref.directoryKey, principal };
}

/**
 * Registers what the program declares in the directory (groups/programManifest.ts), as each
 * resource's own check will: the claims of its groups, the membership, role and nesting claims
 * of its bindings. Each resource's check then sees every other resource of the program, not only
 * those checked before it, so of two that would manage one group the first checked fails too,
 * before anything is written (also without a preview). Conflicts among the entries are left to
 * the resources' checks, which name them.
 */
function registerProgram(context: ProviderContext, directoryKey: string, text: string): void {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return;
  }
  const manifest = programManifestSchema.safeParse(parsed).data;
  if (!manifest) return;
  context.run.declareGroups(directoryKey, manifest.groups.map((g) => resourceLabel(g.kind, g.name, "")));
  for (const g of manifest.groups) {
    const claims = g.kind === "GoogleDistributionGroup" ? [...groupClaims(directoryKey, g.email, g.adoptId, undefined), ...aliasClaims(directoryKey, g.aliases)] : takeoverClaims(directoryKey, g, undefined);
    context.run.registerClaims(resourceLabel(g.kind, g.name, ""), claims);
  }
  for (const b of manifest.bindings) {
    const target = nestingKey(directoryKey, b.target);
    context.run.recordProgramBinding(target, b);
    context.bindings.claimGroupMembership(b.name, b.mode, [target]);
    if (b.roles) context.roles.claim(b.name, target);
    if (b.memberGroups.length > 0) context.nesting.declare(b.name, { key: target, label: b.target }, b.memberGroups.map((label) => ({ key: nestingKey(directoryKey, label), label })));
  }
}

/** The "enable management of groups and memberships" switch of one directory. */
export const directoryGroupManagementProvider = defineResource<ProviderContext, Inputs, State>(
  {
    type: DIRECTORY_GROUP_MANAGEMENT_TYPE,
    label: (document) => resourceLabel(DIRECTORY_GROUP_MANAGEMENT_TYPE, undefined, directoryKeyOf(document)),
    inputs: inputsSchema,
    // Nothing to upgrade: the state is the inputs and what the apply proved, unchanged since the first release.
    loadState: (props) => readStoredState(resourceLabel(DIRECTORY_GROUP_MANAGEMENT_TYPE, undefined, directoryKeyOf(props)), props, (p) => stateSchema.parse(p), "manage the directory again"),

    async check(context, olds, news) {
      // The program's groups and bindings of this directory: registered, never stored (groups/programManifest.ts).
      const { [PROGRAM_MANIFEST_KEY]: program, ...given } = news;
      const { values, failures } = checkFields(DIRECTORY_GROUP_MANAGEMENT_TYPE, directoryGroupManagementArgsSchema, given);
      const google = news.google !== undefined;
      const entra = news.entra !== undefined;
      if (google === entra) {
        failures.push({ property: google ? "entra" : "google", reason: "exactly one of google and entra must be set: one DirectoryGroupManagement per directory" });
      }
      if (values.enabled === undefined) values.enabled = true;
      const known = inputsSchema.safeParse(values);
      if (failures.length === 0 && !Object.values(values).some(isUnknown) && known.success) {
        context.switches.record(managementRef(known.data).directoryKey, known.data.enabled);
        if (typeof program === "string") registerProgram(context, managementRef(known.data).directoryKey, program);
        // A new or changed directory is verified at preview too (read-only), so that a wrong tenant,
        // domain or admin stops here, named, before any group is planned; an unchanged one costs no call.
        const previous = inputsSchema.safeParse({ ...olds, enabled: olds.enabled ?? true });
        const changed = !previous.success || JSON.stringify([previous.data.google, previous.data.entra]) !== JSON.stringify([known.data.google, known.data.entra]);
        if (known.data.enabled && changed) {
          try {
            await authorize(context, known.data);
          } catch (error) {
            failures.push({ property: "", reason: explainFailure(error) });
          }
        }
      }
      return { inputs: values, failures };
    },

    async diff(_context, _id, olds, news) {
      const keys = ["google", "entra", "enabled"] as const;
      const changes = keys.some((k) => JSON.stringify(olds[k]) !== JSON.stringify(news[k]));
      // Another directory is another management (its id is the directory key).
      const key = (v: Inputs) => managementRef(directoryGroupManagementArgsSchema.parse({ google: v.google, entra: v.entra, enabled: true })).directoryKey;
      return { changes, replaces: key(olds) !== key(news) ? ["google", "entra"] : [] };
    },

    async create(context, inputs) {
      const outs = await applied(context, inputs);
      return { id: outs.directoryKey, outs };
    },

    async update(context, _id, _state, news) {
      return { outs: await applied(context, news) };
    },

    // Nothing remote to read: the switch lives in the program, the proof in the last apply.
    async read(_context, id) {
      return { id };
    },

    // Deleting releases management: nothing remote is deleted.
    async delete() {},
  },
  providerContext,
);

export type { DirectoryGroupManagementArgs };
