/**
 * The groups file: user groups declared in a reviewed file (YAML, or CSV for flat exports),
 * read with positions so that every error names the file, the line, the field and the fix.
 */
import { readFileSync } from "node:fs";
import { basename, extname } from "node:path";
import { parse as parseCsv } from "csv-parse/sync";
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from "yaml";
import { z } from "zod";
import type { ExportedUserGroup } from "./exportedUserGroup";

const directoryKinds = ["google", "entra"] as const;

// Loose on purpose: the directories are the judges of addresses; this only catches typos.
const address = z.string().trim().regex(/^[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+$/);

const overrideShape = {
  membershipMode: z.enum(["authoritative", "additive"]).optional(),
  maxRemovalPercent: z.number().min(0).max(100).optional(),
  allowEmpty: z.boolean().optional(),
  nonUserMembers: z.enum(["keep", "remove"]).optional(),
  exportTo: z.array(z.enum(directoryKinds)).min(1).optional(),
};

/** One user group of the file (the shape of each `groups:` entry). */
export const groupsFileGroupSchema = z.strictObject({
  name: z.string().trim().min(1).max(256),
  description: z.string().max(4096).optional(),
  users: z.array(address),
  /** The Google Workspace distribution group's address. */
  email: address.optional(),
  /** The Google group's name (in Google Groups); default `name`. */
  googleName: z.string().trim().min(1).max(75).optional(),
  /** The Entra security group's display name; default `name`. */
  entraDisplayName: z.string().trim().min(1).max(256).optional(),
  /** The Entra group's mail alias; default derived from the display name. */
  entraMailNickname: z.string().trim().min(1).max(64).optional(),
  /** Owners of its groups (GroupBinding `owners`). */
  owners: z.array(address).optional(),
  /** Managers of its Google group (GroupBinding `managers`). */
  managers: z.array(address).optional(),
  /** Names of other groups of the file whose groups are members of this one's (GroupBinding `memberGroups`). */
  memberGroups: z.array(z.string().trim().min(1)).optional(),
  ...overrideShape,
});

export const groupsFileSchema = z.strictObject({
  version: z.literal(1).optional(),
  /** Options every group gets unless it says otherwise. */
  defaults: z.strictObject(overrideShape).optional(),
  groups: z.array(groupsFileGroupSchema),
});

export type GroupsFileGroup = z.infer<typeof groupsFileGroupSchema>;

/** One problem of a groups file, with where it is and how to fix it. */
export interface GroupsFileProblem {
  file: string;
  line: number;
  column: number;
  /** The field, as a path: `groups[1].users[2]`. */
  field: string;
  message: string;
  fix: string;
}

export class GroupsFileError extends Error {
  readonly problems: GroupsFileProblem[];

  constructor(problems: GroupsFileProblem[]) {
    problems = [...problems].sort((a, b) => a.line - b.line || a.column - b.column);
    super(
      `${problems.length === 1 ? "1 problem" : `${problems.length} problems`} in ${problems[0]?.file ?? "the groups file"}:\n` +
        problems.map(formatProblem).join("\n"),
    );
    this.name = "GroupsFileError";
    this.problems = problems;
  }
}

export function formatProblem(p: GroupsFileProblem): string {
  return `${p.file}:${p.line}:${p.column}: ${p.field ? `${p.field}: ` : ""}${p.message}. Fix: ${p.fix}`;
}

/** A group of the file, ready for UserGroupExport, with the line it was declared on. */
export interface LocatedGroup {
  group: ExportedUserGroup;
  /** Where the group and each of its fields are, to report later problems (e.g. a missing email). */
  line: number;
  field: string;
  fieldLine(key: string): number;
}

export interface ParsedGroupsFile {
  file: string;
  groups: LocatedGroup[];
}

type Path = (string | number)[];

function pathText(path: readonly PropertyKey[]): string {
  let out = "";
  for (const part of path) out += typeof part === "number" ? `[${part}]` : out ? `.${String(part)}` : String(part);
  return out;
}

const fieldHelp: Record<string, string> = {
  name: 'the user group\'s name, e.g. name: "Engineering"',
  users: "a list of the users' addresses, e.g. users: [alice@example.com, bob@example.com]",
  email: "the Google group's full address, e.g. email: engineering@example.com",
  googleName: "the Google group's name in Google Groups (1 to 75 characters)",
  entraDisplayName: "the Entra security group's display name (1 to 256 characters)",
  description: "a string of at most 4,096 characters",
  membershipMode: 'use "authoritative" (members added by hand are removed) or "additive"',
  maxRemovalPercent: "a number from 0 to 100",
  allowEmpty: "true or false",
  nonUserMembers: 'use "keep" or "remove"',
  exportTo: "a non-empty list of google and/or entra, e.g. exportTo: [google]",
  owners: "a list of the owners' addresses, e.g. owners: [carol@example.com]",
  managers: "a list of the managers' addresses (Google), e.g. managers: [erin@example.com]",
  memberGroups: "a list of names of other groups of this file, e.g. memberGroups: [Platform]",
  version: "write version: 1, or leave it out",
  groups: "a list of groups, each with at least name and users",
  defaults: "a map of options every group gets: membershipMode, maxRemovalPercent, allowEmpty, nonUserMembers, exportTo",
};

function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
  }
  return d[a.length]![b.length]!;
}

function closest(word: string, candidates: string[]): string | undefined {
  const best = candidates.map((c) => [c, editDistance(word.toLowerCase(), c.toLowerCase())] as const).sort((x, y) => x[1] - y[1])[0];
  return best && best[1] <= 2 ? best[0] : undefined;
}

function fixFor(issue: z.core.$ZodIssue, key: string, value: unknown): string {
  const parent = issue.path.length >= 2 && typeof issue.path[issue.path.length - 2] === "string" ? String(issue.path[issue.path.length - 2]) : "";
  if (issue.code === "unrecognized_keys") {
    const allowed = key === "" ? Object.keys(groupsFileSchema.shape) : key === "defaults" ? Object.keys(overrideShape) : Object.keys(groupsFileGroupSchema.shape);
    const near = closest(issue.keys[0] ?? "", allowed);
    return `${near ? `did you mean "${near}"? Otherwise remove it` : "remove it or correct its spelling"}; allowed here: ${allowed.join(", ")}`;
  }
  if (typeof key === "number" || /^\d+$/.test(key)) {
    if (parent === "users") return `write the user's full address, e.g. ${typeof value === "string" && value.includes("@") ? `${value.split("@")[0]}@example.com` : "alice@example.com"}, one per list item`;
    if (parent === "exportTo") return "use google or entra";
    if (parent === "groups") return "write each group as a map with at least name and users";
  }
  if (value === undefined && issue.code === "invalid_type") return `add ${key}: ${fieldHelp[key] ?? "a value"}`;
  return fieldHelp[key] ?? "see the groups file format in the README";
}

function describe(issue: z.core.$ZodIssue, value: unknown): string {
  if (issue.code === "unrecognized_keys") return `unknown field${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => `"${k}"`).join(", ")}`;
  if (value === undefined && issue.code === "invalid_type") return "is required";
  const shown = typeof value === "string" ? `"${value}"` : JSON.stringify(value);
  switch (issue.code) {
    case "invalid_format":
      return `${shown} is not an email address`;
    case "invalid_value":
      return `${shown} is not one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`;
    case "invalid_type":
      return `expected ${issue.expected === "array" ? "a list" : issue.expected === "object" ? "a map" : `a ${issue.expected}`}, found ${Array.isArray(value) ? "a list" : value === null ? "nothing" : typeof value === "object" ? "a map" : shown}`;
    case "too_small":
      return issue.origin === "array" ? "must not be empty" : typeof value === "string" ? "must not be empty" : `${shown} is too small (minimum ${String(issue.minimum)})`;
    case "too_big":
      return typeof value === "string" ? `is too long (${value.length} characters; at most ${String(issue.maximum)})` : `${shown} is too large (maximum ${String(issue.maximum)})`;
    default:
      return issue.message;
  }
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v = root;
  for (const part of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<PropertyKey, unknown>)[part];
  }
  return v;
}

function checkDuplicates(groups: GroupsFileGroup[], where: (index: number, key: string) => { line: number; column: number }, file: string): GroupsFileProblem[] {
  const problems: GroupsFileProblem[] = [];
  const seen = { name: new Map<string, number>(), email: new Map<string, number>() };
  groups.forEach((g, i) => {
    for (const key of ["name", "email"] as const) {
      const value = g[key]?.toLowerCase();
      if (!value) continue;
      const first = seen[key].get(value);
      if (first === undefined) {
        seen[key].set(value, i);
        continue;
      }
      const at = where(i, key);
      problems.push({
        file, ...at, field: `groups[${i}].${key}`,
        message: `"${g[key]}" is already used by groups[${first}] on line ${where(first, key).line} (${key === "name" ? "names" : "addresses"} are compared case-insensitively)`,
        fix: key === "name" ? "merge the two groups or rename one" : "give each group its own address, or merge the two groups",
      });
    }
    const users = new Map<string, number>();
    g.users.forEach((u, j) => {
      const first = users.get(u.toLowerCase());
      if (first === undefined) return void users.set(u.toLowerCase(), j);
      problems.push({ file, ...where(i, `users.${j}`), field: `groups[${i}].users[${j}]`, message: `"${u}" is listed twice (also users[${first}])`, fix: "remove one of the two" });
    });
  });
  return problems;
}

function toExported(g: GroupsFileGroup, defaults: z.infer<typeof groupsFileSchema>["defaults"]): ExportedUserGroup {
  const pick = <K extends keyof typeof overrideShape>(k: K) => g[k] ?? defaults?.[k];
  return {
    name: g.name,
    description: g.description,
    users: g.users.map((u) => u.trim()),
    email: g.email?.trim().toLowerCase(),
    ...(g.googleName !== undefined ? { googleName: g.googleName } : {}),
    entraDisplayName: g.entraDisplayName,
    entraMailNickname: g.entraMailNickname,
    exportTo: pick("exportTo"),
    membershipMode: pick("membershipMode"),
    maxRemovalPercent: pick("maxRemovalPercent"),
    allowEmpty: pick("allowEmpty"),
    nonUserMembers: pick("nonUserMembers"),
    ...(g.owners ? { owners: g.owners.map((o) => o.trim()) } : {}),
    ...(g.managers ? { managers: g.managers.map((m) => m.trim()) } : {}),
    ...(g.memberGroups ? { memberGroups: g.memberGroups } : {}),
  };
}

/** Parses a YAML groups file. Throws GroupsFileError listing every problem. */
export function parseGroupsYaml(text: string, file = "groups.yaml"): ParsedGroupsFile {
  const lineCounter = new LineCounter();
  const doc: Document.Parsed = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const pos = (offset: number) => lineCounter.linePos(offset);
  if (doc.errors.length > 0) {
    throw new GroupsFileError(
      doc.errors.map((e) => {
        const { line, col } = pos(e.pos[0]);
        const message = e.message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "");
        const fix = e.code === "DUPLICATE_KEY" ? "keep one of the two keys" : e.code === "TAB_AS_INDENT" ? "indent with spaces, not tabs" : "correct the YAML syntax (indentation, quotes, colons) at that place";
        return { file, line, column: col, field: "", message: `YAML syntax: ${message}`, fix };
      }),
    );
  }
  const data: unknown = doc.toJS();

  /** The position of the node at `path`, or of the nearest enclosing node that exists (a missing field). */
  const locate = (path: readonly PropertyKey[], keyOnly = false): { line: number; column: number } => {
    for (let n = path.length; n >= 0; n--) {
      const node = doc.getIn(path.slice(0, n) as Path, true) as Node | undefined;
      const target = n === 0 ? doc.contents : node;
      if (target && (target as Node).range) {
        if (keyOnly && n === path.length && n > 0) {
          // Point at the key, not the value, for "unknown field" and the like.
          const parent = doc.getIn(path.slice(0, n - 1) as Path, true);
          if (isMap(parent)) {
            const pair = parent.items.find((p) => isPair(p) && isScalar(p.key) && p.key.value === path[n - 1]);
            if (pair && isScalar(pair.key) && pair.key.range) {
              const { line, col } = pos(pair.key.range[0]);
              return { line, column: col };
            }
          }
        }
        const { line, col } = pos((target as Node).range![0]);
        return { line, column: col };
      }
    }
    return { line: 1, column: 1 };
  };

  if (data === null || data === undefined) {
    throw new GroupsFileError([{ file, line: 1, column: 1, field: "groups", message: "the file declares no groups", fix: "add groups: with a list of groups, each with at least name and users" }]);
  }
  const parsed = groupsFileSchema.safeParse(data);
  if (!parsed.success) {
    throw new GroupsFileError(
      parsed.error.issues.map((issue) => {
        if (issue.code === "unrecognized_keys") {
          const at = locate([...issue.path, issue.keys[0]!], true);
          return { file, ...at, field: pathText([...issue.path, issue.keys[0]!]), message: describe(issue, undefined), fix: fixFor(issue, String(issue.path[issue.path.length - 1] ?? ""), undefined) };
        }
        const value = valueAt(data, issue.path);
        const key = String(issue.path[issue.path.length - 1] ?? "");
        return { file, ...locate(issue.path), field: pathText(issue.path), message: describe(issue, value), fix: fixFor(issue, key, value) };
      }),
    );
  }
  const where = (i: number, key: string) => locate(["groups", i, ...key.split(".").map((k) => (/^\d+$/.test(k) ? Number(k) : k))]);
  const duplicates = checkDuplicates(parsed.data.groups, where, file);
  if (duplicates.length > 0) throw new GroupsFileError(duplicates);
  const seq = doc.get("groups", true);
  return {
    file,
    groups: parsed.data.groups.map((g, i) => ({
      group: toExported(g, parsed.data.defaults),
      line: isSeq(seq) ? where(i, "name").line : 1,
      field: `groups[${i}]`,
      fieldLine: (key: string) => (doc.hasIn(["groups", i, key]) ? where(i, key).line : locate(["groups", i]).line),
    })),
  };
}

const csvColumns = ["group", "user", "email", "googleName", "entraDisplayName", "entraMailNickname", "description", "membershipMode", "exportTo", "maxRemovalPercent", "allowEmpty", "nonUserMembers"] as const;
type CsvColumn = (typeof csvColumns)[number];

/**
 * Parses a flat CSV export: a header line, then one line per (group, user). Group-level columns
 * (email, entraDisplayName, ...) may be given on any of the group's lines, but must agree.
 * A group with no users has one line with an empty `user`.
 */
export function parseGroupsCsv(text: string, file = "groups.csv"): ParsedGroupsFile {
  let rows: { record: string[]; info: { lines: number } }[];
  try {
    // Cast: with `info: true` csv-parse returns { record, info } per row, which its overloads do not express.
    rows = parseCsv(text, { info: true, skip_empty_lines: true, trim: true, relax_column_count: false }) as unknown as { record: string[]; info: { lines: number } }[];
  } catch (error) {
    const e = error as { message: string; lines?: number };
    // csv-parse's messages are precise ("Invalid Record Length: expect 3, got 4 on line 5").
    throw new GroupsFileError([{ file, line: e.lines ?? 1, column: 1, field: "", message: `CSV syntax: ${e.message}`, fix: "give every line as many comma-separated fields as the header, and quote fields that contain commas" }]);
  }
  if (rows.length === 0) throw new GroupsFileError([{ file, line: 1, column: 1, field: "", message: "the file is empty", fix: `start with a header line: ${csvColumns.slice(0, 3).join(",")}` }]);
  const header = rows[0]!.record;
  const problems: GroupsFileProblem[] = [];
  header.forEach((h, i) => {
    if (!(csvColumns as readonly string[]).includes(h)) {
      const near = closest(h, [...csvColumns]);
      problems.push({ file, line: rows[0]!.info.lines, column: 1, field: `column ${i + 1}`, message: `unknown column "${h}"`, fix: `${near ? `did you mean "${near}"? Otherwise remove it` : "remove it or correct its spelling"}; allowed columns: ${csvColumns.join(", ")}` });
    }
  });
  for (const required of ["group", "user"] as const) {
    if (!header.includes(required)) problems.push({ file, line: rows[0]!.info.lines, column: 1, field: "header", message: `the "${required}" column is missing`, fix: `add a "${required}" column to the header line` });
  }
  if (problems.length > 0) throw new GroupsFileError(problems);

  interface Building { raw: Record<string, unknown>; lines: Record<string, number>; userLines: number[]; firstLine: number }
  const groups = new Map<string, Building>();
  for (const { record, info } of rows.slice(1)) {
    const cell = (c: CsvColumn) => record[header.indexOf(c)] ?? "";
    const name = cell("group");
    if (!name) {
      problems.push({ file, line: info.lines, column: 1, field: "group", message: "the group column is empty", fix: "write the user group's name on every line" });
      continue;
    }
    let g = groups.get(name.toLowerCase());
    if (!g) groups.set(name.toLowerCase(), (g = { raw: { name, users: [] }, lines: { name: info.lines }, userLines: [], firstLine: info.lines }));
    if (cell("user")) {
      (g.raw.users as string[]).push(cell("user"));
      g.userLines.push(info.lines);
    }
    for (const c of csvColumns.slice(2)) {
      const text = cell(c);
      if (!header.includes(c) || text === "") continue;
      const value: unknown =
        c === "exportTo" ? text.split(/[\s;]+/).filter(Boolean) :
        c === "maxRemovalPercent" ? (/^\d+(\.\d+)?$/.test(text) ? Number(text) : text) :
        c === "allowEmpty" ? (text === "true" ? true : text === "false" ? false : text) : text;
      if (g.raw[c] !== undefined && JSON.stringify(g.raw[c]) !== JSON.stringify(value)) {
        problems.push({ file, line: info.lines, column: header.indexOf(c) + 1, field: `${name}.${c}`, message: `"${text}" differs from ${JSON.stringify(g.raw[c])} on line ${g.lines[c]}`, fix: `give ${c} once per group, or the same value on every line of "${name}"` });
        continue;
      }
      g.raw[c] = value;
      g.lines[c] ??= info.lines;
    }
  }
  if (problems.length > 0) throw new GroupsFileError(problems);

  const built = [...groups.values()];
  const located: LocatedGroup[] = [];
  built.forEach((b) => {
    const parsed = groupsFileGroupSchema.safeParse(b.raw);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const [key, index] = issue.path as [string, number | undefined];
        const line = key === "users" && typeof index === "number" ? b.userLines[index]! : (b.lines[key] ?? b.firstLine);
        const column = key === "users" ? header.indexOf("user") + 1 : Math.max(header.indexOf(key) + 1, 1);
        const value = valueAt(b.raw, issue.path);
        problems.push({ file, line, column, field: `${b.raw.name as string}.${key === "users" ? "user" : key}`, message: describe(issue, value), fix: fixFor(issue, typeof index === "number" ? String(index) : key, value) });
      }
      return;
    }
    located.push({ group: toExported(parsed.data, undefined), line: b.firstLine, field: `group "${b.raw.name as string}"`, fieldLine: (key) => b.lines[key] ?? b.firstLine });
  });
  if (problems.length > 0) throw new GroupsFileError(problems);
  const dupes = checkDuplicates(located.map((l) => ({ ...l.group, users: l.group.users as string[] }) as GroupsFileGroup), (i, key) => {
    const b = built[i]!;
    return { line: key.startsWith("users.") ? b.userLines[Number(key.split(".")[1])]! : (b.lines[key] ?? b.firstLine), column: 1 };
  }, file);
  if (dupes.length > 0) throw new GroupsFileError(dupes);
  return { file, groups: located };
}

/** Reads a groups file by its extension: `.yaml`/`.yml` or `.csv`. */
export function readGroupsFile(path: string, displayName = basename(path)): ParsedGroupsFile {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new GroupsFileError([{ file: displayName, line: 1, column: 1, field: "", message: `cannot read ${path}: ${(error as Error).message}`, fix: "check the groupsFile setting (a path relative to the project, or absolute)" }]);
  }
  const ext = extname(path).toLowerCase();
  if (ext === ".csv") return parseGroupsCsv(text, displayName);
  if (ext === ".yaml" || ext === ".yml") return parseGroupsYaml(text, displayName);
  throw new GroupsFileError([{ file: displayName, line: 1, column: 1, field: "", message: `unknown groups file type "${ext}"`, fix: "name the file *.yaml, *.yml or *.csv" }]);
}

/**
 * Checks what needs the directories: a group exported to Google needs an address.
 * Returns the groups ready for UserGroupExport.
 */
export function groupsForDirectories(parsed: ParsedGroupsFile, directories: { google: boolean; entra: boolean }): ExportedUserGroup[] {
  const problems: GroupsFileProblem[] = [];
  for (const { group, field, fieldLine, line } of parsed.groups) {
    const targets = group.exportTo ?? directoryKinds.filter((d) => directories[d]);
    for (const d of targets) {
      if (!directories[d]) {
        problems.push({ file: parsed.file, line: fieldLine("exportTo"), column: 1, field: `${field}.exportTo`, message: `"${group.name}" is exported to ${d === "google" ? "Google Workspace" : "Entra ID"}, but the stack configures no such directory`, fix: d === "google" ? "set the googleDomains config of the stack, or remove google from exportTo" : "set the entraTenantId config of the stack, or remove entra from exportTo" });
      }
    }
  }
  if (problems.length > 0) throw new GroupsFileError(problems);
  // A group exported to Google without an email is decided by the provider, which knows whether it
  // was exported before (then it is released: the seed's rule for a removed address) or not (then
  // the preview fails, naming this line: users of a group bound without an address can be suspended).
  return parsed.groups.map(({ group, line }) => ({ ...group, source: `${parsed.file}:${line}` }));
}
