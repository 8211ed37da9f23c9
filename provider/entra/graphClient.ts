import { Client, GraphError } from "@microsoft/microsoft-graph-client";
import { TokenCredentialAuthenticationProvider } from "@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials";
import type Bottleneck from "bottleneck";
import { directoryLimiter, GRAPH_LIMITS } from "../limiter";
import { recentlyCreated, recordCreated } from "../management/runRegistry";
import { backoffDelay, defaultRetryPolicy, isConnectionError, parseRetryAfter, withRetry, type RetryVerdict } from "../retry";
import type { EntraSettings } from "../settings";
import { entraCredential } from "./credentials";

const GRAPH_ROOT = "https://graph.microsoft.com";
const GRAPH_SCOPE = "https://graph.microsoft.com/.default";
/** Graph limits: 20 requests per $batch, 20 references per members@odata.bind, 999 per page. */
export const GRAPH_BATCH_MAX = 20;
export const GRAPH_BIND_MAX = 20;
const GRAPH_PAGE_MAX = 999;

/** A group as Graph reports it, reduced to what this package needs. */
export interface GraphGroup {
  id: string;
  displayName: string;
  description: string | null;
  mailNickname: string;
  mailEnabled: boolean;
  securityEnabled: boolean;
  groupTypes: string[];
}

const GROUP_FIELDS = "id,displayName,description,mailNickname,mailEnabled,securityEnabled,groupTypes";

/** A directory object in a member listing; `@odata.type` says which kind it is. */
export interface GraphMember {
  "@odata.type"?: string;
  id: string;
  displayName?: string | null;
  userPrincipalName?: string | null;
  mail?: string | null;
  appId?: string | null;
}

/** Graph returns, for each member, the selected fields its type has (others are absent). */
const MEMBER_FIELDS = "id,displayName,userPrincipalName,mail";

export function graphStatus(error: unknown): number | undefined {
  return error instanceof GraphError ? error.statusCode : (error as { statusCode?: number })?.statusCode;
}

/** 429, 5xx and dropped connections are retried, waiting Retry-After (fractional too). */
export function classifyGraphError(error: unknown): RetryVerdict {
  const status = graphStatus(error);
  if (status === 429 || status === 503 || status === 504 || (status !== undefined && status >= 500)) {
    const headers = (error as GraphError).headers;
    return { retry: true, afterMs: parseRetryAfter(headers?.get?.("retry-after")) };
  }
  return { retry: (status === undefined || status <= 0) && (isConnectionError(error) || isConnectionError((error as { cause?: unknown })?.cause)) };
}

/** Escapes a string for a single-quoted OData literal. */
export function odataString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

export interface BatchRequest {
  method: "GET" | "POST" | "PATCH" | "DELETE";
  url: string;
  body?: unknown;
  /** Extra request headers, e.g. `ConsistencyLevel: eventual` for advanced queries. */
  headers?: Record<string, string>;
}

export interface BatchResponse {
  status: number;
  body?: { error?: { code?: string; message?: string } } & Record<string, unknown>;
  headers?: Record<string, string>;
}

/** The body and headers of one $batch item (a body needs its Content-Type). */
function batchBodyAndHeaders(request: BatchRequest): { body?: unknown; headers?: Record<string, string> } {
  const headers = { ...(request.body !== undefined ? { "Content-Type": "application/json" } : {}), ...request.headers };
  return { ...(request.body !== undefined ? { body: request.body } : {}), ...(Object.keys(headers).length > 0 ? { headers } : {}) };
}

/** The Graph operations the reconcilers need, batched and retried, one client per tenant. */
export class GraphDirectoryClient {
  private readonly client: Client;
  private readonly limiter: Bottleneck;

  constructor(tenantId: string, settings: EntraSettings) {
    const baseUrl = settings.graphBaseUrl?.replace(/\/$/, "") ?? GRAPH_ROOT;
    this.client = Client.initWithMiddleware({
      baseUrl,
      defaultVersion: "v1.0",
      // The auth handler only attaches tokens to Graph's host or these (the sandbox's).
      customHosts: new Set([new URL(baseUrl).hostname]),
      authProvider: new TokenCredentialAuthenticationProvider(entraCredential(tenantId, settings), { scopes: [GRAPH_SCOPE] }),
    });
    this.limiter = directoryLimiter(`entra:${tenantId}`, GRAPH_LIMITS);
  }

  private call<T>(fn: () => Promise<T>, classify = classifyGraphError): Promise<T> {
    return withRetry(() => this.limiter.schedule(fn), classify, defaultRetryPolicy);
  }

  /** A request that tolerates replication: 404 on an object made moments ago is retried. */
  private callReplicated<T>(fn: () => Promise<T>): Promise<T> {
    return this.call(fn, (error) => (graphStatus(error) === 404 ? { retry: true } : classifyGraphError(error)));
  }

  /** Proves the app can read groups (used by the management's authorization check). */
  async verifyAccess(): Promise<void> {
    await this.call(() => this.client.api("/groups").select("id").top(1).get());
  }

  /** Every group whose display name matches case-insensitively (Graph's `eq`); callers compare exactly. */
  async findGroupsByDisplayName(displayName: string): Promise<GraphGroup[]> {
    return this.pages<GraphGroup>(`/groups?$filter=${encodeURIComponent(`displayName eq ${odataString(displayName)}`)}&$select=${GROUP_FIELDS}&$top=${GRAPH_PAGE_MAX}`);
  }

  /** The group, or undefined when it is gone (404), unless this run created it moments ago: then it may be replicating. */
  async getGroup(id: string): Promise<GraphGroup | undefined> {
    try {
      const get = () => this.client.api(`/groups/${id}`).select(GROUP_FIELDS).get() as Promise<GraphGroup>;
      return await (recentlyCreated(id) ? this.callReplicated(get) : this.call(get));
    } catch (error) {
      if (graphStatus(error) === 404) return undefined;
      throw error;
    }
  }

  /** Creates a security group (never mail-enabled, never Microsoft 365). */
  async createSecurityGroup(fields: { displayName: string; description: string; mailNickname: string }): Promise<GraphGroup> {
    const body = { ...fields, description: fields.description || null, securityEnabled: true, mailEnabled: false, groupTypes: [] };
    const created = (await this.call(() => this.client.api("/groups").post(body))) as GraphGroup;
    recordCreated(created.id);
    return created;
  }

  /** A 404 is retried only for a group this run created (replication); otherwise the group is gone. */
  async patchGroup(id: string, fields: Partial<Pick<GraphGroup, "displayName" | "description" | "mailNickname">>): Promise<void> {
    const patch = () => this.client.api(`/groups/${id}`).patch(fields) as Promise<unknown>;
    await (recentlyCreated(id) ? this.callReplicated(patch) : this.call(patch));
  }

  /** Deletes a group; false if it was already gone. */
  async deleteGroup(id: string): Promise<boolean> {
    try {
      await this.call(() => this.client.api(`/groups/${id}`).delete());
      return true;
    } catch (error) {
      if (graphStatus(error) === 404) return false;
      throw error;
    }
  }

  /**
   * Direct members of every kind (users, groups, service principals, devices, contacts),
   * with the fields that name them; `undefined` if the group does not exist. Only a group this
   * process created moments ago is waited for: any other 404 is the answer.
   */
  async listMembers(groupId: string): Promise<GraphMember[] | undefined> {
    try {
      return await this.pages<GraphMember>(`/groups/${groupId}/members?$select=${MEMBER_FIELDS}&$top=${GRAPH_PAGE_MAX}`, recentlyCreated(groupId));
    } catch (error) {
      if (graphStatus(error) === 404) return undefined;
      throw error;
    }
  }

  private async pages<T>(first: string, replicated = false): Promise<T[]> {
    const items: T[] = [];
    let next: string | undefined = first;
    while (next) {
      const url: string = next;
      const get = () => this.client.api(url).get() as Promise<{ value: T[]; "@odata.nextLink"?: string }>;
      const page = await (replicated ? this.callReplicated(get) : this.call(get));
      items.push(...page.value);
      next = page["@odata.nextLink"];
    }
    return items;
  }

  /**
   * Sends requests through $batch, 20 at a time; items answered 429/5xx are sent again
   * (after their Retry-After or a backoff) until they succeed or the policy gives up.
   */
  async batch(requests: BatchRequest[]): Promise<BatchResponse[]> {
    const results: BatchResponse[] = new Array(requests.length);
    let pending = requests.map((_, i) => i);
    for (let attempt = 0; pending.length > 0; attempt++) {
      const retry: number[] = [];
      let waitMs = 0;
      for (let start = 0; start < pending.length; start += GRAPH_BATCH_MAX) {
        const chunk = pending.slice(start, start + GRAPH_BATCH_MAX);
        const payload = { requests: chunk.map((i) => ({ id: String(i), method: requests[i].method, url: requests[i].url, ...batchBodyAndHeaders(requests[i]) })) };
        const reply = await this.call(() => this.client.api("/$batch").post(payload) as Promise<{ responses: ({ id: string } & BatchResponse)[] }>);
        for (const response of reply.responses) {
          const index = Number(response.id);
          const throttled = response.status === 429 || response.status >= 500;
          if (throttled && attempt + 1 < defaultRetryPolicy.attempts) {
            retry.push(index);
            waitMs = Math.max(waitMs, parseRetryAfter(response.headers?.["Retry-After"] ?? response.headers?.["retry-after"]) ?? backoffDelay(attempt, defaultRetryPolicy));
          } else results[index] = response;
        }
      }
      if (retry.length > 0) await new Promise((r) => setTimeout(r, waitMs));
      pending = retry;
    }
    return results;
  }
}

/** One client per tenant and settings, shared by every resource in the provider process. */
const clients = new Map<string, { settings: EntraSettings; client: GraphDirectoryClient }>();
export function graphDirectoryClient(tenantId: string, settings: EntraSettings): GraphDirectoryClient {
  const cached = clients.get(tenantId);
  if (cached && cached.settings === settings) return cached.client;
  const client = new GraphDirectoryClient(tenantId, settings);
  clients.set(tenantId, { settings, client });
  return client;
}
