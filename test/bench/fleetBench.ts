/**
 * The fleet's wall time at concurrency 1 and N side by side, and the peak memory per concurrent
 * stack: `npx tsx test/bench/fleetBench.ts` (BENCH_FLEET_TENANTS, default 8; BENCH_FLEET_CONCURRENCY,
 * default 3). The same work at each concurrency: a first `up` of fresh tenants (two user groups in
 * both directories each) would differ, so it runs once, then `preview` and the drift check
 * (`refresh`), which change nothing, run at 1 and at N. Memory: the resident memory of every
 * process of the run (the CLIs, programs and providers), sampled every 250 ms; its peak divided by
 * the tenants running at once.
 */
import { execFileSync } from "node:child_process";
import type { FleetCommand } from "../../provider/fleet/runFleet";
import { TestFleet } from "../support/fleet";

const TENANTS = Number(process.env.BENCH_FLEET_TENANTS ?? 8);
const N = Number(process.env.BENCH_FLEET_CONCURRENCY ?? 3);

/** Resident memory (MiB) of this process's descendants. */
function descendantsRss(): number {
  const rows = execFileSync("ps", ["-eo", "pid=,ppid=,rss="], { encoding: "utf8" }).trim().split("\n").map((l) => l.trim().split(/\s+/).map(Number));
  const children = new Map<number, number[]>();
  for (const [pid, ppid] of rows) children.set(ppid!, [...(children.get(ppid!) ?? []), pid!]);
  const rss = new Map(rows.map(([pid, , r]) => [pid!, r!]));
  let total = 0;
  const walk = (pid: number) => {
    for (const c of children.get(pid) ?? []) {
      total += rss.get(c) ?? 0;
      walk(c);
    }
  };
  walk(process.pid);
  return total / 1024;
}

async function measure(fleet: TestFleet, command: FleetCommand, concurrency: number): Promise<{ seconds: number; peakMiB: number }> {
  let peak = 0;
  const timer = setInterval(() => (peak = Math.max(peak, descendantsRss())), 250);
  const started = Date.now();
  const { result } = await fleet.run(command, concurrency);
  clearInterval(timer);
  const failed = result.tenants.filter((t) => t.status === "failed");
  if (failed.length > 0) throw new Error(`${command} at ${concurrency}: ${failed.map((t) => `${t.tenant}: ${t.error}`).join("; ")}`);
  return { seconds: (Date.now() - started) / 1000, peakMiB: peak };
}

async function main(): Promise<void> {
  const fleet = await TestFleet.start(TENANTS);
  try {
    fleet.writeTenantsFile();
    const first = await measure(fleet, "up", N);
    console.log(`first up of ${TENANTS} fresh tenants at concurrency ${N}: ${first.seconds.toFixed(1)} s, peak ${first.peakMiB.toFixed(0)} MiB (${(first.peakMiB / N).toFixed(0)} MiB per running stack)`);
    console.log(`| operation | tenants | concurrency 1 | concurrency ${N} | speed-up | peak memory at ${N} (per running stack) |`);
    console.log("|---|---|---|---|---|---|");
    for (const command of ["preview", "refresh"] as const) {
      const one = await measure(fleet, command, 1);
      const many = await measure(fleet, command, N);
      console.log(`| ${command} | ${TENANTS} | ${one.seconds.toFixed(1)} s (${(one.seconds / TENANTS).toFixed(1)} s per tenant, peak ${one.peakMiB.toFixed(0)} MiB) | ${many.seconds.toFixed(1)} s | ${(one.seconds / many.seconds).toFixed(2)}x | ${many.peakMiB.toFixed(0)} MiB (${(many.peakMiB / N).toFixed(0)} MiB) |`);
    }
  } finally {
    await fleet.close();
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
