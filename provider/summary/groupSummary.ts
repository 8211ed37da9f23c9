import { UNKNOWN } from "../contract/checkInputs";
import { DEFAULT_MAX_REMOVAL_PERCENT, DEFAULT_REMOVAL_GUARD_FLOOR } from "../groups/bindingSchema";
import { DISTRIBUTION_LIST_SETTINGS } from "../google/settingsSchema";
import { parseUrn, type Diagnostic, type EngineRun, type ResourceState, type Step } from "./engineOutput";
import { adoptionNotes, adopts, bindingOf, groupOf, kindOf, managementOf, type BindingView, type DirectoryView, type GroupView, type ResourceKind } from "./fields";

/**
 * The summary's model: one row per directory group, built from a run's steps (every field
 * read through fields.ts), then its totals. Rendering is render.ts's.
 */

export type GroupChange = "created" | "adopted" | "re-created" | "replaced" | "updated" | "deleted" | "released" | "dropped" | "waiting" | "gone" | "unchanged";

export interface SettingChange {
  field: string;
  /** Undefined: the field was not managed before. */
  from?: string;
  /** Undefined: the field is no longer managed (the group keeps its value). */
  to?: string;
}

export interface Guard {
  /** Members (and Entra owners) the apply removes. */
  removing: number;
  /** The group's members the guard counts them against (undefined when not known). */
  base?: number;
  limit: number;
  floor?: number;
  tripped: boolean;
}

export interface GroupRow {
  /** Undefined for a binding that failed before the engine planned a step (nothing says which group). */
  service?: "google" | "entra";
  directoryKey: string;
  /** Google: the group's address; Entra: its display name. */
  group: string;
  change: GroupChange;
  /** The update stopped on this group (an error names it). */
  failed: boolean;
  /** Words on the change: a replaced group's old address, why a group waits, the provider's adoption notes. */
  changeNotes: string[];
  added: string[];
  removed: string[];
  /** Members that leave the group a binding moves away from (`from`): removed if the binding added them. */
  leaving: { from: string; members: string[] }[];
  /** On a first bind to an existing group: how many of the users were members already (nothing to add for them). */
  alreadyMembers?: number;
  /** Why members cannot be listed: a secret user list, or users not known until apply. */
  membersHidden?: "secret" | "unknown";
  roles: string[];
  /** A created group's settings in a few words (`distribution-list default`). */
  settingsNote?: string;
  settings: SettingChange[];
  aliasesAdded: string[];
  aliasesRemoved: string[];
  renames: { field: string; from: string; to: string }[];
  guard?: Guard;
  warnings: string[];
  errors: string[];
}

export interface Summary {
  kind: EngineRun["kind"];
  /** Read as a drift check (`pulumi preview --refresh`): changes are drift. */
  drift: boolean;
  stack?: string;
  rows: GroupRow[];
  /** Changes of a DirectoryGroupManagement (its switch). */
  directoryNotes: string[];
  /** Errors that name no group (the program's, the CLI's). */
  errors: string[];
  warnings: string[];
  notes: string[];
  /** Whether the run changes (or changed) anything at all. */
  changed: boolean;
  /** Whether the run failed (any error). */
  failed: boolean;
  /** Whether a mass-removal guard stopped a binding. */
  guardTripped: boolean;
}

/** One resource's steps of the run, folded into one operation. */
interface Entry {
  urn: string;
  kind?: ResourceKind;
  type: string;
  name: string;
  op: "create" | "update" | "delete" | "replace" | "same";
  old?: ResourceState;
  new?: ResourceState;
  /** The resource was in the state before the run (a `--refresh` read it). */
  refreshed: boolean;
  failed: boolean;
}

const REPLACE_OPS = new Set(["replace", "create-replacement", "delete-replaced", "discard-replaced"]);
const OLD_OPS = new Set(["update", "delete", "replace", "delete-replaced", "discard", "discard-replaced", "same", "read", "refresh"]);
const NEW_OPS = new Set(["create", "create-replacement", "update", "replace", "same", "read", "import"]);

function entriesOf(steps: Step[]): Map<string, Entry> {
  const ops = new Map<string, Set<string>>();
  const entries = new Map<string, Entry>();
  for (const step of steps) {
    const { type, name } = parseUrn(step.urn);
    const entry = entries.get(step.urn) ?? { urn: step.urn, type, name, kind: kindOf(type), op: "same", refreshed: false, failed: false };
    entries.set(step.urn, entry);
    if (!ops.has(step.urn)) ops.set(step.urn, new Set());
    ops.get(step.urn)!.add(step.op);
    if (step.op === "refresh") entry.refreshed = true;
    // A refresh step's states are the state before the run (the engine's JSON does not carry what it read).
    if (OLD_OPS.has(step.op) && step.old && (step.op !== "refresh" || !entry.old)) entry.old = step.old;
    if (NEW_OPS.has(step.op) && step.new) entry.new = step.new;
    if (step.failed) entry.failed = true;
  }
  for (const [urn, entry] of entries) {
    const seen = ops.get(urn)!;
    if ([...seen].some((op) => REPLACE_OPS.has(op)) || (seen.has("create") && seen.has("delete"))) entry.op = "replace";
    else if (seen.has("create") || seen.has("import")) entry.op = "create";
    else if (seen.has("delete") || seen.has("discard")) entry.op = "delete";
    else if (seen.has("update")) entry.op = "update";
    if (entry.op === "create") delete entry.old;
    if (entry.op === "delete") delete entry.new;
  }
  return entries;
}

/** A diagnostic's message without the engine's wrapping: `error: <type> resource '<name>': property <p> value {…} has a problem: `. */
export function diagnosticText(diagnostic: Diagnostic): string {
  return diagnostic.message
    .trim()
    .replace(/^(error|warning): /, "")
    .replace(/^\S+ resource '[^']*': /, "")
    .replace(/^\d+ errors? occurred:\s*\*\s*/, "")
    .replace(/^property (\w+) value \{.*?\} has a problem: /s, "$1: ");
}

/** Whether an error is a binding's mass-removal guard (its check failure names `maxRemovalPercent`). */
function isGuardError(diagnostic: Diagnostic): boolean {
  // The engine's "property maxRemovalPercent … has a problem", or the provider's own "has a problem: maxRemovalPercent: mass-removal guard".
  return diagnostic.severity === "error" && /\bproperty maxRemovalPercent\b|\bmaxRemovalPercent: mass-removal guard\b/.test(diagnostic.message);
}

function emptyRow(service: "google" | "entra" | undefined, directoryKey: string, group: string): GroupRow {
  return { service, directoryKey, group, change: "unchanged", failed: false, changeNotes: [], added: [], removed: [], leaving: [], roles: [], settings: [], aliasesAdded: [], aliasesRemoved: [], renames: [], warnings: [], errors: [] };
}

const sorted = (values: Iterable<string>) => [...new Set(values)].sort();
const minus = (a: readonly string[], b: readonly string[]) => {
  const drop = new Set(b.map((v) => v.toLowerCase()));
  return a.filter((v) => !drop.has(v.toLowerCase()));
};

/** What a group resource's step does, in the row. */
function applyGroup(row: GroupRow, entry: Entry, kind: "GoogleDistributionGroup" | "EntraSecurityGroup", run: EngineRun): void {
  const before = entry.old ? groupOf(kind, entry.old) : undefined;
  const after = entry.new ? groupOf(kind, entry.new) : undefined;
  const notes = (view: GroupView | undefined) => adoptionNotes(view?.adoption);
  switch (entry.op) {
    case "create": {
      const waiting = after?.directory?.waitingFor ?? (after?.directory?.disabled ? "management is disabled" : undefined);
      if (waiting) {
        row.change = "waiting";
        row.changeNotes.push(`not made yet: ${waiting}`);
        return;
      }
      row.change = entry.refreshed ? "re-created" : adopts(after?.adoption) ? "adopted" : "created";
      if (entry.refreshed) row.changeNotes.push("not found in the directory (deleted outside Pulumi): made again");
      if (notes(after)) row.changeNotes.push(notes(after)!);
      newGroupExtras(row, after, entry.refreshed);
      return;
    }
    case "replace": {
      if (before?.origin === "pending") {
        // A group that waited (management off, or no user yet) is made now: the engine replaces the pending record.
        row.change = adopts(after?.adoption) ? "adopted" : "created";
        row.changeNotes.push("was waiting (not made until now)");
        if (notes(after)) row.changeNotes.push(notes(after)!);
        newGroupExtras(row, after, false);
        return;
      }
      row.change = "replaced";
      if (before?.label && before.label !== after?.label && !notes(after)?.includes(before.label)) row.changeNotes.push(`was ${before.label}`);
      if (notes(after)) row.changeNotes.push(notes(after)!);
      fieldChanges(row, before, after);
      return;
    }
    case "delete": {
      if (run.kind === "refresh") {
        row.change = "gone";
        row.changeNotes.push("not found in the directory (deleted outside Pulumi): refresh drops it from the state");
      } else if (before?.origin === "pending") {
        row.change = "dropped";
        row.changeNotes.push("it was never made: nothing changes in the directory");
      } else if (before?.directory?.disabled || before?.directory?.released !== undefined || before?.directory?.waitingFor !== undefined) {
        // Not synced: its delete changes nothing in the directory (provider: isDormant).
        row.change = "released";
        row.changeNotes.push(before.directory.released !== undefined ? "it was released: the group is left as it is" : before.directory.disabled ? "management is disabled: the group is left as it is" : `waiting (${before.directory.waitingFor}): the group is left as it is`);
      } else {
        const policy = before?.deletionPolicy ?? (before?.origin === "created" ? "delete" : "release");
        row.change = policy === "delete" ? "deleted" : "released";
        // Released by the policy: the group stays; its binding's delete still removes the members this stack added (applyBinding).
        row.changeNotes.push(policy === "delete" ? "with its members" : "left in the directory: no longer managed");
      }
      return;
    }
    case "update":
      if (after?.directory?.released !== undefined && before?.directory?.released === undefined) {
        // Stop syncing: the group and its members stay as they are, no longer managed.
        row.change = "released";
        row.changeNotes.push(`no longer synced: ${after.directory.released}; the group keeps its members`);
        return;
      }
      row.change = "updated";
      // An address of the same group (no move): the row is under the new one.
      if (before?.label && after?.label && before.label.toLowerCase() !== after.label.toLowerCase() && after.service === "google") row.changeNotes.push(`was ${before.label}: another address of the same group`);
      if (before && after) policyChange(row, before, after);
      resumed(row, before?.directory, after?.directory);
      if (after?.directory?.disabled) row.warnings.push(`management of ${after.directory.key} is disabled: nothing changes in the directory`);
      fieldChanges(row, before, after);
      return;
    case "same":
      return;
  }
}

/**
 * Released before, not now (the release taken out, or the email restored at the source): the
 * group is synced again. The release's own reason names what was released and where (the user
 * group, the groups file's line), so the reviewer sees what the edit undid.
 */
function resumed(row: GroupRow, before: DirectoryView | undefined, after: DirectoryView | undefined): void {
  if (before?.released === undefined || !after || after.released !== undefined) return;
  const note = `synced again: no longer released (was: ${before.released})`;
  if (!row.changeNotes.includes(note)) row.changeNotes.push(note);
}

/** A group made or adopted now: its settings and aliases as declared. */
function newGroupExtras(row: GroupRow, group: GroupView | undefined, refreshed: boolean): void {
  if (!group) return;
  row.aliasesAdded = sorted(group.aliases ?? []);
  // An adopted group's `adoption` names the settings that change; a made one gets the declared set.
  if (group.settings && !adopts(group.adoption)) row.settingsNote = settingsInWords(group.settings);
  if (refreshed) row.changeNotes.sort();
}

/** A made group's settings: the distribution-list default, and what differs from it. */
function settingsInWords(settings: Record<string, string>): string {
  const defaults: Record<string, string> = DISTRIBUTION_LIST_SETTINGS;
  const inDefault = Object.keys(defaults).filter((f) => settings[f] !== undefined).length;
  const differ = Object.entries(settings).filter(([f, v]) => defaults[f] !== v).map(([f, v]) => `${f} ${v}`);
  if (inDefault === Object.keys(defaults).length) return differ.length === 0 ? "distribution-list default" : `distribution-list default, but ${differ.join(", ")}`;
  return differ.length === 0 ? "as declared" : differ.join(", ");
}

/** What removing the group would do changes: a reviewer must see a pre-existing group become deletable. */
function policyChange(row: GroupRow, before: GroupView, after: GroupView): void {
  const policyOf = (g: GroupView, origin = g.origin) => g.deletionPolicy ?? (origin === "created" ? "delete" : "release");
  const [fromPolicy, toPolicy] = [policyOf(before), policyOf(after, after.origin ?? before.origin)];
  if (before.origin !== undefined && before.origin !== "pending" && fromPolicy !== toPolicy) {
    row.changeNotes.push(`deletionPolicy ${fromPolicy} -> ${toPolicy}: removing the group then ${toPolicy === "delete" ? "deletes it" : "leaves it in the directory"}`);
  }
}

function fieldChanges(row: GroupRow, before: GroupView | undefined, after: GroupView | undefined): void {
  if (!before || !after) return;
  for (const [field, to] of Object.entries(after.texts)) {
    const from = before.texts[field];
    if (from === undefined || from === to) continue;
    row.renames.push({ field, from, to });
  }
  if (before.settings || after.settings) {
    const fields = sorted([...Object.keys(before.settings ?? {}), ...Object.keys(after.settings ?? {})]);
    for (const field of fields) {
      const from = before.settings?.[field];
      const to = after.settings?.[field];
      if (from !== to) row.settings.push({ field, ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}) });
    }
  }
  if (after.aliases) {
    row.aliasesAdded = sorted(minus(after.aliases, before.aliases ?? []));
    row.aliasesRemoved = sorted(minus(before.aliases ?? [], after.aliases));
  } else if (before.aliases?.length) {
    row.changeNotes.push(`aliases no longer managed (kept: ${before.aliases.join(", ")})`);
  }
}

/** What a binding's step does to its group's members and roles, in the row. */
function applyBinding(row: GroupRow, entry: Entry, diagnostics: Diagnostic[]): void {
  const before = entry.old ? bindingOf(entry.old) : undefined;
  const after = entry.new ? bindingOf(entry.new) : undefined;
  const groupGoes = row.change === "deleted" || row.change === "dropped" || row.change === "gone";
  const tripped = diagnostics.some(isGuardError);
  if (after?.directory?.disabled) {
    row.warnings.push(`management of ${after.directory.key} is disabled: members change nothing in the directory`);
    return;
  }
  // The binding released (or its management disabled): nothing is read or written; the group keeps its members.
  // Its own management decides, as in the provider's delete: a group released by its deletionPolicy still loses the members the binding added.
  if (after?.directory?.released !== undefined || (entry.op === "delete" && (before?.directory?.released !== undefined || before?.directory?.disabled || before?.directory?.waitingFor !== undefined || before?.pending))) return;
  // A binding released alone (its group never was) says so on its own.
  if (entry.op === "update") resumed(row, before?.directory, after?.directory);
  if (after?.waiting) row.warnings.push(`waits: ${after.waiting}`);
  if (entry.op === "same" || after?.waiting || (after?.directory?.waitingFor && entry.op === "create")) {
    if (tripped) row.guard = { removing: 0, limit: after?.maxRemovalPercent ?? before?.maxRemovalPercent ?? DEFAULT_MAX_REMOVAL_PERCENT, tripped };
    return;
  }
  if (entry.op === "delete") {
    if (groupGoes || !before) return;
    if (!before.managedMembers.known) return void (row.membersHidden = before.managedMembers.why);
    if (before.managedMembers.value.length === 0) return;
    row.removed = sorted([...row.removed, ...before.managedMembers.value]);
    row.changeNotes.push("binding removed: the members it added leave the group");
    return;
  }
  if (!after) return;
  if (!after.members.known) row.membersHidden = after.members.why;
  else if (!after.removals.known) row.membersHidden = after.removals.why;
  // A move: the binding goes to another group (its group is replaced, e.g. a new address, or another
  // group's id is given). The same group under an unknown id (its resource changes in this run, a
  // rename included) is no move.
  const knownId = (id: string | undefined) => id !== undefined && id !== "" && id !== UNKNOWN;
  const anotherId = knownId(before?.target?.groupId) && knownId(after.target?.groupId) && before!.target!.groupId !== after.target!.groupId;
  // A group made again (deleted by hand) has a new id, but it is the same group of the program.
  const moved = Boolean(before?.target && after.target && (row.change === "replaced" || (anotherId && row.change !== "re-created")));
  const isNewGroup = row.change === "created" || row.change === "re-created" || (moved && row.change === "replaced");
  if (moved) row.changeNotes.push(`members move from ${before!.target!.label}`);
  const removals = after.removals.known ? after.removals.value : [];
  if (after.members.known) {
    const old = entry.op === "create" || moved ? (isNewGroup ? [] : [...(after.presentAtCheck ?? [])]) : before?.members.known ? before.members.value : [];
    if (entry.op === "create" && !isNewGroup && after.presentAtCheck) row.alreadyMembers = (row.alreadyMembers ?? 0) + after.presentAtCheck.size;
    row.added = sorted([...row.added, ...minus(after.members.value, old)]);
    // Authoritative: every member not asked for goes; additive: only those the provider found it added (in `removals`).
    // Owners and managers the binding keeps (no longer listed as users) stay: not removed.
    const keptMembers = after.kept.known ? Object.keys(after.kept.value) : [];
    const dropped = entry.op !== "create" && after.membershipMode !== "additive" ? minus(minus(old, after.members.value), keptMembers) : [];
    const listed = removals.filter((r) => r.kind === "remove").map((r) => r.member);
    row.removed = sorted([...row.removed, ...dropped, ...listed]);
  }
  // The old group's members leave it (the binding removes those it added).
  if (moved) {
    const leaving = removals.filter((r) => r.kind === "move").map((r) => r.member);
    if (leaving.length > 0) row.leaving.push({ from: before!.target!.label, members: sorted(leaving) });
  }
  roleChanges(row, before, after, entry.op === "create");
  const removing = row.removed.length + removals.filter((r) => r.kind === "owner").length;
  if (removing > 0 || tripped) {
    const base = entry.op === "create" ? (after.presentAtCheck?.size ?? 0) + removals.filter((r) => r.kind === "remove").length + (after.kept.known ? Object.keys(after.kept.value).length : 0) : before?.memberCount;
    row.guard = { removing, ...(base !== undefined ? { base } : {}), limit: after.maxRemovalPercent ?? DEFAULT_MAX_REMOVAL_PERCENT, floor: after.removalGuardFloor ?? DEFAULT_REMOVAL_GUARD_FLOOR, tripped };
  }
  if (entry.op === "create" && after.kept.known && Object.keys(after.kept.value).length > 0) {
    row.changeNotes.push(`keeps ${Object.entries(after.kept.value).map(([m, why]) => `${m} (${why.replace(/:.*$/, "")})`).join(", ")}`);
  }
}

function roleChanges(row: GroupRow, before: BindingView | undefined, after: BindingView, create: boolean): void {
  const removals = after.removals.known ? after.removals.value : [];
  const demoted = new Map(removals.flatMap((r) => (r.kind === "demote" ? [[r.member.toLowerCase(), r] as const] : [])));
  for (const role of ["owners", "managers"] as const) {
    const now = after[role];
    const was = before?.[role];
    const word = role === "owners" ? "owner" : "manager";
    if (!now) {
      if (was?.known && was.value.length > 0) row.roles.push(`${role} no longer managed (they keep their role)`);
      continue;
    }
    if (!now.known) continue;
    if (create || !was) {
      if (now.value.length > 0) row.roles.push(`${role}: ${sorted(now.value).join(", ")}`);
      continue;
    }
    if (!was.known) continue;
    for (const m of sorted(minus(now.value, was.value))) row.roles.push(`+${word} ${m}`);
    for (const m of sorted(minus(was.value, now.value))) {
      const demotion = demoted.get(m.toLowerCase());
      row.roles.push(demotion ? `${m}: ${word} -> ${demotion.to.toLowerCase()}` : `−${word} ${m}`);
      demoted.delete(m.toLowerCase());
    }
  }
  for (const d of demoted.values()) row.roles.push(`${d.member}: ${d.from.toLowerCase()} -> ${d.to.toLowerCase()}`);
  const listedOwners = new Set(row.roles);
  for (const r of removals) if (r.kind === "owner" && !listedOwners.has(`−owner ${r.member}`)) row.roles.push(`−owner ${r.member}`);
}

/** What a DirectoryGroupManagement's step means for its directory. */
function directoryNote(entry: Entry): string | undefined {
  const before = managementOf(entry.old);
  const after = managementOf(entry.new);
  const key = after.key ?? before.key ?? entry.name;
  switch (entry.op) {
    case "create":
      return after.enabled === false ? `${key}: management added, disabled (nothing changes in the directory)` : undefined;
    case "delete":
      return `${key}: management removed (nothing in the directory is deleted)`;
    case "update":
    case "replace":
      if (before.enabled === true && after.enabled === false) return `${key}: management disabled: its groups and members change nothing in the directory until it is enabled again`;
      if (before.enabled === false && after.enabled === true) return `${key}: management enabled again: every group of it is reconciled`;
      return `${key}: management updated`;
    default:
      return undefined;
  }
}

const ORDER: GroupChange[] = ["created", "adopted", "re-created", "replaced", "updated", "waiting", "released", "deleted", "dropped", "gone", "unchanged"];

/** Builds the summary of one run. */
export function summarize(run: EngineRun, options: { drift?: boolean; stack?: string } = {}): Summary {
  const entries = entriesOf(run.steps);
  // Resources that failed before the engine planned a step still have an error: give them an entry.
  for (const d of run.diagnostics) {
    if (!d.urn || entries.has(d.urn)) continue;
    const { type, name } = parseUrn(d.urn);
    entries.set(d.urn, { urn: d.urn, type, name, kind: kindOf(type), op: "same", refreshed: false, failed: true });
  }
  const diagnosticsOf = (urn: string) => run.diagnostics.filter((d) => d.urn === urn);
  const rows = new Map<string, GroupRow>();
  const rowUrns = new Map<string, string[]>();
  const rowFor = (key: string, make: () => GroupRow, urn: string) => {
    if (!rows.has(key)) rows.set(key, make());
    rowUrns.set(key, [...(rowUrns.get(key) ?? []), urn]);
    return rows.get(key)!;
  };
  const summary: Summary = { kind: run.kind, drift: options.drift ?? false, rows: [], directoryNotes: [], errors: [], warnings: [], notes: [], changed: false, failed: false, guardTripped: false };
  summary.stack = options.stack ?? [...entries.keys()].map((u) => parseUrn(u).stack).find((s) => s !== "");
  const groups = [...entries.values()].filter((e) => e.kind === "GoogleDistributionGroup" || e.kind === "EntraSecurityGroup");
  const byLabel = new Map<string, string>();
  const bindings = [...entries.values()].filter((e) => e.kind === "GroupBinding");
  for (const entry of groups) {
    const kind = entry.kind as "GoogleDistributionGroup" | "EntraSecurityGroup";
    const view = groupOf(kind, entry.new ?? entry.old);
    const row = rowFor(entry.urn, () => emptyRow(view.service, view.directory?.key ?? "", view.label || entry.name), entry.urn);
    applyGroup(row, entry, kind, run);
    // Bindings find their group by URN (`propertyDependencies`), else (an update's events carry none) by directory and label.
    for (const v of [view, groupOf(kind, entry.old)]) if (v.directory && v.label) byLabel.set(`${v.directory.key}\n${v.label.toLowerCase()}`, entry.urn);
  }
  for (const entry of bindings) {
    const view = bindingOf(entry.new ?? entry.old);
    const other = bindingOf(entry.old);
    const targetUrn = view.targetUrn ?? other.targetUrn;
    const target = view.target ?? other.target;
    const labelKey = target ? `${target.directoryKey}\n${target.label.toLowerCase()}` : undefined;
    const key = targetUrn && rows.has(targetUrn) ? targetUrn : labelKey ? (byLabel.get(labelKey) ?? labelKey) : entry.urn;
    const service = view.directory?.service ?? (target ? (target.directoryKey.startsWith("entra:") ? "entra" : "google") : undefined);
    const row = rowFor(key, () => emptyRow(service, target?.directoryKey ?? view.directory?.key ?? "", target?.label ?? `GroupBinding ${entry.name}`), entry.urn);
    if (row.change === "unchanged" && entry.op !== "same") row.change = "updated";
    applyBinding(row, entry, diagnosticsOf(entry.urn));
  }
  for (const entry of entries.values()) {
    if (entry.kind === "DirectoryGroupManagement") {
      const note = directoryNote(entry);
      if (note) summary.directoryNotes.push(note);
    }
    if (entry.op !== "same" && entry.type !== "pulumi:pulumi:Stack") summary.changed = true;
  }
  // Errors and warnings go to the group they name; the rest stand on their own.
  const placed = new Set<Diagnostic>();
  for (const [key, row] of rows) {
    const urns = rowUrns.get(key)!;
    for (const d of run.diagnostics.filter((x) => x.urn && urns.includes(x.urn))) {
      placed.add(d);
      if (d.severity === "error") {
        row.errors.push(diagnosticText(d));
        if (isGuardError(d)) {
          summary.guardTripped = true;
          row.guard = { ...(row.guard ?? { removing: 0, limit: DEFAULT_MAX_REMOVAL_PERCENT }), tripped: true };
        }
      } else row.warnings.push(diagnosticText(d));
    }
    if (urns.some((u) => entries.get(u)?.failed) || row.errors.length > 0) row.failed = true;
    row.warnings = [...new Set(row.warnings)];
  }
  for (const d of run.diagnostics) {
    if (placed.has(d)) continue;
    (d.severity === "error" ? summary.errors : summary.warnings).push(diagnosticText(d));
  }
  summary.errors = [...new Set(summary.errors)];
  // The engine's closing "update failed" says nothing a group's own error has not said.
  if (rows.size > 0 && [...rows.values()].some((r) => r.errors.length > 0)) summary.errors = summary.errors.filter((e) => !/^(error: )?(update|preview|destroy|refresh) failed\.?$/i.test(e.trim()));
  summary.warnings = [...new Set(summary.warnings)];
  summary.failed = run.diagnostics.some((d) => d.severity === "error");
  summary.rows = [...rows.values()]
    .filter((r) => r.change !== "unchanged" || r.failed || hasContent(r))
    .sort((a, b) => (b.service ?? "").localeCompare(a.service ?? "") || ORDER.indexOf(a.change) - ORDER.indexOf(b.change) || a.group.localeCompare(b.group));
  // Warnings of groups that do not change (management disabled, a waiting binding) once each, not a row per group.
  for (const r of [...rows.values()].filter((x) => !summary.rows.includes(x))) summary.warnings.push(...r.warnings.filter((w) => !summary.warnings.includes(w)));
  if (run.kind === "refresh" && Object.entries(run.changeSummary).some(([op, n]) => op === "update" && n > 0)) {
    summary.notes.push(
      `The engine counts ${run.changeSummary.update} resource(s) whose state a refresh would update, but its JSON for \`pulumi refresh --preview-only\` does not say what changed (pulumi/pulumi#16278): run \`pulumi preview --refresh --json\` for the group-by-group drift.`,
    );
  }
  return summary;
}

function hasContent(row: GroupRow): boolean {
  return row.added.length + row.removed.length + row.roles.length + row.settings.length + row.aliasesAdded.length + row.aliasesRemoved.length + row.renames.length + row.errors.length > 0 || row.guard !== undefined;
}

export interface Totals {
  /** Groups per change, in a fixed order. */
  changes: [GroupChange, number][];
  added: number;
  removed: number;
  errors: number;
}

export function totalsOf(summary: Summary): Totals {
  const counts = new Map<GroupChange, number>();
  for (const row of summary.rows) counts.set(row.change, (counts.get(row.change) ?? 0) + 1);
  // What an update or destroy did: a failed step's members are what it planned, not what it did.
  const done = summary.rows.filter((r) => !(r.failed && (summary.kind === "update" || summary.kind === "destroy")));
  return {
    changes: ORDER.filter((c) => counts.has(c) && c !== "unchanged").map((c) => [c, counts.get(c)!]),
    added: done.reduce((n, r) => n + r.added.length, 0),
    removed: done.reduce((n, r) => n + r.removed.length, 0),
    errors: summary.rows.reduce((n, r) => n + r.errors.length, 0) + summary.errors.length,
  };
}
