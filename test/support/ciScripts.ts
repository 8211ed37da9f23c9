import { spawn } from "node:child_process";
import { join } from "node:path";
import { REPO_ROOT } from "./pulumiCli";

export const CI_DIR = join(REPO_ROOT, "examples/ci");

/**
 * Runs one of examples/ci/*.sh as CI does, in `cwd` (the project's directory), asynchronously:
 * the sandbox answers from this process.
 */
export function runCiScript(script: string, args: string[], env: NodeJS.ProcessEnv, cwd = REPO_ROOT): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn("bash", [join(CI_DIR, script), ...args], { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d));
    child.stderr.on("data", (d: Buffer) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}
