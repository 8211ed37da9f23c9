#!/usr/bin/env node
/**
 * group-export-summary: a per-group summary of what a Pulumi run changes in the directories,
 * for pull-request comments, drift reports and logs.
 *
 *   pulumi preview --json > preview.json 2> preview.log
 *   group-export-summary preview.json [--format markdown|text] [--drift] [--stack <name>] [--log preview.log]
 *
 * Reads the JSON of `pulumi preview --json` (also `--refresh`), `pulumi up --json` or
 * `pulumi refresh --preview-only --json` from the file (or stdin: no file, or `-`) and prints
 * the summary (docs/guides/ci.md#summaries-for-reviewers-group-export-summary). Exit status: 0 the run succeeded (with
 * --drift: and nothing drifted); 1 with --drift only: something drifted; 2 the run failed (its
 * errors are in the summary) or its output could not be read.
 */
import { readFileSync } from "node:fs";
import { readEngineOutput } from "./engineOutput";
import { summarize, type Summary } from "./groupSummary";
import { markerOf, toMarkdown, toText } from "./render";

const USAGE = "usage: group-export-summary [file|-] [--format markdown|text] [--drift] [--stack <name>] [--log <stderr file>] [--max-names <n>]";

/** `--help`: the usage on stdout, exit 0 (a usage error prints it on stderr and exits 2). */
export class HelpRequested extends Error {}

interface Options {
  file?: string;
  format: "markdown" | "text";
  drift: boolean;
  stack?: string;
  log?: string;
  maxNames?: number;
}

export function parseArguments(argv: string[], env: NodeJS.ProcessEnv = process.env): Options {
  // Markdown where it is posted (CI sets CI=true), text in a terminal.
  const options: Options = { format: env.CI && env.CI !== "false" ? "markdown" : "text", drift: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${arg} needs a value. ${USAGE}`);
      return v;
    };
    if (arg === "--format") {
      const format = value();
      if (format !== "markdown" && format !== "text") throw new Error(`--format ${format}: use markdown or text`);
      options.format = format;
    } else if (arg === "--drift") options.drift = true;
    else if (arg === "--stack") options.stack = value();
    else if (arg === "--log") options.log = value();
    else if (arg === "--max-names") {
      const n = Number(value());
      if (!Number.isInteger(n) || n < 1) throw new Error("--max-names needs a whole number of at least 1");
      options.maxNames = n;
    } else if (arg === "--help" || arg === "-h") throw new HelpRequested(USAGE);
    else if (arg.startsWith("--")) throw new Error(`unknown option ${arg}. ${USAGE}`);
    else if (options.file === undefined) options.file = arg;
    else throw new Error(`one input file only (given ${options.file} and ${arg}). ${USAGE}`);
  }
  return options;
}

/** The last lines of the CLI's stderr, without terminal colours: why a run printed no JSON. */
function logTail(path: string | undefined, lines = 30): string | undefined {
  if (!path) return undefined;
  try {
    const text = readFileSync(path, "utf8").replace(/\x1b\[[0-9;]*m/g, "").trimEnd();
    return text === "" ? undefined : text.split("\n").slice(-lines).join("\n");
  } catch {
    return undefined;
  }
}

/** Exit status: 2 failed; with --drift, 1 drifted (a tripped guard is drift, not a failure), else 0. */
export function exitStatusOf(summary: Summary): number {
  const otherErrors = summary.errors.length > 0 || summary.rows.some((r) => r.errors.length > 0 && !r.guard?.tripped);
  if (summary.failed && (!summary.drift || otherErrors || !summary.guardTripped)) return 2;
  if (summary.drift && (summary.changed || summary.guardTripped)) return 1;
  return 0;
}

/** The whole command: its output and exit status, for the given arguments and input. */
export function run(argv: string[], readInput: (file: string | undefined) => string, env: NodeJS.ProcessEnv = process.env): { output: string; status: number } {
  const options = parseArguments(argv, env);
  let summary: Summary;
  try {
    summary = summarize(readEngineOutput(readInput(options.file)), { drift: options.drift, ...(options.stack ? { stack: options.stack } : {}) });
  } catch (error) {
    // No result to summarize (the CLI stopped before it printed one): say so, with its stderr.
    const reason = error instanceof Error ? error.message : String(error);
    const tail = logTail(options.log);
    const what = options.drift ? "The drift check could not run" : "The Pulumi run printed no result to summarize";
    if (options.format === "text") return { output: `Group export: ${what} (${reason}).\n${tail ? `${tail}\n` : ""}`, status: 2 };
    const body = [markerOf(options.stack), `### Group export: stack \`${options.stack ?? "(unknown)"}\``, "", `**${what}** (${reason}).`, ""];
    if (tail) body.push("~~~text", tail.replace(/~~~/g, "~ ~ ~"), "~~~", "");
    return { output: body.join("\n"), status: 2 };
  }
  if (summary.failed && summary.errors.length === 0 && summary.rows.every((r) => r.errors.length === 0)) {
    const tail = logTail(options.log);
    if (tail) summary.errors.push(tail);
  }
  const output = options.format === "markdown" ? toMarkdown(summary, { maxNames: options.maxNames }) : toText(summary, { maxNames: options.maxNames });
  return { output, status: exitStatusOf(summary) };
}

if (require.main === module) {
  try {
    const { output, status } = run(process.argv.slice(2), (file) => readFileSync(file === undefined || file === "-" ? 0 : file, "utf8"));
    process.stdout.write(output);
    process.exitCode = status;
  } catch (error) {
    if (error instanceof HelpRequested) {
      process.stdout.write(`${error.message}\n`);
      process.exitCode = 0;
    } else {
      console.error(`group-export-summary: ${error instanceof Error ? error.message : String(error)}`);
      process.exitCode = 2;
    }
  }
}
