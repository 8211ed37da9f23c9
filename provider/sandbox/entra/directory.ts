import { Propagation } from "../google/propagation";
import { GraphError, GRAPH_MESSAGES } from "./errors";
import { entraTenantSchema, type EntraGroup, type EntraTenant, type EntraTenantSeed, type EntraUser } from "./tenant";

/** A user or group: what `members` and `@odata.id` references point at. */
export type DirectoryObject = EntraUser | EntraGroup;

export function isUser(o: DirectoryObject): o is EntraUser {
  return "userPrincipalName" in o;
}

/**
 * The tenant plus Entra's replication lag: a group created through Graph stays invisible to
 * every other request (404 on get, members and updates; absent from lists) until the delay
 * has passed, as when a request lands on a replica that has not seen the write yet.
 */
export class EntraDirectory {
  private current: EntraTenant;
  /** Replication lag (same mechanism as Google's propagation delay; applies to earlier creates too). */
  readonly replication = new Propagation(0);

  constructor(seed: EntraTenantSeed = {}) {
    this.current = entraTenantSchema.parse(seed);
  }

  get tenant(): EntraTenant {
    return this.current;
  }

  /** Replaces the tenant; seeded objects are replicated already. */
  seed(seed: EntraTenantSeed): EntraTenant {
    this.current = entraTenantSchema.parse(seed);
    return this.current;
  }

  /** The groups a request sees (replicated ones). */
  groups(): EntraGroup[] {
    return this.current.groups.filter((g) => this.replication.visible(g));
  }

  /** A visible group by id, else 404 Request_ResourceNotFound. */
  group(id: string): EntraGroup {
    const g = this.groups().find((o) => o.id === id.toLowerCase());
    if (!g) throw new GraphError(404, "Request_ResourceNotFound", GRAPH_MESSAGES.notFound(id));
    return g;
  }

  /** A user by id or userPrincipalName, else 404 Request_ResourceNotFound. */
  user(key: string): EntraUser {
    const k = key.toLowerCase();
    const u = this.current.users.find((o) => o.id === k || o.userPrincipalName.toLowerCase() === k);
    if (!u) throw new GraphError(404, "Request_ResourceNotFound", GRAPH_MESSAGES.notFound(key));
    return u;
  }

  /** A visible user or group by id, or undefined. */
  object(id: string): DirectoryObject | undefined {
    const k = id.toLowerCase();
    return this.current.users.find((u) => u.id === k) ?? this.groups().find((g) => g.id === k);
  }

  /** A soft-deleted group by id, else 404. */
  deletedGroup(id: string): EntraGroup {
    const g = this.current.deletedItems.find((o) => o.id === id.toLowerCase());
    if (!g) throw new GraphError(404, "Request_ResourceNotFound", GRAPH_MESSAGES.notFound(id));
    return g;
  }

  /** Throws 400 if another live group already uses the mailNickname (compared ignoring case). */
  assertUniqueNickname(nickname: string, except?: EntraGroup): void {
    const taken = this.current.groups.some((g) => g !== except && g.mailNickname.toLowerCase() === nickname.toLowerCase());
    if (taken) throw new GraphError(400, "Request_BadRequest", "Another object with the same value for property mailNickname already exists.");
  }
}
