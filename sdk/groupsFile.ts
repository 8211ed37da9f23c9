/**
 * The groups file: user groups declared in a reviewed file (YAML, or CSV for flat exports),
 * read with positions so that every error names the file, the line, the field and the fix.
 */
import { readFileSync } from "node:fs";
import { basename, extname, isAbsolute, relative, resolve } from "node:path";
import { parse as parseCsv } from "csv-parse/sync";
import { isSeq, type Node } from "yaml";
import * as pulumi from "./pulumi";
import { z } from "zod";
import { closest, describeIssue, type FileProblem, pathText, readYaml, valueAt } from "../provider/contract/fileProblems";
import type { ExportedUserGroup } from "./exportedUserGroup";
import { see } from "../provider/contract/docs";
import { membershipModeSchema, nonUserMembersPolicySchema } from "../provider/groups/bindingSchema";

const directoryKinds = ["google", "entra"] as const;

// Loose on purpose: the directories are the judges of addresses; this only catches typos.
const address = z.string().trim().regex(/^[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+$/);

// The binding's own enums, so that a value GroupBinding gains is a value the file takes.
const overrideShape = {
  membershipMode: membershipModeSchema.optional(),
  maxRemovalPercent: z.number().min(0).max(100).optional(),
  /** The mass-removal guard's floor in members (see GroupBinding removalGuardFloor; default 10). */
  removalGuardFloor: z.number().int().min(0).optional(),
  allowEmpty: z.boolean().optional(),
  nonUserMembers: nonUserMembersPolicySchema.optional(),
  exportTo: z.array(z.enum(directoryKinds)).min(1).optional(),
  /** What removing the group from the file does to its directory groups (see ExportedUserGroup). */
  deletionPolicy: z.enum(["delete", "release"]).optional(),
};

/** A user group's stable identity: letters, digits, `.`, `_` and `-`, so that it can name resources. */
const keySchema = z.string().trim().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/);

/** One user group of the file (the shape of each `groups:` entry). */
export const groupsFileGroupSchema = z.strictObject({
  name: z.string().trim().min(1).max(256),
  /** A stable identity of the user group that survives renames (unique in the file, case-insensitively). */
  key: keySchema.optional(),
  description: z.string().max(4096).optional(),
  users: z.array(address),
  /** The Google Workspace distribution group's address. */
  email: address.optional(),
  /** The Google group's name (in Google Groups); default `name`. */
  googleName: z.string().trim().min(1).max(75).optional(),
  /** The Entra security group's display name; default `name`. */
  entraDisplayName: z.string().trim().min(1).max(256).optional(),
  /** The Entra group's mail alias; default: chosen when the group is created (an adopted group keeps its own). */
  entraMailNickname: z.string().trim().min(1).max(64).optional(),
  /** Owners of its groups (GroupBinding `owners`). */
  owners: z.array(address).optional(),
  /** Managers of its Google group (GroupBinding `managers`). */
  managers: z.array(address).optional(),
  /** Names of other groups of the file whose groups are members of this one's (GroupBinding `memberGroups`). */
  memberGroups: z.array(z.string().trim().min(1)).optional(),
  /** Directories where its groups are left exactly as they are, no longer synced (see ExportedUserGroup `released`). */
  released: z.array(z.enum(directoryKinds)).min(1).optional(),
  ...overrideShape,
});

const defaultsSchema = z.strictObject(overrideShape);

export const groupsFileSchema = z.strictObject({
  version: z.literal(1).optional(),
  /** Options every group gets unless it says otherwise. */
  defaults: defaultsSchema.optional(),
  groups: z.array(groupsFileGroupSchema),
});

/** The file around its groups: checked apart from them, so that one bad group does not hide the others' problems. */
const fileFrameSchema = groupsFileSchema.extend({ defaults: z.unknown().optional(), groups: z.array(z.unknown()) });

export type GroupsFileGroup = z.infer<typeof groupsFileGroupSchema>;

/** One problem of a groups file, with where it is and how to fix it. */
export type GroupsFileProblem = FileProblem;

/**
 * Every problem of a groups file, each with its place and fix. A `RunError`: Pulumi prints a
 * program's RunError as its message alone, with no stack trace and no dump of `problems`.
 */
export class GroupsFileError extends pulumi.RunError {
  declare readonly problems: GroupsFileProblem[];

  constructor(problems: GroupsFileProblem[]) {
    problems = [...problems].sort((a, b) => a.line - b.line || a.column - b.column);
    super(
      `${problems.length === 1 ? "1 problem" : `${problems.length} problems`} in ${problems[0]?.file ?? "the groups file"}:\n` +
        problems.map(formatProblem).join("\n"),
    );
    this.name = "GroupsFileError";
    // Not enumerable: a printed error shows its message, not this list again.
    Object.defineProperty(this, "problems", { value: problems, enumerable: false });
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

/** A file read without stopping at its first problems: the groups that parsed, and every problem found. */
interface CollectedGroupsFile extends ParsedGroupsFile {
  problems: GroupsFileProblem[];
  /** Every group that names itself, also those with problems, for the checks that need the directories. */
  named: DirectoryCheckGroup[];
}

/** What the directory checks read of a group (see groupsForDirectories). */
interface DirectoryCheckGroup {
  name: string;
  exportTo?: readonly string[];
  line: number;
  field: string;
  fieldLine(key: string): number;
}

/** The parsed file, or every problem at once. */
function orProblems(collected: CollectedGroupsFile): ParsedGroupsFile {
  if (collected.problems.length > 0) throw new GroupsFileError(collected.problems);
  return { file: collected.file, groups: collected.groups };
}


const fieldHelp: Record<string, string> = {
  name: 'the user group\'s name, e.g. name: "Engineering"',
  key: "a stable identity of the group: letters, digits, '.', '_', ':' and '-' (up to 100), unique in the file, e.g. key: eng",
  users: "a list of the users' addresses, e.g. users: [alice@example.com, bob@example.com]",
  email: "the Google group's full address, e.g. email: engineering@example.com",
  googleName: "the Google group's name in Google Groups (1 to 75 characters)",
  entraDisplayName: "the Entra security group's display name (1 to 256 characters)",
  description: "a string of at most 4,096 characters",
  membershipMode: 'use "authoritative" (members added by hand are removed) or "additive"',
  maxRemovalPercent: "a number from 0 to 100",
  removalGuardFloor: "a whole number of members, 0 or more (the guard never stops removals of this many or fewer; default 10)",
  allowEmpty: "true or false",
  nonUserMembers: 'use "keep" or "remove"',
  exportTo: "a non-empty list of google and/or entra, e.g. exportTo: [google]",
  deletionPolicy: 'use "delete" (removing the group from the file deletes its directory groups) or "release" (they are left as they are)',
  owners: "a list of the owners' addresses, e.g. owners: [carol@example.com]",
  managers: "a list of the managers' addresses (Google), e.g. managers: [erin@example.com]",
  memberGroups: "a list of names of other groups of this file, e.g. memberGroups: [Platform]",
  released: "a non-empty list of google and/or entra whose groups are left as they are, e.g. released: [entra]",
  version: "write version: 1, or leave it out",
  groups: "a list of groups, each with at least name and users",
  defaults: "a map of options every group gets: membershipMode, maxRemovalPercent, removalGuardFloor, allowEmpty, nonUserMembers, exportTo, deletionPolicy",
};

function fixFor(issue: z.core.$ZodIssue, key: string, value: unknown): string {
  const parent = issue.path.length >= 2 && typeof issue.path[issue.path.length - 2] === "string" ? String(issue.path[issue.path.length - 2]) : "";
  if (issue.code === "unrecognized_keys") {
    const allowed = key === "" ? Object.keys(groupsFileSchema.shape) : key === "defaults" ? Object.keys(overrideShape) : Object.keys(groupsFileGroupSchema.shape);
    const near = closest(issue.keys[0] ?? "", allowed);
    return `${near ? `did you mean "${near}"? Otherwise remove it` : "remove it or correct its spelling"}; allowed here: ${allowed.join(", ")}`;
  }
  if (typeof key === "number" || /^\d+$/.test(key)) {
    if (parent === "users") return `write the user's full address, e.g. ${typeof value === "string" && value.includes("@") ? `${value.split("@")[0]}@example.com` : "alice@example.com"}, one per list item`;
    if (parent === "exportTo" || parent === "released") return "use google or entra";
    if (parent === "groups") return "write each group as a map with at least name and users";
  }
  if (value === undefined && issue.code === "invalid_type") return `add ${key}: ${fieldHelp[key] ?? "a value"}`;
  return fieldHelp[key] ?? `${see("groupsFile")} for the format`;
}

function describe(issue: z.core.$ZodIssue, value: unknown, key = ""): string {
  return describeIssue(issue, value, (shown) => (key === "key" ? `${shown} is not a usable key` : `${shown} is not an email address`));
}

/** Where a group's field is: its line and column (a field it lacks: the group's own place). */
type Where = (index: number, key: string) => { line: number; column: number };

/** A group of the file that parsed, with its index among the file's groups (for its field names). */
interface ParsedGroup {
  index: number;
  group: GroupsFileGroup;
}

/**
 * A group as far as it can be read whatever its other problems: the checks between groups and
 * the directory checks run on these, so that fixing a field never reveals a new round of problems.
 */
interface LooseGroup {
  index: number;
  name?: string;
  email?: string;
  key?: string;
  /** The user strings; undefined when `users` is no list. */
  users?: string[];
  memberGroups: string[];
  allowEmpty?: unknown;
  exportTo?: readonly string[];
}

function looseGroup(raw: unknown, index: number, defaults: unknown): LooseGroup {
  const g = (raw !== null && typeof raw === "object" ? raw : {}) as Record<string, unknown>;
  const d = (defaults !== null && typeof defaults === "object" ? defaults : {}) as Record<string, unknown>;
  const text = (v: unknown) => (typeof v === "string" && v.trim() !== "" ? v.trim() : undefined);
  const strings = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string").map((x) => x.trim()) : undefined);
  const exportTo = strings(g.exportTo ?? d.exportTo);
  return {
    index,
    name: text(g.name),
    email: text(g.email),
    key: text(g.key),
    users: strings(g.users),
    memberGroups: strings(g.memberGroups) ?? [],
    allowEmpty: g.allowEmpty ?? d.allowEmpty,
    ...(exportTo ? { exportTo } : {}),
  };
}

/**
 * Problems between groups and within one group's lists: names, addresses and keys used twice
 * (case-insensitively), a user listed twice, memberGroups naming no group of the file or
 * forming a cycle. `names` are every group name the file declares, also of groups with other problems.
 */
/** How a problem names a group's field: `groups[1].users[2]` (YAML), `Sales.user` (CSV, by column). */
type FieldOf = (index: number, key: string, item?: number) => string;

function crossGroupProblems(groups: LooseGroup[], names: ReadonlySet<string>, where: Where, fieldOf: FieldOf, groupName: (index: number) => string, file: string): GroupsFileProblem[] {
  const problems: GroupsFileProblem[] = [];
  const seen = { name: new Map<string, number>(), email: new Map<string, number>(), key: new Map<string, number>() };
  const noun = { name: "names", email: "addresses", key: "keys" };
  const fix = { name: "merge the two groups or rename one", email: "give each group its own address, or merge the two groups", key: "give each group its own key" };
  for (const g of groups) {
    const i = g.index;
    for (const key of ["name", "email", "key"] as const) {
      const value = g[key]?.toLowerCase();
      if (!value) continue;
      const first = seen[key].get(value);
      if (first === undefined) {
        seen[key].set(value, i);
        continue;
      }
      problems.push({
        file, ...where(i, key), field: fieldOf(i, key),
        message: `"${g[key]}" is already used by ${groupName(first)} on line ${where(first, key).line} (${noun[key]} are compared case-insensitively)`,
        fix: fix[key],
      });
    }
    const users = new Map<string, number>();
    (g.users ?? []).forEach((u, j) => {
      const first = users.get(u.toLowerCase());
      if (first === undefined) return void users.set(u.toLowerCase(), j);
      problems.push({ file, ...where(i, `users.${j}`), field: fieldOf(i, "users", j), message: `"${u}" is listed twice (${where(i, `users.${first}`).line === where(i, `users.${j}`).line ? `also users[${first}]` : `also on line ${where(i, `users.${first}`).line}`})`, fix: "remove one of the two" });
    });
    g.memberGroups.forEach((member, j) => {
      if (names.has(member)) return;
      const near = [...names].find((n) => n.toLowerCase() === member.toLowerCase()) ?? closest(member, [...names]);
      problems.push({
        file, ...where(i, `memberGroups.${j}`), field: fieldOf(i, "memberGroups", j),
        message: `"${member}" is no group of this file`,
        fix: near ? `did you mean "${near}"? Names are written as the group declares them` : `give the name of one of the file's groups, or remove it`,
      });
    });
  }
  // Cycles (A contains B contains A): each reported once, at the first group of the cycle.
  const byName = new Map(groups.filter((g) => g.name !== undefined).map((g) => [g.name!, g]));
  const reported = new Set<string>();
  const visit = (path: string[]): void => {
    for (const member of byName.get(path[path.length - 1]!)?.memberGroups ?? []) {
      const at = path.indexOf(member);
      if (at >= 0) {
        const cycle = [...path.slice(at), member];
        const id = [...cycle.slice(0, -1)].sort().join("\u0000");
        if (reported.has(id)) continue;
        reported.add(id);
        const first = byName.get(cycle[0]!)!;
        problems.push({
          file, ...where(first.index, "memberGroups"), field: fieldOf(first.index, "memberGroups"),
          message: `memberGroups form a cycle: ${cycle.map((n) => `"${n}"`).join(" contains ")}`,
          fix: "a group cannot contain itself: remove one of these memberGroups",
        });
        continue;
      }
      if (byName.has(member)) visit([...path, member]);
    }
  };
  for (const g of byName.values()) visit([g.name!]);
  return problems;
}

type Defaults = z.infer<typeof defaultsSchema> | undefined;

/** A group without users is an error unless it may be empty: the binding would refuse it, so the file says it first, at its line. */
function emptyGroupProblem(group: LooseGroup, where: Where, fieldOf: FieldOf, file: string): GroupsFileProblem[] {
  if (group.users === undefined || group.users.length > 0 || group.allowEmpty === true) return [];
  return [
    {
      file, ...where(group.index, "users"), field: fieldOf(group.index, "users"),
      message: `"${group.name ?? "the group"}" has no users`,
      fix: "add its users, or allowEmpty: true to declare it now and export it once it has a user (nothing is made until then)",
    },
  ];
}

function toExported(g: GroupsFileGroup, defaults: Defaults): ExportedUserGroup {
  const pick = <K extends keyof typeof overrideShape>(k: K) => g[k] ?? defaults?.[k];
  const deletionPolicy = pick("deletionPolicy");
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
    ...(pick("removalGuardFloor") !== undefined ? { removalGuardFloor: pick("removalGuardFloor") } : {}),
    allowEmpty: pick("allowEmpty"),
    nonUserMembers: pick("nonUserMembers"),
    ...(g.key ? { key: g.key } : {}),
    ...(deletionPolicy ? { deletionPolicy } : {}),
    ...(g.owners ? { owners: g.owners.map((o) => o.trim()) } : {}),
    ...(g.managers ? { managers: g.managers.map((m) => m.trim()) } : {}),
    ...(g.memberGroups ? { memberGroups: g.memberGroups } : {}),
    ...(g.released ? { released: g.released } : {}),
  };
}

/** Parses a YAML groups file. Throws GroupsFileError listing every problem: syntax, fields and between groups, all at once. */
export function parseGroupsYaml(text: string, file = "groups.yaml"): ParsedGroupsFile {
  return orProblems(collectYaml(text, file));
}

function collectYaml(text: string, file: string): CollectedGroupsFile {
  const { doc, syntax, at: pos, locate: locateIn } = readYaml(text);
  const problems: GroupsFileProblem[] = syntax.map((e) => {
    const fix = e.code === "DUPLICATE_KEY" ? "keep one of the two keys" : e.code === "TAB_AS_INDENT" ? "indent with spaces, not tabs" : "correct the YAML syntax (indentation, quotes, colons) at that place";
    return { file, line: e.line, column: e.column, field: "", message: `YAML syntax: ${e.message}`, fix };
  });
  // Lines the syntax errors are on: a group there is read as far as YAML could, so its field problems would be guesses.
  const syntaxLines = syntax.map((e) => e.line);
  let data: unknown;
  try {
    data = doc.toJS();
  } catch {
    data = undefined;
  }

  /** The position of the node at `path` (with keyOnly, of its key: "unknown field" and the like), or of the nearest enclosing node. */
  const locate = (path: readonly PropertyKey[], keyOnly = false): { line: number; column: number } =>
    keyOnly && path.length > 0 ? locateIn(path.slice(0, -1), String(path[path.length - 1])) : locateIn(path);
  const issueProblem = (root: unknown, prefix: readonly PropertyKey[], issue: z.core.$ZodIssue): GroupsFileProblem => {
    const path = [...prefix, ...issue.path];
    if (issue.code === "unrecognized_keys") {
      const at = locate([...path, issue.keys[0]!], true);
      return { file, ...at, field: pathText([...path, issue.keys[0]!]), message: describe(issue, undefined), fix: fixFor({ ...issue, path }, String(path[path.length - 1] ?? ""), undefined) };
    }
    const value = valueAt(root, issue.path);
    const key = String(path[path.length - 1] ?? "");
    return { file, ...locate(path), field: pathText(path), message: describe(issue, value, key), fix: fixFor({ ...issue, path }, key, value) };
  };

  if (data === null || data === undefined) {
    if (problems.length === 0) problems.push({ file, line: 1, column: 1, field: "groups", message: "the file declares no groups", fix: "add groups: with a list of groups, each with at least name and users" });
    return { file, groups: [], problems, named: [] };
  }
  // The file around the groups, the defaults, then each group on its own: one bad group hides nothing else.
  const frame = fileFrameSchema.safeParse(data);
  if (!frame.success) problems.push(...frame.error.issues.map((issue) => issueProblem(data, [], issue)));
  const rawDefaults = (data as { defaults?: unknown }).defaults;
  const defaults = rawDefaults === undefined ? undefined : defaultsSchema.safeParse(rawDefaults);
  if (defaults && !defaults.success) problems.push(...defaults.error.issues.map((issue) => issueProblem(rawDefaults, ["defaults"], issue)));
  const rawGroups = Array.isArray((data as { groups?: unknown }).groups) ? ((data as { groups: unknown[] }).groups) : [];
  const seq = doc.get("groups", true);
  const groupLines = (i: number): [number, number] => {
    const node = isSeq(seq) ? (seq.items[i] as Node | undefined) : undefined;
    return node?.range ? [pos(node.range[0]).line, pos(node.range[1]).line] : [0, 0];
  };
  const parsed: ParsedGroup[] = [];
  const readable: LooseGroup[] = [];
  rawGroups.forEach((raw, i) => {
    const [from, to] = groupLines(i);
    if (syntaxLines.some((line) => line >= from && line <= to)) return;
    readable.push(looseGroup(raw, i, rawDefaults));
    const result = groupsFileGroupSchema.safeParse(raw);
    if (result.success) parsed.push({ index: i, group: result.data });
    else problems.push(...result.error.issues.map((issue) => issueProblem(raw, ["groups", i], issue)));
  });
  const names = new Set(rawGroups.map((g) => looseGroup(g, 0, undefined).name).filter((n): n is string => n !== undefined));
  const where: Where = (i, key) => locate(["groups", i, ...key.split(".").map((k) => (/^\d+$/.test(k) ? Number(k) : k))]);
  const label = (i: number) => `groups[${i}]`;
  const fieldOf: FieldOf = (i, key, item) => `groups[${i}].${key}${item === undefined ? "" : `[${item}]`}`;
  const defaultsData = defaults?.success ? defaults.data : undefined;
  for (const g of readable) problems.push(...emptyGroupProblem(g, where, fieldOf, file));
  problems.push(...crossGroupProblems(readable, names, where, fieldOf, label, file));
  const located = (i: number) => ({
    line: where(i, "name").line,
    field: label(i),
    fieldLine: (key: string) => (doc.hasIn(["groups", i, key]) ? where(i, key).line : locate(["groups", i]).line),
  });
  return {
    file,
    problems,
    groups: parsed.map(({ index: i, group: g }) => ({ group: toExported(g, defaultsData), ...located(i) })),
    named: readable.filter((g) => g.name !== undefined).map((g) => ({ name: g.name!, exportTo: g.exportTo, ...located(g.index) })),
  };
}

const csvColumns = ["group", "user", "key", "email", "googleName", "entraDisplayName", "entraMailNickname", "description", "membershipMode", "exportTo", "maxRemovalPercent", "removalGuardFloor", "allowEmpty", "nonUserMembers", "deletionPolicy", "released"] as const;
type CsvColumn = (typeof csvColumns)[number];

/**
 * Parses a flat CSV export: a header line, then one line per (group, user). Group-level columns
 * (email, entraDisplayName, ...) may be given on any of the group's lines, but must agree.
 * A group with no users has one line with an empty `user`. A line may leave out its trailing
 * empty fields (spreadsheets drop them when they export). Throws GroupsFileError listing every problem.
 */
export function parseGroupsCsv(text: string, file = "groups.csv"): ParsedGroupsFile {
  return orProblems(collectCsv(text, file));
}

function collectCsv(text: string, file: string): CollectedGroupsFile {
  const problems: GroupsFileProblem[] = [];
  const csvSyntax = (line: number, message: string): GroupsFileProblem => ({
    file, line, column: 1, field: "", message: `CSV syntax: ${message}`,
    fix: "quote fields that contain commas or quotes (\"a, b\"), doubling a quote inside them (\"\"), and give no line more fields than the header",
  });
  let rows: { record: string[]; info: { lines: number } }[];
  try {
    // Cast: csv-parse's overloads type the result as plain records; with `info: true` each row is
    // `{ record, info }` (its documented shape), which its types do not follow from the options.
    rows = parseCsv(text, {
      info: true,
      skip_empty_lines: true,
      trim: true,
      // Shorter lines are completed below; longer ones are reported, as is a line csv-parse cannot read, and reading goes on.
      relax_column_count: true,
      skip_records_with_error: true,
      on_skip: (error: { message: string; lines?: number } | undefined) => void (error && problems.push(csvSyntax(error.lines ?? 1, error.message))),
    }) as unknown as { record: string[]; info: { lines: number } }[];
  } catch (error) {
    const e = error as { message: string; lines?: number };
    return { file, groups: [], problems: [...problems, csvSyntax(e.lines ?? 1, e.message)], named: [] };
  }
  if (rows.length === 0) {
    if (problems.length === 0) problems.push({ file, line: 1, column: 1, field: "", message: "the file is empty", fix: `start with a header line: ${csvColumns.slice(0, 2).join(",")},email` });
    return { file, groups: [], problems, named: [] };
  }
  const header = rows[0]!.record;
  const headerLine = rows[0]!.info.lines;
  header.forEach((h, i) => {
    if (!(csvColumns as readonly string[]).includes(h)) {
      const near = closest(h, [...csvColumns]);
      problems.push({ file, line: headerLine, column: i + 1, field: `column ${i + 1}`, message: `unknown column "${h}"`, fix: `${near ? `did you mean "${near}"? Otherwise remove it` : "remove it or correct its spelling"}; allowed columns: ${csvColumns.join(", ")}` });
    }
  });
  const missingColumns = (["group", "user"] as const).filter((c) => !header.includes(c));
  for (const required of missingColumns) problems.push({ file, line: headerLine, column: 1, field: "header", message: `the "${required}" column is missing`, fix: `add a "${required}" column to the header line` });
  if (missingColumns.length > 0) return { file, groups: [], problems, named: [] };

  interface Building { raw: Record<string, unknown>; lines: Record<string, number>; userLines: number[]; firstLine: number }
  const groups = new Map<string, Building>();
  for (const { record, info } of rows.slice(1)) {
    if (record.length > header.length) {
      problems.push(csvSyntax(info.lines, `the line has ${record.length} fields, the header ${header.length}`));
      continue;
    }
    const cell = (c: CsvColumn) => (header.includes(c) ? (record[header.indexOf(c)] ?? "") : "");
    const name = cell("group");
    if (!name) {
      problems.push({ file, line: info.lines, column: header.indexOf("group") + 1, field: "group", message: "the group column is empty", fix: "write the user group's name on every line" });
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
      if (text === "") continue;
      const value: unknown =
        c === "exportTo" || c === "released" ? text.split(/[\s;]+/).filter(Boolean) :
        c === "maxRemovalPercent" || c === "removalGuardFloor" ? (/^\d+(\.\d+)?$/.test(text) ? Number(text) : text) :
        c === "allowEmpty" ? (text === "true" ? true : text === "false" ? false : text) : text;
      if (g.raw[c] !== undefined && JSON.stringify(g.raw[c]) !== JSON.stringify(value)) {
        problems.push({ file, line: info.lines, column: header.indexOf(c) + 1, field: `${name}.${c}`, message: `"${text}" differs from ${JSON.stringify(g.raw[c])} on line ${g.lines[c]}`, fix: `give ${c} once per group, or the same value on every line of "${name}"` });
        continue;
      }
      g.raw[c] = value;
      g.lines[c] ??= info.lines;
    }
  }

  const built = [...groups.values()];
  const parsed: ParsedGroup[] = [];
  built.forEach((b, index) => {
    const result = groupsFileGroupSchema.safeParse(b.raw);
    if (result.success) return void parsed.push({ index, group: result.data });
    for (const issue of result.error.issues) {
      const [key, item] = issue.path as [string, number | undefined];
      const line = key === "users" && typeof item === "number" ? b.userLines[item]! : (b.lines[key] ?? b.firstLine);
      const column = key === "users" ? header.indexOf("user") + 1 : Math.max(header.indexOf(key) + 1, 1);
      const value = valueAt(b.raw, issue.path);
      problems.push({ file, line, column, field: `${b.raw.name as string}.${key === "users" ? "user" : key}`, message: describe(issue, value, key), fix: fixFor(issue, typeof item === "number" ? String(item) : key, value) });
    }
  });
  const where: Where = (i, key) => {
    const b = built[i]!;
    const [field, item] = key.split(".");
    const column = Math.max(header.indexOf(field === "users" ? "user" : field!) + 1, 1);
    return { line: field === "users" && item !== undefined ? b.userLines[Number(item)]! : (b.lines[field!] ?? b.firstLine), column };
  };
  const label = (i: number) => `group "${built[i]!.raw.name as string}"`;
  // CSV fields are named by group and column, as the reader sees them: `Sales.user`.
  const fieldOf: FieldOf = (i, key) => `${built[i]!.raw.name as string}.${key === "users" ? "user" : key}`;
  const readable = built.map((b, i) => looseGroup(b.raw, i, undefined));
  for (const g of readable) problems.push(...emptyGroupProblem(g, where, fieldOf, file));
  problems.push(...crossGroupProblems(readable, new Set(built.map((b) => b.raw.name as string)), where, fieldOf, label, file));
  const located = (i: number) => ({ line: built[i]!.firstLine, field: label(i), fieldLine: (key: string) => built[i]!.lines[key] ?? built[i]!.firstLine });
  return {
    file,
    problems,
    groups: parsed.map(({ index, group }) => ({ group: toExported(group, undefined), ...located(index) })),
    named: readable.map((g) => ({ name: g.name!, exportTo: g.exportTo, ...located(g.index) })),
  };
}

/** Reads a groups file by its extension: `.yaml`/`.yml` or `.csv`. Throws GroupsFileError listing every problem. */
/** How messages name the file (file:line): its path from the program's directory when it lies inside it, else its name. */
function fileLabel(path: string): string {
  const fromProgram = relative(process.cwd(), resolve(path));
  return fromProgram !== "" && !fromProgram.startsWith("..") && !isAbsolute(fromProgram) ? fromProgram : basename(path);
}

export function readGroupsFile(path: string, displayName = fileLabel(path)): ParsedGroupsFile {
  return orProblems(collectFile(path, displayName));
}

function collectFile(path: string, displayName: string): CollectedGroupsFile {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    return { file: displayName, groups: [], problems: [{ file: displayName, line: 1, column: 1, field: "", message: `cannot read ${path}: ${(error as Error).message}`, fix: "check the groupsFile setting (a path relative to the project, or absolute)" }], named: [] };
  }
  const ext = extname(path).toLowerCase();
  if (ext === ".csv") return collectCsv(text, displayName);
  if (ext === ".yaml" || ext === ".yml") return collectYaml(text, displayName);
  return { file: displayName, groups: [], problems: [{ file: displayName, line: 1, column: 1, field: "", message: `unknown groups file type "${ext}"`, fix: "name the file *.yaml, *.yml or *.csv" }], named: [] };
}

/**
 * Checks what needs the directories: each directory a group is exported to must be configured.
 * Returns the groups ready for
 * UserGroupExport. Given the file's path, it reads the file too and reports the file's own
 * problems and these together, in one error.
 */
export function groupsForDirectories(file: ParsedGroupsFile | string, directories: { google: boolean; entra: boolean }): ExportedUserGroup[] {
  const parsed: CollectedGroupsFile =
    typeof file === "string" ? collectFile(file, fileLabel(file)) : { ...file, problems: [], named: file.groups.map(({ group, ...at }) => ({ ...group, ...at })) };
  const problems = [...parsed.problems];
  for (const group of parsed.named) {
    const { field, fieldLine } = group;
    const targets = group.exportTo?.filter((d): d is (typeof directoryKinds)[number] => (directoryKinds as readonly string[]).includes(d)) ?? directoryKinds.filter((d) => directories[d]);
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
