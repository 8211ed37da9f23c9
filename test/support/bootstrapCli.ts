import { spawn } from "node:child_process";
import { join } from "node:path";
import type { Sandbox, SandboxOptions } from "../../provider/sandbox";
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

export const bootstrapUserId = (n: number) => `00000000-0000-4000-8000-00000000000${n}`;

/**
 * Directories that already hold groups, as a tenant has them before this package: Google
 * engineering@ (an OWNER and a member) and sales@; Entra Engineering, Sales (other members than
 * Google's) and Ops. Users alice, bob, carol, dave (Entra ids `bootstrapUserId(1..4)`).
 */
export function bootstrapSeed(): SandboxOptions {
  const people = ["alice", "bob", "carol", "dave"];
  const id = bootstrapUserId;
  return {
    google: {
      domains: ["example.com"],
      admins: ["admin@example.com"],
      users: people.map((p) => ({ primaryEmail: `${p}@example.com` })),
      groups: [
        { email: "engineering@example.com", name: "Engineering", members: [{ email: "alice@example.com", role: "OWNER" }, { email: "bob@example.com", role: "MEMBER" }] },
        { email: "sales@example.com", name: "Sales", description: "Account executives", members: [{ email: "carol@example.com", role: "MEMBER" }] },
      ],
    },
    entra: {
      users: people.map((p, i) => ({ id: id(i + 1), userPrincipalName: `${p}@example.com` })),
      groups: [
        { displayName: "Engineering", members: [id(1), id(2)] },
        { displayName: "Sales", mailNickname: "sales-team", members: [id(3), id(4)] },
        { displayName: "Ops", mailNickname: "ops", members: [id(4)] },
      ],
    },
  };
}
