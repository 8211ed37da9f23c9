import { visibleMembers, type GoogleContext } from "./context";
import { newEtag, type GoogleTenant, type SandboxGoogleGroup, type SandboxGoogleMember, type SandboxGoogleUser } from "./tenant";

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

/** Ids of suspended users (built once per request: lists render up to 200 members). */
export function suspendedUserIds(tenant: GoogleTenant): ReadonlySet<string> {
  return new Set(tenant.users.filter((u) => u.suspended).map((u) => u.id));
}

/** `delivery_settings` only where Google sends it: insert, get, update and patch, not list. */
export function memberResource(m: SandboxGoogleMember, withDeliverySettings: boolean, suspended: ReadonlySet<string>) {
  const status = m.type === "CUSTOMER" ? undefined : m.type === "USER" && suspended.has(m.id) ? "SUSPENDED" : "ACTIVE";
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
