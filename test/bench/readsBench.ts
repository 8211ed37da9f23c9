/**
 * The request figures of `npm run bench`: what each operation costs through the real Pulumi CLI
 * against the sandbox's request counters, next to the least the APIs allow for it.
 *
 * - membership: per directory, `pulumi up --yes` (a preview process, then an update process)
 *   and `pulumi up --skip-preview` (one process) of: adding N members to a bound group of 10,
 *   an unchanged binding (no-op), removing them again, and a new binding of a group that already
 *   has its N members (bind). N in BENCH_READ_MEMBERS (default "1000"; the issue's sizes are
 *   "1000,7000").
 * - refresh: `pulumi refresh` of G Google groups and G Entra groups, each with a binding of 3
 *   members, G in BENCH_REFRESH_GROUPS (default "100"; "100,1000" for the issue's sizes).
 *
 * The minimum of an operation is counted per provider process: each process that plans or
 * applies reads each group and member list it needs once (a page per 200 Google members, per
 * 999 Graph members), resolves each Entra user to add once (15 per `in` filter) and, on Google,
 * looks up each user to add once (users.get, to name unknown users at preview; only with the
 * admin.directory.user.readonly scope, which the sandbox grants); the update process also writes
 * each change once. Round trips: Google batches up to 1,000 calls, Graph `$batch` 20; a member
 * list's pages follow one another; Groups Settings calls go one by one (no batch). Token grants
 * are counted apart (one per credential and scope per process is the least).
 *
 * Run alone: `npx tsx test/bench/readsBench.ts` (needs `npm run build` and the engine);
 * BENCH_READ_PARTS=membership,refresh runs a subset.
 */
import type { Request } from "express";
import * as sinon from "sinon";
import { startSandbox, type Sandbox } from "../../provider/sandbox";
import { Faults, type FaultRule, type SandboxApi } from "../../provider/sandbox/faults";
import { Quota } from "../../provider/sandbox/google/quota";
import { E2eStack, type ProgramSpec } from "../support/e2eProgram";
import { entraGroupsNamed, entraMembers, googleMembers } from "../support/sandboxViews";

const SIZES = (process.env.BENCH_READ_MEMBERS ?? "1000").split(",").map(Number);
const REFRESH_GROUPS = (process.env.BENCH_REFRESH_GROUPS ?? "100").split(",").map(Number);
const PARTS = new Set((process.env.BENCH_READ_PARTS ?? "membership,refresh,quota,throttle").split(","));
/** Quota runs: "groups@quota" (the provider told the quota) or "groups@quota?" (told nothing: it finds it). */
const QUOTA_RUNS = (process.env.BENCH_QUOTA_RUNS ?? "30@300,30@600?,10@120?").split(",");
const THROTTLE_GROUPS = Number(process.env.BENCH_THROTTLE_GROUPS ?? 30);
const THROTTLE_SHARE = Number(process.env.BENCH_THROTTLE ?? 0.3);
const UNLIMITED = 1_000_000;
const BASE = 10;
const GOOGLE_PAGE = 200;
const GRAPH_PAGE = 999;
const GOOGLE_BATCH = 1000;
const GRAPH_BATCH = 20;
const GRAPH_BIND = 20;
const GRAPH_FILTER_IN = 15;

/** The sandbox's request counts, sorted into what the figures need. */
export interface Tally {
  google: { reads: number; writes: number; trips: number };
  settings: { reads: number; writes: number };
  entra: { reads: number; writes: number; trips: number };
  tokens: { google: number; entra: number };
}

export function tally(counts: Record<string, number>): Tally {
  const t: Tally = { google: { reads: 0, writes: 0, trips: 0 }, settings: { reads: 0, writes: 0 }, entra: { reads: 0, writes: 0, trips: 0 }, tokens: { google: 0, entra: 0 } };
  for (const [key, n] of Object.entries(counts)) {
    const item = key.startsWith("BATCH-ITEM ");
    const [method, path] = key.replace(/^BATCH-ITEM /, "").split(" ");
    const write = method !== "GET";
    if (/^\/google\/|^\/v1\/(token|projects)/.test(path)) t.tokens.google += n;
    else if (/oauth2\/v2\.0\/token/.test(path)) t.tokens.entra += n;
    else if (/openid-configuration|discovery|instance/.test(path)) continue;
    else if (path === "/batch/admin/directory_v1") t.google.trips += n;
    else if (path.startsWith("/admin/directory/v1")) {
      t.google[write ? "writes" : "reads"] += n;
      if (!item) t.google.trips += n;
    } else if (path.startsWith("/groups/v1")) t.settings[write ? "writes" : "reads"] += n;
    else if (path === "/v1.0/$batch") t.entra.trips += n;
    else if (path.startsWith("/v1.0/")) {
      t.entra[write ? "writes" : "reads"] += n;
      if (!item) t.entra.trips += n;
    }
  }
  return t;
}

export interface Row {
  part: string;
  operation: string;
  measured: string;
  minimum: string;
  ratio: string;
}

const ratio = (value: number, minimum: number) => (minimum === 0 ? (value === 0 ? "1.00x" : `+${value}`) : `${(value / minimum).toFixed(2)}x`);
const users = (n: number, prefix: string) => Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(5, "0")}@example.com`);
const entraId = (n: number) => `00000001-0000-4000-8000-${String(n).padStart(12, "0")}`;

async function ok(what: string, run: Promise<{ code: number; output: string }>): Promise<void> {
  const result = await run;
  if (result.code !== 0) throw new Error(`${what} failed:\n${result.output.slice(-3000)}`);
}

/** Figures of one measured run of one directory. */
interface Figures {
  reads: number;
  writes: number;
  trips: number;
  tokens: number;
}

function figuresOf(t: Tally, service: "google" | "entra"): Figures {
  return service === "google"
    ? { reads: t.google.reads + t.settings.reads, writes: t.google.writes + t.settings.writes, trips: t.google.trips + t.settings.reads + t.settings.writes, tokens: t.tokens.google }
    : { reads: t.entra.reads, writes: t.entra.writes, trips: t.entra.trips, tokens: t.tokens.entra };
}

function pushRow(rows: Row[], part: string, operation: string, got: Figures, least: Omit<Figures, "tokens">): void {
  rows.push({
    part,
    operation,
    measured: `${got.reads} reads, ${got.writes} writes, ${got.trips} round trips (${got.tokens} token grants)`,
    minimum: `${least.reads} reads, ${least.writes} writes, ${least.trips} round trips`,
    ratio: `reads ${ratio(got.reads, least.reads)}, writes ${ratio(got.writes, least.writes)}, trips ${ratio(got.trips, least.trips)}`,
  });
}

/** The least one process reads (and, in the update process, writes) for an operation. */
interface Least {
  /** Per process that plans or applies. */
  reads: number;
  readTrips: number;
  /** Once, in the update process. */
  writes: number;
  writeTrips: number;
}

function least(l: Least, processes: number): Omit<Figures, "tokens"> {
  return { reads: l.reads * processes, writes: l.writes, trips: l.readTrips * processes + l.writeTrips };
}

function googlePages(members: number): number {
  return Math.max(1, Math.ceil(members / GOOGLE_PAGE));
}

function graphPages(members: number): number {
  return Math.max(1, Math.ceil(members / GRAPH_PAGE));
}

/** The least of each membership operation, per directory. */
function membershipLeast(service: "google" | "entra", op: "add" | "noop" | "remove" | "bind", n: number): Least {
  if (op === "noop") return { reads: 0, readTrips: 0, writes: 0, writeTrips: 0 };
  if (service === "google") {
    switch (op) {
      case "add":
        // The list of BASE members, and users.get of each user to add (unknown users named at preview).
        return { reads: googlePages(BASE) + n, readTrips: googlePages(BASE) + Math.ceil(n / GOOGLE_BATCH), writes: n, writeTrips: Math.ceil(n / GOOGLE_BATCH) };
      case "remove":
        return { reads: googlePages(BASE + n), readTrips: googlePages(BASE + n), writes: n, writeTrips: Math.ceil(n / GOOGLE_BATCH) };
      case "bind":
        return { reads: googlePages(n), readTrips: googlePages(n), writes: 0, writeTrips: 0 };
    }
  }
  switch (op) {
    case "add": {
      const lookups = Math.ceil(n / GRAPH_FILTER_IN);
      const binds = Math.ceil(n / GRAPH_BIND);
      return { reads: graphPages(BASE) + lookups, readTrips: graphPages(BASE) + Math.ceil(lookups / GRAPH_BATCH), writes: binds, writeTrips: Math.ceil(binds / GRAPH_BATCH) };
    }
    case "remove":
      return { reads: graphPages(BASE + n), readTrips: graphPages(BASE + n), writes: n, writeTrips: Math.ceil(n / GRAPH_BATCH) };
    case "bind":
      return { reads: graphPages(n), readTrips: graphPages(n), writes: 0, writeTrips: 0 };
  }
}

function baseSpec(service: "google" | "entra", sandbox: Sandbox): ProgramSpec {
  return service === "google"
    ? {
        management: { workspace: { google: { domains: ["example.com"] } } },
        googleGroups: { ops: { management: "workspace", email: "ops@example.com" }, bound: { management: "workspace", email: "bound@example.com" } },
        bindings: {},
      }
    : {
        management: { tenant: { entra: { tenantId: sandbox.entra.tenantId } } },
        entraGroups: { ops: { management: "tenant", displayName: "Ops" }, bound: { management: "tenant", displayName: "Bound" } },
        bindings: {},
      };
}

async function membership(rows: Row[], n: number): Promise<void> {
  const base = users(BASE, "base");
  const added = users(n, "user");
  const bound = users(n, "bound");
  const all = [...base, ...added, ...bound];
  const ids = new Map(all.map((upn, i) => [upn, entraId(i)]));
  const sandbox = await startSandbox({
    google: {
      domains: ["example.com"],
      users: all.map((primaryEmail) => ({ primaryEmail })),
      groups: [
        { email: "ops@example.com", name: "ops", members: base },
        { email: "bound@example.com", name: "bound", members: bound },
      ],
    },
    googleBehaviour: { quotaPerMinute: UNLIMITED },
    entra: {
      users: all.map((userPrincipalName) => ({ id: ids.get(userPrincipalName)!, userPrincipalName })),
      groups: [
        { id: "00000002-0000-4000-8000-000000000001", displayName: "Ops", members: base.map((u) => ids.get(u)!) },
        { id: "00000002-0000-4000-8000-000000000002", displayName: "Bound", members: bound.map((u) => ids.get(u)!) },
      ],
    },
  });
  try {
    for (const service of ["google", "entra"] as const) {
      const label = service === "google" ? "Google" : "Entra";
      const stack = await E2eStack.create(sandbox, `reads-${service}-${n}`);
      stack.workspace.setEnv("GROUP_EXPORT_GOOGLE_QUOTA_PER_MINUTE", String(UNLIMITED));
      const spec = baseSpec(service, sandbox);
      const declare = (opsUsers: string[], withBound: boolean) => {
        const bindings: Record<string, Record<string, unknown>> = { "ops-members": { target: "ops", userGroup: { name: "Ops", users: opsUsers }, maxRemovalPercent: 100 } };
        if (withBound) bindings["bound-members"] = { target: "bound", userGroup: { name: "Bound", users: bound } };
        stack.declare({ ...spec, bindings });
      };
      declare(base, false);
      await ok(`${label} setup`, stack.workspace.up());
      for (const [mode, processes, run] of [
        ["up --yes", 2, () => stack.workspace.upWithPreview()],
        ["up --skip-preview", 1, () => stack.workspace.up()],
      ] as const) {
        for (const [op, opsUsers, withBound] of [
          ["add", [...base, ...added], false],
          ["noop", [...base, ...added], false],
          ["remove", base, false],
          ["bind", base, true],
        ] as const) {
          declare([...opsUsers], withBound);
          sandbox.resetRequestCounts();
          await ok(`${label} ${op} (${mode})`, run());
          const what = { add: `add ${n} members to a group of ${BASE}`, noop: `no change (${n + BASE} members)`, remove: `remove ${n} of ${n + BASE} members`, bind: `bind a group of ${n} members` }[op];
          if (process.env.BENCH_DUMP) console.error(label, op, mode, JSON.stringify(sandbox.requestCounts()));
          pushRow(rows, "membership", `${label}: ${what}, ${mode}`, figuresOf(tally(sandbox.requestCounts()), service), least(membershipLeast(service, op, n), processes));
        }
        // Unbound again (not measured), for the next mode's bind.
        declare(base, false);
        await ok(`${label} unbind`, stack.workspace.up());
      }
    }
  } finally {
    await sandbox.close();
  }
}

async function refresh(rows: Row[], groups: number): Promise<void> {
  const members = users(3, "member");
  const sandbox = await startSandbox({
    google: { domains: ["example.com"], users: members.map((primaryEmail) => ({ primaryEmail })) },
    googleBehaviour: { quotaPerMinute: UNLIMITED },
    entra: { users: members.map((userPrincipalName) => ({ userPrincipalName })) },
  });
  try {
    const stack = await E2eStack.create(sandbox, `refresh-${groups}`);
    stack.workspace.setEnv("GROUP_EXPORT_GOOGLE_QUOTA_PER_MINUTE", String(UNLIMITED));
    const spec: ProgramSpec = {
      management: { workspace: { google: { domains: ["example.com"] } }, tenant: { entra: { tenantId: sandbox.entra.tenantId } } },
      googleGroups: {},
      entraGroups: {},
      bindings: {},
      stackOutputs: false,
    };
    for (let g = 0; g < groups; g++) {
      spec.googleGroups![`g-${g}`] = { management: "workspace", email: `g-${g}@example.com` };
      spec.bindings![`g-${g}-members`] = { target: `g-${g}`, userGroup: { name: `G ${g}`, users: members } };
      spec.entraGroups![`e-${g}`] = { management: "tenant", displayName: `E ${g}` };
      spec.bindings![`e-${g}-members`] = { target: `e-${g}`, userGroup: { name: `E ${g}`, users: members } };
    }
    stack.declare(spec);
    // Setting up only: the file backend rewrites the whole state after every step (quadratic in the resources).
    stack.workspace.setEnv("PULUMI_SKIP_CHECKPOINTS", "true");
    await ok(`refresh setup of ${groups}`, stack.workspace.up());
    stack.workspace.setEnv("PULUMI_SKIP_CHECKPOINTS", "false");
    for (const parallel of [undefined, 64]) {
      sandbox.resetRequestCounts();
      const started = performance.now();
      await ok(`refresh of ${groups}`, stack.workspace.refresh(...(parallel ? ["--parallel", String(parallel)] : [])));
      const seconds = (performance.now() - started) / 1000;
      const t = tally(sandbox.requestCounts());
      const how = parallel ? `--parallel ${parallel}` : "engine's default parallelism";
      rows.push({
        part: "refresh",
        operation: `Google: refresh of ${groups} groups + ${groups} bindings (${how}), ${seconds.toFixed(1)} s for both directories`,
        measured: `${t.google.reads} Directory reads in ${t.google.trips} round trips + ${t.settings.reads} Settings GETs (${t.tokens.google} token grants)`,
        minimum: `${2 * groups} reads in ${Math.ceil((2 * groups) / GOOGLE_BATCH)} round trips + ${groups} Settings GETs`,
        ratio: `reads ${ratio(t.google.reads, 2 * groups)}, trips ${ratio(t.google.trips, Math.ceil((2 * groups) / GOOGLE_BATCH))}`,
      });
      rows.push({
        part: "refresh",
        operation: `Entra: refresh of ${groups} groups + ${groups} bindings (${how})`,
        measured: `${t.entra.reads} reads in ${t.entra.trips} round trips (${t.tokens.entra} token grants)`,
        minimum: `${2 * groups} reads in ${Math.ceil((2 * groups) / GRAPH_BATCH)} round trips`,
        ratio: `reads ${ratio(t.entra.reads, 2 * groups)}, trips ${ratio(t.entra.trips, Math.ceil((2 * groups) / GRAPH_BATCH))}`,
      });
    }
  } finally {
    await sandbox.close();
  }
}

/**
 * One `pulumi up` of `groups` Google groups of 20 members against a sandbox whose quota is
 * `perMinute`, with the provider told that quota (groupExport:googleQuotaPerMinute) or not
 * (`told` false: it paces to Google's default of 2,400 until refusals teach it the real one).
 */
async function quotaRun(rows: Row[], groups: number, perMinute: number, told: boolean): Promise<void> {
  const list = users(20, "user");
  const sandbox = await startSandbox({ google: { domains: ["example.com"], users: list.map((primaryEmail) => ({ primaryEmail })) } });
  // `take` is private to the sandbox's Quota; spying on it is the only way to count refusals from outside.
  const take = sinon.spy(Quota.prototype as unknown as { take: (user: string) => boolean }, "take");
  try {
    const stack = await E2eStack.create(sandbox, `quota-${perMinute}`);
    const spec: ProgramSpec = { management: { workspace: { google: { domains: ["example.com"] } } }, googleGroups: {}, bindings: {} };
    for (let g = 0; g < groups; g++) {
      spec.googleGroups![`team-${g}`] = { management: "workspace", email: `team-${g}@example.com`, name: `Team ${g}` };
      spec.bindings![`team-${g}-members`] = { target: `team-${g}`, userGroup: { name: `Team ${g}`, users: list } };
    }
    stack.declare(spec);
    if (told) stack.workspace.setEnv("GROUP_EXPORT_GOOGLE_QUOTA_PER_MINUTE", String(perMinute));
    sandbox.google.setQuota({ perMinute });
    take.resetHistory();
    sandbox.resetRequestCounts();
    const started = performance.now();
    const up = await stack.workspace.up();
    const seconds = (performance.now() - started) / 1000;
    const calls = Object.entries(sandbox.requestCounts())
      .filter(([key]) => /^(BATCH-ITEM )?\w+ \/admin\/directory\/v1/.test(key))
      .reduce((sum, [, n]) => sum + n, 0);
    const refused = take.returnValues.filter((allowed) => !allowed).length;
    // A sliding minute lets `perMinute` calls start at 0 s, 60 s, 120 s...: the last starts after whole windows.
    const minimum = Math.max(0, (Math.ceil((calls - refused) / perMinute) - 1) * 60);
    const incomplete = Array.from({ length: groups }, (_, g) => `team-${g}@example.com`).filter((e) => googleMembers(sandbox, e).length !== list.length).length;
    const converged = up.code === 0 && incomplete === 0;
    rows.push({
      part: "quota",
      operation: `Google: one up of ${groups} groups x 20 members, real quota ${perMinute}/min, ${told ? "groupExport:googleQuotaPerMinute set to it" : "no setting (found from refusals)"}`,
      measured: `${seconds.toFixed(0)} s, ${calls} calls, ${refused} refused, converged: ${converged ? "yes" : `no (${incomplete} groups incomplete)`}`,
      minimum: `${minimum} s (the quota's own minimum for ${calls - refused} calls)`,
      ratio: minimum > 0 ? `${(seconds / minimum).toFixed(2)}x` : "-",
    });
  } finally {
    take.restore();
    await sandbox.close();
  }
}

/**
 * One `pulumi up` of `groups` Entra groups of 20 members with a share of all Graph requests
 * (`$batch` items included) refused 429 with Retry-After: 1 (`mode` "throttle"), against the
 * same up where each of those requests is instead only delayed as long as its refusals' Retry-After
 * say ("retryAfterOnly": what waiting exactly the Retry-After values, and nothing else, costs),
 * and against no fault at all ("calm").
 */
async function throttleRun(mode: "calm" | "throttle" | "retryAfterOnly", groups: number, share: number): Promise<{ seconds: number; converged: boolean; refusals: number }> {
  const list = Array.from({ length: 20 }, (_, i) => `user${i}@example.com`);
  const sandbox = await startSandbox({ entra: { users: list.map((userPrincipalName) => ({ userPrincipalName })) } });
  let refusals = 0;
  if (mode !== "calm") {
    // The sandbox injects faults by count only; a random share needs its rule lookup wrapped (private, hence the cast).
    const faults = Faults.prototype as unknown as { take: (api: SandboxApi, req: Request) => FaultRule | undefined };
    const take = faults.take;
    sinon.replace(faults, "take", function (this: Faults, api: SandboxApi, req: Request) {
      const rule = take.call(this, api, req);
      if (rule || api !== "entra") return rule;
      if (mode === "throttle") {
        if (Math.random() >= share) return undefined;
        refusals++;
        return { api, kind: "throttle", retryAfterSeconds: 1 };
      }
      // As many refusals in a row as the throttled run would draw for this request, each waited out for its Retry-After.
      let k = 0;
      while (Math.random() < share) k++;
      refusals += k;
      return k > 0 ? { api, kind: "latency", delayMs: k * 1000 } : undefined;
    });
  }
  try {
    const stack = await E2eStack.create(sandbox, mode);
    const spec: ProgramSpec = { management: { tenant: { entra: { tenantId: sandbox.entra.tenantId } } }, entraGroups: {}, bindings: {} };
    for (let g = 0; g < groups; g++) {
      spec.entraGroups![`team-${g}`] = { management: "tenant", displayName: `Team ${g}` };
      spec.bindings![`team-${g}-members`] = { target: `team-${g}`, userGroup: { name: `Team ${g}`, users: list } };
    }
    stack.declare(spec);
    const started = performance.now();
    const up = await stack.workspace.up();
    const seconds = (performance.now() - started) / 1000;
    const converged =
      up.code === 0 && Array.from({ length: groups }, (_, g) => entraGroupsNamed(sandbox, `Team ${g}`)).every((found) => found.length === 1 && entraMembers(sandbox, found[0].id).length === list.length);
    if (up.code !== 0) console.error(up.output.split("\n").filter((l) => /error/i.test(l)).slice(0, 5).join("\n"));
    return { seconds, converged, refusals };
  } finally {
    sinon.restore();
    await sandbox.close();
  }
}

async function throttle(rows: Row[]): Promise<void> {
  const calm = await throttleRun("calm", THROTTLE_GROUPS, THROTTLE_SHARE);
  const implied = await throttleRun("retryAfterOnly", THROTTLE_GROUPS, THROTTLE_SHARE);
  const throttled = await throttleRun("throttle", THROTTLE_GROUPS, THROTTLE_SHARE);
  rows.push({
    part: "throttle",
    operation: `Entra: one up of ${THROTTLE_GROUPS} groups x 20 members, ${THROTTLE_SHARE * 100}% of Graph requests refused 429 (Retry-After: 1)`,
    measured: `${throttled.seconds.toFixed(1)} s (${throttled.refusals} refusals; converged: ${throttled.converged ? "yes" : "no"}); unthrottled ${calm.seconds.toFixed(1)} s (${(throttled.seconds / calm.seconds).toFixed(2)}x)`,
    minimum: `${implied.seconds.toFixed(1)} s: the same requests only delayed by their Retry-After (${implied.refusals} s of delays)`,
    ratio: `${(throttled.seconds / implied.seconds).toFixed(2)}x`,
  });
}

export async function readsBench(): Promise<Row[]> {
  const rows: Row[] = [];
  if (PARTS.has("membership")) for (const n of SIZES) await membership(rows, n);
  if (PARTS.has("refresh")) for (const g of REFRESH_GROUPS) await refresh(rows, g);
  if (PARTS.has("quota")) {
    for (const run of QUOTA_RUNS) {
      const [groups, quota] = run.split("@");
      await quotaRun(rows, Number(groups), Number(quota.replace("?", "")), !quota.endsWith("?"));
    }
  }
  if (PARTS.has("throttle")) await throttle(rows);
  return rows;
}

export function printRows(rows: Row[]): void {
  console.log("| part | operation | measured | API minimum | ratio |");
  console.log("|---|---|---|---|---|");
  for (const r of rows) console.log(`| ${r.part} | ${r.operation} | ${r.measured} | ${r.minimum} | ${r.ratio} |`);
}

if (require.main === module) {
  readsBench()
    .then(printRows)
    .catch((error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    });
}
