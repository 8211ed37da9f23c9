import { z } from "zod";

/**
 * Group settings (Groups Settings API, `groupssettings/v1`, resource `groupsSettings#groups`)
 * that a GoogleDistributionGroup manages: the schema of the `settings` input, the
 * distribution-list default, and the API's cross-field rules.
 *
 * Source of every value and rule: the Groups Settings API reference, resource `groups`
 * (developers.google.com/admin-sdk/groups-settings/v1/reference/groups), as also carried in
 * the field docs of the official client (googleapis `groupssettings_v1.Schema$Groups`).
 * The API sends and takes every boolean as the STRING "true" or "false"; inputs may be
 * written as booleans and are normalized to those strings, so previews and state show what
 * the API holds.
 */

const FLAG_ERROR = 'must be true or false (or the API\'s strings "true" / "false")';

/**
 * A boolean setting: `true`/`false` or the API's strings, in any case ("TRUE", as other tools
 * write them, is "true"); normalized to "true"/"false".
 */
// Cast: the runtime takes any string and refuses all but true/false in any case; the input type
// names the spellings, so a TypeScript program keeps its completion and type check.
const flag = z
  .union([z.boolean(), z.string({ error: FLAG_ERROR }).trim().toLowerCase().pipe(z.enum(["true", "false"], { error: FLAG_ERROR }))], { error: FLAG_ERROR })
  .transform((v) => String(v) as "true" | "false") as unknown as z.ZodType<"true" | "false", boolean | "true" | "false" | "TRUE" | "FALSE" | "True" | "False">;

/**
 * An enum setting whose error lists the values the reference documents. The API's values are
 * upper case; a value in another case ("invited_can_join") is taken in the API's case, so the
 * preview and state show what the API holds.
 */
function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  const error = `must be one of ${values.join(", ")} (Groups Settings API reference)`;
  // Cast: the runtime takes any string and refuses all but the values in any case;
  // the input type names the values (and their lower case), so a TypeScript program keeps its completion.
  return z.string({ error }).trim().toUpperCase().pipe(z.enum(values, { error })) as unknown as z.ZodType<T[number], T[number] | Lowercase<T[number]>>;
}

/**
 * Settings the reference marks deprecated, each "merged into" the current setting named here
 * (Groups Settings API reference, resource `groups`): named in the error, so a program written
 * from an older example (or for GAM / GCDS / Terraform) learns what to write instead.
 */
const DEPRECATED_SETTINGS: Record<string, string> = {
  whoCanAdd: "whoCanModerateMembers",
  whoCanInvite: "whoCanModerateMembers",
  whoCanApproveMembers: "whoCanModerateMembers",
  whoCanBanUsers: "whoCanModerateMembers",
  whoCanModifyMembers: "whoCanModerateMembers",
  whoCanApproveMessages: "whoCanModerateContent",
  whoCanDeleteAnyPost: "whoCanModerateContent",
  whoCanDeleteTopics: "whoCanModerateContent",
  whoCanLockTopics: "whoCanModerateContent",
  whoCanMoveTopicsIn: "whoCanModerateContent",
  whoCanMoveTopicsOut: "whoCanModerateContent",
  whoCanPostAnnouncements: "whoCanModerateContent",
  whoCanHideAbuse: "whoCanModerateContent",
  whoCanMakeTopicsSticky: "whoCanModerateContent",
  showInGroupDirectory: "whoCanDiscoverGroup",
};

/** The error for a name `settings` does not take: the current name of a deprecated one, else the names it takes. */
function unknownSettingMessage(keys: readonly string[]): string {
  return keys
    .map((key) =>
      DEPRECATED_SETTINGS[key]
        ? `${key}: deprecated by the Groups Settings API and merged into ${DEPRECATED_SETTINGS[key]}: declare ${DEPRECATED_SETTINGS[key]} instead`
        : `${key}: not a group setting this package manages (it manages: ${GROUP_SETTING_NAMES.join(", ")})`,
    )
    .join("; ");
}

/** Who may moderate (whoCanModerateMembers / whoCanModerateContent). */
const MODERATORS = ["ALL_MEMBERS", "OWNERS_AND_MANAGERS", "OWNERS_ONLY", "NONE"] as const;

/** The longest custom footer the API takes (reference: "The maximum number of characters is 1,000"). */
export const CUSTOM_FOOTER_MAX = 1000;

/** Every setting this package can manage, each optional: only declared (or defaulted) ones are managed. */
export const groupSettingsShape = {
  /** Who may send to the group. NONE_CAN_POST only together with archiveOnly "true". */
  whoCanPostMessage: oneOf(["NONE_CAN_POST", "ALL_MANAGERS_CAN_POST", "ALL_MEMBERS_CAN_POST", "ALL_OWNERS_CAN_POST", "ALL_IN_DOMAIN_CAN_POST", "ANYONE_CAN_POST"]),
  /** Who may see the member list. */
  whoCanViewMembership: oneOf(["ALL_IN_DOMAIN_CAN_VIEW", "ALL_MEMBERS_CAN_VIEW", "ALL_MANAGERS_CAN_VIEW"]),
  /** Who may read the group's messages (its archive). */
  whoCanViewGroup: oneOf(["ANYONE_CAN_VIEW", "ALL_IN_DOMAIN_CAN_VIEW", "ALL_MEMBERS_CAN_VIEW", "ALL_MANAGERS_CAN_VIEW"]),
  /** Who may join on their own (or ask to). */
  whoCanJoin: oneOf(["ANYONE_CAN_JOIN", "ALL_IN_DOMAIN_CAN_JOIN", "INVITED_CAN_JOIN", "CAN_REQUEST_TO_JOIN"]),
  /** Who may leave on their own. */
  whoCanLeaveGroup: oneOf(["ALL_MANAGERS_CAN_LEAVE", "ALL_MEMBERS_CAN_LEAVE", "NONE_CAN_LEAVE"]),
  /** Who may contact the group's owners through the web interface. */
  whoCanContactOwner: oneOf(["ALL_IN_DOMAIN_CAN_CONTACT", "ALL_MANAGERS_CAN_CONTACT", "ALL_MEMBERS_CAN_CONTACT", "ANYONE_CAN_CONTACT", "ALL_OWNERS_CAN_CONTACT"]),
  /** Who may find the group in Groups. */
  whoCanDiscoverGroup: oneOf(["ANYONE_CAN_DISCOVER", "ALL_IN_DOMAIN_CAN_DISCOVER", "ALL_MEMBERS_CAN_DISCOVER"]),
  /** Who may add, remove and change members (the current name of the former whoCanAdd/whoCanInvite/...). */
  whoCanModerateMembers: oneOf(MODERATORS),
  /** Who may approve, delete and hide messages (the current name of the former whoCanApproveMessages/...). */
  whoCanModerateContent: oneOf(MODERATORS),
  /** Whether people outside the organisation may be members. */
  allowExternalMembers: flag,
  /** Which incoming messages wait for a moderator's approval. */
  messageModerationLevel: oneOf(["MODERATE_ALL_MESSAGES", "MODERATE_NON_MEMBERS", "MODERATE_NEW_MEMBERS", "MODERATE_NONE"]),
  /** What happens to messages detected as spam. */
  spamModerationLevel: oneOf(["ALLOW", "MODERATE", "SILENTLY_MODERATE", "REJECT"]),
  /** Whether messages sent to the group are kept in its archive. */
  isArchived: flag,
  /** Archive-only (inactive) group: new messages are rejected; forces whoCanPostMessage NONE_CAN_POST. */
  archiveOnly: flag,
  /** Whether the group is listed in the organisation's Global Address List. */
  includeInGlobalAddressList: flag,
  /** Where replies go. REPLY_TO_CUSTOM needs customReplyTo. */
  replyTo: oneOf(["REPLY_TO_CUSTOM", "REPLY_TO_SENDER", "REPLY_TO_LIST", "REPLY_TO_OWNER", "REPLY_TO_IGNORE", "REPLY_TO_MANAGERS"]),
  /** The reply address when replyTo is REPLY_TO_CUSTOM (required then, and only then). */
  customReplyTo: z
    .string()
    .trim()
    .toLowerCase()
    .pipe(z.email({ error: 'is not an email address: give the address replies go to, e.g. "replies@example.com"' })),
  /** Whether a custom footer is added to every message. */
  includeCustomFooter: flag,
  /** The custom footer's text, at most 1,000 characters. */
  customFooterText: z.string().max(CUSTOM_FOOTER_MAX, { error: `is longer than the API's ${CUSTOM_FOOTER_MAX} characters: shorten the footer` }),
};

export type GroupSettingName = keyof typeof groupSettingsShape;
export const GROUP_SETTING_NAMES = Object.keys(groupSettingsShape) as GroupSettingName[];

/** The `settings` input: any subset of the settings above; an unknown name is an error. */
export const groupSettingsSchema = z.strictObject(
  Object.fromEntries(GROUP_SETTING_NAMES.map((name) => [name, groupSettingsShape[name].optional()])) as { [K in GroupSettingName]: z.ZodOptional<(typeof groupSettingsShape)[K]> },
  {
    error: (issue) => (issue.code === "unrecognized_keys" ? unknownSettingMessage(issue.keys) : undefined),
  },
);
/** Settings as written in a program (booleans allowed). */
export type GroupSettingsArgs = z.input<typeof groupSettingsSchema>;
/** Settings as the API holds them (booleans as "true"/"false"). */
export type GroupSettings = z.output<typeof groupSettingsSchema>;

/** What the `settings` of a program are laid over. */
export const settingsDefaultSchema = z.enum(["distributionList", "none"], {
  error: 'must be "distributionList" (the documented distribution-list settings, overridden field by field by `settings`) or "none" (manage only the fields in `settings`)',
});
export type SettingsDefault = z.infer<typeof settingsDefaultSchema>;

/**
 * The distribution-list default: the settings that make a Google group behave as a mailing
 * list whose members come from the directory. Each value, and why (reference: the Groups
 * Settings API's description of the value; comparison: a new group's own defaults, which the
 * reference and the Terraform googleworkspace provider's group_settings defaults give):
 *
 * - whoCanPostMessage ALL_IN_DOMAIN_CAN_POST: anyone in the organisation can write to the
 *   list, as to any internal distribution list; people outside cannot (a new group may take
 *   ANYONE_CAN_POST, which the reference says needs MODERATE_NON_MEMBERS against spam).
 * - messageModerationLevel MODERATE_NONE: messages are delivered at once (senders are
 *   already limited to the organisation; a distribution list has no moderator).
 * - whoCanViewMembership ALL_MEMBERS_CAN_VIEW: members see who else receives the list,
 *   nobody else does (the membership comes from the directory and is not published further);
 *   a new group's default.
 * - whoCanViewGroup ALL_MEMBERS_CAN_VIEW: only recipients read the group's messages online;
 *   a new group's default.
 * - whoCanJoin INVITED_CAN_JOIN: nobody joins on their own: membership is what the directory
 *   says (a self-join would be removed again by the next authoritative `up`); a new group's
 *   default, CAN_REQUEST_TO_JOIN, would invite requests nobody acts on.
 * - whoCanContactOwner ALL_IN_DOMAIN_CAN_CONTACT: colleagues can reach the owners; the
 *   internet cannot (a new group's default is ANYONE_CAN_CONTACT).
 * - allowExternalMembers "false": members are the organisation's users; a new group's default.
 * - isArchived "false": a distribution list delivers mail and keeps no archive; a new group's default.
 * - archiveOnly "false": the list is active (archive-only groups reject new messages).
 * - includeInGlobalAddressList "true": the list is found in the address book, so it can be
 *   addressed; a new group's default.
 * - replyTo REPLY_TO_IGNORE: replies go where each member's mail program sends them (to the
 *   sender), as with any distribution list; a new group's default.
 * - includeCustomFooter "false": messages arrive unchanged.
 *
 * Not in the default (managed only when declared): whoCanLeaveGroup, whoCanDiscoverGroup,
 * whoCanModerateMembers, whoCanModerateContent, spamModerationLevel, customReplyTo, customFooterText.
 */
export const DISTRIBUTION_LIST_SETTINGS = {
  whoCanPostMessage: "ALL_IN_DOMAIN_CAN_POST",
  messageModerationLevel: "MODERATE_NONE",
  whoCanViewMembership: "ALL_MEMBERS_CAN_VIEW",
  whoCanViewGroup: "ALL_MEMBERS_CAN_VIEW",
  whoCanJoin: "INVITED_CAN_JOIN",
  whoCanContactOwner: "ALL_IN_DOMAIN_CAN_CONTACT",
  allowExternalMembers: "false",
  isArchived: "false",
  archiveOnly: "false",
  includeInGlobalAddressList: "true",
  replyTo: "REPLY_TO_IGNORE",
  includeCustomFooter: "false",
} as const satisfies GroupSettings;

/** One broken rule of the `settings` input: the field and the fix. */
export interface SettingsFailure {
  field: GroupSettingName;
  reason: string;
}

/**
 * The settings a group must have: the default (unless "none") overridden by what the
 * program declared, with the API's rules applied:
 * - archiveOnly "true" forces whoCanPostMessage NONE_CAN_POST (reference: "If true, the
 *   whoCanPostMessage property is set to NONE_CAN_POST"), so the default's post permission
 *   gives way; a declared other value is an error, as is NONE_CAN_POST without archiveOnly
 *   "true" (reference: "When archiveOnly is false, updating whoCanPostMessage to
 *   NONE_CAN_POST, results in an error").
 * - replyTo REPLY_TO_CUSTOM needs customReplyTo (reference: "must have a text value or an
 *   error is returned"); customReplyTo without it has no effect and is refused as a mistake.
 * - includeCustomFooter "true" needs a customFooterText; a footer text while the footer is
 *   off has no effect and is refused as a mistake.
 */
export function resolveSettings(declared: GroupSettings | undefined, base: SettingsDefault | undefined): { settings: GroupSettings; failures: SettingsFailure[] } {
  const given: GroupSettings = declared ?? {};
  const settings: GroupSettings = { ...((base ?? "distributionList") === "distributionList" ? DISTRIBUTION_LIST_SETTINGS : {}), ...given };
  const failures: SettingsFailure[] = [];
  if (settings.archiveOnly === "true") {
    if (given.whoCanPostMessage !== undefined && given.whoCanPostMessage !== "NONE_CAN_POST") {
      failures.push({
        field: "whoCanPostMessage",
        reason: `is ${given.whoCanPostMessage} but archiveOnly is "true", and an archive-only group accepts no messages (the API sets NONE_CAN_POST): remove whoCanPostMessage, or set archiveOnly "false"`,
      });
    }
    settings.whoCanPostMessage = "NONE_CAN_POST";
  } else if (settings.whoCanPostMessage === "NONE_CAN_POST") {
    failures.push({ field: "whoCanPostMessage", reason: 'is NONE_CAN_POST, which the Groups Settings API allows only for an archive-only group: set archiveOnly "true" as well, or choose who may post' });
  }
  if (settings.replyTo === "REPLY_TO_CUSTOM" && !settings.customReplyTo) {
    failures.push({ field: "customReplyTo", reason: 'is required when replyTo is REPLY_TO_CUSTOM (the API refuses it without one): give the address replies go to, or choose another replyTo' });
  } else if (settings.customReplyTo !== undefined && settings.replyTo !== "REPLY_TO_CUSTOM") {
    failures.push({ field: "customReplyTo", reason: `has no effect while replyTo is ${settings.replyTo ?? "not managed"}: set replyTo "REPLY_TO_CUSTOM", or remove customReplyTo` });
  }
  if (settings.includeCustomFooter === "true" && !settings.customFooterText) {
    failures.push({ field: "customFooterText", reason: 'is required when includeCustomFooter is "true": give the footer text, or set includeCustomFooter "false"' });
  } else if (settings.customFooterText && settings.includeCustomFooter !== "true") {
    failures.push({ field: "customFooterText", reason: 'has no effect while includeCustomFooter is not "true": set includeCustomFooter true, or remove customFooterText' });
  }
  return { settings: sortedSettings(settings), failures };
}

/** Settings with their keys in the schema's order, so previews and state read the same every time. */
export function sortedSettings(settings: GroupSettings): GroupSettings {
  const out: Record<string, string> = {};
  for (const name of GROUP_SETTING_NAMES) {
    const value = settings[name];
    if (value !== undefined) out[name] = value;
  }
  // Cast: the keys and values were copied from a GroupSettings, in the schema's order.
  return out as GroupSettings;
}
