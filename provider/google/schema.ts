import { z } from "zod";
import { deletionPolicySchema, groupOriginSchema } from "../groups/lifecycle";
import { storedVersion } from "../contract/storedState";
import { managementRefSchema } from "../groups/management";
import { aliasesSchema } from "./aliasPlan";
import { groupSettingsSchema, settingsDefaultSchema } from "./settingsSchema";

/** Google caps group names at 75 characters and descriptions at 4,096. */
export const GOOGLE_GROUP_NAME_MAX = 75;
export const GOOGLE_GROUP_DESCRIPTION_MAX = 4096;

/** Inputs of a GoogleDistributionGroup: the single source of its SDK types and checks. */
export const googleDistributionGroupArgsSchema = z.object({
  /** The Google Workspace directory's management (its switch, domains and identity). */
  management: managementRefSchema,
  /** The group's address; Google compares addresses case-insensitively, so it is lowercased. */
  email: z
    .string({ error: "email is required: give the group's address, e.g. \"team@example.com\"" })
    .trim()
    .toLowerCase()
    .pipe(z.email({ error: "is not an email address: give the group's full address, e.g. \"team@example.com\"" })),
  /** Display name; defaults to the part of the email before "@". */
  name: z
    .string()
    .trim()
    .min(1, { error: "is empty: give a display name or leave name out to use the email's local part" })
    .max(GOOGLE_GROUP_NAME_MAX, { error: `is longer than Google's ${GOOGLE_GROUP_NAME_MAX} characters: shorten the name` })
    .optional(),
  /** Free text shown in Google Groups; defaults to empty. */
  description: z
    .string()
    .max(GOOGLE_GROUP_DESCRIPTION_MAX, { error: `is longer than Google's ${GOOGLE_GROUP_DESCRIPTION_MAX} characters: shorten the description` })
    .optional(),
  /**
   * What removing the resource does: "delete" the group or "release" it (leave it as it
   * is). Default: delete a group this package created, release one it adopted.
   */
  deletionPolicy: deletionPolicySchema.optional(),
  /**
   * What to do when a group already has this address: "adopt" it (default: take it over,
   * as the seed describes) or "fail" at preview (refuse to take over a group this stack did
   * not create). Google addresses are unique, so "create another" is not possible here.
   */
  onExisting: z
    .enum(["adopt", "fail"], { error: 'must be "adopt" or "fail" (a Google address belongs to one group, so another group cannot be created at a taken address)' })
    .optional(),
  /**
   * Take over this exact group (Google's group id, e.g. from the Admin console or
   * `gam info group`). `email` must be one of that group's addresses (primary or alias).
   * The supported way to move an existing group under management (the `import` option is not).
   */
  adoptId: z.string().trim().min(1, { error: "is empty: give the group's id, or leave adoptId out" }).optional(),
  /**
   * Group settings (Groups Settings API), field by field over `settingsDefault`; see
   * provider/google/settingsSchema.ts for every field, its values and the API's rules
   * (archiveOnly, replyTo/customReplyTo, the footer). Only these fields (and the default's)
   * are managed: read at refresh, drift reverted by `up` with a PATCH of the changed fields.
   */
  settings: groupSettingsSchema.optional(),
  /**
   * What `settings` is laid over: "distributionList" (the documented distribution-list
   * settings, DISTRIBUTION_LIST_SETTINGS) or "none" (only the fields in `settings` are managed;
   * with no `settings`, none are). Default: "distributionList" for a group the stack creates,
   * "none" for one it adopts or made before settings were managed (groupExtras.ts keepsOwnSettings).
   */
  settingsDefault: settingsDefaultSchema.optional(),
  /**
   * The group's aliases (other addresses), exactly: added and removed in place. Each a full
   * address in one of the directory's domains, not another group's or user's address.
   * Undefined (default): aliases are not managed (left as they are).
   */
  aliases: aliasesSchema.optional(),
});
export type GoogleDistributionGroupArgs = z.input<typeof googleDistributionGroupArgsSchema>;

/**
 * Inputs after check: defaults applied, so every managed field is explicit; with what the
 * preview found (`adoption`) and the resource's name in the program (`pulumiName`, set by the SDK).
 */
export const googleDistributionGroupInputsSchema = googleDistributionGroupArgsSchema.extend({
  /** "" only for a group that waits for an address and was never made (see `heldEmail`): nothing remote is done then. */
  email: z.union([z.literal(""), googleDistributionGroupArgsSchema.shape.email]),
  name: z.string(),
  description: z.string(),
  adoption: z.string().optional(),
  pulumiName: z.string().optional(),
});
export type GoogleDistributionGroupInputs = z.output<typeof googleDistributionGroupInputsSchema>;

/** The current version of the stored state; older versions are upgraded on read. */
export const GOOGLE_GROUP_STATE_VERSION = 2;

/** Outputs (the stored state) of a GoogleDistributionGroup. */
export const googleDistributionGroupStateSchema = z.object({
  stateVersion: z.number().int(),
  management: managementRefSchema,
  /** What preview found: "create" or "adopt <id>"; shown so a reader knows before apply. */
  adoption: z.string().optional(),
  /** The resource's name in the program, so messages at refresh and destroy can name it. */
  pulumiName: z.string().optional(),
  /**
   * The address the program declared (lowercased): one of the group's addresses, its primary
   * address or an alias. A group is one group under any of its addresses, so declaring it by
   * an alias is no change; `primaryEmail` is Google's primary address.
   */
  email: z.string(),
  /** Google's primary address of the group (absent in states stored before version 2). */
  primaryEmail: z.string().optional(),
  /**
   * The group's aliases other than the declared `email`, lowercased (states stored before
   * the non-editable ones were split off hold those too).
   */
  aliases: z.array(z.string()).optional(),
  /** The aliases Google made itself and keeps (e.g. the test-google-a.com address). */
  nonEditableAliases: z.array(z.string()).optional(),
  /** Whether `aliases` is declared (managed), so refresh records it as an input. */
  aliasesManaged: z.boolean().optional(),
  /** The managed settings as the group holds them (only the managed fields). */
  settings: z.record(z.string(), z.string()).optional(),
  /** When this stack last wrote the settings (epoch ms): a refresh soon after re-reads a lagging read instead of reporting drift. */
  settingsWrittenAt: z.number().optional(),
  settingsDefault: settingsDefaultSchema.optional(),
  name: z.string(),
  description: z.string(),
  deletionPolicy: deletionPolicySchema.optional(),
  onExisting: z.enum(["adopt", "fail"]).optional(),
  adoptId: z.string().optional(),
  /** Google's immutable id of the group. */
  groupId: z.string(),
  origin: groupOriginSchema,
});
export type GoogleDistributionGroupState = z.infer<typeof googleDistributionGroupStateSchema>;

/**
 * State version 1 (release 0.1.0): no primary address or aliases (`email` was the group's
 * address), no resource name, onExisting or adoptId.
 */
const googleDistributionGroupStateV1Schema = googleDistributionGroupStateSchema.pick({
  management: true,
  adoption: true,
  email: true,
  name: true,
  description: true,
  deletionPolicy: true,
  groupId: true,
  origin: true,
});

/**
 * Reads a stored state of any released version. Version 1 knew one address, `email`: it is
 * kept as the declared address, and the next refresh learns the primary address and aliases.
 * A document without `stateVersion` is taken as the current version (as every release did).
 */
export function upgradeGoogleGroupState(props: Record<string, unknown>): GoogleDistributionGroupState {
  const version = storedVersion(props, GOOGLE_GROUP_STATE_VERSION, GOOGLE_GROUP_STATE_VERSION);
  if (version === GOOGLE_GROUP_STATE_VERSION) return googleDistributionGroupStateSchema.parse({ ...props, stateVersion: version });
  return { ...googleDistributionGroupStateV1Schema.parse(props), stateVersion: GOOGLE_GROUP_STATE_VERSION };
}

export function emailLocalPart(email: string): string {
  return email.split("@")[0];
}
