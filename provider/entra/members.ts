import type { MemberDirectory, MemberFailure, MemberKind, ObservedMember, ResolvedUser } from "../groups/memberDirectory";
import { GRAPH_BIND_MAX, odataString, type BatchRequest, type BatchResponse, type GraphDirectoryClient, type GraphMember } from "./client";

/** members@odata.bind takes references in Graph's own URL form. */
const DIRECTORY_OBJECT_URL = "https://graph.microsoft.com/v1.0/directoryObjects/";

const ALREADY_MEMBER = /already exist/i;
/** Removing a member that is not (or no longer) there: 404, or 400 "...references do not exist". */
const NOT_A_MEMBER = /do(es)? not exist/i;
/** Graph accepts up to 15 values in one `in (...)` filter. */
const FILTER_IN_MAX = 15;
const USER_FIELDS = "id,userPrincipalName,mail";

const KINDS: Record<string, MemberKind> = {
  "#microsoft.graph.user": "user",
  "#microsoft.graph.group": "group",
  "#microsoft.graph.servicePrincipal": "servicePrincipal",
  "#microsoft.graph.device": "device",
  "#microsoft.graph.orgContact": "contact",
};

/** A member as the binding sees it: users by their UPN, other kinds by kind, name and a short id. */
export function observedGraphMember(m: GraphMember): ObservedMember {
  const type = m["@odata.type"];
  // A listing without @odata.type (an old or unusual answer): an object with a UPN is a user.
  const kind: MemberKind = type !== undefined ? (KINDS[type] ?? "other") : m.userPrincipalName ? "user" : "other";
  if (kind === "user") return { id: m.id, label: (m.userPrincipalName ?? m.mail ?? m.id).toLowerCase(), kind, role: "MEMBER" };
  const name = (kind === "contact" ? (m.mail ?? m.displayName) : m.displayName) ?? "";
  return { id: m.id, label: `${kind}:${name ? `${name} ` : ""}(${m.id.slice(0, 8)})`, kind, role: "MEMBER" };
}

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function reason(response: BatchResponse | undefined): string {
  if (!response) return "no reply";
  return `${response.status} ${response.body?.error?.code ?? ""} ${response.body?.error?.message ?? ""}`.trim();
}

interface GraphUser {
  id: string;
  userPrincipalName?: string | null;
  mail?: string | null;
  otherMails?: string[] | null;
  proxyAddresses?: string[] | null;
}


/**
 * The address forms a user is found by, in order: user principal name, mail (guests: their
 * home address), then the user's other addresses (`otherMails`, `proxyAddresses`), which
 * need Graph's advanced query (ConsistencyLevel: eventual, $count=true).
 */
async function lookupUsers(client: GraphDirectoryClient, keys: string[]): Promise<{ resolved: Map<string, ResolvedUser>; ambiguous: Map<string, string[]> }> {
  const resolved = new Map<string, ResolvedUser>();
  const ambiguous = new Map<string, string[]>();
  const run = async (requests: BatchRequest[], what: string, match: (user: GraphUser) => string[]) => {
    const replies = await client.batch(requests);
    // Every user each key matched at this step: one is the user; several are ambiguous.
    const found = new Map<string, Map<string, ResolvedUser>>();
    replies.forEach((reply) => {
      if (reply?.status !== 200) throw new Error(`looking up users by ${what} failed: ${reason(reply)}`);
      for (const user of (reply.body?.value as GraphUser[] | undefined) ?? []) {
        for (const key of match(user)) {
          if (resolved.has(key) || ambiguous.has(key)) continue;
          if (!found.has(key)) found.set(key, new Map());
          found.get(key)!.set(user.id, { id: user.id, primary: (user.userPrincipalName ?? key).toLowerCase() });
        }
      }
    });
    for (const [key, users] of found) {
      if (users.size === 1) resolved.set(key, [...users.values()][0]);
      else ambiguous.set(key, [...users.values()].map((u) => u.primary).sort());
    }
  };
  const byField = async (field: "userPrincipalName" | "mail", wanted: string[]) => {
    const wantedSet = new Set(wanted);
    // 15 values per `in` filter, 20 filters per $batch: 300 users a round trip.
    const requests = chunks(wanted, FILTER_IN_MAX).map((part): BatchRequest => ({
      method: "GET",
      url: `/users?$filter=${encodeURIComponent(`${field} in (${part.map(odataString).join(",")})`)}&$select=${USER_FIELDS}&$top=999`,
    }));
    await run(requests, field, (user) => [(user[field] ?? "").toLowerCase()].filter((k) => wantedSet.has(k)));
  };
  const open = () => keys.filter((k) => !resolved.has(k) && !ambiguous.has(k));
  if (keys.length > 0) await byField("userPrincipalName", keys);
  let misses = open();
  if (misses.length > 0) await byField("mail", misses);
  misses = open();
  if (misses.length > 0) {
    const requests = misses.map((key): BatchRequest => ({
      method: "GET",
      url: `/users?$filter=${encodeURIComponent(`otherMails/any(x:x eq ${odataString(key)}) or proxyAddresses/any(x:x eq ${odataString(`smtp:${key}`)})`)}&$select=${USER_FIELDS},otherMails,proxyAddresses&$count=true&$top=999`,
      headers: { ConsistencyLevel: "eventual" },
    }));
    await run(requests, "other addresses", (user) => {
      const addresses = new Set([...(user.otherMails ?? []), ...(user.proxyAddresses ?? []).map((p) => p.replace(/^smtp:/i, ""))].map((a) => a.toLowerCase()));
      return misses.filter((k) => addresses.has(k));
    });
  }
  return { resolved, ambiguous };
}

type Lookup = Awaited<ReturnType<typeof lookupUsers>>;

/**
 * What one tenant's member directory keeps for the provider process (the provider context
 * holds one per tenant client):
 * - users resolved so far: `pulumi up` checks a binding (resolving its users) and then applies
 *   it in the same process, so the apply reuses them;
 * - the lookup being gathered: lookups that many bindings ask for in one run share batches,
 *   keys asked for within one tick are looked up together (300 users a $batch round trip,
 *   whoever asked).
 */
export class EntraUserCache {
  readonly resolved = new Map<string, ResolvedUser>();
  /** The calling application's object id in this tenant (entra/owners.ts), once asked. */
  caller: Promise<string | undefined> | undefined;
  private pending: { keys: Set<string>; result: Promise<Lookup> } | undefined;

  lookup(client: GraphDirectoryClient, keys: string[]): Promise<Lookup> {
    let pending = this.pending;
    if (!pending) {
      const batch = { keys: new Set<string>(), result: Promise.resolve<Lookup>({ resolved: new Map(), ambiguous: new Map() }) };
      batch.result = new Promise<void>((resolve) => setTimeout(resolve, LOOKUP_GATHER_MS)).then(() => {
        this.pending = undefined;
        return lookupUsers(client, [...batch.keys]);
      });
      this.pending = pending = batch;
    }
    for (const key of keys) pending.keys.add(key);
    return pending.result;
  }
}

/** How long a lookup waits for others to join it: long enough for the engine's parallel checks, short next to a round trip. */
const LOOKUP_GATHER_MS = 25;

/** Entra members are directory objects: users are resolved to ids, then bound 20 at a time. */
export function entraMemberDirectory(client: GraphDirectoryClient, users: EntraUserCache = new EntraUserCache()): MemberDirectory {
  const cache = users.resolved;
  return {
    async listMembers(groupId, options) {
      return (await client.listMembers(groupId, options))?.map(observedGraphMember);
    },

    async resolveUsers(keys, _groupId, observed, stored) {
      const resolved = new Map<string, ResolvedUser>();
      const byLabel = new Map((observed ?? []).filter((m) => m.kind === "user").map((m) => [m.label, m]));
      const ask: string[] = [];
      for (const key of keys) {
        const cached = cache.get(key);
        const member = byLabel.get(key);
        const storedId = stored.get(key);
        if (cached) resolved.set(key, cached);
        else if (member) resolved.set(key, { id: member.id, primary: member.label });
        // Resolved at an earlier apply: the id is the user's identity; no call needed.
        else if (storedId) resolved.set(key, { id: storedId, primary: key });
        else ask.push(key);
      }
      const ambiguous = new Map<string, string[]>();
      if (ask.length > 0) {
        const found = await users.lookup(client, ask);
        for (const key of ask) {
          const user = found.resolved.get(key);
          if (user) resolved.set(key, user);
          const several = found.ambiguous.get(key);
          if (several) ambiguous.set(key, several);
        }
      }
      for (const [key, user] of resolved) cache.set(key, user);
      return { resolved, toAdd: [], unresolved: keys.filter((k) => !resolved.has(k) && !ambiguous.has(k)), ambiguous };
    },

    async addMembers(groupId, members) {
      const withIds = members.filter((m): m is { key: string; id: string } => m.id !== undefined);
      const groups = chunks(withIds, GRAPH_BIND_MAX);
      const patched = await client.batch(
        groups.map((chunk) => ({ method: "PATCH", url: `/groups/${groupId}`, body: { "members@odata.bind": chunk.map((m) => DIRECTORY_OBJECT_URL + m.id) } })),
      );
      const added = new Map<string, ResolvedUser>();
      groups.forEach((chunk, i) => {
        if (patched[i]?.status >= 200 && patched[i]?.status < 300) for (const m of chunk) added.set(m.key, { id: m.id, primary: m.key });
      });
      // A bind is all-or-nothing: a chunk with one existing member fails whole, so add that chunk one by one.
      const retryOneByOne = groups.filter((_, i) => !(patched[i]?.status >= 200 && patched[i]?.status < 300)).flat();
      const failures: MemberFailure[] = [];
      if (retryOneByOne.length > 0) {
        const single = await client.batch(
          retryOneByOne.map((m) => ({ method: "POST", url: `/groups/${groupId}/members/$ref`, body: { "@odata.id": DIRECTORY_OBJECT_URL + m.id } })),
        );
        retryOneByOne.forEach((m, i) => {
          const r = single[i];
          const ok = (r?.status >= 200 && r?.status < 300) || (r?.status === 400 && ALREADY_MEMBER.test(r.body?.error?.message ?? ""));
          if (ok) added.set(m.key, { id: m.id, primary: m.key });
          else failures.push({ key: m.key, reason: reason(r) });
        });
      }
      const unknown = members.filter((m) => m.id === undefined).map((m) => m.key);
      return { added, failures, unknown };
    },

    async removeMembers(groupId, members) {
      const replies = await client.batch(members.map((m) => ({ method: "DELETE", url: `/groups/${groupId}/members/${m.id}/$ref` })));
      return members.flatMap((m, i) => {
        const r = replies[i];
        // Not a member (any more) is what removal wants: 404, or 400 "...do not exist".
        const gone = r?.status === 404 || (r?.status === 400 && NOT_A_MEMBER.test(r.body?.error?.message ?? ""));
        return (r?.status >= 200 && r?.status < 300) || gone ? [] : [{ key: m.key, reason: reason(r) }];
      });
    },
  };
}
