import { randomBytes } from "node:crypto";
import { z } from "zod";

/** A JumpCloud ObjectId: 24 hexadecimal digits. */
export function objectId(): string {
  return randomBytes(12).toString("hex");
}

const objectIdSchema = z.string().regex(/^[0-9a-f]{24}$/, "a JumpCloud id is 24 hexadecimal digits");

export const jumpCloudDirectorySeedSchema = z.object({
  id: objectIdSchema.default(objectId),
  name: z.string().min(1),
  type: z.enum(["g_suite", "office_365", "ldap_server", "active_directory"]),
  /** The directory's primary domain (Google Workspace, Microsoft 365). */
  defaultDomain: z.string().optional(),
});

export const jumpCloudUserSeedSchema = z.object({
  id: objectIdSchema.default(objectId),
  email: z.string().email(),
  username: z.string().optional(),
  state: z.enum(["STAGED", "ACTIVATED", "SUSPENDED"]).default("ACTIVATED"),
});

export const jumpCloudUserGroupSeedSchema = z.object({
  id: objectIdSchema.default(objectId),
  name: z.string().min(1),
  description: z.string().default(""),
  /** The group's email attribute; absent: none (JumpCloud then returns no `email`). */
  email: z.string().optional(),
  /** Member users, by email or id (tests edit this list as an admin edits the group). */
  members: z.array(z.string()).default([]),
  /** Directories the group is bound to, by name or id. */
  boundTo: z.array(z.string()).default([]),
});

/** The sandbox's JumpCloud organisation; also the seed (`startSandbox({ jumpcloud })`, PUT /__sandbox/jumpcloud). */
export const jumpCloudOrgSchema = z.object({
  /** The administrator's API key the API accepts (default: a new random one). */
  apiKey: z.string().min(1).default(() => randomBytes(20).toString("hex")),
  orgId: objectIdSchema.default(objectId),
  /** A multi-tenant administrator's key: every request must name the organisation in `x-org-id`. */
  multiTenant: z.boolean().default(false),
  directories: z.array(jumpCloudDirectorySeedSchema).default([]),
  users: z.array(jumpCloudUserSeedSchema).default([]),
  userGroups: z.array(jumpCloudUserGroupSeedSchema).default([]),
});

export type JumpCloudOrgSeed = z.input<typeof jumpCloudOrgSchema>;
export type JumpCloudOrg = z.output<typeof jumpCloudOrgSchema>;
export type SandboxJumpCloudUser = JumpCloudOrg["users"][number];
export type SandboxJumpCloudUserGroup = JumpCloudOrg["userGroups"][number];
export type SandboxJumpCloudDirectory = JumpCloudOrg["directories"][number];

/** Parses a seed; a seed that names an unknown directory in `boundTo` is refused. */
export function parseJumpCloudOrg(seed: JumpCloudOrgSeed): JumpCloudOrg {
  const org = jumpCloudOrgSchema.parse(seed);
  for (const g of org.userGroups) {
    for (const d of g.boundTo) {
      if (!org.directories.some((x) => x.id === d || x.name === d)) throw new Error(`sandbox JumpCloud seed: user group "${g.name}" is bound to "${d}", which is no directory's name or id`);
    }
  }
  return org;
}

/** The users a group's member list names (by id or email), in the org's order. */
export function membersOf(org: JumpCloudOrg, group: SandboxJumpCloudUserGroup): SandboxJumpCloudUser[] {
  const refs = new Set(group.members.map((m) => m.toLowerCase()));
  return org.users.filter((u) => refs.has(u.id) || refs.has(u.email.toLowerCase()));
}

/** The groups bound to a directory. */
export function boundTo(org: JumpCloudOrg, directory: SandboxJumpCloudDirectory): SandboxJumpCloudUserGroup[] {
  return org.userGroups.filter((g) => g.boundTo.some((d) => d === directory.id || d === directory.name));
}
