import { randomBytes } from "node:crypto";
import { z } from "zod";
import { deletionPolicySchema, groupOriginSchema } from "../groups/lifecycle";
import { storedVersion } from "../contract/storedState";
import { managementRefSchema } from "../groups/management";

/** Entra limits: display names up to 256 characters, mail nicknames up to 64 of a restricted set. */
export const ENTRA_DISPLAY_NAME_MAX = 256;
export const MAIL_NICKNAME_MAX = 64;
const MAIL_NICKNAME = /^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~.]+$/;

/** Inputs of an EntraSecurityGroup: the single source of its SDK types and checks. */
export const entraSecurityGroupArgsSchema = z.object({
  /** The Entra ID directory's management (its switch and tenant). */
  management: managementRefSchema,
  /** The group's name; an existing security group with exactly this name is taken over. */
  displayName: z
    .string({ error: "displayName is required: give the group's name" })
    .trim()
    .min(1, { error: "is empty: give the group's name" })
    .max(ENTRA_DISPLAY_NAME_MAX, { error: `is longer than Entra's ${ENTRA_DISPLAY_NAME_MAX} characters: shorten it` }),
  description: z.string().max(1024, { error: "is longer than 1024 characters: shorten it" }).optional(),
  /** Mail alias (unique in the tenant); derived from displayName when absent. */
  mailNickname: z
    .string()
    .max(MAIL_NICKNAME_MAX, { error: `is longer than ${MAIL_NICKNAME_MAX} characters: shorten it` })
    .regex(MAIL_NICKNAME, { error: "has characters Entra does not allow (no spaces, @ ( ) \\ [ ] \" ; : < > ,): use letters, digits, . - _" })
    .optional(),
  /**
   * When more than one security group already has this display name: "fail" (default)
   * stops at preview listing the candidates; "create" makes yet another group.
   */
  onAmbiguousName: z.enum(["fail", "create"]).optional(),
  /**
   * When a security group already has exactly this display name: "adopt" it (default, the
   * seed's takeover), "create" a new group of the same name and never take one over, or
   * "fail" at preview. Near matches (other case or spacing) are never taken over.
   */
  onExisting: z.enum(["adopt", "create", "fail"], { error: 'must be "adopt", "create" or "fail"' }).optional(),
  /** Take over this exact group (object id), whatever its name. */
  adoptId: z.string().trim().toLowerCase().uuid({ error: "is not an object id: give the group's object id (a GUID)" }).optional(),
  /** "delete" or "release" on removal; default deletes what was created, releases what was adopted. */
  deletionPolicy: deletionPolicySchema.optional(),
});
export type EntraSecurityGroupArgs = z.input<typeof entraSecurityGroupArgsSchema>;
/**
 * Inputs after check: with what the preview found (`adoption`) and the resource's name in the
 * program (`pulumiName`, set by the SDK). `description` is "" for a group this stack creates
 * when the program gives none, and absent (not managed) for an adopted one. `mailNickname` stays
 * optional: absent, the create gives the group the nickname its check planned (`adoption`).
 */
export const entraSecurityGroupInputsSchema = entraSecurityGroupArgsSchema.extend({
  adoption: z.string().optional(),
  pulumiName: z.string().optional(),
});
export type EntraSecurityGroupInputs = z.output<typeof entraSecurityGroupInputsSchema>;

export const ENTRA_GROUP_STATE_VERSION = 1;

export const entraSecurityGroupStateSchema = z.object({
  stateVersion: z.number().int(),
  management: managementRefSchema,
  adoption: z.string().optional(),
  /** The resource's name in the program, so messages at refresh and destroy can name it. */
  pulumiName: z.string().optional(),
  displayName: z.string(),
  description: z.string(),
  mailNickname: z.string(),
  onAmbiguousName: z.enum(["fail", "create"]).optional(),
  onExisting: z.enum(["adopt", "create", "fail"]).optional(),
  adoptId: z.string().optional(),
  deletionPolicy: deletionPolicySchema.optional(),
  /** Entra's object id of the group. */
  groupId: z.string(),
  origin: groupOriginSchema,
});
export type EntraSecurityGroupState = z.infer<typeof entraSecurityGroupStateSchema>;

/**
 * Reads a stored state of any released version; version 1 (release 0.1.0) is the current one.
 * A document without `stateVersion` is taken as version 1 (as every release did).
 */
export function upgradeEntraGroupState(props: Record<string, unknown>): EntraSecurityGroupState {
  const version = storedVersion(props, ENTRA_GROUP_STATE_VERSION, ENTRA_GROUP_STATE_VERSION);
  return entraSecurityGroupStateSchema.parse({ ...props, stateVersion: version });
}

/**
 * A legal alias for a group this stack creates: the name's letters plus random hex, so that it
 * is unique to one create (the evidence that a group found later with it is that create's own).
 */
export function plannedMailNickname(displayName: string): string {
  const slug = displayName
    .normalize("NFKD")
    .replace(/[^A-Za-z0-9._-]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .toLowerCase()
    .slice(0, MAIL_NICKNAME_MAX - 9);
  return `${slug || "group"}-${randomBytes(4).toString("hex")}`;
}
