/**
 * The whole-path figures of `npm run bench`: each through the real Pulumi CLI against the
 * sandbox, printed as a table of ratios (it asserts nothing about speed). Needs `npm run
 * build` and the engine (`npm run bench` does both).
 *
 * - no-op preview: API calls of `pulumi preview` of unchanged groups and bindings (expect 0);
 * - big refresh: `pulumi preview --refresh` of one binding of BENCH_BIG_MEMBERS members
 *   (default 7,000) against its 20-member twin: round trips and time; and the stored state of
 *   the big binding in bytes per member (`pulumi stack export`: its inputs and outputs);
 * - quota apply: one `pulumi up` of BENCH_QUOTA_GROUPS Google groups of 20 members (default
 *   30; the issue's figure is 100) at BENCH_QUOTA queries per minute (default 300), against the
 *   quota's own minimum time;
 * - quota found: the same apply with NO googleQuotaPerMinute setting (the provider starts at
 *   Google's default, 2,400) against a real quota of each of BENCH_FOUND (default "120,600")
 *   queries per minute, BENCH_FOUND_GROUPS groups of 20 for each (default "20,60"): converged in one up?,
 *   calls, refused, time against the quota's own minimum;
 * - program scale: `pulumi preview` of N unchanged Google groups with bindings (2N + 1
 *   resources) against 2N + 1 dynamic resources that do nothing, N in BENCH_SCALE (default
 *   "100,300"; the issue's sizes are "100,300,1000"): wall time and the program process's
 *   peak memory and CPU; and against 2N + 1 that do nothing with 14 properties each (what
 *   Pulumi's SDK itself costs per output property). Neither program exports stack outputs (BENCH_SCALE_OUTPUTS=1: the
 *   groups program exports the test program's six outputs per resource, as the e2e tests read
 *   them).
 *
 * BENCH_PARTS=noop,refresh,quota,found,scale runs a subset. Defaults finish in about 10 minutes on 2 cores.
 */
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as sinon from "sinon";
import { startSandbox, type Sandbox } from "../../provider/sandbox";
import { Quota } from "../../provider/sandbox/google/quota";
import { E2eStack, type ProgramSpec } from "../support/e2eProgram";
import { ensureEngine } from "../support/pulumiCli";
import { googleMembers } from "../support/sandboxViews";

const BIG = Number(process.env.BENCH_BIG_MEMBERS ?? 7000);
const QUOTA_GROUPS = Number(process.env.BENCH_QUOTA_GROUPS ?? 30);
const QUOTA = Number(process.env.BENCH_QUOTA ?? 300);
const FOUND = (process.env.BENCH_FOUND ?? "120,600").split(",").map(Number);
/** Groups of 20 members per quota of BENCH_FOUND, in the same order: enough calls for more than two windows of each. */
const FOUND_GROUPS = (process.env.BENCH_FOUND_GROUPS ?? "20,60").split(",").map(Number);
const SCALE = (process.env.BENCH_SCALE ?? "100,300").split(",").map(Number);
/** Properties of the shaped baseline's resources: as many keys as the state of a GoogleDistributionGroup or GroupBinding holds (14 each). */
const SHAPED_PROPERTIES = 14;
const ONLY = new Set((process.env.BENCH_PARTS ?? "noop,refresh,quota,found,scale").split(","));
/** The provider's and the sandbox's Google quota where a part does not measure the quota. */
const UNLIMITED = 1_000_000;

interface Row {
  part: string;
  figure: string;
  value: string;
  baseline: string;
  ratio: string;
}
const rows: Row[] = [];

function ratio(value: number, baseline: number): string {
  return baseline > 0 ? `${(value / baseline).toFixed(2)}x` : "n/a";
}

/** API calls since the last reset (batch items count one each, envelopes and token grants not at all). */
function apiCalls(sandbox: Sandbox): number {
  return Object.entries(sandbox.requestCounts())
    .filter(([key]) => !/token|oauth2|openid|discovery/.test(key) && !/^POST \/(v1\.0\/\$batch|batch\/admin\/directory_v1)$/.test(key))
    .reduce((sum, [, n]) => sum + n, 0);
}

/** HTTP round trips since the last reset (a batch counts once, token grants not at all). */
function roundTrips(sandbox: Sandbox): number {
  return Object.entries(sandbox.requestCounts())
    .filter(([key]) => !key.startsWith("BATCH-ITEM") && !/token|oauth2|openid|discovery/.test(key))
    .reduce((sum, [, n]) => sum + n, 0);
}

async function timed<T>(run: () => Promise<T>): Promise<{ seconds: number; result: T }> {
  const started = performance.now();
  const result = await run();
  return { seconds: (performance.now() - started) / 1000, result };
}

async function ok(what: string, run: Promise<{ code: number; output: string }>): Promise<void> {
  const result = await run;
  if (result.code !== 0) throw new Error(`${what} failed:\n${result.output.slice(-3000)}`);
}

const users = (n: number, prefix = "user") => Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(5, "0")}@example.com`);

function googleSpec(groups: Record<string, string[]>): ProgramSpec {
  const spec: ProgramSpec = { management: { workspace: { google: { domains: ["example.com"] } } }, googleGroups: {}, bindings: {} };
  for (const [name, list] of Object.entries(groups)) {
    spec.googleGroups![name] = { management: "workspace", email: `${name}@example.com`, name };
    spec.bindings![`${name}-members`] = { target: name, userGroup: { name, users: list } };
  }
  return spec;
}

function entraSpec(sandbox: Sandbox, groups: Record<string, string[]>): ProgramSpec {
  const spec: ProgramSpec = { management: { tenant: { entra: { tenantId: sandbox.entra.tenantId } } }, entraGroups: {}, bindings: {} };
  for (const [name, list] of Object.entries(groups)) {
    spec.entraGroups![name] = { management: "tenant", displayName: name };
    spec.bindings![`${name}-members`] = { target: name, userGroup: { name, users: list } };
  }
  return spec;
}

async function googleStack(sandbox: Sandbox, name: string): Promise<E2eStack> {
  const stack = await E2eStack.create(sandbox, name);
  stack.workspace.setEnv("GROUP_EXPORT_GOOGLE_QUOTA_PER_MINUTE", String(UNLIMITED));
  return stack;
}

/** Bytes of a binding's stored inputs and outputs per member, from `pulumi stack export`. */
async function stateBytesPerMember(stack: E2eStack, bindingName: string, members: number): Promise<number> {
  const exported = JSON.parse((await stack.workspace.ok(["stack", "export"])).stdout) as { deployment: { resources: { urn: string; inputs?: unknown; outputs?: unknown }[] } };
  const resource = exported.deployment.resources.find((r) => r.urn.endsWith(`::${bindingName}`));
  if (!resource) throw new Error(`${bindingName} is not in the stack`);
  return (JSON.stringify(resource.inputs).length + JSON.stringify(resource.outputs).length) / members;
}

async function noopPreview(): Promise<void> {
  const list = users(20);
  const sandbox = await startSandbox({
    google: { domains: ["example.com"], users: list.map((primaryEmail) => ({ primaryEmail })) }, googleBehaviour: { quotaPerMinute: UNLIMITED },
    entra: { users: list.map((userPrincipalName) => ({ userPrincipalName })) },
  });
  try {
    const groups = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`noop-${i}`, list]));
    for (const [service, spec] of [["Google", googleSpec(groups)], ["Entra", entraSpec(sandbox, groups)]] as const) {
      const stack = await googleStack(sandbox, `noop-${service.toLowerCase()}`);
      stack.declare(spec);
      await ok(`${service} up`, stack.workspace.up());
      sandbox.resetRequestCounts();
      await ok(`${service} preview`, stack.workspace.preview());
      const previewCalls = apiCalls(sandbox);
      sandbox.resetRequestCounts();
      await ok(`${service} no-op up`, stack.workspace.up());
      rows.push({ part: "no-op", figure: `${service}: API calls of preview / up, 10 unchanged groups x 20 members`, value: `${previewCalls} / ${apiCalls(sandbox)}`, baseline: "0", ratio: "-" });
    }
  } finally {
    await sandbox.close();
  }
}

async function bigRefresh(): Promise<void> {
  const big = users(BIG);
  const twin = users(20, "twin");
  const all = [...big, ...twin];
  const sandbox = await startSandbox({
    google: { domains: ["example.com"], users: all.map((primaryEmail) => ({ primaryEmail })) }, googleBehaviour: { quotaPerMinute: UNLIMITED },
    entra: { users: all.map((userPrincipalName) => ({ userPrincipalName })) },
  });
  try {
    for (const service of ["Google", "Entra"] as const) {
      const figures: Record<string, { trips: number; seconds: number }> = {};
      for (const [size, list] of [["big", big], ["twin", twin]] as const) {
        const name = `${service.toLowerCase()}-${size}`;
        const stack = await googleStack(sandbox, name);
        stack.declare(service === "Google" ? googleSpec({ [name]: list }) : entraSpec(sandbox, { [name]: list }));
        await ok(`${name} up`, stack.workspace.up());
        if (size === "big") {
          const bytes = await stateBytesPerMember(stack, `${name}-members`, list.length);
          rows.push({ part: "state", figure: `${service}: stored bytes per member, ${list.length}-member binding (inputs + outputs)`, value: bytes.toFixed(1), baseline: "v1: 111-127", ratio: ratio(bytes, 119) });
        }
        sandbox.resetRequestCounts();
        const run = await timed(() => ok(`${name} preview --refresh`, stack.workspace.preview("--refresh", "--expect-no-changes")));
        figures[size] = { trips: roundTrips(sandbox), seconds: run.seconds };
      }
      rows.push({ part: "refresh", figure: `${service}: preview --refresh round trips, ${BIG} vs 20 members`, value: String(figures.big.trips), baseline: String(figures.twin.trips), ratio: ratio(figures.big.trips, figures.twin.trips) });
      rows.push({ part: "refresh", figure: `${service}: preview --refresh time, ${BIG} vs 20 members`, value: `${figures.big.seconds.toFixed(1)} s`, baseline: `${figures.twin.seconds.toFixed(1)} s`, ratio: ratio(figures.big.seconds, figures.twin.seconds) });
    }
  } finally {
    await sandbox.close();
  }
}

async function quotaApply(): Promise<void> {
  rows.push(await quotaRow(QUOTA_GROUPS, QUOTA, true));
}

/** The same apply with no setting: the provider must find each real quota from the refusals. */
async function quotaFound(): Promise<void> {
  for (const [i, perMinute] of FOUND.entries()) rows.push(await quotaRow(FOUND_GROUPS[i] ?? FOUND_GROUPS[FOUND_GROUPS.length - 1], perMinute, false));
}

/** One `pulumi up` of `groups` Google groups of 20 members against a real quota of `perMinute`, told to the provider or not. */
async function quotaRow(groups: number, perMinute: number, told: boolean): Promise<Row> {
  const list = users(20);
  const sandbox = await startSandbox({ google: { domains: ["example.com"], users: list.map((primaryEmail) => ({ primaryEmail })) } });
  try {
    const stack = await E2eStack.create(sandbox, told ? "quota" : `found-${perMinute}`);
    stack.declare(googleSpec(Object.fromEntries(Array.from({ length: groups }, (_, g) => [`team-${g}`, list]))));
    if (told) stack.workspace.setEnv("GROUP_EXPORT_GOOGLE_QUOTA_PER_MINUTE", String(perMinute));
    sandbox.google.setQuota({ perMinute });
    // `take` is private to the sandbox's Quota; spying on it is the only way to count refusals from outside.
    const take = sinon.spy(Quota.prototype as unknown as { take: (user: string) => boolean }, "take");
    sandbox.resetRequestCounts();
    const up = await timed(() => stack.workspace.up());
    const calls = Object.entries(sandbox.requestCounts())
      .filter(([key]) => /^(BATCH-ITEM )?\w+ \/admin\/directory\/v1/.test(key))
      .reduce((sum, [, n]) => sum + n, 0);
    const refused = take.returnValues.filter((allowed) => !allowed).length;
    // A sliding minute lets `quota` calls start at 0 s, 60 s, 120 s...: the last starts after whole windows.
    const minimum = Math.max(0, (Math.ceil((calls - refused) / perMinute) - 1) * 60);
    const incomplete = Array.from({ length: groups }, (_, g) => `team-${g}@example.com`).filter((e) => googleMembers(sandbox, e).length !== list.length).length;
    const converged = up.result.code === 0 && incomplete === 0;
    const setting = told ? `googleQuotaPerMinute = ${perMinute}` : "no setting";
    return {
      part: told ? "quota" : "found",
      figure: `Google: one up of ${groups} groups x 20 members at ${perMinute}/min, ${setting} (${calls} calls, ${refused} refused, converged in one up: ${converged ? "yes" : `no, ${incomplete} incomplete`})`,
      value: `${up.seconds.toFixed(0)} s`,
      baseline: `${minimum} s (quota's minimum)`,
      ratio: ratio(up.seconds, minimum),
    };
  } finally {
    sinon.restore();
    await sandbox.close();
  }
}

interface ProgramStats {
  seconds: number;
  maxRssKb: number;
  cpuMs: number;
  /** CPU seconds of the CLI process itself (the engine), when /usr/bin/time is there to count it. */
  engineCpu?: number;
}

/** A `pulumi` first on PATH that runs the real one under /usr/bin/time, appending "user system" CPU seconds to `file`. */
function timedCli(file: string): string | undefined {
  if (!existsSync("/usr/bin/time")) return undefined;
  const dir = mkdtempSync(join(tmpdir(), "group-export-timed-cli-"));
  writeFileSync(join(dir, "pulumi"), `#!/bin/sh\nexec /usr/bin/time -a -o '${file}' -f '%U %S' '${join(ensureEngine(), "pulumi")}' "$@"\n`);
  chmodSync(join(dir, "pulumi"), 0o755);
  return dir;
}

/** Runs `pulumi preview`, returning its wall time and the program process's peak memory and CPU. */
async function previewStats(stack: E2eStack, statsFile: string, cliFile: string): Promise<ProgramStats> {
  writeFileSync(statsFile, "");
  writeFileSync(cliFile, "");
  const run = await timed(() => ok("preview", stack.workspace.preview("--expect-no-changes")));
  const lines = readFileSync(statsFile, "utf8").trim().split("\n").filter(Boolean);
  if (lines.length === 0) throw new Error("the program wrote no stats");
  const stats = JSON.parse(lines[lines.length - 1]) as { maxRssKb: number; cpuMs: number };
  const cli = /([\d.]+) ([\d.]+)\s*$/.exec(readFileSync(cliFile, "utf8"));
  return { seconds: run.seconds, ...stats, ...(cli ? { engineCpu: Number(cli[1]) + Number(cli[2]) } : {}) };
}

async function programScale(): Promise<void> {
  const statsDir = mkdtempSync(join(tmpdir(), "group-export-bench-"));
  const statsFile = join(statsDir, "stats.jsonl");
  const cliFile = join(statsDir, "cli.txt");
  const cliDir = timedCli(cliFile);
  const list = users(1);
  const sandbox = await startSandbox({ google: { domains: ["example.com"], users: list.map((primaryEmail) => ({ primaryEmail })) }, googleBehaviour: { quotaPerMinute: UNLIMITED } });
  try {
    for (const n of SCALE) {
      const groups = await googleStack(sandbox, `scale-groups-${n}`);
      // No stack outputs, like the baseline (BENCH_SCALE_OUTPUTS=1: the test program's six per resource too).
      groups.declare({ ...googleSpec(Object.fromEntries(Array.from({ length: n }, (_, g) => [`scale-${n}-${g}`, list]))), stackOutputs: process.env.BENCH_SCALE_OUTPUTS === "1" });
      const trivial = await googleStack(sandbox, `scale-trivial-${n}`);
      trivial.declare({ trivial: 2 * n + 1 });
      // The same, with as many properties each as a group or binding has outputs: what Pulumi itself costs per property.
      const shaped = await googleStack(sandbox, `scale-shaped-${n}`);
      shaped.declare({ trivial: 2 * n + 1, trivialProperties: SHAPED_PROPERTIES });
      for (const stack of [groups, trivial, shaped]) {
        stack.workspace.setEnv("GROUP_EXPORT_PROGRAM_STATS", statsFile);
        // Setting up only: the file backend rewrites the whole state after every step (quadratic
        // in N: 2,001 resources did not finish in 30 minutes); Pulumi's own switch saves it once.
        stack.workspace.setEnv("PULUMI_SKIP_CHECKPOINTS", "true");
        await ok(`up of ${n}`, stack.workspace.up());
        stack.workspace.setEnv("PULUMI_SKIP_CHECKPOINTS", "false");
      }
      if (process.env.BENCH_PROFILE_HOOK) {
        // Diagnosis: BENCH_PROFILE_HOOK=<a --require script> loads it into every node process of the previews (program, provider).
        for (const stack of [groups, trivial]) stack.workspace.setEnv("NODE_OPTIONS", `--require ${process.env.BENCH_PROFILE_HOOK}`);
        for (const [stack, dir] of [[groups, "groups"], [trivial, "trivial"]] as const) stack.workspace.setEnv("PROFHOOK_DIR", `${process.env.BENCH_PROFILE_DIR}/${dir}`);
      }
      if (cliDir) for (const stack of [groups, trivial, shaped]) stack.workspace.setEnv("PATH", `${cliDir}:${stack.workspace.environment().PATH}`);
      // Alternated, the median of three: the machine is shared.
      const runs: { groups: ProgramStats; trivial: ProgramStats; shaped: ProgramStats }[] = [];
      for (let i = 0; i < 3; i++) runs.push({ groups: await previewStats(groups, statsFile, cliFile), trivial: await previewStats(trivial, statsFile, cliFile), shaped: await previewStats(shaped, statsFile, cliFile) });
      const median = (pick: (s: ProgramStats) => number, side: "groups" | "trivial" | "shaped") => runs.map((r) => pick(r[side])).sort((a, b) => a - b)[1];
      for (const [label, pick, unit] of [
        ["wall time", (s: ProgramStats) => s.seconds, "s"],
        ["program peak memory", (s: ProgramStats) => s.maxRssKb / 1024, "MB"],
        ["program CPU", (s: ProgramStats) => s.cpuMs / 1000, "s"],
        ...(cliDir ? ([["CLI (engine) CPU", (s: ProgramStats) => s.engineCpu ?? 0, "s"]] as const) : []),
      ] as const) {
        const value = median(pick, "groups");
        const baseline = median(pick, "trivial");
        rows.push({ part: "scale", figure: `preview ${label}: ${n} groups + ${n} bindings vs ${2 * n + 1} trivial resources`, value: `${value.toFixed(1)} ${unit}`, baseline: `${baseline.toFixed(1)} ${unit}`, ratio: ratio(value, baseline) });
        const shapedBaseline = median(pick, "shaped");
        rows.push({ part: "scale", figure: `preview ${label}: the same vs ${2 * n + 1} trivial resources of ${SHAPED_PROPERTIES} properties`, value: `${value.toFixed(1)} ${unit}`, baseline: `${shapedBaseline.toFixed(1)} ${unit}`, ratio: ratio(value, shapedBaseline) });
      }
    }
  } finally {
    await sandbox.close();
  }
}

async function main(): Promise<void> {
  const parts: [string, () => Promise<void>][] = [
    ["noop", noopPreview],
    ["refresh", bigRefresh],
    ["quota", quotaApply],
    ["found", quotaFound],
    ["scale", programScale],
  ];
  for (const [name, run] of parts) {
    if (!ONLY.has(name)) continue;
    const { seconds } = await timed(run);
    console.error(`bench part ${name}: ${seconds.toFixed(0)} s`);
  }
  console.log("| part | figure | value | baseline | ratio |");
  console.log("|---|---|---|---|---|");
  for (const r of rows) console.log(`| ${r.part} | ${r.figure} | ${r.value} | ${r.baseline} | ${r.ratio} |`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
