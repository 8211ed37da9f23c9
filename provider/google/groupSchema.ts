import { z } from "zod";
import { managementRefSchema } from "../management/managementSchema";

/** Google caps group names at 75 characters and descriptions at 4,096. */
export const GOOGLE_GROUP_NAME_MAX = 75;
export const GOOGLE_GROUP_DESCRIPTION_MAX = 4096;

export const deletionPolicySchema = z.enum(["delete", "release"]);
export type DeletionPolicy = z.infer<typeof deletionPolicySchema>;

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
});
export type GoogleDistributionGroupArgs = z.input<typeof googleDistributionGroupArgsSchema>;

/** Inputs after check: defaults applied, so every managed field is explicit. */
export type GoogleDistributionGroupInputs = Required<Omit<z.output<typeof googleDistributionGroupArgsSchema>, "deletionPolicy">> &
  Pick<z.output<typeof googleDistributionGroupArgsSchema>, "deletionPolicy">;

/** Whether the group existed before this package managed it ("pending": not yet made, management disabled). */
export const groupOriginSchema = z.enum(["created", "adopted", "pending"]);
export type GroupOrigin = z.infer<typeof groupOriginSchema>;

/** The current version of the stored state; older versions are upgraded on read. */
export const GOOGLE_GROUP_STATE_VERSION = 1;

/** Outputs (the stored state) of a GoogleDistributionGroup. */
export const googleDistributionGroupStateSchema = z.object({
  stateVersion: z.number().int(),
  management: managementRefSchema,
  /** What preview found: "create" or "adopt <id>"; shown so a reader knows before apply. */
  adoption: z.string().optional(),
  email: z.string(),
  name: z.string(),
  description: z.string(),
  deletionPolicy: deletionPolicySchema.optional(),
  /** Google's immutable id of the group. */
  groupId: z.string(),
  origin: groupOriginSchema,
});
export type GoogleDistributionGroupState = z.infer<typeof googleDistributionGroupStateSchema>;

export function emailLocalPart(email: string): string {
  return email.split("@")[0];
}
