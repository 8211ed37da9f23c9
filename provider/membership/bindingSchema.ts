import { z } from "zod";
import { directoryServiceSchema, managementRefSchema } from "../management/managementSchema";

/** The directory group a binding exports into (a GoogleDistributionGroup or EntraSecurityGroup). */
export const bindingTargetSchema = z.object({
  /** The directory the target group lives in; must be the binding's directory. */
  directoryKey: z.string(),
  service: directoryServiceSchema,
  /** Google's group id or Entra's object id. */
  // Empty while the group is pending (declared while management was disabled).
  groupId: z.string(),
  /** The group's email or display name, for messages. */
  label: z.string(),
});
export type BindingTarget = z.infer<typeof bindingTargetSchema>;

export const membershipModeSchema = z.enum(["authoritative", "additive"]);
export type MembershipMode = z.infer<typeof membershipModeSchema>;

/** A source user group: its name and its users' emails (Google) or user principal names (Entra). */
export const userGroupSchema = z.object({
  name: z.string().trim().min(1, { error: "needs a name: give the user group's name" }),
  users: z.array(z.string()),
});

/** Inputs of a GroupBinding: the single source of its SDK types and checks. */
export const groupBindingArgsSchema = z.object({
  /** The directory's management (its switch and identity). */
  management: managementRefSchema,
  target: bindingTargetSchema,
  /** The user group whose users become the target group's members. */
  userGroup: userGroupSchema,
  /**
   * "authoritative" (default): members not in the user group are removed, so changes made
   * by hand are reverted. "additive": only members this binding added are ever removed.
   */
  membershipMode: membershipModeSchema.optional(),
  /**
   * Mass-removal guard: an apply that would remove more than this share (percent) of the
   * group's current members stops with an error. Default 50; raise it to allow more.
   */
  maxRemovalPercent: z.number().min(0, { error: "must be between 0 and 100" }).max(100, { error: "must be between 0 and 100" }).optional(),
  /** Let a binding of an empty user group stay pending (no change) instead of failing at preview. */
  allowEmpty: z.boolean().optional(),
});
export type GroupBindingArgs = z.input<typeof groupBindingArgsSchema>;

export const DEFAULT_MAX_REMOVAL_PERCENT = 50;

/** Members as a map keyed by lowercased email/UPN, so a preview reads `+ "carol@example.com"`. */
export const memberMapSchema = z.record(z.string(), z.literal("member"));
export type MemberMap = z.infer<typeof memberMapSchema>;

/** Inputs after check: users became a member map; defaults applied. */
export interface GroupBindingInputs {
  management: z.infer<typeof managementRefSchema>;
  target: BindingTarget;
  userGroupName: string;
  members: MemberMap;
  membershipMode: MembershipMode;
  maxRemovalPercent: number;
  allowEmpty: boolean;
}

export const GROUP_BINDING_STATE_VERSION = 1;

/** Outputs (stored state) of a GroupBinding. */
export const groupBindingStateSchema = z.object({
  stateVersion: z.number().int(),
  management: managementRefSchema,
  target: bindingTargetSchema,
  userGroupName: z.string(),
  /** authoritative: the group's members as last applied or refreshed; additive: the members this binding manages. */
  members: memberMapSchema,
  /** Members this binding added or ensured (what unbinding removes), with their directory ids. */
  managedMembers: z.record(z.string(), z.string()),
  membershipMode: membershipModeSchema,
  maxRemovalPercent: z.number(),
  allowEmpty: z.boolean(),
  /** True while the user group is empty and the binding waits (allowEmpty) or management is disabled. */
  pending: z.boolean(),
});
export type GroupBindingState = z.infer<typeof groupBindingStateSchema>;
