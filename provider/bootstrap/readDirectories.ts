/**
 * Start from what exists: reads the groups of an existing Google Workspace customer and/or
 * Entra tenant (read-only) and writes a groups file that the root project adopts with no
 * change at its first preview: every group is adopted (same address / display name), and each
 * binding's users are exactly the group's current user members.
 */
import { admin } from "@googleapis/admin";
import { Client } from "@microsoft/microsoft-graph-client";
import { TokenCredentialAuthenticationProvider } from "@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials";
import { stringify } from "yaml";
import { entraCredential } from "../entra/auth";
import { delegatedAuth } from "../google/auth";
import { DIRECTORY_GROUP_READONLY_SCOPE, GoogleDirectoryClient } from "../google/client";
import type { ProviderSettings } from "../settings";

export interface ExistingGroup {
  name: string;
  /** The group's identity, so that renaming the user group in the file keeps its groups: `google:<id>` or `entra:<object id>`. */
  key?: string;
  description?: string;
  email?: string;
  /** The Google group's name when the user group's had to differ (two Google groups of one name). */
  googleName?: string;
  entraDisplayName?: string;
  entraMailNickname?: string;
  users: string[];
  exportTo?: ("google" | "entra")[];
  allowEmpty?: boolean;
}

export interface BootstrapResult {
  groups: ExistingGroup[];
  /** What the file does not carry (non-user members, skipped kinds of groups), for the user to read. */
  notes: string[];
}

interface Found { id: string; name: string; description: string; users: string[]; email?: string; mailNickname?: string }

async function readGoogle(configured: ProviderSettings, customerId: string, notes: string[]): Promise<Found[]> {
  const settings = { ...configured.google(), readOnly: true };
  const api = admin({ version: "directory_v1", auth: delegatedAuth(settings, [DIRECTORY_GROUP_READONLY_SCOPE]), rootUrl: settings.apiRootUrl ?? "https://admin.googleapis.com/" });
  const client = new GoogleDirectoryClient(settings);
  const found: Found[] = [];
  let pageToken: string | undefined;
  do {
    const page = await api.groups.list({ customer: customerId, maxResults: 200, pageToken });
    for (const g of page.data.groups ?? []) {
      const members = (await client.listMembers(g.email!)) ?? [];
      // People (the domain's users and external addresses) are the binding's users; every role stays as it is
      // (a binding manages plain membership). Nested groups and "everyone in the customer" are kept by the binding.
      const isPerson = (m: { type: string; email: string }) => (m.type === "USER" || m.type === "EXTERNAL") && m.email !== "";
      const others = members.filter((m) => !isPerson(m));
      if (others.length > 0) notes.push(`Google ${g.email}: ${others.length} non-user member(s) (${others.map((m) => m.email || m.type).join(", ")}) are kept by the binding (nonUserMembers: keep), not listed as users`);
      found.push({ id: g.id!, name: g.name || g.email!, description: g.description ?? "", email: g.email!.toLowerCase(), users: members.filter(isPerson).map((m) => m.email).sort() });
    }
    pageToken = page.data.nextPageToken ?? undefined;
  } while (pageToken);
  return found;
}

async function readEntra(configured: ProviderSettings, tenantId: string, notes: string[]): Promise<Found[]> {
  const settings = configured.entra();
  const baseUrl = settings.graphBaseUrl?.replace(/\/$/, "") ?? "https://graph.microsoft.com";
  const client = Client.initWithMiddleware({
    baseUrl,
    defaultVersion: "v1.0",
    customHosts: new Set([new URL(baseUrl).hostname]),
    authProvider: new TokenCredentialAuthenticationProvider(entraCredential(tenantId, settings), { scopes: ["https://graph.microsoft.com/.default"] }),
  });
  const pages = async <T>(first: string): Promise<T[]> => {
    const items: T[] = [];
    for (let next: string | undefined = first; next; ) {
      const page = (await client.api(next).get()) as { value: T[]; "@odata.nextLink"?: string };
      items.push(...page.value);
      next = page["@odata.nextLink"];
    }
    return items;
  };
  type G = { id: string; displayName: string; description: string | null; mailNickname: string; mailEnabled: boolean; securityEnabled: boolean; groupTypes: string[] };
  const groups = await pages<G>("/groups?$select=id,displayName,description,mailNickname,mailEnabled,securityEnabled,groupTypes&$top=999");
  const found: Found[] = [];
  for (const g of groups) {
    // Only what EntraSecurityGroup manages: security-enabled, not mail-enabled, not Microsoft 365 or dynamic.
    if (!g.securityEnabled || g.mailEnabled || g.groupTypes.length > 0) {
      notes.push(`Entra "${g.displayName}" (${g.id}): skipped, not a plain security group`);
      continue;
    }
    type M = { "@odata.type"?: string; id: string; userPrincipalName?: string | null; displayName?: string | null };
    const members = await pages<M>(`/groups/${g.id}/members?$select=id,displayName,userPrincipalName&$top=999`);
    const users = members.filter((m) => m["@odata.type"] === "#microsoft.graph.user" && m.userPrincipalName);
    if (users.length < members.length) notes.push(`Entra "${g.displayName}": ${members.length - users.length} non-user member(s) are kept by the binding, not listed as users`);
    found.push({ id: g.id, name: g.displayName, description: g.description ?? "", mailNickname: g.mailNickname, users: users.map((u) => u.userPrincipalName!.toLowerCase()).sort() });
  }
  const names = new Map<string, number>();
  for (const f of found) names.set(f.name.toLowerCase(), (names.get(f.name.toLowerCase()) ?? 0) + 1);
  const shared = found.filter((f) => names.get(f.name.toLowerCase())! > 1);
  // One note per name, with the ids, so that the program's adoptId can name the one to take.
  for (const name of new Set(shared.map((f) => f.name.toLowerCase()))) {
    const same = shared.filter((f) => f.name.toLowerCase() === name);
    notes.push(`Entra "${same[0]!.name}": ${same.length} security groups share this name (${same.map((f) => f.id).join(", ")}); left out (adopt one with adoptId in a program)`);
  }
  return found.filter((f) => names.get(f.name.toLowerCase())! === 1);
}

/** Reads the directories and pairs a Google group and an Entra group of the same name and members into one user group. */
export async function readExistingGroups(settings: ProviderSettings, options: { google?: { customerId?: string }; entra?: { tenantId: string } }): Promise<BootstrapResult> {
  const notes: string[] = [];
  const google = options.google ? await readGoogle(settings, options.google.customerId ?? "my_customer", notes) : [];
  const entra = options.entra ? await readEntra(settings, options.entra.tenantId, notes) : [];
  const both = options.google !== undefined && options.entra !== undefined;
  const groups: ExistingGroup[] = [];
  const entraLeft = new Map(entra.map((e) => [e.name.toLowerCase(), e]));
  const same = (a: string[], b: string[]) => a.length === b.length && a.every((x, i) => x === b[i]);
  // User group names are unique (case-insensitively); Google group names are not: a second one is named by its address too, and keeps its own Google name.
  const used = new Set<string>();
  const unique = (name: string, email: string) => (used.has(name.toLowerCase()) ? `${name} (${email})` : name);
  for (const g of google) {
    const e = entraLeft.get(g.name.toLowerCase());
    const name = unique(g.name, g.email!);
    used.add(name.toLowerCase());
    const googleName = name === g.name ? undefined : g.name;
    if (e && e.name === g.name && name === g.name && same(e.users, g.users) && e.description === g.description) {
      entraLeft.delete(g.name.toLowerCase());
      groups.push({ name: g.name, key: `google:${g.id}`, description: g.description || undefined, email: g.email, users: g.users, allowEmpty: g.users.length === 0 || undefined });
    } else {
      groups.push({ name, key: `google:${g.id}`, googleName, description: g.description || undefined, email: g.email, users: g.users, exportTo: both ? ["google"] : undefined, allowEmpty: g.users.length === 0 || undefined });
    }
  }
  const taken = new Set(groups.map((g) => g.name.toLowerCase()));
  for (const e of entraLeft.values()) {
    const name = taken.has(e.name.toLowerCase()) ? `${e.name} (Entra)` : e.name;
    groups.push({ name, key: `entra:${e.id}`, entraDisplayName: name === e.name ? undefined : e.name, description: e.description || undefined, users: e.users, exportTo: both ? ["entra"] : undefined, allowEmpty: e.users.length === 0 || undefined });
  }
  return { groups, notes };
}

/** The groups file text for what was read, with the notes as comments. */
export function toGroupsYaml(result: BootstrapResult): string {
  const clean = result.groups.map((g) => Object.fromEntries(Object.entries(g).filter(([, v]) => v !== undefined)));
  const head = ["# Written by group-export-bootstrap from the directories as they are: the first preview adopts", "# every group and changes no member. Review, then commit.", ...result.notes.map((n) => `# note: ${n}`)];
  return `${head.join("\n")}\n${stringify({ version: 1, defaults: { membershipMode: "authoritative" }, groups: clean }, { lineWidth: 0 })}`;
}
