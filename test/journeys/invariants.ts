/**
 * The checks after every `up` of a journey, read from the sandbox's directories (and from the
 * preview's JSON for what was announced):
 *
 *   I0  the up exits 0, unless it was refused at preview too and wrote nothing
 *   I1  no group that existed before the stack is deleted (unless deleted by hand)
 *   I2  every user the program lists is a member of each group it is exported to
 *   I3  `pulumi preview --refresh --expect-no-changes` exits 0 right after the up (in runner.ts)
 *   I4  every member the up removed from a group was announced by the preview before it
 *       (in a binding's `removals`, or as a `-` line of its member list)
 *   I4b every removal announced for an authoritative binding happened (no fake removals or moves)
 *   I5  nothing duplicated: no two Entra groups the stack made share a display name (a lost create answer must not make a second)
 *   E   what a step promises: a rename keeps its groups, a released Google group keeps its members
 */
import type { Sandbox } from "../../provider/sandbox";
import { decodeBindingTarget } from "../../provider/resources/referenceText";
import type { BindingTarget } from "../../provider/groups/bindingSchema";
import { entraName, exportedTo, type Directory, type JourneyGroup, type JourneyModel } from "./model";

export interface Failure {
  invariant: "I0" | "I1" | "I2" | "I3" | "I4" | "I4b" | "I5" | "E" | "harness";
  message: string;
}

interface GoogleMemberView {
  email: string;
  role: string;
  type: string;
}
interface GoogleGroupView {
  id: string;
  email: string;
  name: string;
  description: string;
  aliases: string[];
  settings: unknown;
  /** member id -> member */
  members: Record<string, GoogleMemberView>;
}
interface EntraGroupView {
  id: string;
  displayName: string;
  description: string | null;
  mailNickname: string;
  members: string[];
  owners: string[];
}

/** What the two directories hold at one moment (plain data: compared before and after an up). */
export interface DirectorySnapshot {
  google: Record<string, GoogleGroupView>;
  entra: Record<string, EntraGroupView>;
  /** Names a removed member may be announced under, by member id (both directories). */
  names: Record<string, string[]>;
}

export function snapshot(sandbox: Sandbox): DirectorySnapshot {
  const names: Record<string, string[]> = {};
  const google: Record<string, GoogleGroupView> = {};
  for (const g of sandbox.google.tenant.groups) {
    const members: Record<string, GoogleMemberView> = {};
    for (const m of g.members ?? []) {
      members[m.id] = { email: m.email ?? "", role: m.role, type: m.type };
      names[m.id] = m.type === "GROUP" ? [`group:${m.email}`, m.email ?? ""] : m.type === "CUSTOMER" ? [`customer:${m.id}`] : [m.email ?? m.id];
    }
    google[g.id] = { id: g.id, email: g.email, name: g.name, description: g.description, aliases: [...g.aliases].sort(), settings: structuredClone(g.settings ?? null), members };
  }
  const tenant = sandbox.entra.tenant;
  const entra: Record<string, EntraGroupView> = {};
  for (const g of tenant.groups) {
    entra[g.id] = { id: g.id, displayName: g.displayName, description: g.description, mailNickname: g.mailNickname, members: [...g.members].sort(), owners: [...g.owners].sort() };
  }
  for (const u of tenant.users) names[u.id] = [u.userPrincipalName, u.mail ?? "", ...u.otherMails].filter(Boolean).map((n) => n.toLowerCase());
  for (const g of tenant.groups) names[g.id] = [`group:${g.displayName}`.toLowerCase()];
  for (const sp of tenant.servicePrincipals) names[sp.id] = [`serviceprincipal:${sp.displayName}`.toLowerCase(), sp.id];
  for (const d of tenant.devices) names[d.id] = [`device:${d.displayName}`.toLowerCase(), d.id];
  for (const c of tenant.contacts) names[c.id] = [`contact:${c.displayName}`.toLowerCase(), c.id];
  return { google, entra, names };
}

/** What an up changed in the directories, one line per difference (empty: nothing written). */
export function writesBetween(before: DirectorySnapshot, after: DirectorySnapshot): string[] {
  const lines: string[] = [];
  for (const directory of ["google", "entra"] as const) {
    const a = before[directory] as Record<string, unknown>;
    const b = after[directory] as Record<string, unknown>;
    for (const id of new Set([...Object.keys(a), ...Object.keys(b)])) {
      if (!(id in b)) lines.push(`${directory}: group ${label(a[id])} deleted`);
      else if (!(id in a)) lines.push(`${directory}: group ${label(b[id])} created`);
      else if (JSON.stringify(a[id]) !== JSON.stringify(b[id])) lines.push(`${directory}: group ${label(b[id])} changed`);
    }
  }
  return lines;
}

function label(view: unknown): string {
  const v = view as Partial<GoogleGroupView & EntraGroupView>;
  return `${v.email ?? v.displayName} (${v.id})`;
}

/** The groups of the stack's state: resource name -> group id (from each group resource's outputs). */
export type StateGroups = Map<string, string>;

/** Finds the directory group a user group is exported to: Google by its address (or alias), Entra by the stack's state, else by its unique display name. */
export function findGroup(model: JourneyModel, group: JourneyGroup, directory: Directory, view: DirectorySnapshot, state: StateGroups, resourceName: string): GoogleGroupView | EntraGroupView | undefined {
  if (directory === "google") {
    const email = group.email?.toLowerCase();
    return Object.values(view.google).find((g) => g.email === email || g.aliases.includes(email ?? ""));
  }
  const id = state.get(resourceName);
  if (id && view.entra[id]) return view.entra[id];
  const named = Object.values(view.entra).filter((g) => g.displayName === entraName(group));
  return named.length === 1 ? named[0] : undefined;
}

/** I1: every seeded group still exists (by id), except those a step deleted by hand. */
export function checkSeededGroups(seeded: { directory: Directory; id: string; name: string }[], handDeleted: Set<string>, after: DirectorySnapshot): Failure[] {
  return seeded
    .filter((s) => !handDeleted.has(s.id) && !(s.id in after[s.directory]))
    .map((s) => ({ invariant: "I1" as const, message: `the pre-existing ${s.directory} group ${s.name} (${s.id}) was deleted` }));
}

/** I5: no two Entra groups that did not exist before the journey share a display name (one user group, one group). */
export function checkNoDuplicates(seeded: { directory: Directory; id: string }[], after: DirectorySnapshot): Failure[] {
  const before = new Set(seeded.filter((s) => s.directory === "entra").map((s) => s.id));
  const byName = new Map<string, string[]>();
  for (const g of Object.values(after.entra)) if (!before.has(g.id)) byName.set(g.displayName, [...(byName.get(g.displayName) ?? []), g.id]);
  return [...byName].filter(([, ids]) => ids.length > 1).map(([name, ids]) => ({ invariant: "I5" as const, message: `${ids.length} Entra groups named "${name}" were made (${ids.join(", ")})` }));
}

/** I2: the users of every exported user group are members of its groups. */
export function checkMembers(model: JourneyModel, after: DirectorySnapshot, state: StateGroups, resourceName: (g: JourneyGroup, d: Directory) => string, sandbox: Sandbox): Failure[] {
  const failures: Failure[] = [];
  for (const group of model.groups) {
    if (group.users.length === 0 && group.allowEmpty) continue;
    for (const directory of exportedTo(group)) {
      if (!model.enabled[directory]) continue;
      const found = findGroup(model, group, directory, after, state, resourceName(group, directory));
      if (!found) {
        failures.push({ invariant: "I2", message: `user group ${group.name}: no ${directory} group ${directory === "google" ? group.email : `"${entraName(group)}"`} exists` });
        continue;
      }
      const missing = group.users.filter((user) => !isMember(sandbox, directory, found, user));
      if (missing.length > 0) failures.push({ invariant: "I2", message: `user group ${group.name}: ${missing.join(", ")} not member(s) of ${directory} group ${label(found)}; it has ${memberNames(found, after).join(", ") || "no members"}` });
    }
  }
  return failures;
}

function isMember(sandbox: Sandbox, directory: Directory, group: GoogleGroupView | EntraGroupView, user: string): boolean {
  if (directory === "google") return Object.values((group as GoogleGroupView).members).some((m) => m.email === user.toLowerCase());
  const id = sandbox.entra.tenant.users.find((u) => u.userPrincipalName.toLowerCase() === user.toLowerCase())?.id;
  return id !== undefined && (group as EntraGroupView).members.includes(id);
}

function memberNames(group: GoogleGroupView | EntraGroupView, view: DirectorySnapshot): string[] {
  const ids = Array.isArray(group.members) ? group.members : Object.keys(group.members);
  return ids.map((id) => view.names[id]?.[0] ?? id);
}

/** A step of `pulumi preview --json`. */
export interface PreviewStep {
  op: string;
  urn: string;
  oldState?: { inputs?: Record<string, unknown>; outputs?: Record<string, unknown> };
  newState?: { inputs?: Record<string, unknown>; outputs?: Record<string, unknown> };
}

/** The member keys of a binding's `members` input (the list's text, or the map of older releases). */
function memberKeys(members: unknown): string[] {
  if (typeof members === "string") return members.split("\n").filter((l) => l !== "").map((l) => l.toLowerCase());
  if (members && typeof members === "object") return Object.keys(members).map((k) => k.toLowerCase());
  return [];
}

function targetOf(inputs: Record<string, unknown> | undefined): BindingTarget | undefined {
  return inputs ? decodeBindingTarget(inputs.target) : undefined;
}

/** Whether a binding's target is this directory group (by id, else by address/alias or display name). */
function targets(target: BindingTarget | undefined, directory: Directory, group: GoogleGroupView | EntraGroupView): boolean {
  if (!target || target.service !== directory) return false;
  if (target.groupId === group.id) return true;
  const labelOf = target.label.toLowerCase();
  if (directory === "google") {
    const g = group as GoogleGroupView;
    return labelOf === g.email || g.aliases.includes(labelOf);
  }
  return target.label === (group as EntraGroupView).displayName;
}

/** A `removals` key as the member it names: `owner x`, `x (OWNER)`, `x (in other@...)` -> x. */
function removalName(key: string): string {
  return key.replace(/^owner /, "").replace(/ \([^)]*\)$/, "").toLowerCase();
}

/** A binding's step of the run itself: a refresh step (of `--refresh`) only reads, its inputs are the previous ones. */
const isBinding = (s: PreviewStep) => s.urn.includes("groupexport:GroupBinding::") && s.op !== "refresh" && s.op !== "read";
const resourceOf = (s: PreviewStep) => s.urn.slice(s.urn.lastIndexOf("::") + 2);
/** Steps whose new state is no binding any more, and steps whose old binding goes away (a replace is both). */
const GONE = new Set(["delete", "delete-replaced", "discard", "discard-replaced"]);
const ENDS_OLD = new Set([...GONE, "replace"]);

/**
 * I4: each member the up removed from a group that exists before and after it was announced by
 * the preview: in `removals` of a binding on that group, as a member line the binding's list
 * loses, or by deleting the binding that listed it while no binding of the run keeps it there.
 */
export function checkRemovalsAnnounced(preview: PreviewStep[], before: DirectorySnapshot, after: DirectorySnapshot): Failure[] {
  const failures: Failure[] = [];
  const bindings = preview.filter(isBinding);
  for (const directory of ["google", "entra"] as const) {
    for (const [id, was] of Object.entries(before[directory])) {
      const now = after[directory][id];
      if (!now) continue;
      const wasIds = Array.isArray(was.members) ? (was.members as string[]) : Object.keys(was.members);
      const nowIds = new Set(Array.isArray(now.members) ? (now.members as string[]) : Object.keys(now.members));
      const removed = wasIds.filter((m) => !nowIds.has(m) && after.names[m] !== undefined);
      if (removed.length === 0) continue;
      const onGroup = (s: PreviewStep, which: "old" | "new") => targets(targetOf(which === "old" ? s.oldState?.inputs : s.newState?.inputs), directory, was) || targets(targetOf(which === "old" ? s.oldState?.inputs : s.newState?.inputs), directory, now);
      const announced = new Set<string>();
      const kept = new Set<string>();
      for (const s of bindings) {
        const inputs = s.newState?.inputs;
        if (inputs && !GONE.has(s.op)) {
          for (const key of Object.keys((inputs?.removals as Record<string, string> | undefined) ?? {})) {
            const inOther = / \(in ([^)]+)\)$/.exec(key)?.[1];
            if (inOther ? targets({ ...targetOf(inputs)!, groupId: "", label: inOther }, directory, was) : onGroup(s, "new")) announced.add(removalName(key));
          }
          if (onGroup(s, "new")) for (const k of memberKeys(inputs?.members)) kept.add(k);
        }
        if (s.op === "update" && onGroup(s, "old")) {
          const next = new Set(memberKeys(inputs?.members));
          for (const k of memberKeys(s.oldState?.inputs?.members)) if (!next.has(k)) announced.add(k);
        }
        if (ENDS_OLD.has(s.op) && onGroup(s, "old")) for (const k of memberKeys(s.oldState?.inputs?.members)) announced.add(`deleted:${k}`);
      }
      const said = (names: string[]) => names.some((n) => announced.has(n) || (announced.has(`deleted:${n}`) && !kept.has(n)));
      const silent = removed.filter((m) => !said(before.names[m] ?? [m]));
      if (silent.length > 0) {
        failures.push({
          invariant: "I4",
          message: `the up removed ${silent.map((m) => before.names[m]?.[0] ?? m).join(", ")} from ${directory} group ${label(was)} without the preview announcing it (${bindings.filter((s) => onGroup(s, "old") || onGroup(s, "new")).map((s) => `${s.op} ${resourceOf(s)}: removals ${JSON.stringify(s.newState?.inputs?.removals ?? {})}`).join("; ") || "no binding step on that group"})`,
        });
      }
    }
  }
  return failures;
}

/** I4b: every `remove from X` of an authoritative binding happened, and no binding announced a move it does not make. */
export function checkRemovalsReal(preview: PreviewStep[], before: DirectorySnapshot, after: DirectorySnapshot): Failure[] {
  const failures: Failure[] = [];
  for (const s of preview.filter(isBinding)) {
    const inputs = s.newState?.inputs;
    if (!inputs || inputs.membershipMode !== "authoritative") continue;
    const next = targetOf(inputs);
    const previous = targetOf(s.oldState?.inputs);
    for (const [key, note] of Object.entries((inputs.removals as Record<string, string> | undefined) ?? {})) {
      if (note.includes("if this binding added it")) {
        if (next && previous && previous.groupId !== "" && (previous.groupId === next.groupId || previous.label === next.label)) {
          failures.push({ invariant: "I4b", message: `${resourceOf(s)} announced a move it does not make: ${JSON.stringify(key)}: ${JSON.stringify(note)} (target stays ${next.label})` });
        }
        continue;
      }
      const from = /^remove from (.+)$/.exec(note)?.[1];
      if (!from || !next) continue;
      const directory = next.service;
      const group = Object.values(before[directory]).find((g) => targets({ ...next, groupId: "", label: from }, directory, g));
      const now = group && after[directory][group.id];
      if (!group || !now) continue;
      const name = removalName(key);
      const stillThere = (Array.isArray(now.members) ? (now.members as string[]) : Object.keys(now.members)).some((m) => (after.names[m] ?? []).includes(name));
      if (stillThere) failures.push({ invariant: "I4b", message: `${resourceOf(s)} announced ${JSON.stringify(key)}: ${JSON.stringify(note)}, but ${name} is still a member of ${label(now)}` });
    }
  }
  return failures;
}

/** The preview's changes, one line each (for I3 reports): operation, resource, and the inputs that differ. */
export function changesOf(preview: PreviewStep[]): string[] {
  return preview
    .filter((s) => !["same", "refresh", "read"].includes(s.op))
    .map((s) => {
      const a = s.oldState?.inputs ?? {};
      const b = s.newState?.inputs ?? {};
      const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => !k.startsWith("__") && JSON.stringify(a[k]) !== JSON.stringify(b[k]));
      return `${s.op} ${resourceOf(s)}${keys.length ? `: ${keys.map((k) => `${k} ${short(a[k])} -> ${short(b[k])}`).join(", ")}` : ""}`;
    });
}

function short(value: unknown): string {
  const text = JSON.stringify(value) ?? "undefined";
  return text.length > 160 ? `${text.slice(0, 157)}...` : text;
}
