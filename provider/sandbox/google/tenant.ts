import { randomBytes } from "node:crypto";
import { z } from "zod";

/** Scopes of the Directory API that the sandbox understands. */
export const GOOGLE_GROUP_SCOPE = "https://www.googleapis.com/auth/admin.directory.group";
export const GOOGLE_GROUP_READONLY_SCOPE = "https://www.googleapis.com/auth/admin.directory.group.readonly";

export const sandboxGoogleGroupSchema = z.object({
  id: z.string().default(() => newGoogleId()),
  email: z.string().transform((e) => e.toLowerCase()),
  name: z.string().default(""),
  description: z.string().default(""),
  adminCreated: z.boolean().default(true),
  aliases: z.array(z.string()).default([]),
  etag: z.string().default(() => newEtag()),
});
export type SandboxGoogleGroup = z.infer<typeof sandboxGoogleGroupSchema>;

/** One Google Workspace customer as the sandbox holds it; also the seed-file format. */
export const googleTenantSchema = z.object({
  customerId: z.string().default("C01sandbox"),
  domains: z.array(z.string()).min(1).default(["example.com"]),
  /** Super admins: the only users a service account may impersonate. */
  admins: z.array(z.string()).default(["admin@example.com"]),
  /** Scopes granted to the service account through domain-wide delegation. */
  delegatedScopes: z.array(z.string()).default([GOOGLE_GROUP_SCOPE, GOOGLE_GROUP_READONLY_SCOPE]),
  groups: z.array(sandboxGoogleGroupSchema).default([]),
});
export type GoogleTenantSeed = z.input<typeof googleTenantSchema>;
export type GoogleTenant = z.infer<typeof googleTenantSchema>;

export function newGoogleId(): string {
  return "0" + randomBytes(7).toString("hex");
}

export function newEtag(): string {
  return `"${randomBytes(12).toString("base64url")}"`;
}

/** Finds a group by id, email or alias, as the API's groupKey does (case-insensitive). */
export function findGoogleGroup(tenant: GoogleTenant, groupKey: string): SandboxGoogleGroup | undefined {
  const key = groupKey.toLowerCase();
  return tenant.groups.find((g) => g.id === groupKey || g.email === key || g.aliases.includes(key));
}
