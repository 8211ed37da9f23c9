import { Propagation } from "../propagation";
import { GraphError, GRAPH_MESSAGES } from "./graphErrorResponses";
import { entraTenantSchema, type EntraContact, type EntraDevice, type EntraGroup, type EntraServicePrincipal, type EntraTenant, type EntraTenantSeed, type EntraUser } from "./tenant";

/** A directory object with its kind: what `members`, `owners` and `@odata.id` references point at. */
export type DirectoryObject =
  | { kind: "user"; o: EntraUser }
  | { kind: "group"; o: EntraGroup }
  | { kind: "servicePrincipal"; o: EntraServicePrincipal }
  | { kind: "device"; o: EntraDevice }
  | { kind: "orgContact"; o: EntraContact };
export type DirectoryObjectKind = DirectoryObject["kind"];

/** The tenant's collections that hold directory objects, with the kind of each. */
const COLLECTIONS = [
  ["user", "users"],
  ["group", "groups"],
  ["servicePrincipal", "servicePrincipals"],
  ["device", "devices"],
  ["orgContact", "contacts"],
] as const;

/**
 * Lookups by id (and users by userPrincipalName) in maps instead of scans, so that a group of
 * 10,000 members lists in time proportional to its size, not to size × tenant size. Tests change
 * the tenant's arrays directly (push, splice), so the index checks, on every use, that each array
 * is the same object with the same length as when it was built, re-verifies every hit and looks
 * through the arrays on a miss; the sandbox's own writes call `invalidate()`.
 */
class DirectoryIndex {
  private byId = new Map<string, DirectoryObject>();
  private byUpn = new Map<string, EntraUser>();
  private shape: unknown[] = [];

  constructor(private readonly tenant: () => EntraTenant) {}

  invalidate(): void {
    this.shape = [];
  }

  /**
   * Rebuilds the maps if an array was replaced, changed length, or changed at either end (a
   * splice plus a push keeps the length, not the last element); checked without allocating: it
   * runs per lookup.
   */
  private fresh(): void {
    const t = this.tenant();
    let same = this.shape.length === COLLECTIONS.length * 4;
    for (let i = 0; same && i < COLLECTIONS.length; i++) {
      const array = t[COLLECTIONS[i][1]] as unknown[];
      same = this.shape[4 * i] === array && this.shape[4 * i + 1] === array.length && this.shape[4 * i + 2] === array[0] && this.shape[4 * i + 3] === array[array.length - 1];
    }
    if (same) return;
    this.byId = new Map();
    this.byUpn = new Map();
    for (const [kind, key] of COLLECTIONS) for (const o of t[key]) if (!this.byId.has(o.id)) this.byId.set(o.id, { kind, o } as DirectoryObject);
    for (const u of t.users) this.byUpn.set(u.userPrincipalName.toLowerCase(), u);
    this.shape = COLLECTIONS.flatMap(([, key]) => [t[key], t[key].length, t[key][0], t[key][t[key].length - 1]]);
  }

  object(id: string): DirectoryObject | undefined {
    this.fresh();
    const hit = this.byId.get(id);
    if (hit && hit.o.id === id) return hit;
    // A miss, or an object whose id a test rewrote in place: look through the arrays (misses are
    // rare: unknown ids), and rebuild the maps if that finds what they lack.
    const t = this.tenant();
    for (const [kind, key] of COLLECTIONS) {
      const o = (t[key] as { id: string }[]).find((x) => x.id === id);
      if (o) {
        this.invalidate();
        return { kind, o } as DirectoryObject;
      }
    }
    return undefined;
  }

  userByUpn(upn: string): EntraUser | undefined {
    this.fresh();
    const hit = this.byUpn.get(upn);
    if (hit?.userPrincipalName.toLowerCase() === upn) return hit;
    if (hit) this.invalidate();
    return this.tenant().users.find((u) => u.userPrincipalName.toLowerCase() === upn);
  }
}

/**
 * The tenant plus Entra's replication lag: a group created through Graph stays invisible to
 * every other request (404 on get, members and updates; absent from lists) until the delay
 * has passed, as when a request lands on a replica that has not seen the write yet. Member
 * links added through Graph can lag in member listings too (`memberDelayMs`, separate so that
 * a group-level delay alone keeps its earlier meaning).
 */
export class EntraDirectory {
  private current: EntraTenant;
  /** Replication lag (same mechanism as Google's propagation delay; applies to earlier creates too). */
  readonly replication = new Propagation(0);
  /** Member-level lag: for this long a link added through Graph is missing from member lists. */
  memberDelayMs = 0;
  private readonly index = new DirectoryIndex(() => this.current);
  /** When each member link (group id + member id) was added through Graph, for the member-level lag. */
  private readonly linkedAt = new Map<string, number>();

  constructor(seed: EntraTenantSeed = {}) {
    this.current = entraTenantSchema.parse(seed);
  }

  get tenant(): EntraTenant {
    return this.current;
  }

  /** Replaces the tenant; seeded objects are replicated already. */
  seed(seed: EntraTenantSeed): EntraTenant {
    this.current = entraTenantSchema.parse(seed);
    this.index.invalidate();
    this.linkedAt.clear();
    return this.current;
  }

  /** Called after the sandbox itself adds or removes objects. */
  changed(): void {
    this.index.invalidate();
  }

  /** The groups a request sees (replicated ones). */
  groups(): EntraGroup[] {
    return this.current.groups.filter((g) => this.replication.visible(g));
  }

  /** A visible group by id, else 404 Request_ResourceNotFound. */
  group(id: string): EntraGroup {
    const found = this.index.object(id.toLowerCase());
    if (found?.kind !== "group" || !this.replication.visible(found.o)) throw new GraphError(404, "Request_ResourceNotFound", GRAPH_MESSAGES.notFound(id));
    return found.o;
  }

  /** A user by id or userPrincipalName, else 404 Request_ResourceNotFound. */
  user(key: string): EntraUser {
    const k = key.toLowerCase();
    const byId = this.index.object(k);
    const u = byId?.kind === "user" ? byId.o : this.index.userByUpn(k);
    if (!u) throw new GraphError(404, "Request_ResourceNotFound", GRAPH_MESSAGES.notFound(key));
    return u;
  }

  /** A visible directory object (user, group, service principal, device, contact) by id, or undefined. */
  object(id: string): DirectoryObject | undefined {
    const found = this.index.object(id.toLowerCase());
    if (found?.kind === "group" && !this.replication.visible(found.o)) return undefined;
    return found;
  }

  /** Records that Graph added `memberId` to `group` now (member-level replication lag). */
  linked(group: EntraGroup, memberIds: string[]): void {
    if (this.memberDelayMs === 0) return;
    const now = Date.now();
    // Forget links whose lag is over, so that long runs with a delay do not grow without end.
    if (this.linkedAt.size > 10_000) for (const [key, at] of this.linkedAt) if (now >= at + this.memberDelayMs) this.linkedAt.delete(key);
    for (const id of memberIds) this.linkedAt.set(`${group.id}/${id}`, now);
  }

  /** Whether reads see the link of `memberId` in `group` yet. */
  linkVisible(group: EntraGroup, memberId: string): boolean {
    if (this.linkedAt.size === 0) return true;
    const at = this.linkedAt.get(`${group.id}/${memberId}`);
    return at === undefined || Date.now() >= at + this.memberDelayMs;
  }

  /** The members of a group that reads see, in order (unknown ids and lagging links left out). */
  members(group: EntraGroup, ids: readonly string[] = group.members): DirectoryObject[] {
    return this.membersFrom(group, ids, 0, Infinity).items;
  }

  /**
   * Up to `limit` visible members, starting at position `start` of the id list; `next` is the
   * position after the last one taken if more may follow. Paging through it costs each page its
   * own size, not the group's.
   */
  membersFrom(group: EntraGroup, ids: readonly string[], start: number, limit: number): { items: DirectoryObject[]; next?: number } {
    const items: DirectoryObject[] = [];
    let i = start;
    for (; i < ids.length && items.length < limit; i++) {
      if (!this.linkVisible(group, ids[i])) continue;
      const o = this.object(ids[i]);
      if (o) items.push(o);
    }
    return { items, ...(i < ids.length ? { next: i } : {}) };
  }

  /** A soft-deleted group by id, else 404. */
  deletedGroup(id: string): EntraGroup {
    const g = this.current.deletedItems.find((o) => o.id === id.toLowerCase());
    if (!g) throw new GraphError(404, "Request_ResourceNotFound", GRAPH_MESSAGES.notFound(id));
    return g;
  }

  /** Deletes a group as Graph or the portal does: soft-deleted, and gone from every group and owner list it was in. */
  deleteGroup(g: EntraGroup): void {
    const t = this.current;
    t.groups.splice(t.groups.indexOf(g), 1);
    for (const other of t.groups) if (other.members.includes(g.id)) other.members = other.members.filter((id) => id !== g.id);
    t.deletedItems.push({ ...g, deletedDateTime: new Date().toISOString().replace(/\.\d{3}Z$/, "Z") });
    this.index.invalidate();
  }

  /** Throws 400 if another live group already uses the mailNickname (compared ignoring case). */
  assertUniqueNickname(nickname: string, except?: EntraGroup): void {
    const taken = this.current.groups.some((g) => g !== except && g.mailNickname.toLowerCase() === nickname.toLowerCase());
    if (taken) throw new GraphError(400, "Request_BadRequest", "Another object with the same value for property mailNickname already exists.");
  }
}
