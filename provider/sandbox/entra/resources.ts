import { isUser, type DirectoryObject, type EntraDirectory } from "./directory";
import type { ResourceType } from "./odata";
import { groupKind, type EntraGroup, type EntraUser } from "./tenant";

/** Entra's on-premises-compatible SID of a cloud group: S-1-12-1 plus the object id as four integers. */
function securityIdentifier(id: string): string {
  const hex = id.replace(/-/g, "");
  const bytes = Buffer.from(
    // A GUID's first three fields are stored little-endian.
    hex.slice(6, 8) + hex.slice(4, 6) + hex.slice(2, 4) + hex.slice(0, 2) + hex.slice(10, 12) + hex.slice(8, 10) + hex.slice(14, 16) + hex.slice(12, 14) + hex.slice(16),
    "hex",
  );
  return `S-1-12-1-${[0, 4, 8, 12].map((o) => bytes.readUInt32LE(o)).join("-")}`;
}

function groupJson(directory: EntraDirectory, g: EntraGroup): Record<string, unknown> {
  const mail = g.mailEnabled ? `${g.mailNickname}@${directory.tenant.domains[0]}` : null;
  const unified = groupKind(g) === "microsoft365";
  return {
    id: g.id,
    deletedDateTime: g.deletedDateTime,
    classification: null,
    createdDateTime: g.createdDateTime,
    creationOptions: [],
    description: g.description,
    displayName: g.displayName,
    expirationDateTime: null,
    groupTypes: g.groupTypes,
    isAssignableToRole: null,
    mail,
    mailEnabled: g.mailEnabled,
    mailNickname: g.mailNickname,
    membershipRule: null,
    membershipRuleProcessingState: null,
    onPremisesDomainName: null,
    onPremisesLastSyncDateTime: null,
    onPremisesNetBiosName: null,
    onPremisesSamAccountName: null,
    onPremisesSecurityIdentifier: null,
    onPremisesSyncEnabled: null,
    preferredDataLocation: null,
    preferredLanguage: null,
    proxyAddresses: mail ? [`SMTP:${mail}`] : [],
    renewedDateTime: g.createdDateTime,
    resourceBehaviorOptions: [],
    resourceProvisioningOptions: [],
    securityEnabled: g.securityEnabled,
    securityIdentifier: securityIdentifier(g.id),
    theme: null,
    uniqueName: null,
    visibility: unified ? (g.visibility ?? "Public") : g.visibility,
    onPremisesProvisioningErrors: [],
    serviceProvisioningErrors: [],
  };
}

const USER_DEFAULTS = ["businessPhones", "displayName", "givenName", "jobTitle", "mail", "mobilePhone", "officeLocation", "preferredLanguage", "surname", "userPrincipalName", "id"];

function userJson(u: EntraUser): Record<string, unknown> {
  return {
    businessPhones: [],
    displayName: u.displayName,
    givenName: u.givenName,
    jobTitle: null,
    mail: u.mail,
    mobilePhone: null,
    officeLocation: null,
    preferredLanguage: null,
    surname: u.surname,
    userPrincipalName: u.userPrincipalName,
    id: u.id,
    accountEnabled: u.accountEnabled,
    mailNickname: u.userPrincipalName.split("@")[0],
    otherMails: [],
    proxyAddresses: u.mail ? [`SMTP:${u.mail}`] : [],
    userType: "Member",
  };
}

/** Groups: every v1.0 default property is returned without `$select`. */
export function groupResource(directory: EntraDirectory): ResourceType<EntraGroup> {
  const sample = groupJson(directory, { id: "00000000-0000-0000-0000-000000000000", displayName: "", description: null, mailNickname: "", mailEnabled: false, securityEnabled: true, groupTypes: [], visibility: null, createdDateTime: "", deletedDateTime: null, members: [] });
  return {
    name: "Group",
    render: (g) => groupJson(directory, g),
    selectable: Object.keys(sample),
    filterable: {
      id: (g) => g.id,
      displayName: (g) => g.displayName,
      description: (g) => g.description,
      mailNickname: (g) => g.mailNickname,
      mail: (g) => (g.mailEnabled ? `${g.mailNickname}@${directory.tenant.domains[0]}` : null),
      mailEnabled: (g) => g.mailEnabled,
      securityEnabled: (g) => g.securityEnabled,
      groupTypes: (g) => g.groupTypes,
      proxyAddresses: (g) => (groupJson(directory, g).proxyAddresses as string[]),
    },
    searchable: { displayName: (g) => g.displayName, description: (g) => g.description, mailNickname: (g) => g.mailNickname },
    sortable: { displayName: (g) => g.displayName },
  };
}

/** Users: `accountEnabled` and a few more come only with `$select`, as in v1.0. */
export const userResource: ResourceType<EntraUser> = {
  name: "User",
  render: userJson,
  defaultProperties: () => USER_DEFAULTS,
  selectable: Object.keys(userJson({ id: "", userPrincipalName: "", mail: null, displayName: "", givenName: null, surname: null, accountEnabled: true })),
  filterable: {
    id: (u) => u.id,
    userPrincipalName: (u) => u.userPrincipalName,
    mail: (u) => u.mail,
    displayName: (u) => u.displayName,
    givenName: (u) => u.givenName,
    surname: (u) => u.surname,
    accountEnabled: (u) => u.accountEnabled,
  },
  searchable: { displayName: (u) => u.displayName, mail: (u) => u.mail, userPrincipalName: (u) => u.userPrincipalName },
  sortable: { displayName: (u) => u.displayName, userPrincipalName: (u) => u.userPrincipalName },
};

/** Members: users and groups as `directoryObject`s with their `@odata.type`. */
export function directoryObjectResource(directory: EntraDirectory): ResourceType<DirectoryObject> {
  const groups = groupResource(directory);
  const pick = <V>(forUser: (u: EntraUser) => V, forGroup: (g: EntraGroup) => V) => (o: DirectoryObject) => (isUser(o) ? forUser(o) : forGroup(o));
  const merge = <V>(a: Record<string, (u: EntraUser) => V>, b: Record<string, (g: EntraGroup) => V>) =>
    Object.fromEntries([...new Set([...Object.keys(a), ...Object.keys(b)])].map((k) => [k, pick<V | null>((u) => a[k]?.(u) ?? null, (g) => b[k]?.(g) ?? null)]));
  return {
    name: "DirectoryObject",
    render: pick(
      (u) => ({ "@odata.type": "#microsoft.graph.user", ...userJson(u) }),
      (g) => ({ "@odata.type": "#microsoft.graph.group", ...groupJson(directory, g) }),
    ),
    defaultProperties: pick(
      () => USER_DEFAULTS,
      () => groups.selectable,
    ),
    selectable: [...new Set([...userResource.selectable, ...groups.selectable])],
    filterable: merge(userResource.filterable, groups.filterable),
    searchable: merge(userResource.searchable, groups.searchable),
    sortable: merge(userResource.sortable, groups.sortable),
  };
}
