import { z } from "zod";

/**
 * The Groups Settings API resource (groupsSettings#groups). Booleans travel as the STRINGS
 * "true"/"false" on the wire; seeds may also write real booleans. Enum values are those the
 * API reference lists; an unknown value is a 400.
 */
const flag = z.union([z.boolean(), z.enum(["true", "false"])]).transform((v) => String(v) as "true" | "false");
const moderation = z.enum(["ALL_MEMBERS", "OWNERS_AND_MANAGERS", "OWNERS_ONLY", "NONE"]);
const assist = z.enum(["ALL_MEMBERS", "OWNERS_AND_MANAGERS", "MANAGERS_ONLY", "OWNERS_ONLY", "NONE"]);

export const WHO_CAN_POST_MESSAGE = ["NONE_CAN_POST", "ALL_MANAGERS_CAN_POST", "ALL_MEMBERS_CAN_POST", "ALL_OWNERS_CAN_POST", "ALL_IN_DOMAIN_CAN_POST", "ANYONE_CAN_POST"] as const;

const groupSettingsFields = {
  whoCanJoin: z.enum(["ANYONE_CAN_JOIN", "ALL_IN_DOMAIN_CAN_JOIN", "INVITED_CAN_JOIN", "CAN_REQUEST_TO_JOIN"]),
  whoCanViewMembership: z.enum(["ALL_IN_DOMAIN_CAN_VIEW", "ALL_MEMBERS_CAN_VIEW", "ALL_MANAGERS_CAN_VIEW", "ALL_OWNERS_CAN_VIEW"]),
  whoCanViewGroup: z.enum(["ANYONE_CAN_VIEW", "ALL_IN_DOMAIN_CAN_VIEW", "ALL_MEMBERS_CAN_VIEW", "ALL_MANAGERS_CAN_VIEW", "ALL_OWNERS_CAN_VIEW"]),
  whoCanInvite: z.enum(["ALL_MEMBERS_CAN_INVITE", "ALL_MANAGERS_CAN_INVITE", "ALL_OWNERS_CAN_INVITE", "NONE_CAN_INVITE"]),
  whoCanAdd: z.enum(["ALL_MEMBERS_CAN_ADD", "ALL_MANAGERS_CAN_ADD", "ALL_OWNERS_CAN_ADD", "NONE_CAN_ADD"]),
  allowExternalMembers: flag,
  whoCanPostMessage: z.enum(WHO_CAN_POST_MESSAGE),
  allowWebPosting: flag,
  primaryLanguage: z.string(),
  maxMessageBytes: z.number().int().positive(),
  isArchived: flag,
  archiveOnly: flag,
  messageModerationLevel: z.enum(["MODERATE_ALL_MESSAGES", "MODERATE_NON_MEMBERS", "MODERATE_NEW_MEMBERS", "MODERATE_NONE"]),
  spamModerationLevel: z.enum(["ALLOW", "MODERATE", "SILENTLY_MODERATE", "REJECT"]),
  replyTo: z.enum(["REPLY_TO_CUSTOM", "REPLY_TO_SENDER", "REPLY_TO_LIST", "REPLY_TO_OWNER", "REPLY_TO_IGNORE", "REPLY_TO_MANAGERS"]),
  customReplyTo: z.string(),
  includeCustomFooter: flag,
  customFooterText: z.string().max(1000),
  sendMessageDenyNotification: flag,
  defaultMessageDenyNotificationText: z.string().max(10000),
  showInGroupDirectory: flag,
  allowGoogleCommunication: flag,
  membersCanPostAsTheGroup: flag,
  messageDisplayFont: z.enum(["DEFAULT_FONT", "FIXED_WIDTH_FONT"]),
  includeInGlobalAddressList: flag,
  whoCanLeaveGroup: z.enum(["ALL_MANAGERS_CAN_LEAVE", "ALL_MEMBERS_CAN_LEAVE", "NONE_CAN_LEAVE"]),
  whoCanContactOwner: z.enum(["ALL_IN_DOMAIN_CAN_CONTACT", "ALL_MANAGERS_CAN_CONTACT", "ALL_MEMBERS_CAN_CONTACT", "ANYONE_CAN_CONTACT", "ALL_OWNERS_CAN_CONTACT"]),
  whoCanAddReferences: z.enum(["ALL_MEMBERS", "OWNERS_AND_MANAGERS", "MANAGERS_ONLY", "OWNERS_ONLY", "NONE"]),
  whoCanAssignTopics: assist,
  whoCanUnassignTopic: assist,
  whoCanTakeTopics: assist,
  whoCanMarkDuplicate: assist,
  whoCanMarkNoResponseNeeded: assist,
  whoCanMarkFavoriteReplyOnAnyTopic: assist,
  whoCanMarkFavoriteReplyOnOwnTopic: assist,
  whoCanUnmarkFavoriteReplyOnAnyTopic: assist,
  whoCanEnterFreeFormTags: assist,
  whoCanModifyTagsAndCategories: assist,
  favoriteRepliesOnTop: flag,
  whoCanApproveMembers: z.enum(["ALL_MEMBERS_CAN_APPROVE", "ALL_MANAGERS_CAN_APPROVE", "ALL_OWNERS_CAN_APPROVE", "NONE_CAN_APPROVE"]),
  whoCanBanUsers: moderation,
  whoCanModifyMembers: moderation,
  whoCanApproveMessages: moderation,
  whoCanDeleteAnyPost: moderation,
  whoCanDeleteTopics: moderation,
  whoCanLockTopics: moderation,
  whoCanMoveTopicsIn: moderation,
  whoCanMoveTopicsOut: moderation,
  whoCanPostAnnouncements: moderation,
  whoCanHideAbuse: moderation,
  whoCanMakeTopicsSticky: moderation,
  whoCanModerateMembers: moderation,
  whoCanModerateContent: moderation,
  whoCanAssistContent: assist,
  whoCanDiscoverGroup: z.enum(["ANYONE_CAN_DISCOVER", "ALL_IN_DOMAIN_CAN_DISCOVER", "ALL_MEMBERS_CAN_DISCOVER"]),
  enableCollaborativeInbox: flag,
  default_sender: z.enum(["DEFAULT_SELF", "GROUP"]),
  /** Read-only: requests that set it are ignored. */
  customRolesEnabledForSettingsToBeMerged: flag,
};

const fullSettingsSchema = z.object(groupSettingsFields);
export type GroupSettings = z.output<typeof fullSettingsSchema>;

/** A PUT/PATCH body (or a seed): any subset of the settings; unknown fields are dropped. */
export const groupSettingsPatchSchema = fullSettingsSchema.partial();
export type GroupSettingsPatch = z.output<typeof groupSettingsPatchSchema>;

/** What a group created through the Directory API starts with (as public examples show). */
export const GROUP_SETTINGS_DEFAULTS: GroupSettings = {
  whoCanJoin: "CAN_REQUEST_TO_JOIN",
  whoCanViewMembership: "ALL_MEMBERS_CAN_VIEW",
  whoCanViewGroup: "ALL_MEMBERS_CAN_VIEW",
  whoCanInvite: "ALL_MANAGERS_CAN_INVITE",
  whoCanAdd: "ALL_MANAGERS_CAN_ADD",
  allowExternalMembers: "false",
  whoCanPostMessage: "ANYONE_CAN_POST",
  allowWebPosting: "true",
  primaryLanguage: "en",
  maxMessageBytes: 26214400,
  isArchived: "false",
  archiveOnly: "false",
  messageModerationLevel: "MODERATE_NONE",
  spamModerationLevel: "MODERATE",
  replyTo: "REPLY_TO_IGNORE",
  customReplyTo: "",
  includeCustomFooter: "false",
  customFooterText: "",
  sendMessageDenyNotification: "false",
  defaultMessageDenyNotificationText: "",
  showInGroupDirectory: "false",
  allowGoogleCommunication: "false",
  membersCanPostAsTheGroup: "false",
  messageDisplayFont: "DEFAULT_FONT",
  includeInGlobalAddressList: "true",
  whoCanLeaveGroup: "ALL_MEMBERS_CAN_LEAVE",
  whoCanContactOwner: "ANYONE_CAN_CONTACT",
  whoCanAddReferences: "NONE",
  whoCanAssignTopics: "NONE",
  whoCanUnassignTopic: "NONE",
  whoCanTakeTopics: "NONE",
  whoCanMarkDuplicate: "NONE",
  whoCanMarkNoResponseNeeded: "NONE",
  whoCanMarkFavoriteReplyOnAnyTopic: "NONE",
  whoCanMarkFavoriteReplyOnOwnTopic: "NONE",
  whoCanUnmarkFavoriteReplyOnAnyTopic: "NONE",
  whoCanEnterFreeFormTags: "NONE",
  whoCanModifyTagsAndCategories: "NONE",
  favoriteRepliesOnTop: "true",
  whoCanApproveMembers: "ALL_MANAGERS_CAN_APPROVE",
  whoCanBanUsers: "OWNERS_AND_MANAGERS",
  whoCanModifyMembers: "OWNERS_AND_MANAGERS",
  whoCanApproveMessages: "OWNERS_AND_MANAGERS",
  whoCanDeleteAnyPost: "OWNERS_AND_MANAGERS",
  whoCanDeleteTopics: "OWNERS_AND_MANAGERS",
  whoCanLockTopics: "OWNERS_AND_MANAGERS",
  whoCanMoveTopicsIn: "OWNERS_AND_MANAGERS",
  whoCanMoveTopicsOut: "OWNERS_AND_MANAGERS",
  whoCanPostAnnouncements: "OWNERS_AND_MANAGERS",
  whoCanHideAbuse: "NONE",
  whoCanMakeTopicsSticky: "NONE",
  whoCanModerateMembers: "OWNERS_AND_MANAGERS",
  whoCanModerateContent: "OWNERS_AND_MANAGERS",
  whoCanAssistContent: "NONE",
  whoCanDiscoverGroup: "ALL_IN_DOMAIN_CAN_DISCOVER",
  enableCollaborativeInbox: "false",
  default_sender: "DEFAULT_SELF",
  customRolesEnabledForSettingsToBeMerged: "false",
};

/** Stored settings: a seed may give any subset, the rest are the defaults of a new group. */
export const groupSettingsSchema = groupSettingsPatchSchema.transform((given): GroupSettings => ({ ...GROUP_SETTINGS_DEFAULTS, ...given }));
