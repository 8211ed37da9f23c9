import { z } from "zod";
import { storedVersion } from "../contract/storedState";
import { directoryServiceSchema, managementRefSchema } from "./management";
import { decodeMemberTable, encodeMemberTable } from "./memberTable";

/** The directory group a binding exports into (a GoogleDistributionGroup or EntraSecurityGroup). */
export const bindingTargetSchema = z.object({
  /** The directory the target group lives in; must be the binding's directory. */
  directoryKey: z.string(),
  service: directoryServiceSchema,
  /** Google's group id or Entra's object id. */
  // Empty while the group is pending (declared while management was disabled).
  groupId: z.string(),
  /**
   * The group's email (Google) or display name (Entra): names it in messages, and finds it at
   * preview when its id is not known yet (a group adopted in the same update).
   */
  label: z.string(),
});
export type BindingTarget = z.infer<typeof bindingTargetSchema>;

export const membershipModeSchema = z.enum(["authoritative", "additive"]);
export type MembershipMode = z.infer<typeof membershipModeSchema>;

/**
 * What authoritative mode does with members that are not users (Google GROUP and CUSTOMER
 * members; Entra groups, service principals, devices, contacts): "keep" (default) leaves
 * them alone and lists them in `kept`; "remove" removes them like any member not in the user group.
 */
export const nonUserMembersPolicySchema = z.enum(["keep", "remove"]);
export type NonUserMembersPolicy = z.infer<typeof nonUserMembersPolicySchema>;

/** A source user group: its name and its users' emails (Google) or user principal names/mails (Entra). */
export const userGroupSchema = z.object({
  name: z.string({ error: "needs a name: give the user group's name" }).trim().min(1, { error: "needs a name: give the user group's name" }),
  users: z.array(
    z.string({ error: "must be an email address or user principal name (a string): remove empty or null entries" }),
    { error: "must be a list of email addresses/user principal names, e.g. [\"alice@example.com\"]" },
  ),
});

export const DEFAULT_MAX_REMOVAL_PERCENT = 50;
/** Removals of up to this many members never trip the mass-removal guard (see `removalGuardFloor`). */
export const DEFAULT_REMOVAL_GUARD_FLOOR = 10;

/**
 * The binding's settings, each declared once with its default: the program gives them
 * (groupBindingArgsSchema), check fills in the defaults (`withDefaults`), the checked inputs
 * and the state carry them as they are (`carriedFields`), and `diff` compares every one of
 * them (bindingCheck.ts). A setting added here needs no other list in the provider.
 */
const settingsShape = {
  /**
   * "authoritative" (default): members not in the user group are removed, so changes made
   * by hand are reverted. "additive": only members this binding added are ever removed.
   */
  membershipMode: membershipModeSchema.default("authoritative"),
  /**
   * Mass-removal guard: an apply that would remove more than this share (percent) of the
   * group's current members stops with an error. Default 50; raise it to allow more.
   */
  maxRemovalPercent: z.number().min(0, { error: "must be between 0 and 100" }).max(100, { error: "must be between 0 and 100" }).default(DEFAULT_MAX_REMOVAL_PERCENT),
  /**
   * The mass-removal guard's floor: an apply that removes this many members or fewer never trips
   * the guard, whatever share of the group they are (a guard that fires on one person teaches
   * users to set 100). Default 10, applied where the guard runs: kept absent so that states of
   * earlier releases compare equal.
   */
  removalGuardFloor: z.number().int({ error: "must be a whole number of members" }).min(0, { error: "must be 0 or more" }).optional(),
  /** Let a binding of an empty user group stay pending (no change) instead of failing at preview. */
  allowEmpty: z.boolean().default(false),
  /** Authoritative mode and non-user members: "keep" (default) or "remove". */
  nonUserMembers: nonUserMembersPolicySchema.default("keep"),
};

/** The settings alone: their keys, rules and defaults. */
export const bindingSettingsSchema = z.object(settingsShape);

/** Every setting's default, from the schema (a setting without one, like `removalGuardFloor`, is absent). */
export const BINDING_SETTING_DEFAULTS = bindingSettingsSchema.parse({});

/**
 * The settings of the program's checked values: each as given (also a value unknown until
 * apply), else its default (undefined for a setting without one).
 */
export function withDefaults(values: Record<string, unknown>): Record<string, unknown> {
  const defaults: Record<string, unknown> = BINDING_SETTING_DEFAULTS;
  return Object.fromEntries(Object.keys(settingsShape).map((key): [string, unknown] => [key, values[key] ?? defaults[key]]));
}

/** Inputs of a GroupBinding: the single source of its SDK types and checks. */
export const groupBindingArgsSchema = z.object({
  /** The directory's management (its switch and identity). */
  management: managementRefSchema,
  target: bindingTargetSchema,
  /** The user group whose users become the target group's members. */
  userGroup: userGroupSchema,
  ...settingsShape,
  /**
   * The group's owners (emails / user principal names). Google: members with role OWNER (added
   * with that role, or promoted in place; a user also in `users` is one OWNER member). Entra: the
   * group's owners relation, set exactly (the calling application is never added unless listed,
   * and an owner the directory gave the creating application is left alone). Absent (default):
   * owners are not managed, and an OWNER is never demoted or removed by the binding.
   */
  owners: z.array(z.string({ error: "must be an email address or user principal name (a string)" }), { error: "must be a list of email addresses/user principal names" }).optional(),
  /** Google only: members with role MANAGER, promoted and demoted in place. Absent (default): managers are not managed. */
  managers: z.array(z.string({ error: "must be an email address (a string)" }), { error: "must be a list of email addresses" }).optional(),
  /**
   * Exported groups of the same directory that are members of this one (Google: a GROUP
   * member; Entra: a group in `members`). Declared nested groups count as members (never
   * removed as non-user members); a cycle among the program's bindings fails at preview.
   */
  memberGroups: z.array(bindingTargetSchema, { error: "must be a list of groups (GoogleDistributionGroup or EntraSecurityGroup)" }).optional(),
  /** The resource's name, so that messages about two bindings on one group can name both (set by the SDK). */
  __bindingName: z.string().optional(),
  /** True when the program gave the users as a secret: member lists are then returned as secrets (set by the SDK). */
  __secretUsers: z.boolean().optional(),
});
export type GroupBindingArgs = z.input<typeof groupBindingArgsSchema>;

/** Members as a map keyed by lowercased address (`"carol@example.com": "member"`): how the handlers, the state and the SDK's outputs hold them. */
export const memberMapSchema = z.record(z.string(), z.literal("member"));
export type MemberMap = z.infer<typeof memberMapSchema>;

/**
 * The text of a member list as a binding's checked inputs carry it (and so as previews show
 * it): the member keys sorted, one a line, each line ending in a newline (`""` for none).
 *
 * Why text and not the map: for a changed map, `pulumi preview --diff` prints every unchanged
 * entry too (a 500-member group: ~500 lines for one added member), while a changed multi-line
 * string is printed as a line diff, the changed lines with two lines of context on each side
 * and `...` for the rest (Pulumi's pkg/backend/display/object_diff.go, `printLineDiff`).
 * Every line ends in a newline so that a member added last is one added line, not the old
 * last line removed and added again. Pulumi shows a string that parses as a YAML mapping or
 * sequence as that object instead; lines of addresses cannot (no ": " or leading "- "), so
 * only a list made of nothing but nested Entra groups whose display names hold ": " would
 * print in full (harmless: it is just longer).
 */
export function memberListText(keys: Iterable<string>): string {
  return [...new Set(keys)].sort().map((key) => `${key}\n`).join("");
}

/** The keys of a member list's text (see {@link memberListText}). */
export function memberListKeys(text: string): string[] {
  return text.split("\n").filter((line) => line !== "");
}

/**
 * `members` of the checked inputs: the text of {@link memberListText}, read as the member map
 * the handlers use. Releases up to 0.2 stored the map itself; it is read as it is.
 */
export const memberListSchema = z.union([z.string().transform((text): MemberMap => Object.fromEntries(memberListKeys(text).map((key) => [key, "member" as const]))), memberMapSchema]);

/** Readable member label -> a short text (why it is kept, or what removes it). */
export const memberNotesSchema = z.record(z.string(), z.string());

/** Declared owners as a map keyed by lowercased address, so a preview reads `+ "carol@example.com": "owner"`. */
export const ownerMapSchema = z.record(z.string(), z.literal("owner"));
/** Declared managers (Google), keyed like owners. */
export const managerMapSchema = z.record(z.string(), z.literal("manager"));
/** Nested groups: member key (`group:<address or display name>`) -> the group's id. */
export const memberGroupIdsSchema = z.record(z.string(), z.string());

/** The fields owners, managers and nested groups add to the checked inputs and to the state (absent: not managed). */
const rolesAndNestingFields = {
  owners: ownerMapSchema.optional(),
  managers: managerMapSchema.optional(),
  memberGroupIds: memberGroupIdsSchema.optional(),
};

/**
 * What the checked inputs carry into the state as they are (`carriedFields`), and a refresh
 * gives back as inputs: the group, the user group's name, the settings, owners, managers and
 * nested groups (absent: not managed), the SDK's markers.
 */
const carriedShape = {
  management: managementRefSchema,
  target: bindingTargetSchema,
  userGroupName: z.string(),
  ...settingsShape,
  ...rolesAndNestingFields,
  __bindingName: z.string().optional(),
  __secretUsers: z.boolean().optional(),
};
const carriedSchema = z.object(carriedShape);
export type CarriedFields = z.infer<typeof carriedSchema>;

/**
 * The carried fields of checked inputs or of a state, parsed (defaults filled in). The binding's
 * name only when set and the secret mark only when true, as states have always held them.
 */
export function carriedFields(from: CarriedFields): CarriedFields {
  const given = Object.entries(from).filter(([key, value]) => key in carriedShape && value !== undefined);
  const { __bindingName, __secretUsers, ...rest } = carriedSchema.parse(Object.fromEntries(given));
  return { ...rest, ...(__bindingName ? { __bindingName } : {}), ...(__secretUsers ? { __secretUsers } : {}) };
}

/** Inputs after check: the carried fields (defaults applied), users became a member list (text on the wire, a map once parsed), what the apply will remove, read at preview. */
export const groupBindingInputsSchema = z.object({
  ...carriedShape,
  /** The members to have: the text of {@link memberListText} on the wire, the member map once parsed. */
  members: memberListSchema,
  /** Members the next apply removes, found at preview with read-only calls (label -> "remove from <group>"). */
  removals: memberNotesSchema,
  /** Members the binding leaves alone on purpose (label -> why). */
  kept: memberNotesSchema,
  /**
   * Set while the user group has no users and `allowEmpty` is true: why the binding waits. The
   * apply then changes nothing remotely, so `members` carries the members the group keeps (as
   * last checked), and a preview shows this line instead of every member going away.
   */
  waiting: z.string().optional(),
  /**
   * On a create only: which users of `members` were already members of the group when check
   * ran (`encodeKeySet` over the sorted keys, provider/groups/memberTable.ts). The engine
   * keeps these inputs in the pending CREATE of a killed `pulumi up`, so the recovery can tell
   * the members the killed run added (this binding's own) from those that were there before
   * (docs/guides/recovery.md).
   */
  __membersAtCheck: z.string().optional(),
});
export type GroupBindingInputs = z.infer<typeof groupBindingInputsSchema>;

/** The current version of the stored state; older versions are upgraded on read (`upgradeBindingState`). */
export const GROUP_BINDING_STATE_VERSION = 3;

/**
 * A GroupBinding's state as the provider works with it (read from any stored version by
 * `upgradeBindingState`; stored by `toStoredBindingState`, which packs the four member maps
 * into one `memberTable` string).
 */
export const groupBindingStateSchema = z.object({
  stateVersion: z.literal(GROUP_BINDING_STATE_VERSION),
  /**
   * The carried fields as last applied (owners and managers: as last applied or refreshed;
   * Google: members holding the role; Entra: the owners relation, the calling application
   * excepted).
   */
  ...carriedShape,
  /**
   * authoritative: the group's plain members as last applied or refreshed (desired users under
   * the address the program wrote, others under their primary address); additive: the desired
   * users that are members. Members in `kept` are not in it.
   */
  members: memberMapSchema,
  /**
   * The directory id each user of the user group resolved to at the last apply (address as the
   * program wrote it -> id): who they are, whatever address was used.
   */
  userIds: z.record(z.string(), z.string()),
  /** Ids of the members in `members` that are not users of the user group (found by refresh: the next authoritative apply removes them). */
  otherMemberIds: z.record(z.string(), z.string()),
  /** How many direct members the group had at the last apply or refresh (the mass-removal guard's base). */
  memberCount: z.number().int(),
  /** Members this binding added (key -> id): what deleting the binding removes, and all that additive mode ever removes. */
  managedMembers: z.record(z.string(), z.string()),
  /** Members left alone on purpose (label -> why): higher roles, non-user members kept by policy. */
  kept: memberNotesSchema,
  /** True while the user group is empty and the binding waits (allowEmpty) or management is disabled. */
  pending: z.boolean(),
  /**
   * This binding's last change of the group's members: when (epoch ms), and the ids it added and
   * removed (up to 500 of each; `all` when more): a refresh soon after re-reads a list where one
   * it added is missing or one it removed is still there (Entra member links replicate, Google
   * lists lag) instead of reporting drift. Dropped once that time is over.
   */
  lastWrite: z.object({ at: z.number(), added: z.array(z.string()), removed: z.array(z.string()), all: z.boolean().optional() }).optional(),
  /** Entra owners' object ids (address -> id), so that refresh tells owners apart by identity. */
  ownerIds: z.record(z.string(), z.string()).optional(),
});
export type GroupBindingState = z.infer<typeof groupBindingStateSchema>;

const MEMBER_MAP_FIELDS = { members: true, userIds: true, otherMemberIds: true, managedMembers: true } as const;

/**
 * Outputs (stored state) of a GroupBinding, version 3: the state with its member maps packed
 * into `memberTable` (provider/groups/memberTable.ts: each address and id once, deflated),
 * ~20 bytes per member instead of ~120. The members stay readable by address in the binding's
 * inputs (`members`, which previews show) and in the SDK's outputs, which decode the table.
 */
export const storedBindingStateSchema = groupBindingStateSchema.omit(MEMBER_MAP_FIELDS).extend({ memberTable: z.string() });
export type StoredBindingState = z.infer<typeof storedBindingStateSchema>;

/** The state as stored: the member maps packed into `memberTable`. */
export function toStoredBindingState(state: GroupBindingState): StoredBindingState {
  const { members, userIds, otherMemberIds, managedMembers, ...rest } = state;
  return { ...rest, memberTable: encodeMemberTable({ members, userIds, otherMemberIds, managedMembers }) };
}

/** State version 2 (the member maps stored as they are; releases after 0.1.0 until version 3). */
const groupBindingStateV2Schema = groupBindingStateSchema.extend({ stateVersion: z.literal(2) });

/** State version 1 (releases up to 0.1.0): no ids but `managedMembers`, no kept members, no policy. */
const groupBindingStateV1Schema = z.object({
  stateVersion: z.literal(1).optional(),
  management: managementRefSchema,
  target: bindingTargetSchema,
  userGroupName: z.string(),
  members: memberMapSchema,
  managedMembers: z.record(z.string(), z.string()),
  membershipMode: membershipModeSchema,
  maxRemovalPercent: z.number(),
  allowEmpty: z.boolean(),
  pending: z.boolean(),
});

/**
 * Reads a stored state of any released version. Version 3 is unpacked (`memberTable`);
 * version 2 held the same maps unpacked and is read as it is. Version 1 kept Google members' addresses
 * where ids now go: such values (they contain "@") are left out of `userIds`, and the next
 * apply matches those members by address once and stores their ids.
 * Version 1 counted members that were there before the binding as its own; they are kept
 * as managed (it cannot be told afterwards) — docs/guides/upgrading.md.
 */
export function upgradeBindingState(props: Record<string, unknown>): GroupBindingState {
  const version = storedVersion(props, GROUP_BINDING_STATE_VERSION, 1);
  if (version === GROUP_BINDING_STATE_VERSION) {
    const { memberTable, ...stored } = storedBindingStateSchema.parse(props);
    return groupBindingStateSchema.parse({ ...stored, ...decodeMemberTable(memberTable) });
  }
  if (version === 2) return { ...groupBindingStateV2Schema.parse(props), stateVersion: GROUP_BINDING_STATE_VERSION };
  const v1 = groupBindingStateV1Schema.parse(props);
  const isId = (value: string) => !value.includes("@");
  const userIds = Object.fromEntries(Object.entries(v1.managedMembers).filter(([, id]) => isId(id)));
  // Settings version 1 did not have (nonUserMembers) take their defaults.
  return groupBindingStateSchema.parse({
    ...v1,
    stateVersion: GROUP_BINDING_STATE_VERSION,
    userIds,
    otherMemberIds: {},
    memberCount: Object.keys(v1.members).length,
    kept: {},
  });
}
