import { randomBytes, randomUUID } from "node:crypto";
import { z } from "zod";

/** Application permissions (app roles of Microsoft Graph) that the sandbox understands. */
export const GRAPH_PERMISSIONS = [
  "Group.Read.All",
  "Group.ReadWrite.All",
  "Group.Create",
  "GroupMember.Read.All",
  "GroupMember.ReadWrite.All",
  "User.Read.All",
  "User.ReadWrite.All",
  "Directory.Read.All",
  "Directory.ReadWrite.All",
] as const;
export type GraphPermission = (typeof GRAPH_PERMISSIONS)[number];

/** The audience Entra requires in federated (workload identity) assertions by default. */
export const TOKEN_EXCHANGE_AUDIENCE = "api://AzureADTokenExchange";
/**
 * The sandbox's own OIDC issuer, standing in for a CI system or Kubernetes: the default app
 * trusts it, and `Sandbox.entra.issueFederatedToken()` signs tokens as it.
 */
export const SANDBOX_OIDC_ISSUER = "https://oidc.group-export.sandbox";
export const SANDBOX_OIDC_SUBJECT = "system:serviceaccount:ci:group-export";

/** A client secret in the shape Entra generates (40 characters, "Q~" at index 4). */
export function newClientSecret(): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-~";
  const pick = (n: number) => [...randomBytes(n)].map((b) => alphabet[b % alphabet.length]).join("");
  return `${pick(3)}8Q~${pick(34)}`;
}

const guid = z.guid().transform((id) => id.toLowerCase());

export const federatedCredentialSchema = z.object({
  name: z.string().default("sandbox-federation"),
  issuer: z.string(),
  subject: z.string(),
  audiences: z.array(z.string()).min(1).default([TOKEN_EXCHANGE_AUDIENCE]),
  /** Public key (SPKI or certificate PEM) of the issuer; absent: the sandbox's own OIDC issuer. */
  publicKeyPem: z.string().optional(),
});
export type FederatedCredential = z.infer<typeof federatedCredentialSchema>;

/** An app registration with its service principal's application permissions (consented). */
export const entraAppSchema = z.object({
  clientId: guid.default(() => randomUUID()),
  /** Object id of the app's service principal in the tenant (the token's `oid`). */
  servicePrincipalId: guid.default(() => randomUUID()),
  displayName: z.string().default("group-export"),
  clientSecret: z.string().default(() => newClientSecret()),
  /** Certificates (PEM) or public keys (SPKI PEM) that client assertions may be signed with. */
  certificates: z.array(z.string()).default([]),
  federatedCredentials: z.array(federatedCredentialSchema).prefault([{ issuer: SANDBOX_OIDC_ISSUER, subject: SANDBOX_OIDC_SUBJECT }]),
  roles: z.array(z.enum(GRAPH_PERMISSIONS)).default(["Group.ReadWrite.All", "GroupMember.ReadWrite.All", "User.Read.All"]),
});
export type EntraApp = z.infer<typeof entraAppSchema>;
export type EntraAppSeed = z.input<typeof entraAppSchema>;

export const entraUserSchema = z
  .object({
    id: guid.default(() => randomUUID()),
    /** A guest's is `name_domain#EXT#@tenant.onmicrosoft.com`, with the address in `mail`. */
    userPrincipalName: z.string(),
    /** Users without a mailbox have no mail; the default is the UPN, as for licensed users (a guest's: its address). */
    mail: z.string().nullable().optional(),
    displayName: z.string().optional(),
    givenName: z.string().nullable().default(null),
    surname: z.string().nullable().default(null),
    accountEnabled: z.boolean().default(true),
    /** Further addresses of the user (e.g. a guest's invitation address). */
    otherMails: z.array(z.string()).default([]),
    /** `SMTP:primary@…` and `smtp:alias@…`; the default is `SMTP:` + mail. */
    proxyAddresses: z.array(z.string()).optional(),
    /** "Guest" for `#EXT#` UPNs unless given. */
    userType: z.enum(["Member", "Guest"]).optional(),
  })
  .transform((u) => {
    const mail = u.mail === undefined ? (guestAddress(u.userPrincipalName) ?? u.userPrincipalName) : u.mail;
    return {
      ...u,
      mail,
      displayName: u.displayName ?? u.userPrincipalName.split("@")[0],
      proxyAddresses: u.proxyAddresses ?? (mail ? [`SMTP:${mail}`] : []),
      userType: u.userType ?? (u.userPrincipalName.toUpperCase().includes("#EXT#") ? "Guest" : "Member"),
    };
  });
export type EntraUser = z.infer<typeof entraUserSchema>;

/** The address a guest UPN encodes (`alice_contoso.com#EXT#@…` -> `alice@contoso.com`), if it is one. */
export function guestAddress(upn: string): string | undefined {
  const m = /^(.+)_([^_]+)#EXT#@/i.exec(upn);
  return m ? `${m[1]}@${m[2]}` : undefined;
}

/** A service principal (an app's identity in the tenant); may be a member or an owner of groups. */
export const entraServicePrincipalSchema = z.object({
  id: guid.default(() => randomUUID()),
  appId: guid.default(() => randomUUID()),
  displayName: z.string().default("Sandbox app"),
  servicePrincipalType: z.string().default("Application"),
  accountEnabled: z.boolean().default(true),
});
export type EntraServicePrincipal = z.infer<typeof entraServicePrincipalSchema>;

/** A device registered in the tenant; may be a member of security groups. */
export const entraDeviceSchema = z.object({
  id: guid.default(() => randomUUID()),
  /** The device's own id (not its object id), as Graph returns it. */
  deviceId: guid.default(() => randomUUID()),
  displayName: z.string().default("DESKTOP-SANDBOX"),
  operatingSystem: z.string().nullable().default("Windows"),
  accountEnabled: z.boolean().default(true),
});
export type EntraDevice = z.infer<typeof entraDeviceSchema>;

/** An organizational contact (an external address in the address book); may be a member of groups. */
export const entraContactSchema = z
  .object({
    id: guid.default(() => randomUUID()),
    mail: z.string().nullable().default(null),
    displayName: z.string().optional(),
    givenName: z.string().nullable().default(null),
    surname: z.string().nullable().default(null),
  })
  .transform((c) => ({ ...c, displayName: c.displayName ?? c.mail ?? "Contact" }));
export type EntraContact = z.infer<typeof entraContactSchema>;

export const entraGroupSchema = z
  .object({
    id: guid.default(() => randomUUID()),
    displayName: z.string().min(1),
    description: z.string().nullable().default(null),
    mailNickname: z.string().optional(),
    mailEnabled: z.boolean().default(false),
    securityEnabled: z.boolean().default(true),
    /** [] for security, mail-enabled security and distribution groups; ["Unified"] for Microsoft 365. */
    groupTypes: z.array(z.string()).default([]),
    visibility: z.string().nullable().default(null),
    createdDateTime: z.string().default(() => graphTimestamp()),
    deletedDateTime: z.string().nullable().default(null),
    /** Ids of members: users, groups, service principals, devices, contacts. */
    members: z.array(guid).default([]),
    /** Ids of owners: users and service principals. */
    owners: z.array(guid).default([]),
  })
  .transform((g) => {
    const group = { ...g, mailNickname: g.mailNickname ?? deriveMailNickname(g.displayName) };
    if (g.mailNickname === undefined) derivedNicknames.add(group);
    return group;
  });
export type EntraGroup = z.infer<typeof entraGroupSchema>;

/** Seeded groups whose mailNickname was derived from the display name (the tenant makes those unique). */
const derivedNicknames = new WeakSet<object>();

const DEFAULT_USERS = ["alice", "bob", "carol"].map((name) => ({ userPrincipalName: `${name}@example.com`, displayName: name[0].toUpperCase() + name.slice(1) }));

/** One Entra ID tenant as the sandbox holds it; also the seed format (`PUT /__sandbox/entra`). */
export const entraTenantSchema = z
  .object({
    tenantId: guid.default(() => randomUUID()),
    displayName: z.string().default("Sandbox tenant"),
    /** Verified domains; the first one is used for group mail addresses. */
    domains: z.array(z.string()).min(1).default(["example.com"]),
    apps: z.array(entraAppSchema).min(1).prefault([{}]),
    users: z.array(entraUserSchema).prefault(DEFAULT_USERS),
    groups: z.array(entraGroupSchema).default([]),
    servicePrincipals: z.array(entraServicePrincipalSchema).default([]),
    devices: z.array(entraDeviceSchema).default([]),
    contacts: z.array(entraContactSchema).default([]),
    /** Soft-deleted groups (`/directory/deletedItems`). */
    deletedItems: z.array(entraGroupSchema).default([]),
    /**
     * Whether a group created without `owners@odata.bind` gets the creating app's service
     * principal as its owner. Default false: Graph's create page says a group created with
     * application permissions and no owners is created without one; true models the tenants and
     * flows where the creator becomes owner (delegated creation makes the signed-in user owner,
     * and an app holding only Group.Create must own what it creates to manage it), which a
     * program must tolerate without a diff.
     */
    groupCreatorBecomesOwner: z.boolean().default(false),
  })
  .transform((t) => {
    // Display names need not be unique, mail nicknames must: a seeded group without one gets the
    // derived nickname, numbered when another group already has it (`Team`, `Team2`, ...).
    const taken = new Set([...t.groups, ...t.deletedItems].filter((g) => !derivedNicknames.has(g)).map((g) => g.mailNickname.toLowerCase()));
    for (const g of [...t.groups, ...t.deletedItems].filter((g) => derivedNicknames.has(g))) {
      let nickname = g.mailNickname;
      for (let n = 2; taken.has(nickname.toLowerCase()); n++) nickname = `${g.mailNickname.slice(0, 64 - String(n).length)}${n}`;
      g.mailNickname = nickname;
      taken.add(nickname.toLowerCase());
    }
    // Each app's service principal is a directory object (it can be an owner or a member).
    for (const app of t.apps) {
      if (!t.servicePrincipals.some((sp) => sp.id === app.servicePrincipalId)) {
        t.servicePrincipals.push(entraServicePrincipalSchema.parse({ id: app.servicePrincipalId, appId: app.clientId, displayName: app.displayName }));
      }
    }
    return t;
  })
  .superRefine((t, ctx) => {
    const ids = new Set<string>();
    const nicknames = new Set<string>();
    for (const [i, o] of [...t.users, ...t.groups, ...t.deletedItems, ...t.servicePrincipals, ...t.devices, ...t.contacts].entries()) {
      if (ids.has(o.id)) ctx.addIssue({ code: "custom", message: `duplicate object id ${o.id}`, path: ["objects", i] });
      ids.add(o.id);
    }
    const owners = new Set([...t.users, ...t.servicePrincipals].map((o) => o.id));
    const deleted = new Set(t.deletedItems.map((o) => o.id));
    for (const g of t.groups) {
      const nick = g.mailNickname.toLowerCase();
      if (nicknames.has(nick)) ctx.addIssue({ code: "custom", message: `duplicate mailNickname ${g.mailNickname}`, path: ["groups"] });
      nicknames.add(nick);
      for (const m of g.members.filter((id) => !ids.has(id) || deleted.has(id))) {
        ctx.addIssue({ code: "custom", message: `group ${g.displayName}: member ${m} is no object of the tenant`, path: ["groups"] });
      }
      for (const o of g.owners.filter((id) => !owners.has(id))) {
        ctx.addIssue({ code: "custom", message: `group ${g.displayName}: owner ${o} is no user or service principal of the tenant`, path: ["groups"] });
      }
    }
  });
export type EntraTenantSeed = z.input<typeof entraTenantSchema>;
export type EntraTenant = z.infer<typeof entraTenantSchema>;

/** The four kinds of Entra groups; only security and Microsoft 365 groups are writable through Graph. */
export type EntraGroupKind = "security" | "microsoft365" | "mailEnabledSecurity" | "distribution";

export function groupKind(g: Pick<EntraGroup, "groupTypes" | "mailEnabled" | "securityEnabled">): EntraGroupKind {
  if (g.groupTypes.includes("Unified")) return "microsoft365";
  if (g.mailEnabled) return g.securityEnabled ? "mailEnabledSecurity" : "distribution";
  return "security";
}

/** Graph's timestamp format: ISO 8601 in UTC without milliseconds. */
export function graphTimestamp(date = new Date()): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** Characters Entra refuses in a mailNickname (besides non-ASCII): @ ( ) \ [ ] " ; : < > , and space. */
const ILLEGAL_NICKNAME = /[@()\\[\]";:<>,\s]|[^\x00-\x7f]/g;

export function isValidMailNickname(nickname: string): boolean {
  return nickname.length >= 1 && nickname.length <= 64 && !new RegExp(ILLEGAL_NICKNAME.source).test(nickname);
}

function deriveMailNickname(displayName: string): string {
  return displayName.replace(ILLEGAL_NICKNAME, "").slice(0, 64) || "group";
}
