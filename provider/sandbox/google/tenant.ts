import { randomBytes, randomInt } from "node:crypto";
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
  id: z.string().default(() => newNumericId()),
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
    /** Super admins: the only users a service account may impersonate (they are users too). */
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
    tenant.groups.forEach((group, g) =>
      group.members?.forEach((member, m) => {
        if (member.type === "CUSTOMER") {
          Object.assign(member, { id: tenant.customerId, email: undefined });
          return;
        }
        const target = resolveMemberKey(tenant, member.email ?? member.id);
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
  return "1" + Array.from({ length: 20 }, () => randomInt(10)).join("");
}

export function newEtag(): string {
  return `"${randomBytes(12).toString("base64url")}/${randomBytes(9).toString("base64url")}"`;
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

/** The members of a group, created on first write (groups pushed by hand may lack the list). */
export function membersOf(group: SandboxGoogleGroup): SandboxGoogleMember[] {
  return (group.members ??= []);
}

export type MemberTarget = { type: GoogleMemberType; id: string; email: string } | { problem: string };

/**
 * What an address (or id) added to a group is: a USER of the customer, a GROUP, or an
 * EXTERNAL address. An address in one of the customer's domains with no account behind it
 * is refused, as Google refuses it.
 */
export function resolveMemberKey(tenant: TenantData, key: string): MemberTarget {
  const user = findGoogleUser(tenant, key);
  if (user) return { type: "USER", id: user.id, email: user.primaryEmail };
  const group = findGoogleGroup(tenant, key);
  if (group) return { type: "GROUP", id: group.id, email: group.email };
  const email = key.toLowerCase();
  if (!email.includes("@")) return { problem: `${key} is neither an address nor the id of a user or group` };
  if (inCustomerDomains(tenant, email)) return { problem: `${email} is in a domain of the customer but no user or group has that address` };
  return { type: "EXTERNAL", id: externalMemberId(tenant, email), email };
}

/** An external address keeps one id across the groups it is in, as in Google. */
function externalMemberId(tenant: TenantData, email: string): string {
  for (const g of tenant.groups) {
    const known = g.members?.find((m) => m.type === "EXTERNAL" && m.email === email);
    if (known) return known.id;
  }
  return newNumericId();
}
