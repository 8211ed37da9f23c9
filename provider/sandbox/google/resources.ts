import { visibleMembers, type GoogleContext } from "./context";
import { newEtag, findGoogleUser, type GoogleTenant, type SandboxGoogleGroup, type SandboxGoogleMember, type SandboxGoogleUser } from "./tenant";

/** The JSON shapes of the Directory API, from what the sandbox stores. */

export function groupResource(ctx: GoogleContext, g: SandboxGoogleGroup) {
  return {
    kind: "admin#directory#group",
    id: g.id,
    etag: g.etag,
    email: g.email,
    name: g.name,
    description: g.description,
    // The real API returns this count as a string.
    directMembersCount: String(visibleMembers(ctx, g).length),
    adminCreated: g.adminCreated,
    ...(g.aliases.length ? { aliases: g.aliases } : {}),
    ...(g.nonEditableAliases?.length ? { nonEditableAliases: g.nonEditableAliases } : {}),
  };
}

/** `delivery_settings` only where Google sends it: insert, get, update and patch, not list. */
export function memberResource(tenant: GoogleTenant, m: SandboxGoogleMember, withDeliverySettings: boolean) {
  const status = m.type === "CUSTOMER" ? undefined : m.type === "USER" && findGoogleUser(tenant, m.id)?.suspended ? "SUSPENDED" : "ACTIVE";
  return {
    kind: "admin#directory#member",
    etag: m.etag,
    id: m.id,
    ...(m.email ? { email: m.email } : {}),
    role: m.role,
    type: m.type,
    ...(status ? { status } : {}),
    ...(withDeliverySettings ? { delivery_settings: m.delivery_settings } : {}),
  };
}

export function userResource(tenant: GoogleTenant, u: SandboxGoogleUser) {
  const local = u.primaryEmail.split("@")[0];
  const name = u.name ?? { givenName: local, familyName: "" };
  return {
    kind: "admin#directory#user",
    id: u.id,
    etag: u.etag,
    primaryEmail: u.primaryEmail,
    name: { givenName: name.givenName, familyName: name.familyName, fullName: `${name.givenName} ${name.familyName}`.trim() },
    isAdmin: tenant.admins.includes(u.primaryEmail),
    isDelegatedAdmin: false,
    suspended: u.suspended,
    customerId: tenant.customerId,
    orgUnitPath: "/",
    isMailboxSetup: true,
    includeInGlobalAddressList: true,
    emails: [{ address: u.primaryEmail, primary: true }, ...u.aliases.map((address) => ({ address }))],
    ...(u.aliases.length ? { aliases: u.aliases } : {}),
  };
}

export function aliasResource(g: SandboxGoogleGroup, alias: string) {
  return { kind: "admin#directory#alias", id: g.id, etag: g.etag, primaryEmail: g.email, alias };
}

/** A list response: Google omits the items field when there are none. */
export function listResource(kind: string, field: string, items: unknown[], nextPageToken?: string) {
  return { kind, etag: newEtag(), ...(items.length ? { [field]: items } : {}), ...(nextPageToken ? { nextPageToken } : {}) };
}
