import { createHash } from "node:crypto";
import { z } from "zod";

/**
 * The user groups a UserGroupExport exported at its last apply, kept in the state of one small
 * resource of the component (`UserGroupIndex`), so that renaming a user group keeps its groups.
 *
 * Pulumi's resource names are identity: the component names a user group's resources after
 * the user group, so renaming it (a groups file's `name:`, a JumpCloud group renamed) would
 * create new resources during the update and delete the old ones at its end. Those deletes
 * would delete the groups this stack created and make new ones (an Entra group with a new
 * object id, which access grants name), and remove the members the old bindings added. The
 * engine's own answer is the `aliases` resource option, which needs the old name: the index
 * remembers it. A user group whose name is new to the index but whose stable identity matches
 * exactly one entry that left it is the same user group renamed, and its resources alias the
 * old ones: the engine updates them in place (the Google group's name, the Entra group's
 * display name), nothing is deleted and no member moves.
 *
 * Identity, in order: the user group's `key` (a groups file's or JumpCloud's stable id), else
 * its Google address (lowercased), else its Entra display name when the program gives it apart
 * from the name (`entraDisplayName`), else its Entra mail nickname (`entraMailNickname`,
 * lowercased: Entra compares it ignoring case). Without an alias the renamed resource would find
 * its own group by that nickname and adopt it: ownership (`created`) would be lost. A user group
 * with none of these (exported to Entra only, named by its name) cannot be told apart from a new
 * one: docs/guides/migrating.md#renaming-a-user-group.
 */
export const indexEntrySchema = z.object({
  /** The part of the resources' names that comes from the user group (its name's slug). */
  base: z.string(),
  key: z.string().optional(),
  email: z.string().optional(),
  /** The Entra display name when given apart from the user group's name. */
  entra: z.string().optional(),
  /** The Entra mail nickname when the program gives it. */
  nickname: z.string().optional(),
  /**
   * The base 0.1.0 gave this name, when it differs ({@link formerResourceBase}):
   * a stack made then finds its resources under it once, however the user group is identified.
   */
  formerBase: z.string().optional(),
  /** The user group's name: its Entra display name when `entra` is not given (what a moved Entra side is found by). */
  name: z.string().optional(),
  /** The directories it has resources in; absent in an index written by 0.1.0 (its sides never move). */
  to: z.array(z.enum(["google", "entra"])).optional(),
});
export type IndexEntry = z.infer<typeof indexEntrySchema>;

/** The index as text, one user group a line (`<base> {json}`), sorted: a preview shows a changed index as lines. */
export function encodeIndex(entries: IndexEntry[]): string {
  return [...entries]
    .sort((a, b) => a.base.localeCompare(b.base))
    .map(({ base, ...identity }) => `${base} ${JSON.stringify(identity)}\n`)
    .join("");
}

/** The entries of an index's text; lines that do not read are skipped (an index only ever adds aliases). */
export function decodeIndex(text: string | undefined): IndexEntry[] {
  const entries: IndexEntry[] = [];
  for (const line of (text ?? "").split("\n")) {
    const at = line.indexOf(" ");
    if (at <= 0) continue;
    try {
      const parsed = indexEntrySchema.safeParse({ ...JSON.parse(line.slice(at + 1)), base: line.slice(0, at) });
      if (parsed.success) entries.push(parsed.data);
    } catch {
      // Not an entry: skipped.
    }
  }
  return entries;
}

const IDENTITIES = [(e: IndexEntry) => e.key?.toLowerCase(), (e: IndexEntry) => e.email?.toLowerCase(), (e: IndexEntry) => e.entra, (e: IndexEntry) => e.nickname?.toLowerCase()] as const;

/**
 * Renamed user groups: current base -> the base it had in `previous`. Only an entry that left
 * the index (its base is no current base) can be the old name of one that is new to it, and
 * only a match that is unique both ways counts; a stronger identity decides before a weaker one.
 */
export function planRenames(current: IndexEntry[], previous: IndexEntry[]): Map<string, string> {
  const currentBases = new Set(current.map((e) => e.base));
  const previousBases = new Set(previous.map((e) => e.base));
  let newcomers = current.filter((e) => !previousBases.has(e.base));
  let leavers = previous.filter((e) => !currentBases.has(e.base));
  const renames = new Map<string, string>();
  for (const identity of IDENTITIES) {
    const byIdentity = (entries: IndexEntry[]) => {
      const groups = new Map<string, IndexEntry[]>();
      for (const e of entries) {
        const id = identity(e);
        if (id !== undefined && id !== "") groups.set(id, [...(groups.get(id) ?? []), e]);
      }
      return groups;
    };
    const left = byIdentity(leavers);
    for (const [id, [entry, ...others]] of byIdentity(newcomers)) {
      const [old, ...more] = left.get(id) ?? [];
      if (!entry || others.length > 0 || !old || more.length > 0) continue;
      renames.set(entry.base, old.base);
    }
    newcomers = newcomers.filter((e) => !renames.has(e.base));
    leavers = leavers.filter((e) => ![...renames.values()].includes(e.base));
  }
  // Last: a name whose base this version spells differently keeps the resources of the base it had.
  for (const e of newcomers) {
    const old = leavers.filter((l) => l.base === e.formerBase);
    if (old.length === 1 && newcomers.filter((n) => n.formerBase === e.formerBase).length === 1) renames.set(e.base, old[0]!.base);
  }
  return renames;
}

/**
 * The part of a user group's resources' names that comes from its name: lowercase a–z and
 * digits, the rest one hyphen. Accents are dropped from their letters ("Équipe" → "equipe");
 * a name with letters or digits of another script ("営業", "Straße") gets 8 hex digits of its
 * lowercased name's SHA-256, so that two such names make two resources (before, both were
 * "group" and the export was refused). Names that differ only in case, accents or punctuation
 * share a base: the export refuses them, naming both.
 */
export function resourceBase(name: string): string {
  const folded = name.normalize("NFKD").replace(/\p{M}+/gu, "").toLowerCase();
  const ascii = folded.replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "") || "group";
  if (!/[\p{L}\p{N}]/u.test(folded.replace(/[a-z0-9]/g, ""))) return ascii;
  return `${ascii}-${createHash("sha256").update(name.normalize("NFC").toLowerCase()).digest("hex").slice(0, 8)}`;
}

/** The base 0.1.0 gave a name: every character outside a–z and 0–9 dropped. */
export function formerResourceBase(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "") || "group";
}

export type Directory = "google" | "entra";

/** What finds a directory's side of a user group, strongest first: Google by address; Entra by mail nickname, then display name (both compared ignoring case, as Entra does). */
const SIDE_IDENTITIES: Record<Directory, readonly ((e: IndexEntry) => string | undefined)[]> = {
  google: [(e) => e.email?.toLowerCase()],
  entra: [(e) => e.nickname?.toLowerCase(), (e) => (e.entra ?? e.name)?.toLowerCase()],
};

/**
 * Sides that moved from one user group to another: `<base>:<directory>` -> the base whose
 * resources they were. A groups file splits a user group in two (its Google side stays, a new
 * user group with `entraDisplayName` and `exportTo: [entra]` takes the Entra side, as bootstrap
 * writes a group whose sides differ) or merges two back into one. Without an alias the new
 * side's group resource would find the group by its address or display name and adopt it, and
 * the old resource's delete would release it: a group this stack created would become `adopted`
 * (left in place when later removed) and the preview would show a create and a delete.
 *
 * A side moves when its user group has it now and did not before (or is new), an old side
 * of the same directory is no longer anyone's (its user group left or stopped exporting there),
 * and their identities match uniquely both ways. Renames are applied first: a renamed user group
 * keeps its sides under its old base. Sides recorded by an index without `to` never move.
 */
export function planMoves(current: IndexEntry[], previous: IndexEntry[], renames: Map<string, string>): Map<string, string> {
  const before = new Map(previous.map((e) => [e.base, e]));
  const moves = new Map<string, string>();
  for (const directory of ["google", "entra"] as const) {
    // Sides now, by the base their resources had before (a renamed user group's old base).
    const heldBefore = new Set(current.filter((c) => c.to?.includes(directory)).map((c) => renames.get(c.base) ?? c.base));
    let vacated = previous.filter((p) => p.to?.includes(directory) && !heldBefore.has(p.base));
    let arrived = current.filter((c) => {
      if (!c.to?.includes(directory)) return false;
      const old = before.get(renames.get(c.base) ?? c.base);
      return old === undefined || (old.to !== undefined && !old.to.includes(directory));
    });
    for (const identity of SIDE_IDENTITIES[directory]) {
      const by = (entries: IndexEntry[]) => {
        const found = new Map<string, IndexEntry[]>();
        for (const e of entries) {
          const id = identity(e);
          if (id) found.set(id, [...(found.get(id) ?? []), e]);
        }
        return found;
      };
      const left = by(vacated);
      for (const [id, [side, ...others]] of by(arrived)) {
        const [old, ...more] = left.get(id) ?? [];
        if (side && old && others.length === 0 && more.length === 0) moves.set(`${side.base}:${directory}`, old.base);
      }
      const movedFrom = new Set([...moves].filter(([k]) => k.endsWith(`:${directory}`)).map(([, v]) => v));
      arrived = arrived.filter((c) => !moves.has(`${c.base}:${directory}`));
      vacated = vacated.filter((p) => !movedFrom.has(p.base));
    }
  }
  return moves;
}
