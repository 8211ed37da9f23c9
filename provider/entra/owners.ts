import type { MemberFailure, ObservedMember, OwnerRelation } from "../groups/memberDirectory";
import type { EntraSettings } from "../settings";
import { sharedEntraCredential } from "./auth";
import type { BatchResponse, GraphDirectoryClient, GraphMember } from "./client";
import { observedGraphMember, type EntraUserCache } from "./members";

/** `@odata.id` references take Graph's own URL form, whatever host the client talks to. */
const DIRECTORY_OBJECT_URL = "https://graph.microsoft.com/v1.0/directoryObjects/";
const OWNER_FIELDS = "id,displayName,userPrincipalName,mail,appId";
/** A group has at most 100 owners (Graph group pages), so one page of 999 holds them all. */
const OWNERS_PAGE = 999;
const ALREADY = /already exist/i;
const NOT_THERE = /do(es)? not exist/i;

function reason(r: BatchResponse | undefined): string {
  return r ? `${r.status} ${r.body?.error?.code ?? ""} ${r.body?.error?.message ?? ""}`.trim() : "no reply";
}

const ok = (r: BatchResponse | undefined) => r !== undefined && r.status >= 200 && r.status < 300;

/** The group's owners (users and service principals); undefined when the group does not exist. */
export async function listOwners(client: GraphDirectoryClient, groupId: string): Promise<ObservedMember[] | undefined> {
  const [reply] = await client.batch([{ method: "GET", url: `/groups/${groupId}/owners?$select=${OWNER_FIELDS}&$top=${OWNERS_PAGE}` }]);
  if (reply?.status === 404) return undefined;
  if (!ok(reply)) throw new Error(`reading the owners of group ${groupId} failed: ${reason(reply)}`);
  return ((reply.body?.value as GraphMember[] | undefined) ?? []).map(observedGraphMember);
}

/** Adds owners one `POST owners/$ref` each (Graph has no bulk owner bind on update); an owner already there is success. */
export async function addOwners(client: GraphDirectoryClient, groupId: string, owners: { key: string; id: string }[]): Promise<MemberFailure[]> {
  if (owners.length === 0) return [];
  const replies = await client.batch(owners.map((o) => ({ method: "POST", url: `/groups/${groupId}/owners/$ref`, body: { "@odata.id": DIRECTORY_OBJECT_URL + o.id } })));
  return owners.flatMap((o, i) => (ok(replies[i]) || (replies[i]?.status === 400 && ALREADY.test(replies[i].body?.error?.message ?? "")) ? [] : [{ key: o.key, reason: reason(replies[i]) }]));
}

/** Removes owners (`DELETE owners/{id}/$ref`); one that is no owner any more counts as removed. */
export async function removeOwners(client: GraphDirectoryClient, groupId: string, owners: { key: string; id: string }[]): Promise<MemberFailure[]> {
  if (owners.length === 0) return [];
  const replies = await client.batch(owners.map((o) => ({ method: "DELETE", url: `/groups/${groupId}/owners/${o.id}/$ref` })));
  return owners.flatMap((o, i) => {
    const r = replies[i];
    const gone = r?.status === 404 || (r?.status === 400 && NOT_THERE.test(r.body?.error?.message ?? ""));
    return ok(r) || gone ? [] : [{ key: o.key, reason: reason(r) }];
  });
}

/**
 * The object id of the calling application's service principal: the `oid` claim of its
 * app-only access token (Microsoft identity platform access-token claims); undefined if the
 * token carries none (then no owner is tolerated as "the caller"). The caller keeps it per
 * tenant (entra/members.ts, in the context's per-tenant cache).
 */
export async function callerObjectId(tenantId: string, settings: EntraSettings): Promise<string | undefined> {
  const token = await sharedEntraCredential(tenantId, settings).getToken("https://graph.microsoft.com/.default");
  const payload = token?.token.split(".")[1];
  if (!payload) return undefined;
  const claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as { oid?: unknown };
  return typeof claims.oid === "string" ? claims.oid.toLowerCase() : undefined;
}

/**
 * The owners relation of one tenant's groups, for the member-directory port. The caller's id is
 * read once per tenant and kept in the tenant's cache; a failure is not kept (the next binding
 * asks again).
 */
export function entraOwnerRelation(client: GraphDirectoryClient, tenantId: string, settings: EntraSettings, cache: EntraUserCache): OwnerRelation {
  return {
    list: (groupId) => listOwners(client, groupId),
    add: (groupId, owners) => addOwners(client, groupId, owners),
    remove: (groupId, owners) => removeOwners(client, groupId, owners),
    callerId() {
      let found = cache.caller;
      if (!found) {
        found = callerObjectId(tenantId, settings);
        cache.caller = found;
        found.catch(() => {
          if (cache.caller === found) cache.caller = undefined;
        });
      }
      return found;
    },
  };
}
