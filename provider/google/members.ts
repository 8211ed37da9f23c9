import { GROUP_KEY_PREFIX, type MemberDirectory, type MemberFailure, type MemberKind, type ObservedMember, type ResolvedUser } from "../groups/memberDirectory";
import type { BatchOutcome, DirectoryMember, GoogleDirectoryClient } from "./client";
import { patchMemberRoles } from "./memberRoles";

const KINDS: Record<DirectoryMember["type"], MemberKind> = { USER: "user", EXTERNAL: "user", GROUP: "group", CUSTOMER: "customer" };

/** A member as the binding sees it; a CUSTOMER member has no address, so it is labelled by its id. */
export function observedGoogleMember(m: DirectoryMember): ObservedMember {
  const kind = KINDS[m.type];
  const label = m.type === "CUSTOMER" ? `customer:${m.id}` : m.type === "GROUP" ? `group:${m.email || m.id}` : m.email || `${m.type.toLowerCase()}:${m.id}`;
  return { id: m.id, label, kind, role: m.role };
}

function reason(outcome: BatchOutcome | undefined): string {
  return `${outcome?.status ?? "no reply"} ${outcome?.reason ?? ""} ${outcome?.message ?? ""}`.replace(/\s+/g, " ").trim();
}

/** Google refuses an address with no account behind it in the customer's domains this way. */
function isUnknownAddress(outcome: BatchOutcome | undefined): boolean {
  return outcome !== undefined && (outcome.status === 400 || outcome.status === 404) && /memberKey|required|invalid/i.test(`${outcome.reason ?? ""} ${outcome.message ?? ""}`);
}

/** Whether an address is in one of the directory's domains (all are, when the domains are not known). */
function inDomains(key: string, domains: readonly string[] | undefined): boolean {
  return domains === undefined || domains.some((d) => key.toLowerCase().endsWith(`@${d.toLowerCase()}`));
}

/**
 * Which of the addresses to add are no user of the customer, asked before anything is written
 * (so at preview): only addresses in the customer's domains can be known to be nobody (any
 * other address is added as an external member), and only when domain-wide delegation grants
 * admin.directory.user.readonly; without it every address stays to be added, and Google
 * refuses an unknown one at apply.
 */
async function withoutUnknownUsers(client: GoogleDirectoryClient, toAdd: string[], domains: readonly string[] | undefined): Promise<{ toAdd: string[]; unresolved: string[] }> {
  const candidates = toAdd.filter((key) => !key.startsWith(GROUP_KEY_PREFIX) && inDomains(key, domains));
  const found = await client.findUsers(candidates);
  if (!found) return { toAdd, unresolved: [] };
  const unknown = new Set(candidates.filter((_, i) => found[i]?.found === false));
  return { toAdd: toAdd.filter((k) => !unknown.has(k)), unresolved: toAdd.filter((k) => unknown.has(k)) };
}

/**
 * Google members are addressed by email, alias or id, and the group itself says who an
 * address is: an address that matches no member's primary address is asked of the group
 * (members.get accepts aliases and secondary-domain addresses); one that is no member yet
 * gets its identity when it is added.
 */
export function googleMemberDirectory(client: GoogleDirectoryClient, domains?: readonly string[]): MemberDirectory {
  return {
    setRoles: (groupId, changes) => patchMemberRoles(client, groupId, changes),

    async listMembers(groupId, options) {
      const members = await client.listMembers(groupId, client.created.recentlyCreated(groupId), options);
      return members?.map(observedGoogleMember);
    },

    async resolveUsers(keys, groupId, observed, known, options) {
      const resolved = new Map<string, ResolvedUser>();
      const byAddress = new Map((observed ?? []).map((m) => [m.label, m]));
      const byId = new Map((observed ?? []).map((m) => [m.id, m]));
      let ask: string[] = [];
      for (const key of keys) {
        const knownId = known.get(key);
        const member = byAddress.get(key) ?? (knownId !== undefined ? byId.get(knownId) : undefined);
        if (member) resolved.set(key, { id: member.id, primary: member.label });
        else if (observed && observed.length > 0) ask.push(key);
      }
      // Only a group with members can hold one under another address. A user of the customer is
      // known by its id from a users lookup (which the preview makes anyway, to name unknown users;
      // one per address and process): a member of that id is the user, under another address; no
      // member of it, and the user is none.
      const own = ask.filter((key) => !key.startsWith(GROUP_KEY_PREFIX) && inDomains(key, domains));
      const users = own.length > 0 ? await client.findUsers(own) : undefined;
      if (users) {
        const answered = new Set<string>();
        own.forEach((key, i) => {
          const user = users[i];
          if (!user?.found) return;
          answered.add(key);
          const member = byId.get(user.id);
          if (member) resolved.set(key, { id: member.id, primary: member.label });
        });
        ask = ask.filter((key) => !answered.has(key));
      }
      // The rest (other domains, no such user, or no users scope): the group says whether it holds them.
      if (ask.length > 0 && groupId) {
        const found = await client.getMembers(groupId, ask);
        ask.forEach((key, i) => {
          const m = found[i];
          if (m) resolved.set(key, { id: m.id, primary: m.email || key });
        });
      }
      const toAdd = keys.filter((k) => !resolved.has(k));
      const unknown = options?.findUnknownUsers ? await withoutUnknownUsers(client, toAdd, domains) : { toAdd, unresolved: [] };
      return { resolved, ...unknown, ambiguous: new Map() };
    },

    async addMembers(groupId, members) {
      const keys = members.map((m) => m.key);
      // A nested group's key is `group:<its address>`: Google adds it by that address (type GROUP).
      const addresses = keys.map((key) => (key.startsWith(GROUP_KEY_PREFIX) ? key.slice(GROUP_KEY_PREFIX.length) : key));
      const outcomes = await client.insertMembers(groupId, addresses, client.created.recentlyCreated(groupId), members.map((m) => m.role));
      const added = new Map<string, ResolvedUser>();
      const failures: MemberFailure[] = [];
      const unknown: string[] = [];
      const already: string[] = [];
      keys.forEach((key, i) => {
        const outcome = outcomes[i];
        const body = outcome?.body as Partial<DirectoryMember> | undefined;
        if (outcome?.ok && body?.id) added.set(key, { id: body.id, primary: (body.email ?? key).toLowerCase() });
        else if (outcome?.ok) already.push(key);
        else if (isUnknownAddress(outcome)) unknown.push(key);
        else failures.push({ key, reason: reason(outcome) });
      });
      // 409: already a member (under this or another address): the group says who it is.
      if (already.length > 0) {
        const found = await client.getMembers(groupId, already.map((key) => (key.startsWith(GROUP_KEY_PREFIX) ? key.slice(GROUP_KEY_PREFIX.length) : key)));
        already.forEach((key, i) => {
          const m = found[i];
          if (m) added.set(key, { id: m.id, primary: m.email || key });
          else failures.push({ key, reason: "reported as already a member, but the group does not list it" });
        });
      }
      return { added, failures, unknown };
    },

    async removeMembers(groupId, members) {
      // By id: the only key every kind of member has (a CUSTOMER member has no address).
      const outcomes = await client.removeMembers(groupId, members.map((m) => m.id));
      return members.flatMap((m, i) => (outcomes[i]?.ok ? [] : [{ key: m.key, reason: reason(outcomes[i]) }]));
    },
  };
}
