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

/** Users by id, rebuilt when the users array is replaced or changes length (tests push users directly). */
const usersById = new WeakMap<SandboxGoogleUser[], { length: number; byId: Map<string, SandboxGoogleUser> }>();

/**
 * Which user ids are suspended, read live from the users (a test may flip `suspended`), found
 * through an index so that a page of members costs its size, not the customer's user count.
 */
export function suspendedUserIds(tenant: GoogleTenant): { has(id: string): boolean } {
  let cached = usersById.get(tenant.users);
  if (!cached || cached.length !== tenant.users.length) {
    cached = { length: tenant.users.length, byId: new Map(tenant.users.map((u) => [u.id, u])) };
    usersById.set(tenant.users, cached);
  }
  const byId = cached.byId;
  return { has: (id) => byId.get(id)?.suspended === true };
}

/** `delivery_settings` only where Google sends it: insert, get, update and patch, not list. */
export function memberResource(m: SandboxGoogleMember, withDeliverySettings: boolean, suspended: { has(id: string): boolean }) {
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
