#!/usr/bin/env node
/**
 * group-export-fleet: one stack per tenant, run through Pulumi's Automation API.
 *
 *   group-export-fleet preview|up|refresh --tenants tenants.yaml [--concurrency N] [--chunk K/N]
 *     [--parallel-runs P] [--tenant NAME]... [--format markdown|text] [--logs DIR] [--summary FILE]
 *
 * Progress goes to stderr (one line per tenant start and end, and a line every 15 s per tenant
 * still running); the fleet summary to stdout (Markdown when CI=true). Exit status: 0 every tenant
 * succeeded (refresh: and none drifted); 1 refresh found drift; 2 a tenant failed, or the tenants
 * file has problems (all listed, each with file:line and the fix).
 */
import { writeFileSync } from "node:fs";
import { fleetToMarkdown, fleetToText, progressLine } from "./render";
import { FLEET_COMMANDS, runFleet, type FleetCommand, type FleetOptions } from "./runFleet";

const USAGE =
  "usage: group-export-fleet preview|up|refresh --tenants <tenants.yaml> [--concurrency N] [--chunk K/N] [--parallel-runs P] [--tenant NAME]... [--format markdown|text] [--logs DIR] [--summary FILE]";

export interface CliOptions {
  command: FleetCommand;
  tenants: string;
  concurrency?: number;
  chunk?: { index: number; count: number };
  parallelRuns?: number;
  only: string[];
  format: "markdown" | "text";
  logs?: string;
  summaryFile?: string;
}

/** `--help`: the usage on stdout, exit 0 (a usage error prints it on stderr and exits 2). */
export class HelpRequested extends Error {}

export function parseFleetArguments(argv: string[], env: NodeJS.ProcessEnv = process.env): CliOptions {
  const [command, ...rest] = argv;
  if (command === "--help" || command === "-h") throw new HelpRequested(USAGE);
  if (command === undefined) throw new Error(USAGE);
  if (!FLEET_COMMANDS.includes(command as FleetCommand)) throw new Error(`unknown command "${command}": use preview, up or refresh. ${USAGE}`);
  const options: Partial<CliOptions> & { only: string[] } = { command: command as FleetCommand, only: [], format: env.CI && env.CI !== "false" ? "markdown" : "text" };
  const whole = (flag: string, v: string, min: number) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new Error(`${flag} ${v}: use a whole number of at least ${min}`);
    return n;
  };
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    const value = () => {
      const v = rest[++i];
      if (v === undefined) throw new Error(`${arg} needs a value. ${USAGE}`);
      return v;
    };
    if (arg === "--tenants") options.tenants = value();
    else if (arg === "--concurrency") options.concurrency = whole(arg, value(), 1);
    else if (arg === "--parallel-runs") options.parallelRuns = whole(arg, value(), 1);
    else if (arg === "--tenant") options.only.push(value());
    else if (arg === "--logs") options.logs = value();
    else if (arg === "--summary") options.summaryFile = value();
    else if (arg === "--chunk") {
      const v = value();
      const m = /^(\d+)\/(\d+)$/.exec(v);
      if (!m || Number(m[1]) < 1 || Number(m[1]) > Number(m[2])) throw new Error(`--chunk ${v}: use K/N with 1 <= K <= N (this job's chunk of N), e.g. --chunk 3/10`);
      options.chunk = { index: Number(m[1]) - 1, count: Number(m[2]) };
    } else if (arg === "--format") {
      const f = value();
      if (f !== "markdown" && f !== "text") throw new Error(`--format ${f}: use markdown or text`);
      options.format = f;
    } else throw new Error(`unknown option ${arg}. ${USAGE}`);
  }
  if (!options.tenants) throw new Error(`--tenants is required. ${USAGE}`);
  return options as CliOptions;
}

async function main(): Promise<number> {
  const cli = parseFleetArguments(process.argv.slice(2));
  const options: FleetOptions = {
    command: cli.command,
    tenants: cli.tenants,
    ...(cli.concurrency ? { concurrency: cli.concurrency } : {}),
    ...(cli.parallelRuns ? { parallelRuns: cli.parallelRuns } : {}),
    ...(cli.chunk ? { chunk: cli.chunk } : {}),
    ...(cli.only.length > 0 ? { only: cli.only } : {}),
    ...(cli.logs ? { logDir: cli.logs } : {}),
    onProgress: (p) => process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${progressLine(p, cli.command)}\n`),
  };
  const result = await runFleet(options);
  const summary = cli.format === "markdown" ? fleetToMarkdown(result) : fleetToText(result);
  process.stdout.write(summary);
  if (cli.summaryFile) writeFileSync(cli.summaryFile, summary);
  return result.exitCode;
}

if (require.main === module) {
  main().then(
    (status) => void (process.exitCode = status),
    (error: unknown) => {
      if (error instanceof HelpRequested) return void process.stdout.write(`${error.message}\n`);
      // A tenants file with problems (TenantsFileError): every problem on its own line, no stack trace.
      process.stderr.write(`group-export-fleet: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 2;
    },
  );
}
