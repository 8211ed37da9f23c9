import type { MemberDirectory, MemberFailure } from "../membership/memberDirectory";
import { GRAPH_BIND_MAX, odataString, type BatchResponse, type GraphDirectoryClient } from "./graphClient";

/** members@odata.bind takes references in Graph's own URL form. */
const DIRECTORY_OBJECT_URL = "https://graph.microsoft.com/v1.0/directoryObjects/";

const ALREADY_MEMBER = /already exist/i;
/** Graph accepts up to 15 values in one `in (...)` filter. */
const FILTER_IN_MAX = 15;

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function reason(response: BatchResponse | undefined): string {
  if (!response) return "no reply";
  return `${response.status} ${response.body?.error?.code ?? ""} ${response.body?.error?.message ?? ""}`.trim();
}

/**
 * Users resolved in this provider process, per tenant client: `pulumi up` checks a binding
 * (resolving its users) and then applies it in the same process, so the apply reuses them.
 */
const resolvedUsers = new WeakMap<GraphDirectoryClient, Map<string, string>>();

/** Entra members are directory objects: users are resolved to ids, then bound 20 at a time. */
export function entraMemberDirectory(client: GraphDirectoryClient): MemberDirectory {
  let known = resolvedUsers.get(client);
  if (!known) resolvedUsers.set(client, (known = new Map()));
  const cache = known;
  return {
    listMembers: (groupId) => client.listMembers(groupId),

    async resolveUsers(requested) {
      const resolved = new Map<string, string>(requested.filter((k) => cache.has(k)).map((k) => [k, cache.get(k)!]));
      const keys = requested.filter((k) => !resolved.has(k));
      // 15 values per `in` filter, 20 filters per $batch: 300 users a round trip.
      const lookup = async (field: "userPrincipalName" | "mail", wanted: string[]) => {
        const parts = chunks(wanted, FILTER_IN_MAX);
        const replies = await client.batch(
          parts.map((part) => ({ method: "GET", url: `/users?$filter=${encodeURIComponent(`${field} in (${part.map(odataString).join(",")})`)}&$select=id,userPrincipalName,mail&$top=999` })),
        );
        replies.forEach((reply, i) => {
          if (reply?.status !== 200) throw new Error(`looking up users by ${field} failed: ${reason(reply)} (${parts[i].length} users)`);
          for (const user of (reply.body?.value as { id: string; userPrincipalName?: string; mail?: string | null }[]) ?? []) {
            const key = (user[field] ?? "").toLowerCase();
            if (wanted.includes(key)) resolved.set(key, user.id);
          }
        });
      };
      if (keys.length > 0) await lookup("userPrincipalName", keys);
      // Not a user principal name: try it as the user's mail address.
      const misses = keys.filter((k) => !resolved.has(k));
      if (misses.length > 0) await lookup("mail", misses);
      for (const [k, id] of resolved) cache.set(k, id);
      return { resolved, unresolved: requested.filter((k) => !resolved.has(k)) };
    },

    async addMembers(groupId, members) {
      const entries = [...members.entries()];
      const groups = chunks(entries, GRAPH_BIND_MAX);
      const patched = await client.batch(
        groups.map((chunk) => ({ method: "PATCH", url: `/groups/${groupId}`, body: { "members@odata.bind": chunk.map(([, id]) => DIRECTORY_OBJECT_URL + id) } })),
      );
      // A bind is all-or-nothing: a chunk with one existing member fails whole, so add that chunk one by one.
      const retryOneByOne = groups.filter((_, i) => !(patched[i]?.status >= 200 && patched[i]?.status < 300)).flat();
      if (retryOneByOne.length === 0) return [];
      const single = await client.batch(
        retryOneByOne.map(([, id]) => ({ method: "POST", url: `/groups/${groupId}/members/$ref`, body: { "@odata.id": DIRECTORY_OBJECT_URL + id } })),
      );
      const failures: MemberFailure[] = [];
      retryOneByOne.forEach(([key], i) => {
        const r = single[i];
        const ok = (r?.status >= 200 && r?.status < 300) || (r?.status === 400 && ALREADY_MEMBER.test(r.body?.error?.message ?? ""));
        if (!ok) failures.push({ key, reason: reason(r) });
      });
      return failures;
    },

    async removeMembers(groupId, members) {
      const entries = [...members.entries()];
      const replies = await client.batch(entries.map(([, id]) => ({ method: "DELETE", url: `/groups/${groupId}/members/${id}/$ref` })));
      return entries.flatMap(([key], i) => {
        const r = replies[i];
        // 404: not a member (any more), which is what removal wants.
        return (r?.status >= 200 && r?.status < 300) || r?.status === 404 ? [] : [{ key, reason: reason(r) }];
      });
    },
  };
}
