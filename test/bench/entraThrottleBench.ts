/**
 * `npx tsx test/bench/entraThrottleBench.ts`: the whole path, through the real Pulumi CLI: one
 * `pulumi up` of BENCH_GROUPS Entra security groups (default 30) with 20 members each, first
 * unthrottled, then with BENCH_THROTTLE (default 0.3) of all Graph requests, `$batch` items
 * included, answered 429 with `Retry-After: 1`. Prints both times, their ratio, and the time the
 * Retry-After values alone imply: the unthrottled time plus, for the unluckiest group, one
 * Retry-After per round of refusals that met its own chain of requests (its create, its
 * members, the envelopes carrying them, and the user lookups every binding waits for; refusals
 * within 500 ms of each other are one round: they wait together). A client that waited out
 * exactly each Retry-After and slowed nothing else would take about that. Needs `npm run
 * build` and the engine. Asserts nothing about speed.
 */
import type { Request } from "express";
import * as sinon from "sinon";
import { startSandbox } from "../../provider/sandbox";
import { Faults, type FaultRule, type SandboxApi } from "../../provider/sandbox/faults";
import { E2eStack, type ProgramSpec } from "../support/e2eProgram";
import { entraGroupsNamed, entraMembers } from "../support/sandboxViews";

const GROUPS = Number(process.env.BENCH_GROUPS ?? 30);
const MEMBERS = 20;
const SHARE = Number(process.env.BENCH_THROTTLE ?? 0.3);
const RETRY_AFTER_SECONDS = 1;
/** Refusals of one chain closer than this wait out one Retry-After together. */
const ROUND_MS = 500;

interface Refusal {
  at: number;
  /** The groups whose chain the refused request belongs to (ids, or `name:` for a create); none: every chain (user lookups). */
  groups: string[];
}

/**
 * The chains a Graph request (`url` relative to /v1.0, with its query) belongs to: a group's id,
 * or its name or mail nickname (a create, a lookup by `$filter`); a `$batch` envelope carries
 * its items' chains.
 */
function chainsOf(url: string, body: unknown): string[] {
  const { pathname, searchParams } = new URL(url, "http://x/");
  if (pathname === "/$batch") {
    const items = (body as { requests?: { url: string; body?: unknown }[] } | undefined)?.requests ?? [];
    return [...new Set(items.flatMap((item) => chainsOf(item.url, item.body)))];
  }
  const id = /^\/groups\/([0-9a-f-]{36})/.exec(pathname)?.[1];
  if (id) return [id];
  if (pathname !== "/groups") return [];
  const name = (body as { displayName?: string } | undefined)?.displayName;
  if (name) return [`name:${name}`];
  const literal = /'((?:[^']|'')*)'/.exec(searchParams.get("$filter") ?? "")?.[1]?.replace(/''/g, "'");
  return literal ? [`name:${literal}`] : [];
}

/** Rounds of refusals (ROUND_MS apart) that met the chain of this group. */
function roundsOf(refusals: Refusal[], group: { id: string; displayName: string; mailNickname: string } | undefined): number {
  if (!group) return 0;
  const keys = [group.id, `name:${group.displayName}`, `name:${group.mailNickname}`];
  const times = refusals
    .filter((r) => r.groups.length === 0 || r.groups.some((g) => keys.includes(g)))
    .map((r) => r.at)
    .sort((a, b) => a - b);
  return times.filter((t, i) => i === 0 || t - times[i - 1] > ROUND_MS).length;
}

async function apply(throttled: boolean): Promise<{ seconds: number; converged: boolean; throttles: number; rounds: number }> {
  const users = Array.from({ length: MEMBERS }, (_, i) => `user${i}@example.com`);
  const sandbox = await startSandbox({ entra: { users: users.map((userPrincipalName) => ({ userPrincipalName })) } });
  let throttles = 0;
  const refusals: Refusal[] = [];
  if (throttled) {
    // The sandbox injects faults by count only; a random share needs its rule lookup wrapped (private, hence the cast).
    const faults = Faults.prototype as unknown as { take: (api: SandboxApi, req: Request) => FaultRule | undefined };
    const take = faults.take;
    sinon.replace(faults, "take", function (this: Faults, api: SandboxApi, req: Request) {
      const rule = take.call(this, api, req);
      if (rule || api !== "entra" || Math.random() >= SHARE) return rule;
      throttles++;
      refusals.push({ at: Date.now(), groups: chainsOf(req.url, req.body) });
      return { api, kind: "throttle", retryAfterSeconds: 1 };
    });
  }
  try {
    const stack = await E2eStack.create(sandbox, throttled ? "throttled" : "calm");
    const spec: ProgramSpec = { management: { tenant: { entra: { tenantId: sandbox.entra.tenantId } } }, entraGroups: {}, bindings: {} };
    for (let g = 0; g < GROUPS; g++) {
      spec.entraGroups![`team-${g}`] = { management: "tenant", displayName: `Team ${g}` };
      spec.bindings![`team-${g}-members`] = { target: `team-${g}`, userGroup: { name: `Team ${g}`, users } };
    }
    stack.declare(spec);
    const started = Date.now();
    const up = await stack.workspace.up();
    const seconds = (Date.now() - started) / 1000;
    const converged =
      up.code === 0 && Array.from({ length: GROUPS }, (_, g) => entraGroupsNamed(sandbox, `Team ${g}`)).every((found) => found.length === 1 && entraMembers(sandbox, found[0].id).length === MEMBERS);
    if (up.code !== 0) console.log(up.output.split("\n").filter((l) => /error/i.test(l)).slice(0, 5).join("\n"));
    const rounds = Math.max(0, ...Array.from({ length: GROUPS }, (_, g) => roundsOf(refusals, entraGroupsNamed(sandbox, `Team ${g}`)[0])));
    return { seconds, converged, throttles, rounds };
  } finally {
    sinon.restore();
    await sandbox.close();
  }
}

async function main(): Promise<void> {
  const calm = await apply(false);
  const throttled = await apply(true);
  const implied = calm.seconds + throttled.rounds * RETRY_AFTER_SECONDS;
  console.log(`| Entra groups x members | throttled share | unthrottled | throttled (429s sent) | ratio | Retry-After alone implies (rounds on the unluckiest chain) | throttled / implied | converged in one up |`);
  console.log(`|---|---|---|---|---|---|---|---|`);
  console.log(
    `| ${GROUPS} x ${MEMBERS} | ${SHARE} | ${calm.seconds.toFixed(1)} s | ${throttled.seconds.toFixed(1)} s (${throttled.throttles}) | ${(throttled.seconds / calm.seconds).toFixed(2)}x | ` +
      `${implied.toFixed(1)} s (${throttled.rounds}) | ${(throttled.seconds / implied).toFixed(2)}x | ${calm.converged && throttled.converged ? "yes" : "no"} |`,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
