import { spawn } from "node:child_process";
import { join } from "node:path";
import type { Sandbox } from "../../provider/sandbox";
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
