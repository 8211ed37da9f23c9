import type { DirectoryObject, DirectoryObjectKind, EntraDirectory } from "./directory";
import type { ResourceType } from "./odata";
import { groupKind, type EntraContact, type EntraDevice, type EntraGroup, type EntraServicePrincipal, type EntraUser } from "./tenant";

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
    mailNickname: u.userPrincipalName.split("@")[0].split("#EXT#")[0],
    otherMails: u.otherMails,
    proxyAddresses: u.proxyAddresses,
    userType: u.userType,
  };
}

/** A service principal's properties (v1.0 returns them all by default; a subset is emulated). */
function servicePrincipalJson(sp: EntraServicePrincipal): Record<string, unknown> {
  return {
    id: sp.id,
    deletedDateTime: null,
    accountEnabled: sp.accountEnabled,
    appDisplayName: sp.displayName,
    appId: sp.appId,
    displayName: sp.displayName,
    servicePrincipalNames: [sp.appId],
    servicePrincipalType: sp.servicePrincipalType,
    signInAudience: "AzureADMyOrg",
    tags: [],
  };
}

function deviceJson(d: EntraDevice): Record<string, unknown> {
  return {
    id: d.id,
    deletedDateTime: null,
    accountEnabled: d.accountEnabled,
    approximateLastSignInDateTime: null,
    deviceId: d.deviceId,
    displayName: d.displayName,
    isCompliant: null,
    isManaged: null,
    operatingSystem: d.operatingSystem,
    operatingSystemVersion: null,
    trustType: null,
  };
}

function contactJson(c: EntraContact): Record<string, unknown> {
  return {
    id: c.id,
    deletedDateTime: null,
    companyName: null,
    displayName: c.displayName,
    givenName: c.givenName,
    mail: c.mail,
    mailNickname: c.mail ? c.mail.split("@")[0] : null,
    surname: c.surname,
    proxyAddresses: c.mail ? [`SMTP:${c.mail}`] : [],
  };
}

/** Groups: every v1.0 default property is returned without `$select`. */
export function groupResource(directory: EntraDirectory): ResourceType<EntraGroup> {
  const sample = groupJson(directory, { id: "00000000-0000-0000-0000-000000000000", displayName: "", description: null, mailNickname: "", mailEnabled: false, securityEnabled: true, groupTypes: [], visibility: null, createdDateTime: "", deletedDateTime: null, members: [], owners: [] });
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
  selectable: Object.keys(userJson({ id: "", userPrincipalName: "", mail: null, displayName: "", givenName: null, surname: null, accountEnabled: true, otherMails: [], proxyAddresses: [], userType: "Member" })),
  // Default (non-advanced) support per the user resource page: eq/in/startsWith on these, `any` on the collections.
  filterable: {
    id: (u) => u.id,
    userPrincipalName: (u) => u.userPrincipalName,
    mail: (u) => u.mail,
    otherMails: (u) => u.otherMails,
    proxyAddresses: (u) => u.proxyAddresses,
    userType: (u) => u.userType,
    displayName: (u) => u.displayName,
    givenName: (u) => u.givenName,
    surname: (u) => u.surname,
    accountEnabled: (u) => u.accountEnabled,
  },
  searchable: { displayName: (u) => u.displayName, mail: (u) => u.mail, userPrincipalName: (u) => u.userPrincipalName },
  sortable: { displayName: (u) => u.displayName, userPrincipalName: (u) => u.userPrincipalName },
};

const SAMPLE_SP: EntraServicePrincipal = { id: "", appId: "", displayName: "", servicePrincipalType: "", accountEnabled: true };
const SAMPLE_DEVICE: EntraDevice = { id: "", deviceId: "", displayName: "", operatingSystem: null, accountEnabled: true };
const SAMPLE_CONTACT: EntraContact = { id: "", mail: null, displayName: "", givenName: null, surname: null };

export const servicePrincipalResource: ResourceType<EntraServicePrincipal> = {
  name: "ServicePrincipal",
  render: servicePrincipalJson,
  selectable: Object.keys(servicePrincipalJson(SAMPLE_SP)),
  filterable: { id: (o) => o.id, appId: (o) => o.appId, displayName: (o) => o.displayName, servicePrincipalType: (o) => o.servicePrincipalType, accountEnabled: (o) => o.accountEnabled },
  searchable: { displayName: (o) => o.displayName },
  sortable: { displayName: (o) => o.displayName },
};

export const deviceResource: ResourceType<EntraDevice> = {
  name: "Device",
  render: deviceJson,
  selectable: Object.keys(deviceJson(SAMPLE_DEVICE)),
  filterable: { id: (o) => o.id, deviceId: (o) => o.deviceId, displayName: (o) => o.displayName, accountEnabled: (o) => o.accountEnabled, operatingSystem: (o) => o.operatingSystem },
  searchable: { displayName: (o) => o.displayName },
  sortable: { displayName: (o) => o.displayName },
};

export const contactResource: ResourceType<EntraContact> = {
  name: "OrgContact",
  render: contactJson,
  selectable: Object.keys(contactJson(SAMPLE_CONTACT)),
  filterable: { id: (o) => o.id, mail: (o) => o.mail, displayName: (o) => o.displayName, proxyAddresses: (o) => (contactJson(o).proxyAddresses as string[]) },
  searchable: { displayName: (o) => o.displayName, mail: (o) => o.mail },
  sortable: { displayName: (o) => o.displayName },
};

/** Each kind's resource type, for a directory object of that kind. */
export function resourceOfKind(directory: EntraDirectory): { [K in DirectoryObjectKind]: ResourceType<Extract<DirectoryObject, { kind: K }>["o"]> } {
  return { user: userResource, group: groupResource(directory), servicePrincipal: servicePrincipalResource, device: deviceResource, orgContact: contactResource };
}

/**
 * Members and owners: `directoryObject`s of every kind, each with its `@odata.type` and the
 * properties of its own type (a `$select` of another type's property leaves it out).
 */
export function directoryObjectResource(directory: EntraDirectory): ResourceType<DirectoryObject> {
  const kinds = resourceOfKind(directory);
  // Every kind's resource type seen through the common DirectoryObject: `o` belongs to `kind`.
  const of = (d: DirectoryObject) => kinds[d.kind] as ResourceType<DirectoryObject["o"]>;
  const names = (pick: (t: ResourceType<DirectoryObject["o"]>) => Record<string, unknown>) => [...new Set(Object.values(kinds).flatMap((t) => Object.keys(pick(t as ResourceType<DirectoryObject["o"]>))))];
  const field =
    <V>(pick: (t: ResourceType<DirectoryObject["o"]>) => Record<string, (o: DirectoryObject["o"]) => V>, name: string) =>
    (d: DirectoryObject): V | null =>
      pick(of(d))[name]?.(d.o) ?? null;
  const fields = <V>(pick: (t: ResourceType<DirectoryObject["o"]>) => Record<string, (o: DirectoryObject["o"]) => V>) => Object.fromEntries(names(pick).map((n) => [n, field(pick, n)]));
  return {
    name: "DirectoryObject",
    render: (d) => ({ "@odata.type": `#microsoft.graph.${d.kind}`, ...of(d).render(d.o) }),
    defaultProperties: (d) => of(d).defaultProperties?.(d.o) ?? of(d).selectable,
    selectable: [...new Set(Object.values(kinds).flatMap((t) => t.selectable))],
    filterable: fields((t) => t.filterable),
    searchable: fields((t) => t.searchable),
    sortable: fields((t) => t.sortable),
  };
}
