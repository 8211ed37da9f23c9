/**
 * npm run journeys -- --seed <n> --count <n> [--steps 4-8] [--flavour file|program] [--shrink-minutes 6] [--out failures.jsonl] [--replay file.json]
 *
 * Runs `count` generated journeys (journey i from seed n + i) one after the other through the
 * real CLI, and prints each failure with its seed and its sequence shrunk by fast-check to the
 * smallest that still fails the same way (same invariant, same kind of edit). `--out` appends
 * each failure as a JSON line in the shape of test/journeys/regressions.json's entries.
 * `--replay <file>` runs the sequence(s) of a JSON file (a sequence, or a regressions file) instead.
 */
import { appendFileSync, readFileSync } from "node:fs";
import fc from "fast-check";
import { generateSandboxTls, type SandboxTls } from "../../provider/sandbox";
import { describeSequence, sequenceArbitrary, truncateAfter } from "./generator";
import { journeySequenceSchema, regressionsFileSchema, type JourneySequence } from "./model";
import { runJourney, type JourneyResult } from "./runner";
import type { Flavour } from "./model";

interface Options {
  seed: number;
  count: number;
  minSteps: number;
  maxSteps: number;
  flavour?: Flavour;
  shrinkMinutes: number;
  out?: string;
  replay?: string;
  kills: boolean;
}

const USAGE = `Usage: npm run journeys -- --seed N --count N [--steps 4-8] [--flavour file|program]
                            [--shrink-minutes 6] [--out failures.jsonl] [--replay file.json] [--no-kills]

Runs generated journeys (journey i from seed N + i) one after the other through the real CLI
against a fresh sandbox each, checks the invariants after every up, and shrinks each failure.
  --seed N            the first journey's seed (default: from the clock)
  --count N           how many journeys (default 1)
  --steps A-B         steps per journey (default 4-8)
  --flavour F         file (groups file, root project) or program (inline); default: alternating
  --shrink-minutes M  time to shrink a failure with fast-check (default 6)
  --out FILE          append each failure as a JSON line shaped like regressions.json's entries
  --replay FILE       run the sequence(s) of FILE (one sequence, or a regressions file) instead
  --no-kills          only the suite's kinds of edit (by default some steps' ups are killed, then
                      recovered with docs/guides/recovery.md's commands, and groups are released,
                      split in two and merged back)
`;

function parseArgs(argv: string[]): Options {
  const options: Options = { seed: Date.now() % 1_000_000, count: 1, minSteps: 4, maxSteps: 8, shrinkMinutes: 6, kills: true };
  for (let i = 0; i < argv.length; i++) {
    const value = argv[i + 1];
    switch (argv[i]) {
      case "--help":
      case "-h":
        process.stdout.write(USAGE);
        process.exit(0);
        break;
      case "--seed":
        options.seed = Number(value);
        break;
      case "--count":
        options.count = Number(value);
        break;
      case "--steps": {
        const [a, b] = String(value).split("-").map(Number);
        options.minSteps = a!;
        options.maxSteps = b ?? a!;
        break;
      }
      case "--flavour":
        options.flavour = value as Flavour;
        break;
      case "--shrink-minutes":
        options.shrinkMinutes = Number(value);
        break;
      case "--out":
        options.out = value;
        break;
      case "--replay":
        options.replay = value;
        break;
      case "--no-kills":
        options.kills = false;
        // A flag: no value to skip.
        continue;
      default:
        throw new Error(`unknown option ${argv[i]}: use --seed, --count, --steps a-b, --flavour, --shrink-minutes, --out, --replay, --no-kills`);
    }
    i++;
  }
  if (!Number.isInteger(options.seed) || !(options.count > 0) || !(options.minSteps >= 1 && options.maxSteps >= options.minSteps)) throw new Error("--seed, --count and --steps need numbers, e.g. --seed 7 --count 20 --steps 4-8");
  return options;
}

const signature = (result: JourneyResult, sequence: JourneySequence) => {
  const failure = result.failures[0];
  return failure ? `${failure.invariant}@${String(sequence.steps[failure.step]?.edit.kind)}` : undefined;
};

function printFailure(seed: number, sequence: JourneySequence, result: JourneyResult, original: JourneySequence): void {
  console.log(`\nFAILURE seed ${seed}: ${signature(result, sequence)} (shrunk from ${original.steps.length} to ${sequence.steps.length} steps; steps after the failing one dropped)`);
  console.log(describeSequence(sequence));
  for (const f of result.failures) console.log(`  step ${f.step} (${f.says}): ${f.invariant}: ${f.message}`);
}

async function runSeed(seed: number, options: Options, tls: SandboxTls): Promise<{ failed: boolean; ups: number; seconds: number }> {
  // One flavour per seed (alternating unless --flavour): fast-check shrinks best without a chain.
  const flavour = options.flavour ?? (seed % 2 === 0 ? "file" : "program");
  const arbitrary = sequenceArbitrary({ flavour, minSteps: options.minSteps, maxSteps: options.maxSteps, optIn: options.kills ? 2 : 0 });
  let target: string | undefined;
  let smallest: { sequence: JourneySequence; result: JourneyResult } | undefined;
  let original: JourneySequence | undefined;
  let foundAt = 0;
  let ups = 0;
  let seconds = 0;
  const property = fc.asyncProperty(arbitrary, async (sequence) => {
    // Shrinking runs whole journeys through the CLI: stop trying candidates once the budget is spent.
    if (target && Date.now() - foundAt > options.shrinkMinutes * 60_000) return true;
    const result = await runJourney(sequence, { tls, log: target ? undefined : (line) => console.log(line) });
    ups += result.ups;
    seconds += result.seconds;
    const got = signature(result, sequence);
    if (!got) return true;
    if (!target) {
      target = got;
      original = sequence;
      foundAt = Date.now();
      console.log(`  journey of seed ${seed} failed (${got}); shrinking for up to ${options.shrinkMinutes} min...`);
    } else if (got !== target) return true; // another failure: not the one being shrunk
    const failing = truncateAfter(sequence, result.failures[0]!.step);
    if (!smallest || failing.steps.length <= smallest.sequence.steps.length) smallest = { sequence: failing, result };
    return false;
  });
  await fc.check(property, { seed, numRuns: 1, endOnFailure: false });
  if (smallest && original) {
    printFailure(seed, smallest.sequence, smallest.result, original);
    if (options.out) {
      const f = smallest.result.failures[0]!;
      appendFileSync(options.out, JSON.stringify({ name: `seed ${seed}: ${target}`, found: `${f.invariant} at step ${f.step} (${f.says}): ${f.message.slice(0, 300)}`, seed, sequence: smallest.sequence }) + "\n");
    }
  }
  return { failed: smallest !== undefined, ups, seconds };
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const tls = await generateSandboxTls();
  if (options.replay) {
    const json = JSON.parse(readFileSync(options.replay, "utf8")) as unknown;
    const file = regressionsFileSchema.safeParse(json);
    const sequences = file.success ? file.data.regressions.map((r) => ({ name: r.name, sequence: r.sequence })) : [{ name: options.replay, sequence: journeySequenceSchema.parse(json) }];
    for (const { name, sequence } of sequences) {
      console.log(`\n${name}\n${describeSequence(sequence)}`);
      const result = await runJourney(sequence, { tls, log: (line) => console.log(line) });
      console.log(result.failures.length ? `FAILED (${result.seconds.toFixed(0)} s)` : `passed (${result.seconds.toFixed(0)} s, ${result.ups} ups)`);
    }
    return;
  }
  let failed = 0;
  let ups = 0;
  let seconds = 0;
  const started = Date.now();
  for (let i = 0; i < options.count; i++) {
    const seed = options.seed + i;
    console.log(`\njourney ${i + 1}/${options.count} (seed ${seed})`);
    const r = await runSeed(seed, options, tls);
    if (r.failed) failed++;
    ups += r.ups;
    seconds += r.seconds;
  }
  console.log(`\n${options.count} journeys from seed ${options.seed}: ${failed} failed; ${ups} ups in ${((Date.now() - started) / 1000).toFixed(0)} s (${(ups / seconds).toFixed(3)} ups/s while running journeys)`);
  process.exitCode = failed > 0 ? 1 : 0;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(2);
});
