import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

/** actionlint, the GitHub Actions linter, pinned; a Go tool built once from the Go module proxy. */
export const ACTIONLINT_VERSION = "v1.7.12";
const TOOLS = join(homedir(), ".cache", "pulumi-group-export", "tools", ACTIONLINT_VERSION);

/** The actionlint binary, built into ~/.cache/pulumi-group-export/tools/<version> on first use (about 15 s; then cached). */
export function ensureActionlint(): string {
  const bin = join(TOOLS, "actionlint");
  if (!existsSync(bin)) {
    execFileSync("go", ["install", `github.com/rhysd/actionlint/cmd/actionlint@${ACTIONLINT_VERSION}`], { env: { ...process.env, GOBIN: TOOLS, GOFLAGS: "-mod=mod" }, stdio: ["ignore", "ignore", "inherit"], cwd: homedir() });
  }
  return bin;
}
