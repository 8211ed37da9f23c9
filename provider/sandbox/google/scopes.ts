/** OAuth scopes of the emulated Google APIs. */
const AUTH = "https://www.googleapis.com/auth/";

export const GOOGLE_SCOPES = {
  group: `${AUTH}admin.directory.group`,
  groupReadonly: `${AUTH}admin.directory.group.readonly`,
  member: `${AUTH}admin.directory.group.member`,
  memberReadonly: `${AUTH}admin.directory.group.member.readonly`,
  user: `${AUTH}admin.directory.user`,
  userReadonly: `${AUTH}admin.directory.user.readonly`,
  domain: `${AUTH}admin.directory.domain`,
  domainReadonly: `${AUTH}admin.directory.domain.readonly`,
  groupsSettings: `${AUTH}apps.groups.settings`,
} as const;

const S = GOOGLE_SCOPES;

/**
 * Which scopes each kind of call accepts, as Google's per-method reference lists them: the
 * member scopes reach members only, read-only scopes reach reads only.
 */
export const ACCEPTED_SCOPES = {
  groupRead: [S.group, S.groupReadonly],
  groupWrite: [S.group],
  memberRead: [S.group, S.groupReadonly, S.member, S.memberReadonly],
  memberWrite: [S.group, S.member],
  userRead: [S.user, S.userReadonly],
  domainRead: [S.domain, S.domainReadonly],
  groupsSettings: [S.groupsSettings],
} as const satisfies Record<string, readonly string[]>;

/** What a new sandbox tenant grants its service account through domain-wide delegation. */
export const DEFAULT_DELEGATED_SCOPES: string[] = [S.group, S.groupReadonly, S.member, S.memberReadonly, S.userReadonly, S.domainReadonly, S.groupsSettings];
