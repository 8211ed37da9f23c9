/**
 * What the groups file and the tenants file share when they report problems: where a YAML node is
 * (line and column, for `file:line:column`), a zod issue in plain words, and the field a misspelt
 * key most likely meant. Each file keeps its own fixes; only the mechanics live here.
 */
import { isMap, isPair, isScalar, LineCounter, parseDocument, type Document, type Node } from "yaml";
import type { z } from "zod";

export interface Place {
  line: number;
  column: number;
}

/** One problem of a file, with where it is and how to fix it: `file:line:column: field: message. Fix: fix`. */
export interface FileProblem extends Place {
  file: string;
  /** The field, as a path: `groups[1].users[2]`. */
  field: string;
  message: string;
  fix: string;
}

/** Levenshtein distance, to suggest the name a misspelt one meant. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = current;
  }
  return previous[b.length]!;
}

/** The candidate nearest to `word` (case-insensitive), if within two edits. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  const best = candidates.map((c) => [c, editDistance(word.toLowerCase(), c.toLowerCase())] as const).sort((x, y) => x[1] - y[1])[0];
  return best && best[1] <= 2 ? best[0] : undefined;
}

/** `groups[2].users[0]`: a zod path as the user wrote it. */
export function pathText(path: readonly PropertyKey[]): string {
  let out = "";
  for (const part of path) out += typeof part === "number" ? `[${part}]` : out ? `.${String(part)}` : String(part);
  return out;
}

/** The value at a zod issue's path (undefined when the path runs out). */
export function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v = root;
  for (const part of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<PropertyKey, unknown>)[part];
  }
  return v;
}

/**
 * A zod issue in plain words, about the value found. `badFormat` says what is wrong with a string
 * of the wrong form (the file knows whether it wanted an address, a key, …).
 */
export function describeIssue(issue: z.core.$ZodIssue, value: unknown, badFormat: (shown: string) => string): string {
  if (issue.code === "unrecognized_keys") return `unknown field${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => `"${k}"`).join(", ")}`;
  if (value === undefined && issue.code === "invalid_type") return "is required";
  const shown = typeof value === "string" ? `"${value}"` : JSON.stringify(value);
  switch (issue.code) {
    case "invalid_format":
      return badFormat(shown);
    case "invalid_value":
      return `${shown} is not one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`;
    case "invalid_type":
      return `expected ${issue.expected === "array" ? "a list" : issue.expected === "object" ? "a map" : `a ${issue.expected}`}, found ${Array.isArray(value) ? "a list" : value === null ? "nothing" : typeof value === "object" ? "a map" : shown}`;
    case "too_small":
      return issue.origin === "array" || typeof value === "string" ? "must not be empty" : `${shown} is too small (minimum ${String(issue.minimum)})`;
    case "too_big":
      return typeof value === "string" ? `is too long (${value.length} characters; at most ${String(issue.maximum)})` : `${shown} is too large (maximum ${String(issue.maximum)})`;
    default:
      return issue.message;
  }
}

export interface YamlSyntaxProblem extends Place {
  /** The YAML library's message without its own "at line …" tail. */
  message: string;
  code: string;
}

export interface YamlSource {
  doc: Document.Parsed;
  syntax: YamlSyntaxProblem[];
  /** The place of an offset in the text. */
  at(offset: number): Place;
  /**
   * The place of the node at `path`, or of the nearest enclosing node (a missing field). With
   * `key`, the place of that key in the map at `path` (an unknown field is pointed at by its key).
   */
  locate(path: readonly PropertyKey[], key?: string): Place;
}

/** Parses YAML keeping positions (duplicate keys are errors), for problems that say file:line:column. */
export function readYaml(text: string): YamlSource {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number): Place => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  const syntax = doc.errors.map((e) => ({ ...at(e.pos[0]), code: e.code, message: e.message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "") }));
  const locate = (path: readonly PropertyKey[], key?: string): Place => {
    if (key !== undefined) {
      const parent = doc.getIn(path as unknown[], true);
      if (isMap(parent)) {
        const pair = parent.items.find((p) => isPair(p) && isScalar(p.key) && p.key.value === key);
        if (pair && isScalar(pair.key) && pair.key.range) return at(pair.key.range[0]);
      }
    }
    for (let n = path.length; n >= 0; n--) {
      const node = (n === 0 ? doc.contents : doc.getIn(path.slice(0, n) as unknown[], true)) as Node | null | undefined;
      if (node?.range) return at(node.range[0]);
    }
    return { line: 1, column: 1 };
  };
  return { doc, syntax, at, locate };
}
