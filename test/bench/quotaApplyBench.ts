/**
 * `npx tsx test/bench/quotaApplyBench.ts`: the whole path, through the real Pulumi CLI: one
 * `pulumi up` of BENCH_GROUPS Google groups (default 100) with 20 members each, against a
 * sandbox whose Directory API quota is BENCH_QUOTA queries per minute (default 600), the
 * provider told the same quota. Prints whether one `up` converged, the calls made and refused,
 * and the time against the quota's own minimum (accepted calls / quota, in whole windows).
 * Needs `npm run build` and the engine (`npm run engine`). Asserts nothing about speed.
 */
import * as sinon from "sinon";
import { startSandbox } from "../../provider/sandbox";
import { Quota } from "../../provider/sandbox/google/quota";
import { E2eStack, type ProgramSpec } from "../support/e2eProgram";
import { googleMembers } from "../support/sandboxViews";

const GROUPS = Number(process.env.BENCH_GROUPS ?? 100);
const MEMBERS = 20;
const PER_MINUTE = Number(process.env.BENCH_QUOTA ?? 600);

async function main(): Promise<void> {
  const users = Array.from({ length: MEMBERS }, (_, i) => `user${i}@example.com`);
  const sandbox = await startSandbox({ google: { domains: ["example.com"], users: users.map((primaryEmail) => ({ primaryEmail })) } });
  try {
    const stack = await E2eStack.create(sandbox, "quota-bench");
    const spec: ProgramSpec = { management: { workspace: { google: { domains: ["example.com"] } } }, googleGroups: {}, bindings: {} };
    for (let g = 0; g < GROUPS; g++) {
      spec.googleGroups![`team-${g}`] = { management: "workspace", email: `team-${g}@example.com`, name: `Team ${g}` };
      spec.bindings![`team-${g}-members`] = { target: `team-${g}`, userGroup: { name: `Team ${g}`, users } };
    }
    stack.declare(spec);
    stack.workspace.setEnv("GROUP_EXPORT_GOOGLE_QUOTA_PER_MINUTE", String(PER_MINUTE));
    sandbox.google.setQuota({ perMinute: PER_MINUTE });
    // `take` is private to the sandbox's Quota; spying on it is the only way to count refusals from outside.
    const take = sinon.spy(Quota.prototype as unknown as { take: (user: string) => boolean }, "take");
    sandbox.resetRequestCounts();
    const started = Date.now();
    const up = await stack.workspace.up();
    const seconds = (Date.now() - started) / 1000;
    const calls = Object.entries(sandbox.requestCounts())
      .filter(([key]) => /^(BATCH-ITEM )?\w+ \/admin\/directory\/v1/.test(key))
      .reduce((sum, [, n]) => sum + n, 0);
    const refused = take.returnValues.filter((allowed) => !allowed).length;
    // A sliding minute lets `quota` calls start at 0 s, 60 s, 120 s...: the last starts after whole windows.
    const minimum = Math.max(0, (Math.ceil((calls - refused) / PER_MINUTE) - 1) * 60);
    const incomplete = Array.from({ length: GROUPS }, (_, g) => `team-${g}@example.com`).filter((e) => googleMembers(sandbox, e).length !== MEMBERS).length;
    console.log(`| groups x members | quota/min | one up converged | calls | refused | groups incomplete | time | quota's minimum | time / minimum |`);
    console.log(`|---|---|---|---|---|---|---|---|---|`);
    console.log(
      `| ${GROUPS} x ${MEMBERS} | ${PER_MINUTE} | ${up.code === 0 && incomplete === 0 ? "yes" : "no"} | ${calls} | ${refused} | ${incomplete} | ${seconds.toFixed(0)} s | ${minimum} s | ${minimum > 0 ? `${(seconds / minimum).toFixed(2)}x` : "n/a"} |`,
    );
    if (up.code !== 0) console.log(up.output.split("\n").filter((l) => /error/i.test(l)).slice(0, 5).join("\n"));
  } finally {
    sinon.restore();
    await sandbox.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
