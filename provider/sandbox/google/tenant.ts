import { randomBytes } from "node:crypto";
import { z } from "zod";
import { DEFAULT_DELEGATED_SCOPES } from "./scopes";
import { groupSettingsSchema } from "./settingsSchema";

/** The API lowercases every address; so does the sandbox, on seeding and on every call. */
const emailSchema = z.string().trim().toLowerCase();

export const GOOGLE_MEMBER_ROLES = ["OWNER", "MANAGER", "MEMBER"] as const;
export const GOOGLE_MEMBER_TYPES = ["USER", "GROUP", "CUSTOMER", "EXTERNAL"] as const;
export const GOOGLE_DELIVERY_SETTINGS = ["ALL_MAIL", "DAILY", "DIGEST", "DISABLED", "NONE"] as const;
export type GoogleMemberRole = (typeof GOOGLE_MEMBER_ROLES)[number];
export type GoogleMemberType = (typeof GOOGLE_MEMBER_TYPES)[number];

/** A user account of the customer: what makes an address a USER member rather than EXTERNAL. */
export const sandboxGoogleUserSchema = z.object({
  id: z.string().default(() => newNumericId()),
  primaryEmail: emailSchema,
  name: z.object({ givenName: z.string(), familyName: z.string() }).optional(),
  suspended: z.boolean().default(false),
  aliases: z.array(emailSchema).default([]),
  etag: z.string().default(() => newEtag()),
});
export type SandboxGoogleUser = z.infer<typeof sandboxGoogleUserSchema>;

/**
 * A membership. Seeds may write just the address; `type` and `id` are computed from the
 * tenant (USER/GROUP take the id of the account or group, EXTERNAL gets its own).
 */
const memberObjectSchema = z.object({
  /** Computed when seeding (a seed may keep an EXTERNAL member's id; "" = assign one). */
  id: z.string().default(""),
  /** Absent only for a CUSTOMER member (everyone in the customer). */
  email: emailSchema.optional(),
  role: z.enum(GOOGLE_MEMBER_ROLES).default("MEMBER"),
  type: z.enum(GOOGLE_MEMBER_TYPES).default("EXTERNAL"),
  delivery_settings: z.enum(GOOGLE_DELIVERY_SETTINGS).default("ALL_MAIL"),
  etag: z.string().default(() => newEtag()),
});
export const sandboxGoogleMemberSchema = z.union([z.string(), memberObjectSchema]).transform((m) => (typeof m === "string" ? memberObjectSchema.parse({ email: m }) : m));
export type SandboxGoogleMember = z.infer<typeof sandboxGoogleMemberSchema>;

/**
 * A group. `members` and `settings` may be absent (tests also push plain objects into the
 * tenant): no members, and the settings of a new group.
 */
export const sandboxGoogleGroupSchema = z.object({
  id: z.string().default(() => newGoogleId()),
  email: emailSchema,
  name: z.string().default(""),
  description: z.string().default(""),
  adminCreated: z.boolean().default(true),
  aliases: z.array(emailSchema).default([]),
  nonEditableAliases: z.array(emailSchema).optional(),
  etag: z.string().default(() => newEtag()),
  members: z.array(sandboxGoogleMemberSchema).optional(),
  settings: groupSettingsSchema.optional(),
});
export type SandboxGoogleGroup = z.infer<typeof sandboxGoogleGroupSchema>;

/** One Google Workspace customer as the sandbox holds it; also the seed and state-file format. */
export const googleTenantSchema = z
  .object({
    customerId: z.string().default("C01sandbox"),
    domains: z.array(emailSchema).min(1).default(["example.com"]),
    /** Super admins: the only users whose delegated tokens the Admin APIs accept (they are users too; others get 403 forbidden). */
    admins: z.array(emailSchema).default(["admin@example.com"]),
    /** Scopes granted to the service account through domain-wide delegation. */
    delegatedScopes: z.array(z.string()).default(DEFAULT_DELEGATED_SCOPES),
    users: z.array(sandboxGoogleUserSchema).default([]),
    groups: z.array(sandboxGoogleGroupSchema).default([]),
  })
  .transform((tenant, ctx) => {
    for (const admin of tenant.admins) {
      if (!findGoogleUser(tenant, admin)) tenant.users.push(sandboxGoogleUserSchema.parse({ primaryEmail: admin }));
    }
    const resolve = memberResolver(tenant, true);
    tenant.groups.forEach((group, g) =>
      group.members?.forEach((member, m) => {
        if (member.type === "CUSTOMER") {
          Object.assign(member, { id: tenant.customerId, email: undefined });
          return;
        }
        const target = resolve(member.email ?? member.id, member.id);
        if ("problem" in target) ctx.issues.push({ code: "custom", input: member, path: ["groups", g, "members", m], message: target.problem });
        else Object.assign(member, target);
      }),
    );
    return tenant;
  });
export type GoogleTenantSeed = z.input<typeof googleTenantSchema>;
export type GoogleTenant = z.output<typeof googleTenantSchema>;

export function newGoogleId(): string {
  return "0" + randomBytes(7).toString("hex");
}

/** Google's user and member ids are 21-digit numbers. */
export function newNumericId(): string {
  return "1" + (BigInt("0x" + randomBytes(9).toString("hex")) % 10n ** 20n).toString().padStart(20, "0");
}

export function newEtag(): string {
  const r = randomBytes(21).toString("base64url");
  return `"${r.slice(0, 16)}/${r.slice(16)}"`;
}

type TenantData = Pick<GoogleTenant, "domains" | "users" | "groups">;

export function domainOf(email: string): string {
  return email.slice(email.lastIndexOf("@") + 1).toLowerCase();
}

export function inCustomerDomains(tenant: Pick<GoogleTenant, "domains">, email: string): boolean {
  return email.includes("@") && tenant.domains.includes(domainOf(email));
}

/** Finds a group by id, email or alias, as the API's groupKey does (case-insensitive). */
export function findGoogleGroup(tenant: Pick<GoogleTenant, "groups">, groupKey: string): SandboxGoogleGroup | undefined {
  const key = groupKey.toLowerCase();
  return tenant.groups.find((g) => g.id === groupKey || g.email === key || g.aliases.includes(key));
}

/** Finds a user by id, primary address or alias, as the API's userKey does. */
export function findGoogleUser(tenant: Pick<GoogleTenant, "users">, userKey: string): SandboxGoogleUser | undefined {
  const key = userKey.toLowerCase();
  return tenant.users.find((u) => u.id === userKey || u.primaryEmail === key || u.aliases.includes(key));
}

/** Deletes a group (as the API or the Admin console does): it also leaves every group it was a member of. */
export function deleteGoogleGroup(tenant: Pick<GoogleTenant, "groups">, g: SandboxGoogleGroup): void {
  tenant.groups.splice(tenant.groups.indexOf(g), 1);
  for (const other of tenant.groups) {
    const before = other.members?.length ?? 0;
    other.members = other.members?.filter((m) => !(m.type === "GROUP" && m.id === g.id));
    if ((other.members?.length ?? 0) !== before) other.etag = newEtag();
  }
}

/** Deletes a user (as the Admin console does): gone from the customer and from every group. */
export function deleteGoogleUser(tenant: Pick<GoogleTenant, "groups" | "users">, u: SandboxGoogleUser): void {
  tenant.users.splice(tenant.users.indexOf(u), 1);
  for (const g of tenant.groups) {
    const before = g.members?.length ?? 0;
    g.members = g.members?.filter((m) => !(m.type === "USER" && m.id === u.id));
    if ((g.members?.length ?? 0) !== before) g.etag = newEtag();
  }
}

/** The members of a group, created on first write (groups pushed by hand may lack the list). */
export function membersOf(group: SandboxGoogleGroup): SandboxGoogleMember[] {
  return (group.members ??= []);
}

export type MemberTarget = { type: GoogleMemberType; id: string; email: string } | { problem: string };

interface EntityLookup {
  user(key: string): SandboxGoogleUser | undefined;
  group(key: string): SandboxGoogleGroup | undefined;
  /** The id an external address already has in some group. */
  externalId(email: string): string | undefined;
}

/** Linear lookups: right for one call at a time on a tenant that tests may change directly. */
function scanLookup(tenant: TenantData): EntityLookup {
  return {
    user: (key) => findGoogleUser(tenant, key),
    group: (key) => findGoogleGroup(tenant, key),
    externalId: (email) => {
      for (const g of tenant.groups) {
        const known = g.members?.find((m) => m.type === "EXTERNAL" && m.email === email);
        if (known) return known.id;
      }
      return undefined;
    },
  };
}

/** Maps built once: for resolving every member of a seed (thousands) without quadratic scans. */
function indexedLookup(tenant: TenantData): EntityLookup {
  const users = new Map<string, SandboxGoogleUser>();
  for (const u of tenant.users) for (const key of [u.id, u.primaryEmail, ...u.aliases]) if (!users.has(key)) users.set(key, u);
  const groups = new Map<string, SandboxGoogleGroup>();
  for (const g of tenant.groups) for (const key of [g.id, g.email, ...g.aliases]) if (!groups.has(key)) groups.set(key, g);
  return {
    user: (key) => users.get(key) ?? users.get(key.toLowerCase()),
    group: (key) => groups.get(key) ?? groups.get(key.toLowerCase()),
    externalId: () => undefined,
  };
}

/**
 * What addresses (or ids) added to groups are: a USER of the customer, a GROUP, or an
 * EXTERNAL address (one id across all the groups it is in, as in Google). An address in one
 * of the customer's domains with no account behind it is refused, as Google refuses it.
 */
export function memberResolver(tenant: TenantData, many = false): (key: string, seededId?: string) => MemberTarget {
  const lookup = many ? indexedLookup(tenant) : scanLookup(tenant);
  const assigned = new Map<string, string>();
  return (key, seededId) => {
    if (!key) return { problem: "a member needs an email address (or the id of a user or group)" };
    const user = lookup.user(key);
    if (user) return { type: "USER", id: user.id, email: user.primaryEmail };
    const group = lookup.group(key);
    if (group) return { type: "GROUP", id: group.id, email: group.email };
    const email = key.toLowerCase();
    if (!email.includes("@")) return { problem: `${key} is neither an address nor the id of a user or group` };
    if (inCustomerDomains(tenant, email)) return { problem: `${email} is in a domain of the customer but no user or group has that address` };
    const id = assigned.get(email) ?? (seededId || undefined) ?? lookup.externalId(email) ?? newNumericId();
    assigned.set(email, id);
    return { type: "EXTERNAL", id, email };
  };
}
