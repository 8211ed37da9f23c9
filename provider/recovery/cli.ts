#!/usr/bin/env node
/**
 * `group-export-recover`: after a killed `pulumi up`, turns this package's interrupted Google
 * group creates into state entries that `pulumi refresh` resolves (see interruptedCreates.ts
 * and docs/guides/recovery.md). Arguments are passed to `pulumi stack
 * export` / `pulumi stack import` (e.g. `--stack org/prod`, `--cwd dir`).
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { exportedStackSchema, planInterruptedCreates } from "./interruptedCreates";

function main(args: string[]): number {
  if (args.includes("--help") || args.includes("-h")) {
    process.stdout.write("Usage: group-export-recover [--stack NAME] [--cwd DIR]\n\nRun after `pulumi cancel` and before `pulumi refresh --clear-pending-creates` (see docs/guides/recovery.md).\n");
    return 0;
  }
  const exported = exportedStackSchema.parse(JSON.parse(execFileSync("pulumi", ["stack", "export", ...args], { encoding: "utf8", maxBuffer: 1 << 30 })));
  const plan = planInterruptedCreates(exported);
  for (const line of plan.report) process.stdout.write(`${line}\n`);
  if (!plan.edited) {
    process.stdout.write(plan.report.length === 0 ? "no interrupted creates of this package: nothing to do\n" : "nothing to change in the state\n");
    return 0;
  }
  const dir = mkdtempSync(join(tmpdir(), "group-export-recover-"));
  try {
    const file = join(dir, "stack.json");
    writeFileSync(file, JSON.stringify(plan.edited), { mode: 0o600 });
    execFileSync("pulumi", ["stack", "import", "--file", file, ...args], { stdio: ["ignore", "inherit", "inherit"] });
  } finally {
    // The export holds the stack's (encrypted) secrets: never leave it behind.
    rmSync(dir, { recursive: true, force: true });
  }
  process.stdout.write("now run: pulumi refresh --yes --clear-pending-creates, then pulumi up\n");
  return 0;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (error) {
  process.stderr.write(`group-export-recover: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
