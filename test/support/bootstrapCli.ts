import { spawn } from "node:child_process";
import { join } from "node:path";
import type { Sandbox, SandboxOptions } from "../../provider/sandbox";
import { GROUP_SETTINGS_DEFAULTS } from "../../provider/sandbox/google/settingsSchema";
import { REPO_ROOT } from "./pulumiCli";

/** Runs group-export-bootstrap against a sandbox (asynchronously: the sandbox answers from this process). */
export function runBootstrap(sandbox: Sandbox, args: string[]): Promise<{ code: number | null; output: string }> {
  const settings = Object.entries(sandbox.providerConfig()).flatMap(([key, { value }]) => ["--setting", `${key}=${value}`]);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(REPO_ROOT, "node_modules/tsx/dist/cli.mjs"), join(REPO_ROOT, "provider/bootstrap/cli.ts"), ...args, ...settings], { env: { ...process.env, ...sandbox.env() } });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d));
    child.stderr.on("data", (d: Buffer) => (output += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, output }));
  });
}

const ID = (n: number) => `00000000-0000-4000-8000-00000000000${n}`;
const PEOPLE = ["alice", "bob", "carol", "dave"];

/**
 * Directories that already hold groups, as a tenant has them before this package: every kind of
 * member and role bootstrap can meet (external, owner, manager, nested group, the whole customer,
 * a guest, a service principal), aliases, descriptions, settings of their own, two Google groups
 * of one name.
 */
export function bootstrapSeed(): SandboxOptions {
  return {
    google: {
      domains: ["example.com"],
      admins: ["admin@example.com"],
      users: PEOPLE.map((p) => ({ primaryEmail: `${p}@example.com`, ...(p === "dave" ? { aliases: ["david@example.com"] } : {}) })),
      groups: [
        { email: "engineering@example.com", name: "Engineering", members: [{ email: "alice@example.com", role: "OWNER", type: "USER" }, { email: "bob@example.com", role: "MEMBER", type: "USER" }] },
        { email: "sales@example.com", name: "Sales", description: "Account executives", members: [{ email: "carol@example.com", role: "MEMBER", type: "USER" }] },
        // Every kind of member and role bootstrap can meet, an alias and settings of its own.
        {
          email: "partners@example.com",
          name: "Partners",
          description: "People outside",
          aliases: ["friends@example.com"],
          settings: { ...GROUP_SETTINGS_DEFAULTS, whoCanPostMessage: "ANYONE_CAN_POST", allowExternalMembers: "true", whoCanJoin: "CAN_REQUEST_TO_JOIN" },
          members: [
            { email: "partner@gmail.com", type: "EXTERNAL" },
            { email: "dave@example.com", role: "MANAGER", type: "USER" },
            { email: "engineering@example.com", type: "GROUP" },
            { type: "CUSTOMER" },
          ],
        },
        // Two Google groups of one name: user group names are unique, so the second is named by its address too.
        { email: "team@example.com", name: "Team", members: [{ email: "alice@example.com", type: "USER" }] },
        { email: "team2@example.com", name: "Team", members: [{ email: "bob@example.com", type: "USER" }] },
      ],
    },
    entra: {
      users: [
        ...PEOPLE.map((p, i) => ({ id: ID(i + 1), userPrincipalName: `${p}@example.com` })),
        { id: ID(9), userPrincipalName: "guest_partner.org#EXT#@example.onmicrosoft.com", mail: "guest@partner.org" },
      ],
      servicePrincipals: [{ id: ID(8), displayName: "deploy-bot" }],
      groups: [
        { displayName: "Engineering", members: [ID(1), ID(2)] },
        { displayName: "Sales", mailNickname: "sales-team", description: "Sellers", members: [ID(3), ID(4)] },
        { displayName: "Ops", mailNickname: "ops", description: "Operations", members: [ID(4), ID(9), ID(8)] },
      ],
    },
  };
}
