/**
 * The fleet driver: one stack of the root project per tenant, run through Pulumi's Automation API.
 *
 * Stacks are selected (or created) and configured one at a time, because selecting writes the
 * current stack into the workspace and is not safe in parallel (pulumi/pulumi#8186); plugins the
 * project needs are installed once before any tenant runs, and no operation installs one on its own
 * (concurrent installs into one PULUMI_HOME interfere, #22784); then `preview`, `up` or the drift
 * check run through a bounded pool (failures were reported around ten concurrent updates in one
 * process, #7782), gated by the application-wide budgets (budgets.ts). Each tenant's program runs
 * in processes of its own (the CLI, the program, the provider), so one tenant's failure or memory
 * never touches another's. Runs in the user's process, not in the dynamic provider.
 */
import { execFile } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { isAbsolute, join, relative, resolve } from "node:path";
import { parse as parseYaml } from "yaml";
import type { EngineEvent, PulumiCommand, Stack } from "@pulumi/pulumi/automation";
import { readEngineOutput } from "../summary/engineOutput";
import { summarize, totalsOf, type Summary } from "../summary/groupSummary";
import { toMarkdown } from "../summary/render";
import { Admission, planShares, writesOf, type Budget, type BudgetUse } from "./budgets";
import { PATH_SETTINGS, readTenantsFile, TENANT_SETTING_KEYS, type Tenant, type TenantsFile } from "./tenantsFile";

/** `preview`: what `up` would change; `up`: apply (with `--refresh`, as examples/ci/apply.sh); `refresh`: the drift check (`preview --refresh`: nothing is written, not even the state). */
export type FleetCommand = "preview" | "up" | "refresh";
export const FLEET_COMMANDS: readonly FleetCommand[] = ["preview", "up", "refresh"];
export const DEFAULT_CONCURRENCY = 4;

export interface FleetOptions {
  command: FleetCommand;
  /** The tenants file's path, or a file already read. */
  tenants: string | TenantsFile;
  /** Tenants run at once (default: the file's `concurrency`, else 4). */
  concurrency?: number;
  /** How many fleet runs of this file run at the same time (a CI matrix's max-parallel): budgets are split among all of them. Default 1. */
  parallelRuns?: number;
  /** Only these tenants (names), e.g. one CI job's share. */
  only?: readonly string[];
  /** Only the `index`-th (0-based) of `count` contiguous chunks of the tenants (a matrix job). */
  chunk?: { index: number; count: number };
  /** Environment of every CLI call, on top of this process's (backend, passphrase, ...). */
  env?: Record<string, string>;
  /** PULUMI_HOME shared by every tenant (default: the environment's, else ~/.pulumi). */
  pulumiHome?: string;
  /** The CLI to run (default: `pulumi` on PATH). */
  pulumiCommand?: PulumiCommand;
  /** Progress as tenants start, run and finish. */
  onProgress?: (progress: FleetProgress) => void;
  /** Write each tenant's engine output (`<tenant>.log`) and group summary (`<tenant>.md`) here. */
  logDir?: string;
  /** How often a running tenant reports that it still runs (default 15 s; 0: never). */
  heartbeatMs?: number;
}

export type FleetProgress =
  | { kind: "start"; tenant: string; running: number; waiting: number }
  | { kind: "heartbeat"; tenant: string; elapsedMs: number; resourcesDone: number }
  | { kind: "done"; result: TenantResult; finished: number; total: number };

export interface TenantResult {
  tenant: string;
  stack: string;
  status: "succeeded" | "failed";
  /** The per-group summary of the run (the same as `group-export-summary`), when the engine got that far. */
  summary?: Summary;
  /** Why it failed, in one line (the resource and the fix, as the provider says it). */
  error?: string;
  /** Whether the run changes (preview) or changed (up) anything; with `refresh`: whether anything drifted. */
  changed: boolean;
  groupsChanged: number;
  membersAdded: number;
  membersRemoved: number;
  durationMs: number;
}

export interface FleetResult {
  command: FleetCommand;
  concurrency: number;
  tenants: TenantResult[];
  budgets: Budget[];
  durationMs: number;
  /** 0 every tenant succeeded (and, for refresh, none drifted); 1 refresh found drift; 2 a tenant failed. */
  exitCode: number;
}

const PROGRAM_KEYS = ["groupsFile", "source", "googleDomains", "googleCustomerId", "entraTenantId", "jumpcloudGoogleDirectory", "jumpcloudOffice365Directory", "jumpcloudOnMissingEmail"];

/** The tenants a run takes: all, those named, or one chunk. */
export function selectTenants(tenants: readonly Tenant[], only?: readonly string[], chunk?: { index: number; count: number }): Tenant[] {
  let chosen = [...tenants];
  if (only && only.length > 0) {
    const unknown = only.filter((n) => !tenants.some((t) => t.name === n));
    if (unknown.length > 0) throw new Error(`no tenant named ${unknown.map((n) => `"${n}"`).join(", ")} in the tenants file`);
    chosen = chosen.filter((t) => only.includes(t.name));
  }
  if (chunk) {
    if (!Number.isInteger(chunk.count) || chunk.count < 1 || !Number.isInteger(chunk.index) || chunk.index < 0 || chunk.index >= chunk.count) throw new Error(`chunk ${chunk.index + 1}/${chunk.count}: use --chunk K/N with 1 <= K <= N`);
    chosen = chosen.slice(Math.floor((chunk.index * chosen.length) / chunk.count), Math.floor(((chunk.index + 1) * chosen.length) / chunk.count));
  }
  return chosen;
}

/** The stack config the fleet writes for a tenant (program settings under the project's name, provider settings under groupExport:). */
export function tenantConfig(tenant: Tenant, project: { dir: string; name: string }, shares: Partial<Record<string, string>>): Record<string, string> {
  // Paths inside the project are written relative to it, so the stack's config works from any checkout.
  const path = (p: string) => {
    const rel = relative(project.dir, p);
    return rel.startsWith("..") || isAbsolute(rel) ? p : rel;
  };
  const ns = project.name;
  const config: Record<string, string> = {};
  if (tenant.source === "groupsFile" && tenant.groupsFile) config[`${ns}:groupsFile`] = path(tenant.groupsFile);
  if (tenant.source === "jumpcloud") {
    config[`${ns}:source`] = "jumpcloud";
    if (tenant.jumpcloud?.googleDirectory) config[`${ns}:jumpcloudGoogleDirectory`] = tenant.jumpcloud.googleDirectory;
    if (tenant.jumpcloud?.office365Directory) config[`${ns}:jumpcloudOffice365Directory`] = tenant.jumpcloud.office365Directory;
    if (tenant.jumpcloud?.onMissingEmail) config[`${ns}:jumpcloudOnMissingEmail`] = tenant.jumpcloud.onMissingEmail;
  }
  if (tenant.google) {
    config[`${ns}:googleDomains`] = tenant.google.domains.join(",");
    if (tenant.google.customerId) config[`${ns}:googleCustomerId`] = tenant.google.customerId;
  }
  if (tenant.entra) config[`${ns}:entraTenantId`] = tenant.entra.tenantId;
  for (const [key, value] of Object.entries({ ...tenant.settings, ...shares })) {
    if (value !== undefined) config[`groupExport:${key}`] = PATH_SETTINGS.has(key) ? path(value) : value;
  }
  return config;
}

/** Every key the fleet owns in a tenant's stack config: those it does not set now are removed. */
function managedKeys(projectName: string): string[] {
  return [...PROGRAM_KEYS.map((k) => `${projectName}:${k}`), ...TENANT_SETTING_KEYS.map((k) => `groupExport:${k}`)];
}

/** The plain values of a stack's config file, as the CLI wrote them (secure values count as different). */
function currentConfig(projectDir: string, stack: string): Record<string, string> {
  const file = join(projectDir, `Pulumi.${stack.split("/").pop()}.yaml`);
  try {
    const doc = parseYaml(readFileSync(file, "utf8")) as { config?: Record<string, unknown> } | null;
    return Object.fromEntries(Object.entries(doc?.config ?? {}).flatMap(([k, v]) => (typeof v === "string" || typeof v === "number" || typeof v === "boolean" ? [[k, String(v)]] : [])));
  } catch {
    return {};
  }
}

function projectName(dir: string): string {
  for (const name of ["Pulumi.yaml", "Pulumi.yml"]) {
    try {
      const doc = parseYaml(readFileSync(join(dir, name), "utf8")) as { name?: unknown } | null;
      if (typeof doc?.name === "string") return doc.name;
    } catch {
      // try the other spelling
    }
  }
  throw new Error(`${dir} holds no Pulumi.yaml with a project name: set project in the tenants file to the folder of the root project`);
}

/** One line out of a CLI failure: its `error:` lines, else its last line. */
export function errorLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const stderr = /stderr: ([\s\S]*)$/.exec(text)?.[1] ?? text;
  const lines = stderr.split("\n").map((l) => l.trim()).filter((l) => l !== "" && !/^(err\??:|code: -?\d+|stdout:)$/.test(l));
  const errors = lines.filter((l) => /^error: /.test(l) && !/^error: (update|preview) failed$/.test(l)).map((l) => l.replace(/^error: /, ""));
  return clip((errors[0] ?? lines[lines.length - 1] ?? text).replace(/\s+/g, " "), 600);
}

/** Shortens a line to `max`, cutting the cause's details rather than the fix after it. */
function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  const fixAt = text.indexOf(" Fix: ");
  const fix = fixAt > 0 ? text.slice(fixAt) : "";
  if (fix !== "" && fix.length <= max - 120) return `${text.slice(0, max - fix.length - 1)}…${fix}`;
  return `${text.slice(0, max - 1)}…`;
}

/** The run's first error in one line, naming its group when one is named. */
function firstError(summary: Summary): string | undefined {
  const row = summary.rows.find((r) => r.errors.length > 0);
  if (row) return clip(`${row.group}: ${row.errors[0]!.split("\n")[0]}`, 600);
  const general = summary.errors.find((e) => !/^(update|preview) failed$/.test(e.trim())) ?? summary.errors[0];
  return general === undefined ? undefined : clip(general.split("\n").find((l) => l.trim() !== "")?.trim() ?? general, 600);
}

/** Runs the fleet: every chosen tenant's stack, concurrently but bounded; never throws for one tenant's failure. */
export async function runFleet(options: FleetOptions): Promise<FleetResult> {
  const started = Date.now();
  const file = typeof options.tenants === "string" ? readTenantsFile(options.tenants) : options.tenants;
  const tenants = selectTenants(file.tenants, options.only, options.chunk);
  const concurrency = options.concurrency ?? file.concurrency ?? DEFAULT_CONCURRENCY;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new Error(`concurrency ${concurrency}: use a whole number of at least 1`);
  const plan = planShares(file.tenants, concurrency * Math.max(1, options.parallelRuns ?? 1), file.budgets);
  const name = projectName(file.project);
  // Loaded when a fleet runs, not when the SDK is imported (a program never needs it).
  const { LocalWorkspace, PulumiCommand, Stack, StackNotFoundError } = require("@pulumi/pulumi/automation") as typeof import("@pulumi/pulumi/automation");
  const pulumiCommand = options.pulumiCommand ?? (await PulumiCommand.get({ skipVersionCheck: true }));
  const baseEnv = { ...(options.env ?? {}) };
  const pulumiHome = options.pulumiHome ?? options.env?.PULUMI_HOME ?? process.env.PULUMI_HOME;
  if (options.logDir) mkdirSync(options.logDir, { recursive: true });

  // Plugins once, before any tenant runs; then no run acquires one on its own (no concurrent installs).
  await installPlugins(pulumiCommand.command, file.project, { ...process.env, ...baseEnv, ...(pulumiHome ? { PULUMI_HOME: pulumiHome } : {}) });
  const env = { ...baseEnv, PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true" };

  // Stack selection and config writes, one tenant at a time.
  let selecting: Promise<unknown> = Promise.resolve();
  const oneAtATime = <T>(work: () => Promise<T>): Promise<T> => {
    const next = selecting.then(work, work);
    selecting = next.catch(() => undefined);
    return next;
  };

  const admission = new Admission(concurrency, plan.budgets);
  const results: TenantResult[] = [];
  let waiting = tenants.length;
  let running = 0;

  // A tenant's slot is freed only after its "done" is reported, so progress never shows more than `concurrency` running.
  const runTenant = async (tenant: Tenant): Promise<{ result: TenantResult; release: () => void }> => {
    const share = plan.shares.get(tenant.name)!;
    const uses: BudgetUse[] = share.uses.filter((u) => options.command === "up" || plan.budgets.get(u.budget)?.kind !== "writes");
    await admission.acquire(uses);
    waiting--;
    running++;
    options.onProgress?.({ kind: "start", tenant: tenant.name, running, waiting });
    const t0 = Date.now();
    const events: EngineEvent[] = [];
    let output = "";
    let resourcesDone = 0;
    const heartbeat = (options.heartbeatMs ?? 15_000) > 0 ? setInterval(() => options.onProgress?.({ kind: "heartbeat", tenant: tenant.name, elapsedMs: Date.now() - t0, resourcesDone }), options.heartbeatMs ?? 15_000) : undefined;
    let failure: string | undefined;
    let release = (): void => undefined;
    let summary: Summary | undefined;
    try {
      const stack: Stack = await oneAtATime(async () => {
        const workspace = await LocalWorkspace.create({ workDir: file.project, envVars: env, pulumiCommand, ...(pulumiHome ? { pulumiHome } : {}) });
        const selected = await Stack.select(tenant.stack, workspace).catch((error: unknown) => {
          if (error instanceof StackNotFoundError) return Stack.create(tenant.stack, workspace);
          throw error;
        });
        const desired = tenantConfig(tenant, { dir: file.project, name }, share.settings);
        const current = currentConfig(file.project, tenant.stack);
        const changed = Object.fromEntries(Object.entries(desired).filter(([k, v]) => current[k] !== v).map(([k, v]) => [k, { value: v }]));
        if (Object.keys(changed).length > 0) await workspace.setAllConfig(tenant.stack, changed);
        const stale = managedKeys(name).filter((k) => k in current && !(k in desired));
        if (stale.length > 0) await workspace.removeAllConfig(tenant.stack, stale);
        return selected;
      });
      const common = {
        color: "never" as const,
        onOutput: (text: string) => void (output += text),
        onEvent: (event: EngineEvent) => {
          events.push(event);
          if (event.resOutputsEvent) resourcesDone++;
        },
      };
      try {
        if (options.command === "up") await stack.up({ ...common, refresh: true, continueOnError: true });
        else await stack.preview({ ...common, refresh: options.command === "refresh" });
      } catch (error) {
        failure = errorLine(error);
        output += `\n${error instanceof Error ? error.message : String(error)}`;
      }
      if (events.length > 0) {
        const run = readEngineOutput(events.map((e) => JSON.stringify(e)).join("\n"));
        summary = summarize({ ...run, kind: options.command === "up" ? "update" : "preview" }, { drift: options.command === "refresh", stack: tenant.stack });
        if (summary.failed) failure = firstError(summary) ?? failure;
      }
    } catch (error) {
      failure = errorLine(error);
      output += `\n${error instanceof Error ? error.message : String(error)}`;
    } finally {
      if (heartbeat) clearInterval(heartbeat);
      // What a finished tenant may still be spending of each budget for one window.
      const spent = uses.map((u) => {
        const budget = plan.budgets.get(u.budget);
        const estimate = budget?.kind === "writes" ? writesOf(summary, budget.service) : undefined;
        return { budget: u.budget, amount: estimate === undefined || failure ? u.amount : Math.min(u.amount, estimate) };
      });
      release = () => {
        running--;
        admission.release(uses, spent);
      };
    }
    const totals = summary ? totalsOf(summary) : undefined;
    const result: TenantResult = {
      tenant: tenant.name,
      stack: tenant.stack,
      status: failure || summary?.failed ? "failed" : "succeeded",
      ...(summary ? { summary } : {}),
      ...(failure || summary?.failed ? { error: failure ?? "the run failed (see its log)" } : {}),
      changed: Boolean(summary && (summary.changed || summary.guardTripped)),
      groupsChanged: totals ? totals.changes.reduce((n, [, count]) => n + count, 0) : 0,
      membersAdded: totals?.added ?? 0,
      membersRemoved: totals?.removed ?? 0,
      durationMs: Date.now() - t0,
    };
    try {
      if (options.logDir) writeTenantLog(options.logDir, tenant.name, output, summary);
    } catch (error) {
      release();
      throw error;
    }
    return { result, release };
  };

  await Promise.all(
    tenants.map((tenant) =>
      runTenant(tenant).then(({ result, release }) => {
        results.push(result);
        try {
          options.onProgress?.({ kind: "done", result, finished: results.length, total: tenants.length });
        } finally {
          release();
        }
      }),
    ),
  );
  const order = new Map(tenants.map((t, i) => [t.name, i]));
  results.sort((a, b) => order.get(a.tenant)! - order.get(b.tenant)!);
  return {
    command: options.command,
    concurrency,
    tenants: results,
    budgets: [...plan.budgets.values()].filter((b) => b.tenants > 1),
    durationMs: Date.now() - started,
    exitCode: fleetExitCode(options.command, results),
  };
}

/** `pulumi plugin install` in the project: the plugins its program needs, before any tenant runs. */
function installPlugins(command: string, cwd: string, env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((done, failed) => {
    execFile(command, ["plugin", "install", "--non-interactive"], { cwd, env, maxBuffer: 16 * 1024 * 1024 }, (error, _stdout, stderr) => {
      if (error) failed(new Error(`installing the project's plugins (\`pulumi plugin install\` in ${cwd}) failed: ${errorLine(`stderr: ${stderr}`) || error.message}`));
      else done();
    });
  });
}

export function fleetExitCode(command: FleetCommand, results: readonly TenantResult[]): number {
  if (results.some((r) => r.status === "failed")) return 2;
  if (command === "refresh" && results.some((r) => r.changed)) return 1;
  return 0;
}

function writeTenantLog(dir: string, tenant: string, output: string, summary: Summary | undefined): void {
  writeFileSync(resolve(dir, `${tenant}.log`), output);
  if (summary) writeFileSync(resolve(dir, `${tenant}.md`), toMarkdown(summary));
}
