/**
 * `npx tsx test/bench/entraThrottleBench.ts`: the whole path, through the real Pulumi CLI: one
 * `pulumi up` of BENCH_GROUPS Entra security groups (default 30) with 20 members each, first
 * unthrottled, then with BENCH_THROTTLE (default 0.3) of all Graph requests, `$batch` items
 * included, answered 429 with `Retry-After: 1`. Prints both times and their ratio. Needs
 * `npm run build` and the engine. Asserts nothing about speed.
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

async function apply(throttled: boolean): Promise<{ seconds: number; converged: boolean; throttles: number }> {
  const users = Array.from({ length: MEMBERS }, (_, i) => `user${i}@example.com`);
  const sandbox = await startSandbox({ entra: { users: users.map((userPrincipalName) => ({ userPrincipalName })) } });
  let throttles = 0;
  if (throttled) {
    // The sandbox injects faults by count only; a random share needs its rule lookup wrapped (private, hence the cast).
    const faults = Faults.prototype as unknown as { take: (api: SandboxApi, req: Request) => FaultRule | undefined };
    const take = faults.take;
    sinon.replace(faults, "take", function (this: Faults, api: SandboxApi, req: Request) {
      const rule = take.call(this, api, req);
      if (rule || api !== "entra" || Math.random() >= SHARE) return rule;
      throttles++;
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
    return { seconds, converged, throttles };
  } finally {
    sinon.restore();
    await sandbox.close();
  }
}

async function main(): Promise<void> {
  const calm = await apply(false);
  const throttled = await apply(true);
  console.log(`| Entra groups x members | throttled share | unthrottled | throttled (429s sent) | ratio | converged in one up |`);
  console.log(`|---|---|---|---|---|---|`);
  console.log(
    `| ${GROUPS} x ${MEMBERS} | ${SHARE} | ${calm.seconds.toFixed(1)} s | ${throttled.seconds.toFixed(1)} s (${throttled.throttles}) | ${(throttled.seconds / calm.seconds).toFixed(2)}x | ${calm.converged && throttled.converged ? "yes" : "no"} |`,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
