import type { ChildProcessWithoutNullStreams } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import type { Sandbox } from "../../provider/sandbox";
import type { PulumiWorkspace } from "./pulumiCli";
import { writeRequests } from "./sandboxViews";

/** Sums the sandbox's write requests (anything but reads, token grants and batch envelopes). */
export function writeCount(sandbox: Sandbox): number {
  const counts = sandbox.requestCounts();
  return writeRequests(sandbox).reduce((sum, key) => sum + (counts[key] ?? 0), 0);
}

/** Waits until `condition` holds (polled every 20 ms); throws after `timeoutMs`. */
export async function waitFor(what: string, condition: () => boolean, timeoutMs = 120_000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * The dynamic-provider processes started for one stack: found by their command line
 * (`…/cmd/dynamic-provider`) and the stack's own spec file in their environment.
 */
export function providerProcesses(marker: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, "utf8");
      if (!cmdline.includes("dynamic-provider")) continue;
      if (readFileSync(`/proc/${entry}/environ`, "utf8").includes(marker)) found.push(Number(entry));
    } catch {
      // the process ended while we looked, or is not ours: not a provider of this stack
    }
  }
  return found;
}

export interface InterruptedRun {
  /** The CLI's output up to the kill. */
  output: string;
  /** Write requests the sandbox had completed when the CLI was killed. */
  writesAtKill: number;
  /** The provider processes of the stack alive right after the kill. */
  providersAtKill: number[];
  /** Milliseconds from the kill until no provider process of the stack was left (undefined: still alive at the end of the wait). */
  providerExitMs?: number;
  /** Write requests completed after the kill, within the wait. */
  writesAfterKill: number;
  /** The same, per endpoint (for the record). */
  writesAfterKillByEndpoint: Record<string, number>;
}

/**
 * Starts `pulumi up` (or `command`), waits for `killWhen`, SIGKILLs the CLI (as a CI runner's timeout does),
 * then watches the stack's provider processes and the sandbox's writes for `watchMs`.
 */
export async function upKilledWhen(
  workspace: PulumiWorkspace,
  sandbox: Sandbox,
  marker: string,
  killWhen: () => boolean,
  options: { watchMs?: number; extraArgs?: string[]; command?: string[] } = {},
): Promise<InterruptedRun> {
  const child: ChildProcessWithoutNullStreams = workspace.start([...(options.command ?? ["up", "--yes", "--skip-preview"]), ...(options.extraArgs ?? [])]);
  let output = "";
  child.stdout.on("data", (d: Buffer) => (output += d));
  child.stderr.on("data", (d: Buffer) => (output += d));
  let exited = false;
  child.on("close", () => (exited = true));
  await waitFor("the kill point", () => killWhen() || exited);
  if (exited) throw new Error(`pulumi ${(options.command ?? ["up"])[0]} ended before the kill point:\n${output}`);
  child.kill("SIGKILL");
  const killedAt = Date.now();
  const writesAtKill = writeCount(sandbox);
  const countsAtKill = sandbox.requestCounts();
  const providersAtKill = providerProcesses(marker);
  const watchMs = options.watchMs ?? 10_000;
  let providerExitMs: number | undefined;
  while (Date.now() - killedAt < watchMs) {
    if (providerExitMs === undefined && providerProcesses(marker).length === 0) providerExitMs = Date.now() - killedAt;
    await new Promise((r) => setTimeout(r, 50));
  }
  const leftovers = providerProcesses(marker);
  // A provider still running after the watch (no watchdog) is stopped here, so later steps see a quiet sandbox.
  for (const pid of leftovers) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
  const countsAfter = sandbox.requestCounts();
  const writesAfterKillByEndpoint = Object.fromEntries(
    writeRequests(sandbox)
      .map((key) => [key, (countsAfter[key] ?? 0) - (countsAtKill[key] ?? 0)] as const)
      .filter(([, n]) => n > 0),
  );
  return { output, writesAtKill, providersAtKill, providerExitMs, writesAfterKill: writeCount(sandbox) - writesAtKill, writesAfterKillByEndpoint };
}

export interface PendingCreate {
  urn: string;
  type: string;
  inputs: Record<string, unknown>;
}

/** The stack's pending CREATE operations (`pulumi stack export`). */
export async function pendingCreates(workspace: PulumiWorkspace): Promise<PendingCreate[]> {
  const exported = JSON.parse((await workspace.ok(["stack", "export"])).stdout) as {
    deployment: { pending_operations?: { type: string; resource: { urn: string; type: string; inputs?: Record<string, unknown> } }[] };
  };
  return (exported.deployment.pending_operations ?? [])
    .filter((op) => op.type === "creating")
    .map((op) => ({ urn: op.resource.urn, type: op.resource.type, inputs: op.resource.inputs ?? {} }));
}
