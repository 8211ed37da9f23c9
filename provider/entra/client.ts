import { Client, GraphError } from "@microsoft/microsoft-graph-client";
import { TokenCredentialAuthenticationProvider } from "@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials";
import { PermissionError, RateLimitError, ReadOnlyError } from "../clientErrors";
import { Limiters, type QuotaLimiter } from "../limiter";
import { RunRegistry, type CreatedGroups } from "../groups/runRegistry";
import { Coalescer, READ_MAX_WAIT_MS, READ_WINDOW_MS, ReadCache, type ReadOptions, type ReadOutcome } from "../reads";
import { backoffDelay, defaultRetryPolicy, isConnectionError, parseRetryAfter, withRetry, type RetryVerdict } from "../retry";
import type { EntraSettings } from "../settings";
import { sharedEntraCredential } from "./auth";
import { describeGraphRequest, graphCostWithBatch, graphMiddleware, graphPermissionError, graphRequestCost, isGraphWrite, unwrapGraphError } from "./requestPolicy";

const GRAPH_ROOT = "https://graph.microsoft.com";
const GRAPH_SCOPE = "https://graph.microsoft.com/.default";
/** Graph limits: 20 requests per $batch, 20 references per members@odata.bind, 999 per page. */
export const GRAPH_BATCH_MAX = 20;
export const GRAPH_BIND_MAX = 20;
const GRAPH_PAGE_MAX = 999;

/** A write: one resource unit and one unit of the write budget. */
const WRITE_COST = { units: 1, writes: 1 };
/** Reads of lists by display name (takeover lookups): forgotten when any group is made, renamed or deleted. */
const BY_NAME = "displayName";

/** The group a Graph URL concerns (`/groups/{id}/...`), if any. */
function groupOfUrl(url: string): string | undefined {
  return /^\/?(?:v1\.0\/)?groups\/([^/?$]+)/.exec(url)?.[1];
}

/** One read the coalescer sends in a `$batch`, and how to send it alone (also: again, for a group still replicating). */
interface QueuedRequest {
  request: BatchRequest;
  alone: () => Promise<unknown>;
  /** A 404 may be replication lag (a group this run created): read again alone, waiting it out. */
  replicated: boolean;
}

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

/** One page of a group's members. */
interface MembersPage {
  value: GraphMember[];
  "@odata.nextLink"?: string;
}

export function graphStatus(error: unknown): number | undefined {
  return error instanceof GraphError ? error.statusCode : (error as { statusCode?: number })?.statusCode;
}

/** 429, 5xx and dropped connections (also `fetch failed` with a reset as its cause) are retried, waiting Retry-After (fractional too). */
export function classifyGraphError(error: unknown): RetryVerdict {
  const cause = unwrapGraphError(error);
  if (cause instanceof ReadOnlyError || cause instanceof PermissionError) return { retry: false };
  const status = graphStatus(cause);
  if (status === 429 || (status !== undefined && status >= 500)) {
    const headers = (cause as GraphError).headers;
    return { retry: true, afterMs: parseRetryAfter(headers?.get?.("retry-after")), throttled: status === 429 };
  }
  return { retry: (status === undefined || status <= 0) && isConnectionError(cause) };
}

/**
 * A write whose answer never came (a dropped connection) or came as a server error: it may have
 * been applied, so it is checked before it is sent again (see createSecurityGroup).
 */
function isLostAnswer(error: unknown): boolean {
  const cause = unwrapGraphError(error);
  const status = graphStatus(cause);
  return (status !== undefined && status >= 500) || ((status === undefined || status <= 0) && isConnectionError(cause));
}

/** How many times a lost create is looked for (about 20 s of backoff: Entra's replication lag). */
const LOST_CREATE_LOOKUPS = 7;

function isThrottled(error: unknown): boolean {
  return classifyGraphError(error).throttled === true;
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
  /** The application's budget in the tenant: resource units per 10 s and writes per 150 s. */
  private readonly limiter: QuotaLimiter;

  /** The groups this run created: only their 404s may be replication lag. */
  private readonly created: CreatedGroups;
  /** Groups and member lists read by this process, forgotten on every write of it to the group. */
  readonly reads = new ReadCache();
  /** Reads of many resources asked for together go out in one `$batch`. */
  private readonly coalescer: Coalescer<QueuedRequest>;

  /**
   * `run` holds what the client shares with the rest of the provider process (the provider
   * context passes its own): the limiters, and the groups this run created.
   */
  constructor(
    tenantId: string,
    private readonly settings: EntraSettings,
    run: { limiters: Limiters; created: CreatedGroups } = { limiters: new Limiters(), created: new RunRegistry() },
  ) {
    this.created = run.created;
    const baseUrl = settings.graphBaseUrl?.replace(/\/$/, "") ?? GRAPH_ROOT;
    const principal = `application ${settings.clientId ?? "(default credential)"} in tenant ${tenantId}`;
    // One credential per tenant and settings in the process: one token per scope until it nears expiry.
    const authProvider = new TokenCredentialAuthenticationProvider(sharedEntraCredential(tenantId, settings), { scopes: [GRAPH_SCOPE] });
    this.client = Client.initWithMiddleware({
      baseUrl,
      defaultVersion: "v1.0",
      // The auth handler only attaches tokens to Graph's host or these (the sandbox's).
      customHosts: new Set([new URL(baseUrl).hostname]),
      // Our chain: no SDK retries under ours, read-only refusals, permission messages, network causes kept.
      middleware: graphMiddleware(authProvider, settings.readOnly, principal),
    });
    this.limiter = run.limiters.get(`entra:${tenantId} app ${settings.clientId ?? "default"}`, {
      budgets: {
        units: { units: settings.resourceUnitsPer10Seconds, windowMs: 10_000 },
        writes: { units: settings.writesPer150Seconds, windowMs: 150_000 },
      },
      maxConcurrent: 8,
      isThrottled,
      // A steady share of single 429s is Graph's own doing: those calls wait their Retry-After; only throttling of most calls slows the pace.
      slowDownWhenRefused: 0.6,
    });
    this.coalescer = new Coalescer<QueuedRequest>({ windowMs: READ_WINDOW_MS, maxWaitMs: READ_MAX_WAIT_MS, maxCalls: () => GRAPH_BATCH_MAX * 8, perRequest: GRAPH_BATCH_MAX, sendBatch: (queued) => this.sendReads(queued) });
  }

  /**
   * Sends coalesced reads through `$batch` (20 a request, the envelopes paced together): each
   * read's body, or the error its caller would have had from a request of its own. A 404 of a
   * group this run created is read again alone, waiting out replication.
   */
  private async sendReads(queued: QueuedRequest[]): Promise<ReadOutcome<unknown>[]> {
    const responses = await this.batch(queued.map((q) => q.request));
    return Promise.all(
      responses.map(async (response, i): Promise<ReadOutcome<unknown>> => {
        const { request, alone, replicated } = queued[i];
        if (response && response.status >= 200 && response.status < 300) return { ok: true, value: response.body };
        if (response?.status === 404 && replicated) return alone().then((value) => ({ ok: true as const, value }), (error: unknown) => ({ ok: false as const, error }));
        const error = new GraphError(response?.status ?? 0, response?.body?.error?.message ?? `${describeGraphRequest(request.method, request.url)} failed`);
        error.code = response?.body?.error?.code ?? null;
        error.body = JSON.stringify(response?.body ?? {});
        return { ok: false, error };
      }),
    );
  }

  /** A GET through the coalescer: alone when nobody else reads at the same time, else in a `$batch` with the others. */
  private coalesced<T>(url: string, replicated: boolean): Promise<T> {
    const get = () => this.client.api(url).get() as Promise<T>;
    const cost = graphRequestCost("GET", url);
    const alone = () => (replicated ? this.callReplicated(get, cost) : this.call(get, classifyGraphError, cost));
    return this.coalescer.read<T>({ call: { request: { method: "GET", url }, alone, replicated }, alone });
  }

  /**
   * One request, paced by its cost and retried per the shared policy; each attempt waits for
   * the limiter anew, so no slot is held while sleeping out a Retry-After. `cost` defaults to
   * one resource unit.
   */
  private async call<T>(fn: () => Promise<T>, classify = classifyGraphError, cost: { units: number; writes: number } = { units: 1, writes: 0 }, batch?: { calls: number; refused: (value: T) => number }): Promise<T> {
    try {
      return await withRetry(() => this.limiter.schedule({ cost, ...batch }, fn), classify, defaultRetryPolicy);
    } catch (error) {
      const cause = unwrapGraphError(error);
      if (isThrottled(cause)) throw new RateLimitError("Entra", "call Microsoft Graph", `HTTP 429 ${(cause as GraphError).code ?? ""}`.trim(), this.throttleAdvice());
      throw cause;
    }
  }

  private throttleAdvice(): string {
    return (
      `The provider paces itself to groupExport:graphResourceUnitsPer10Seconds = ${this.settings.resourceUnitsPer10Seconds} resource units per 10 seconds for this application; ` +
      "other work of the same application (or tenant) shares Graph's limits: lower the setting, or run when the tenant is quieter"
    );
  }

  /** A request that tolerates replication: 404 on an object made moments ago is retried. */
  private callReplicated<T>(fn: () => Promise<T>, cost?: { units: number; writes: number }): Promise<T> {
    return this.call(fn, (error) => (graphStatus(unwrapGraphError(error)) === 404 ? { retry: true } : classifyGraphError(error)), cost);
  }

  /** Proves the app can read groups (used by the management's authorization check). */
  async verifyAccess(): Promise<void> {
    await this.call(() => this.client.api("/groups").select("id").top(1).get());
  }

  /**
   * Every group whose display name is this one but for case and surrounding spaces; callers
   * compare exactly. Asked once per process (a group's check and create both ask), again after
   * this process made, renamed or deleted any group.
   */
  async findGroupsByDisplayName(displayName: string): Promise<GraphGroup[]> {
    return this.reads.read(BY_NAME, displayName, () => this.listGroupsByDisplayName(displayName));
  }

  private async listGroupsByDisplayName(displayName: string): Promise<GraphGroup[]> {
    // `startswith` (case-insensitive, like `eq`) also finds names that differ by trailing spaces,
    // which `eq` never returns; what is not the same name but for case and surrounding spaces is dropped.
    const stem = displayName.trim();
    const same = (name: string) => name.trim().toLowerCase() === stem.toLowerCase();
    const found = await this.pages<GraphGroup>(`/groups?$filter=${encodeURIComponent(`startswith(displayName,${odataString(stem)})`)}&$select=${GROUP_FIELDS}&$top=${GRAPH_PAGE_MAX}`);
    return found.filter((g) => same(g.displayName));
  }

  /**
   * The group, or undefined when it is gone (404), unless this run created it moments ago: then
   * it may be replicating. Read once per process (until this process writes to it); `fresh`
   * reads again regardless.
   */
  async getGroup(id: string, options: ReadOptions = {}): Promise<GraphGroup | undefined> {
    return this.reads.read(
      "group",
      id,
      async () => {
        try {
          return await this.coalesced<GraphGroup>(`/groups/${id}?$select=${GROUP_FIELDS}`, this.created.recentlyCreated(id));
        } catch (error) {
          if (graphStatus(unwrapGraphError(error)) === 404) return undefined;
          throw error;
        }
      },
      options,
    );
  }

  /**
   * Creates a security group (never mail-enabled, never Microsoft 365). Graph has no idempotency
   * key for `POST /groups`, so a create whose answer was lost (a dropped connection, a 5xx: the
   * group may have been made) is never simply sent again: the group this call sent is looked for
   * by its `mailNickname` (unique to the call: the resource chooses it) and `displayName` first,
   * waiting out replication, and only when it is not there is the create sent again. Groups in
   * `existing` (seen before the call) are never taken for this call's. Returns the group and
   * whether it was found after a lost answer.
   */
  async createSecurityGroup(fields: { displayName: string; description?: string; mailNickname: string }, existing: ReadonlySet<string> = new Set()): Promise<GraphGroup> {
    const body = { ...fields, description: fields.description || null, securityEnabled: true, mailEnabled: false, groupTypes: [] };
    // Throttling answers (429) were not applied: retried as usual. A lost answer is handled below.
    const classify = (error: unknown): RetryVerdict => (isLostAnswer(error) ? { retry: false } : classifyGraphError(error));
    for (let attempt = 0; ; attempt++) {
      try {
        this.reads.forgetKind(BY_NAME);
        const created = await this.call(() => this.client.api("/groups").post(body) as Promise<GraphGroup>, classify, WRITE_COST);
        this.reads.forgetKind(BY_NAME);
        this.created.recordCreated(created.id);
        // What this process knows of the group it made: it, and that it has no members yet (nobody lists it).
        this.reads.seed("group", created.id, created);
        this.reads.seed("members", created.id, []);
        return created;
      } catch (error) {
        this.reads.forgetKind(BY_NAME);
        if (!isLostAnswer(error) || attempt + 1 >= defaultRetryPolicy.attempts) throw error;
        const landed = await this.findCreated(fields, existing);
        if (landed) {
          this.created.recordCreated(landed.id);
          return landed;
        }
        await new Promise((r) => setTimeout(r, backoffDelay(attempt, defaultRetryPolicy)));
      }
    }
  }

  /** Groups with this mail nickname (compared again without case: Graph's `eq` ignores it). */
  async findGroupsByMailNickname(mailNickname: string): Promise<GraphGroup[]> {
    const url = `/groups?$filter=${encodeURIComponent(`mailNickname eq ${odataString(mailNickname)}`)}&$select=${GROUP_FIELDS}&$top=${GRAPH_PAGE_MAX}`;
    return (await this.pages<GraphGroup>(url)).filter((g) => g.mailNickname.toLowerCase() === mailNickname.toLowerCase());
  }

  /** After a lost create answer: the group that call made, if it is visible (replication is waited out, bounded). */
  private async findCreated(fields: { displayName: string; mailNickname: string }, existing: ReadonlySet<string>): Promise<GraphGroup | undefined> {
    for (let attempt = 0; attempt < LOST_CREATE_LOOKUPS; attempt++) {
      const found = (await this.findGroupsByMailNickname(fields.mailNickname)).find((g) => g.displayName === fields.displayName && !existing.has(g.id));
      if (found) return found;
      await new Promise((r) => setTimeout(r, backoffDelay(attempt, { ...defaultRetryPolicy, maxDelayMs: 5_000 })));
    }
    return undefined;
  }

  /** A 404 is retried only for a group this run created (replication); otherwise the group is gone. */
  async patchGroup(id: string, fields: Partial<Pick<GraphGroup, "displayName" | "description" | "mailNickname">>): Promise<void> {
    // Graph refuses an empty description (400 "Invalid value specified for property 'description'"): null clears it.
    const body = fields.description === "" ? { ...fields, description: null } : fields;
    const patch = () => this.client.api(`/groups/${id}`).patch(body) as Promise<unknown>;
    this.reads.forgetKind(BY_NAME);
    try {
      await this.reads.writing(id, () => (this.created.recentlyCreated(id) ? this.callReplicated(patch, WRITE_COST) : this.call(patch, classifyGraphError, WRITE_COST)));
    } finally {
      this.reads.forgetKind(BY_NAME);
    }
  }

  /** Deletes a group; false if it was already gone. */
  async deleteGroup(id: string): Promise<boolean> {
    try {
      this.reads.forgetKind(BY_NAME);
      await this.reads.writing(id, () => this.call(() => this.client.api(`/groups/${id}`).delete(), classifyGraphError, WRITE_COST));
      this.reads.forgetKind(BY_NAME);
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
  async listMembers(groupId: string, options: ReadOptions = {}): Promise<GraphMember[] | undefined> {
    return this.reads.read(
      "members",
      groupId,
      async () => {
        try {
          const replicated = this.created.recentlyCreated(groupId);
          const items: GraphMember[] = [];
          let page = await this.firstPage(groupId, options);
          for (;;) {
            items.push(...page.value);
            const next = page["@odata.nextLink"];
            if (!next) break;
            const get = () => this.client.api(next).get() as Promise<MembersPage>;
            const cost = graphRequestCost("GET", next);
            page = await (replicated ? this.callReplicated(get, cost) : this.call(get, classifyGraphError, cost));
          }
          return items;
        } catch (error) {
          if (graphStatus(unwrapGraphError(error)) === 404) return undefined;
          throw error;
        }
      },
      options,
    );
  }

  /**
   * Starts reading the first page of a group's members, for a binding of the group to read later
   * in this process (a refresh reads every group, then every binding: the engine reads a few
   * resources at a time, and this lets one `$batch` carry both reads of a group). Errors are left
   * for that read.
   */
  prefetchMembers(groupId: string): void {
    this.firstPage(groupId, {}).catch(() => undefined);
  }

  /** The first page of members goes out with other reads of the moment; later pages follow it one by one. */
  private firstPage(groupId: string, options: ReadOptions): Promise<MembersPage> {
    return this.reads.read("firstPage", groupId, () => this.coalesced<MembersPage>(`/groups/${groupId}/members?$select=${MEMBER_FIELDS}&$top=${GRAPH_PAGE_MAX}`, this.created.recentlyCreated(groupId)), options);
  }

  private async pages<T>(first: string): Promise<T[]> {
    const items: T[] = [];
    let next: string | undefined = first;
    while (next) {
      const url: string = next;
      const page = await this.call(() => this.client.api(url).get() as Promise<{ value: T[]; "@odata.nextLink"?: string }>, classifyGraphError, graphRequestCost("GET", url));
      items.push(...page.value);
      next = page["@odata.nextLink"];
    }
    return items;
  }

  /**
   * Sends requests through $batch, 20 at a time, each envelope paced as the sum of its items'
   * costs (Graph throttles every item on its own). Items answered 429/5xx are sent again, after
   * their Retry-After or a backoff, paced anew, until they succeed or the policy gives up. A
   * permission refusal stops the operation with one message; in read-only mode a batch with any
   * write is refused whole before anything is sent.
   */
  async batch(requests: BatchRequest[]): Promise<BatchResponse[]> {
    // Writes: what this process read of the groups they change is forgotten, before and after.
    const written = [...new Set(requests.filter((r) => isGraphWrite(r.method, r.url)).flatMap((r) => groupOfUrl(r.url) ?? []))];
    if (written.length > 0) return this.reads.writing(written, () => this.sendBatch(requests));
    return this.sendBatch(requests);
  }

  private async sendBatch(requests: BatchRequest[]): Promise<BatchResponse[]> {
    const results: BatchResponse[] = new Array(requests.length);
    let pending = requests.map((_, i) => i);
    for (let attempt = 0; pending.length > 0; attempt++) {
      const retry: number[] = [];
      let waitMs = 0;
      const chunks: number[][] = [];
      for (let start = 0; start < pending.length; start += GRAPH_BATCH_MAX) chunks.push(pending.slice(start, start + GRAPH_BATCH_MAX));
      // Envelopes go out together: the limiter spaces them to the tenant's budget.
      await Promise.all(
        chunks.map(async (chunk) => {
          const payload = { requests: chunk.map((i) => ({ id: String(i), method: requests[i].method, url: requests[i].url, ...batchBodyAndHeaders(requests[i]) })) };
          const cost = graphCostWithBatch("POST", "/$batch", payload);
          // Each item is a call of its own to Graph's throttling: the share refused is counted per item.
          const reply = await this.call(() => this.client.api("/$batch").post(payload) as Promise<{ responses: ({ id: string } & BatchResponse)[] }>, classifyGraphError, cost, {
            calls: chunk.length,
            refused: (answer) => answer.responses.filter((r) => r.status === 429).length,
          });
          for (const response of reply.responses) {
            const index = Number(response.id);
            const request = requests[index];
            const permission = response.status === 403 ? graphPermissionError(response.body?.error?.code, response.body?.error?.message, request.method, request.url, request.body, this.principalName()) : undefined;
            if (permission) throw permission;
            // A group this run created may still be replicating: its 404 is waited out, as a read of it is.
            const group = groupOfUrl(request.url);
            const replicating = response.status === 404 && group !== undefined && this.created.recentlyCreated(group);
            const transient = response.status === 429 || response.status >= 500 || replicating;
            if (transient && attempt + 1 < defaultRetryPolicy.attempts) {
              retry.push(index);
              waitMs = Math.max(waitMs, parseRetryAfter(response.headers?.["Retry-After"] ?? response.headers?.["retry-after"]) ?? backoffDelay(attempt, defaultRetryPolicy));
            } else if (response.status === 429) {
              const advice = new RateLimitError("Entra", describeGraphRequest(request.method, request.url, request.body), "HTTP 429 in $batch", this.throttleAdvice());
              results[index] = { ...response, body: { ...response.body, error: { code: response.body?.error?.code ?? "TooManyRequests", message: advice.message } } };
            } else results[index] = response;
          }
        }),
      );
      // Sleeping here holds no limiter slot: the next envelopes are scheduled afresh.
      if (retry.length > 0) await new Promise((r) => setTimeout(r, waitMs));
      pending = retry.sort((a, b) => a - b);
    }
    return results;
  }

  private principalName(): string {
    return `application ${this.settings.clientId ?? "(default credential)"}`;
  }
}
