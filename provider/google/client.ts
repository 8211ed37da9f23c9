import { admin, type admin_directory_v1 } from "@googleapis/admin";
import { PermissionError, RateLimitError, ReadOnlyError } from "../clientErrors";
import { Limiters, type QuotaLimiter } from "../limiter";
import { backoffDelay, defaultRetryPolicy, isConnectionError, parseRetryAfter, withRetry, type RetryVerdict } from "../retry";
import { RunRegistry, type CreatedGroups } from "../groups/runRegistry";
import { Coalescer, READ_MAX_WAIT_MS, READ_WINDOW_MS, ReadCache, type ReadOptions, type ReadOutcome } from "../reads";
import { decodeBatch, encodeBatch, GOOGLE_BATCH_MAX, type BatchCall, type BatchReply } from "./batchClient";
import { delegatedAuth, type DelegatedAuthClient } from "./auth";
import { describeGoogleRequest, guardGoogleWrites, googlePermissionError } from "./requestPolicy";
import type { GoogleSettings } from "../settings";

/** Scopes: read-write for apply, read-only is enough for preview and refresh. */
export const DIRECTORY_GROUP_SCOPE = "https://www.googleapis.com/auth/admin.directory.group";
export const DIRECTORY_GROUP_READONLY_SCOPE = "https://www.googleapis.com/auth/admin.directory.group.readonly";
/**
 * Optional read-only scopes, each asked for in a token of its own so that a delegation without
 * it loses only what it gives: the customer's domains (DirectoryGroupManagement checks its
 * `domains` against them) and its users (a binding's unknown users are found at preview).
 */
export const DIRECTORY_DOMAIN_READONLY_SCOPE = "https://www.googleapis.com/auth/admin.directory.domain.readonly";
export const DIRECTORY_USER_READONLY_SCOPE = "https://www.googleapis.com/auth/admin.directory.user.readonly";

/** A domain of the customer as domains.list reports it. */
export interface CustomerDomain {
  /** Lowercased. */
  domainName: string;
  verified: boolean;
  isPrimary: boolean;
  /** Alias domains of this domain (lowercased), as `domainAliases[].domainAliasName`. */
  aliases: string[];
}

/** What a user lookup found: the user's id and primary address, or that the customer has no such user. */
export type UserLookup = { found: true; id: string; primaryEmail: string } | { found: false };

/** A group as the Directory API reports it, reduced to what this package manages. */
export interface DirectoryGroup {
  id: string;
  /** The primary address, lowercased. */
  email: string;
  name: string;
  description: string;
  /** The group's other addresses (aliases and non-editable aliases), lowercased; reads only. */
  aliases?: string[];
  /** Which of `aliases` Google made itself (e.g. the test-google-a.com address) and that cannot be removed; reads only. */
  nonEditableAliases?: string[];
}

const GOOGLE_API_ROOT = "https://admin.googleapis.com/";
const DIRECTORY_PATH = "admin/directory/v1";
const MEMBERS_PAGE_MAX = 200;
/** How long a users lookup waits for other bindings' lookups (many bindings share users). */
const USER_LOOKUP_WINDOW_MS = 25;

/** The group a Directory API path concerns (`admin/directory/v1/groups/{key}/...`), if any. */
function groupOfPath(path: string): string | undefined {
  const match = /^\/?admin\/directory\/v1\/groups\/([^/?]+)/.exec(path);
  return match ? decodeURIComponent(match[1]) : undefined;
}

/** One read the coalescer sends: its call, and whether a 404 is a group this run created still propagating. */
interface QueuedCall {
  call: BatchCall;
  propagating: boolean;
}

/**
 * A call inside a batch that did not succeed, shaped like the client library's own errors
 * (`response.status`, `response.data`, `config`), so that it is classified and worded alike.
 */
export class GoogleBatchItemError extends Error {
  readonly response: { status: number; data: unknown; headers: Record<string, string> };
  readonly config: { method: string; url: string };
  constructor(call: BatchCall, status: number, data: unknown, rootUrl: string) {
    const message = (data as { error?: { message?: string } } | undefined)?.error?.message;
    super(message ?? `HTTP ${status}`);
    this.response = { status, data, headers: {} };
    this.config = { method: call.method, url: `${rootUrl}${call.path}` };
  }
}

/** A direct member of a group as the Directory API reports it. */
export interface DirectoryMember {
  /** Google's member id (the user's, group's or customer's id). */
  id: string;
  /** Lowercased primary address; empty for a CUSTOMER member (everyone in the customer). */
  email: string;
  role: "OWNER" | "MANAGER" | "MEMBER";
  type: "USER" | "GROUP" | "CUSTOMER" | "EXTERNAL";
}

const MEMBER_ROLES = new Set(["OWNER", "MANAGER", "MEMBER"]);
const MEMBER_TYPES = new Set(["USER", "GROUP", "CUSTOMER", "EXTERNAL"]);

function toDirectoryMember(m: admin_directory_v1.Schema$Member): DirectoryMember {
  // Unknown roles or types (none are documented) count as the safest reading: a manager, a non-user.
  const role = MEMBER_ROLES.has(m.role ?? "MEMBER") ? ((m.role ?? "MEMBER") as DirectoryMember["role"]) : "MANAGER";
  const type = MEMBER_TYPES.has(m.type ?? "") ? (m.type as DirectoryMember["type"]) : "GROUP";
  return { id: m.id ?? "", email: (m.email ?? "").toLowerCase(), role, type };
}

/** Outcome of one call inside a batch. */
export interface BatchOutcome {
  ok: boolean;
  status: number;
  reason?: string;
  message?: string;
  /** The reply's body (JSON), for successful calls. */
  body?: unknown;
}

/** Google's error body, as far as the retry and not-found logic need it. */
interface GoogleApiError {
  response?: {
    status?: number;
    headers?: { get?: (name: string) => string | null } & Record<string, unknown>;
    data?: { error?: { errors?: { reason?: string }[] } };
  };
}

export function googleStatus(error: unknown): number | undefined {
  return (error as GoogleApiError)?.response?.status;
}

export function googleReason(error: unknown): string | undefined {
  return (error as GoogleApiError)?.response?.data?.error?.errors?.[0]?.reason;
}

const RATE_REASONS = new Set(["userRateLimitExceeded", "rateLimitExceeded", "quotaExceeded"]);

/** The same rule applied to one reply inside a batch. */
function retryableReply(reply: BatchReply): boolean {
  return reply.status >= 500 || isThrottledReply(reply);
}

function isThrottledReply(reply: BatchReply): boolean {
  return reply.status === 429 || (reply.status === 403 && RATE_REASONS.has(batchReason(reply) ?? ""));
}

function batchReason(reply: BatchReply): string | undefined {
  return (reply.body as { error?: { errors?: { reason?: string }[] } } | undefined)?.error?.errors?.[0]?.reason;
}

function batchMessage(reply: BatchReply): string | undefined {
  return (reply.body as { error?: { message?: string } } | undefined)?.error?.message;
}

/** 429, 5xx, 403 rate/quota reasons and dropped connections are retried. */
export function classifyGoogleError(error: unknown): RetryVerdict {
  if (error instanceof ReadOnlyError || error instanceof PermissionError) return { retry: false };
  const status = googleStatus(error);
  const headers = (error as GoogleApiError)?.response?.headers;
  const retryAfter = typeof headers?.get === "function" ? headers.get("retry-after") : (headers?.["retry-after"] as string | undefined);
  const afterMs = parseRetryAfter(retryAfter);
  if (status === 429) return { retry: true, afterMs, throttled: true };
  if (status === 403 && RATE_REASONS.has(googleReason(error) ?? "")) return { retry: true, afterMs, throttled: true };
  if (status !== undefined && status >= 500) return { retry: true, afterMs };
  return { retry: status === undefined && isConnectionError(error) };
}

/**
 * Google's "404 right after a create" rule, written here only: a group this run created moments
 * ago (`justCreated`) is not yet known to every server of the Directory API, nor to the Groups
 * Settings API, so a 404 about it is propagation, retried; any other 404 is the answer. `message`
 * (a batch reply's): the 404 must be about the group (`groupKey`), not about a member.
 */
export function isCreatePropagation(justCreated: boolean, status: number | undefined, message?: string): boolean {
  return justCreated && status === 404 && (message === undefined || /groupKey/.test(message));
}

/** Google's retry rule for a call about a group, with a create's propagation (`isCreatePropagation`) retried. */
export function classifyAfterCreate(justCreated: boolean): (error: unknown) => RetryVerdict {
  return (error) => (isCreatePropagation(justCreated, googleStatus(error)) ? { retry: true } : classifyGoogleError(error));
}

/** A throttling answer to a whole request or to one call inside a batch. */
function isThrottled(error: unknown): boolean {
  return classifyGoogleError(error).throttled === true;
}

/** What to do when Google's quota keeps refusing: the setting that paces us, and the quota page. */
function quotaAdvice(settings: GoogleSettings, found: number | undefined): string {
  // With a lower quota found from Google's refusals, say so: the setting is then only the upper bound.
  const pace = found !== undefined && found < settings.quotaPerMinute ? ` (at most; Google's refusals brought it down to ${found})` : "";
  return (
    `The provider paces itself to groupExport:googleQuotaPerMinute = ${settings.quotaPerMinute} queries per minute${pace} for ${settings.adminEmail}; ` +
    "other tools using the same admin and project share that quota: lower the setting to the share left for this stack, or raise the Admin SDK API quota (Google Cloud console, APIs & Services, Quotas)"
  );
}

function toDirectoryGroup(g: admin_directory_v1.Schema$Group): DirectoryGroup {
  const aliases = [...(g.aliases ?? []), ...(g.nonEditableAliases ?? [])].map((a) => a.toLowerCase());
  const nonEditableAliases = (g.nonEditableAliases ?? []).map((a) => a.toLowerCase());
  return { id: g.id ?? "", email: (g.email ?? "").toLowerCase(), name: g.name ?? "", description: g.description ?? "", aliases, nonEditableAliases };
}

/** The Directory API operations the reconcilers need, each retried per the shared policy. */
export class GoogleDirectoryClient {
  private readonly api: admin_directory_v1.Admin;
  private readonly auth: DelegatedAuthClient;
  private readonly rootUrl: string;
  /** The quota of the impersonated admin, in queries (a batch of N calls is N). */
  private readonly limiter: QuotaLimiter;
  private readonly principal: string;
  /** The groups this run created: only their 404s may be replication lag. */
  readonly created: CreatedGroups;
  /** Groups and member lists read by this process, forgotten on every write of it to the group. */
  readonly reads = new ReadCache();
  /** Reads of many resources asked for together go out in one batch. */
  private readonly coalescer: Coalescer<QueuedCall>;

  /**
   * `run` holds what the client shares with the rest of the provider process (the provider
   * context passes its own): the limiters, and the groups this run created.
   */
  constructor(
    readonly settings: GoogleSettings,
    run: { limiters: Limiters; created: CreatedGroups } = { limiters: new Limiters(), created: new RunRegistry() },
  ) {
    this.created = run.created;
    this.auth = delegatedAuth(settings, [settings.readOnly ? DIRECTORY_GROUP_READONLY_SCOPE : DIRECTORY_GROUP_SCOPE]);
    this.rootUrl = settings.apiRootUrl ?? GOOGLE_API_ROOT;
    this.principal = `service account ${settings.serviceAccountEmail} acting as ${settings.adminEmail}`;
    // Every request passes here after the token is attached and before it is sent: in
    // read-only mode writes stop here, whichever method made them.
    if (settings.readOnly) guardGoogleWrites(this.auth, this.rootUrl);
    // retry: false: the shared policy in `call` is the only retry layer (googleapis would
    // otherwise retry 429/5xx inside it, while holding the limiter's slot).
    this.api = admin({ version: "directory_v1", auth: this.auth, rootUrl: this.rootUrl, retry: false });
    // Google's quota is per project (the service account's) and impersonated user. The setting
    // is an upper bound: a tenant's real quota may be lower (or shared), and its refusals say so.
    this.limiter = run.limiters.get(`google:${settings.serviceAccountEmail} as ${settings.adminEmail.toLowerCase()}`, {
      budgets: { queries: { units: settings.quotaPerMinute, windowMs: 60_000 } },
      maxConcurrent: 8,
      isThrottled,
      findQuota: true,
    });
    this.coalescer = new Coalescer<QueuedCall>({ windowMs: READ_WINDOW_MS, maxWaitMs: READ_MAX_WAIT_MS, maxCalls: () => this.batchSize(), sendBatch: (calls) => this.sendReads(calls) });
  }

  /** Calls per batch request: half the quota at most, so that a batch always fits a window and two resources progress together. */
  private batchSize(): number {
    return Math.max(1, Math.min(GOOGLE_BATCH_MAX, Math.floor(this.limiter.budget().units / 2)));
  }

  /**
   * One request, paced (`weight` quota units) and retried per the shared policy; each attempt
   * waits for the limiter anew, so nobody's slot is held during a backoff.
   */
  private async call<T>(fn: () => Promise<T>, weight = 1, classify: (error: unknown) => RetryVerdict = classifyGoogleError, refused?: (value: T) => number): Promise<T> {
    try {
      return await withRetry(() => this.limiter.schedule({ weight, refused }, fn), this.limiter.pacedRetries(classify), defaultRetryPolicy);
    } catch (error) {
      throw this.explain(error);
    }
  }

  /** Maps a final error to the one message the user needs: read-only, permission, rate limit. */
  private explain(error: unknown): unknown {
    if (error instanceof ReadOnlyError || error instanceof PermissionError) return error;
    const permission = googlePermissionError(error, this.principal, this.settings.readOnly);
    if (permission) return permission;
    if (isThrottled(error)) {
      const operation = describeGoogleRequest(error) ?? "call the Directory API";
      return new RateLimitError("Google", operation, `HTTP ${googleStatus(error)} ${googleReason(error) ?? ""}`.trim(), quotaAdvice(this.settings, this.limiter.stats().found));
    }
    return error;
  }

  /** Proves the credentials can read groups of the customer (the "authorize sync" check). */
  async verifyAccess(customerId: string): Promise<void> {
    try {
      await withRetry(() => this.limiter.schedule(() => this.api.groups.list({ customer: customerId, maxResults: 1 })), this.limiter.pacedRetries(classifyGoogleError), defaultRetryPolicy);
    } catch (error) {
      // The authorization check words permission failures itself (naming the directory); only a rate limit is explained here.
      throw isThrottled(error) ? this.explain(error) : error;
    }
  }

  /** Auth clients of the optional read-only scopes, made when first needed; `false` once the delegation refused the scope. */
  private readonly optionalAuth = new Map<string, DelegatedAuthClient | false>();

  /**
   * A request with a token of an optional scope (see DIRECTORY_DOMAIN_READONLY_SCOPE); `undefined`
   * when domain-wide delegation does not grant that scope (remembered: asked once per process).
   */
  private async withOptionalScope<T>(scope: string, request: (auth: DelegatedAuthClient) => Promise<T>): Promise<T | undefined> {
    let auth = this.optionalAuth.get(scope);
    if (auth === false) return undefined;
    if (!auth) this.optionalAuth.set(scope, (auth = delegatedAuth(this.settings, [scope])));
    try {
      await auth.getAccessToken();
    } catch (error) {
      if (!/unauthorized_client/.test(String((error as Error)?.message))) throw error;
      this.optionalAuth.set(scope, false);
      return undefined;
    }
    return request(auth);
  }

  /**
   * The customer's domains (domains.list; scope admin.directory.domain.readonly); `undefined`
   * when the delegation does not grant that scope.
   */
  async listDomains(customerId: string): Promise<CustomerDomain[] | undefined> {
    return this.withOptionalScope(DIRECTORY_DOMAIN_READONLY_SCOPE, async (auth) => {
      const api = admin({ version: "directory_v1", auth, rootUrl: this.rootUrl, retry: false });
      const res = await this.call(() => api.domains.list({ customer: customerId }));
      return (res.data.domains ?? []).map((d) => ({
        domainName: (d.domainName ?? "").toLowerCase(),
        verified: d.verified === true,
        isPrimary: d.isPrimary === true,
        aliases: (d.domainAliases ?? []).map((a) => (a.domainAliasName ?? "").toLowerCase()).filter(Boolean),
      }));
    });
  }

  /**
   * Users of the customer by address (users.get through the batch endpoint; scope
   * admin.directory.user.readonly): one entry per address, `{ found: false }` where the customer
   * has no user of that address (404), `undefined` where the answer says nothing (an address
   * Google will not look up, e.g. another customer's). `undefined` as a whole when the delegation
   * does not grant the scope. Each address is looked up once per process (many bindings share
   * users), and lookups asked for together go out in one batch.
   */
  async findUsers(addresses: string[]): Promise<(UserLookup | undefined)[] | undefined> {
    const wanted = [...new Set(addresses.map((a) => a.toLowerCase()))];
    const ask = wanted.filter((a) => !this.userLookups.has(a));
    if (ask.length > 0) {
      const pending = (this.pendingUsers ??= this.gatherUsers());
      for (const address of ask) {
        pending.addresses.add(address);
        this.userLookups.set(
          address,
          pending.done.then((answers) => answers?.get(address)),
        );
      }
    }
    const answers = await Promise.all(wanted.map((a) => this.userLookups.get(a)!));
    // No scope: the lookups say nothing, and are asked again by nobody (the scope is remembered as refused).
    if (this.optionalAuth.get(DIRECTORY_USER_READONLY_SCOPE) === false) return undefined;
    const byAddress = new Map(wanted.map((a, i) => [a, answers[i]]));
    return addresses.map((a) => byAddress.get(a.toLowerCase()));
  }

  /** Users looked up in this process (each address once per run: many bindings share users). */
  private readonly userLookups = new Map<string, Promise<UserLookup | undefined>>();
  private pendingUsers: { addresses: Set<string>; done: Promise<Map<string, UserLookup | undefined> | undefined> } | undefined;

  /** The lookups asked for within a short window, sent together. */
  private gatherUsers(): { addresses: Set<string>; done: Promise<Map<string, UserLookup | undefined> | undefined> } {
    const addresses = new Set<string>();
    const done = new Promise((r) => setTimeout(r, USER_LOOKUP_WINDOW_MS)).then(async () => {
      this.pendingUsers = undefined;
      const ask = [...addresses];
      try {
        return await this.lookUpUsers(ask);
      } catch (error) {
        // Not kept: the next binding asks again.
        for (const a of ask) this.userLookups.delete(a);
        throw error;
      }
    });
    return { addresses, done };
  }

  private async lookUpUsers(ask: string[]): Promise<Map<string, UserLookup | undefined> | undefined> {
    return this.withOptionalScope(DIRECTORY_USER_READONLY_SCOPE, async (auth) => {
      const found = new Map<string, UserLookup | undefined>();
      const calls: BatchCall[] = ask.map((address) => ({ method: "GET", path: `${DIRECTORY_PATH}/users/${encodeURIComponent(address)}` }));
      await this.batch(
        calls,
        (reply, i) => {
          const body = reply.body as { id?: string; primaryEmail?: string } | undefined;
          if (reply.status === 200 && body?.id) found.set(ask[i], { found: true, id: body.id, primaryEmail: (body.primaryEmail ?? ask[i]).toLowerCase() });
          else if (reply.status === 404) found.set(ask[i], { found: false });
          // Anything else (403 for an address Google will not look up) proves nothing: the apply decides.
          else found.set(ask[i], undefined);
          return reply.status === 200 || reply.status === 404 || reply.status === 403 ? "ok" : "fail";
        },
        auth,
      );
      return found;
    });
  }

  /**
   * Direct members of a group, at the maximum page size; `undefined` if the group does not
   * exist. Only a group this process created moments ago (`justCreated`) is waited for: its
   * 404 is propagation; any other 404 is the answer. Read once per process (a group this process
   * created has no members but those it added, and is not listed at all), and again after any
   * write of this process to the group; `fresh` reads again regardless.
   */
  async listMembers(groupKey: string, justCreated = false, options: ReadOptions = {}): Promise<DirectoryMember[] | undefined> {
    // A group this process looked up and found absent (a preview's check of a group to create) has no members to list.
    const looked = options.fresh ? undefined : this.reads.peek<DirectoryGroup | undefined>("group", groupKey);
    if (looked && looked.value === undefined) return undefined;
    return this.reads.read("members", groupKey, () => this.readMembers(groupKey, justCreated, options), options);
  }

  /**
   * Starts reading the first page of a group's members, for a binding of the group to read later
   * in this process (a refresh reads every group, then every binding: the engine reads a few
   * resources at a time, and this lets one round trip carry both reads of a group). Errors are
   * left for that read.
   */
  prefetchMembers(groupKey: string): void {
    this.firstPage(groupKey, false, {}).catch(() => undefined);
  }

  private firstPage(groupKey: string, justCreated: boolean, options: ReadOptions): Promise<admin_directory_v1.Schema$Members> {
    return this.reads.read("firstPage", groupKey, () => this.membersPage(groupKey, justCreated, undefined), options);
  }

  private async membersPage(groupKey: string, justCreated: boolean, pageToken: string | undefined): Promise<admin_directory_v1.Schema$Members> {
    const classify = classifyAfterCreate(justCreated);
    const query = `maxResults=${MEMBERS_PAGE_MAX}${pageToken ? `&pageToken=${encodeURIComponent(pageToken)}` : ""}`;
    // Every page is coalesced with other groups' reads: pages of many groups share round trips.
    return this.coalescer.read<admin_directory_v1.Schema$Members>({
      call: { call: { method: "GET", path: `${DIRECTORY_PATH}/groups/${encodeURIComponent(groupKey)}/members?${query}` }, propagating: justCreated },
      alone: async () => (await this.call(() => this.api.members.list({ groupKey, maxResults: MEMBERS_PAGE_MAX, pageToken }), 1, classify)).data,
    });
  }

  private async readMembers(groupKey: string, justCreated: boolean, options: ReadOptions): Promise<DirectoryMember[] | undefined> {
    const members: DirectoryMember[] = [];
    try {
      let page = await this.firstPage(groupKey, justCreated, options);
      for (;;) {
        for (const m of page.members ?? []) members.push(toDirectoryMember(m));
        if (!page.nextPageToken) break;
        page = await this.membersPage(groupKey, justCreated, page.nextPageToken);
      }
    } catch (error) {
      if (googleStatus(error) === 404) return undefined;
      throw error;
    }
    return members;
  }

  /**
   * Sends coalesced reads in one batch (or as many as the quota's batch size needs): each call's
   * body, or the error its caller would have had from a request of its own. A 404 of a group
   * this run created is retried (propagation); throttled and failed calls are retried by `batch`.
   */
  private async sendReads(queued: QueuedCall[]): Promise<ReadOutcome<unknown>[]> {
    const outcomes = await this.batch(
      queued.map((q) => q.call),
      (reply, i) => (isCreatePropagation(queued[i].propagating, reply.status) ? "retry" : retryableReply(reply) || reply.status === 0 ? "retry" : "ok"),
    );
    return outcomes.map((outcome, i): ReadOutcome<unknown> => {
      if (outcome?.ok && outcome.status === 200) return { ok: true, value: outcome.body };
      const data = outcome?.ok ? outcome.body : { error: { message: outcome?.message, errors: [{ reason: outcome?.reason }] } };
      return { ok: false, error: this.explain(new GoogleBatchItemError(queued[i].call, outcome?.status ?? 0, data, this.rootUrl)) };
    });
  }

  /**
   * The members that these keys (address, alias or id) name in a group, through the batch
   * endpoint (members.get accepts an alias or a secondary-domain address of the member):
   * one entry per key, `undefined` where the key is no member.
   */
  async getMembers(groupKey: string, memberKeys: string[]): Promise<(DirectoryMember | undefined)[]> {
    // Each key once per process (until this process writes to the group): the check and the apply of a binding ask alike.
    const answers = new Map<string, Promise<DirectoryMember | undefined>>();
    const ask: string[] = [];
    let sent: Promise<(DirectoryMember | undefined)[]> | undefined;
    for (const key of memberKeys) {
      answers.set(
        key,
        this.reads.read(
          "member",
          `${groupKey}/${key}`,
          () => {
            ask.push(key);
            const position = ask.length - 1;
            return Promise.resolve().then(async () => (await (sent ??= this.readMembersByKey(groupKey, ask)))[position]);
          },
          {},
          groupKey,
        ),
      );
    }
    return Promise.all(memberKeys.map((key) => answers.get(key)!));
  }

  private async readMembersByKey(groupKey: string, memberKeys: string[]): Promise<(DirectoryMember | undefined)[]> {
    const calls: BatchCall[] = memberKeys.map((key) => ({ method: "GET", path: `${DIRECTORY_PATH}/groups/${encodeURIComponent(groupKey)}/members/${encodeURIComponent(key)}` }));
    const found: (DirectoryMember | undefined)[] = new Array(memberKeys.length);
    const outcomes = await this.batch(calls, (reply, i) => {
      if (reply.status === 200) {
        found[i] = toDirectoryMember(reply.body as admin_directory_v1.Schema$Member);
        return "ok";
      }
      return reply.status === 404 ? "ok" : "fail";
    });
    const failed = outcomes.findIndex((o) => !o.ok);
    if (failed >= 0) throw new Error(`reading member ${memberKeys[failed]} of group ${groupKey} failed: ${outcomes[failed].status} ${outcomes[failed].message ?? ""}`.trim());
    return found;
  }

  /**
   * Runs calls through the batch endpoint, in requests sized to the quota (at most 1,000
   * calls), each paced as as many quota units as it has calls. Calls that are throttled or
   * fail with 5xx are sent again (after a backoff, paced anew) in a further batch; `judge`
   * says what else counts as success (e.g. 409 "already a member") or as worth a retry. In
   * read-only mode a batch holding any write is refused whole before anything is sent.
   */
  async batch(calls: BatchCall[], judge: (reply: BatchReply, callIndex: number) => "ok" | "retry" | "fail", auth: DelegatedAuthClient = this.auth): Promise<BatchOutcome[]> {
    const write = calls.find((c) => c.method !== "GET");
    if (this.settings.readOnly && write) {
      const more = calls.length > 1 ? ` (and ${calls.length - 1} more call${calls.length > 2 ? "s" : ""} in the same batch)` : "";
      throw new ReadOnlyError("Google", `${describeGoogleRequest({ method: write.method, path: write.path, body: write.body }) ?? `${write.method} ${write.path}`}${more}`);
    }
    // Writes: what this process read of the groups they change is forgotten, before and after.
    const written = [...new Set(calls.filter((c) => c.method !== "GET").flatMap((c) => groupOfPath(c.path) ?? []))];
    if (written.length > 0) return this.reads.writing(written, () => this.sendCalls(calls, judge, auth));
    return this.sendCalls(calls, judge, auth);
  }

  private async sendCalls(calls: BatchCall[], judge: (reply: BatchReply, callIndex: number) => "ok" | "retry" | "fail", auth: DelegatedAuthClient): Promise<BatchOutcome[]> {
    const outcomes: BatchOutcome[] = new Array(calls.length);
    // Attempts per call, counted against the policy: a refusal while the pace is finding the quota is not one.
    const attempts = new Array<number>(calls.length).fill(0);
    let pending = calls.map((_, i) => i);
    let backoff = false;
    for (let round = 0; pending.length > 0; round++) {
      // Calls refused while the quota is being found wait for the limiter (the next free slot of
      // the quota found), spaced by the backoff's first step only; other retries back off as usual.
      if (round > 0) await new Promise((r) => setTimeout(r, backoffDelay(backoff ? round - 1 : 0, defaultRetryPolicy)));
      backoff = false;
      const retry: number[] = [];
      const size = this.batchSize();
      const chunks: number[][] = [];
      for (let start = 0; start < pending.length; start += size) chunks.push(pending.slice(start, start + size));
      // Chunks go out together: the limiter spaces them to the quota.
      await Promise.all(
        chunks.map(async (chunk) => {
          const replies = await this.sendBatch(chunk.map((i) => calls[i]), auth);
          // The limiter has learnt from this batch's refusals: were they the search for the quota?
          const inSearch = this.limiter.inSearch(replies);
          chunk.forEach((callIndex, j) => {
            const reply = replies[j] ?? { status: 0, headers: {}, body: undefined };
            const verdict = judge(reply, callIndex);
            const free = inSearch && isThrottledReply(reply);
            if (!free) attempts[callIndex]++;
            if (verdict === "ok") outcomes[callIndex] = { ok: true, status: reply.status, body: reply.body };
            else if ((verdict === "retry" || retryableReply(reply) || reply.status === 0) && attempts[callIndex] < defaultRetryPolicy.attempts) {
              retry.push(callIndex);
              if (!free) backoff = true;
            } else outcomes[callIndex] = this.finalOutcome(calls[callIndex], reply);
          });
        }),
      );
      pending = retry.sort((a, b) => a - b);
    }
    return outcomes;
  }

  /** A call's last answer; a permission refusal stops the whole operation with one message. */
  private finalOutcome(call: BatchCall, reply: BatchReply): BatchOutcome {
    const reason = batchReason(reply);
    const message = batchMessage(reply);
    const permission = googlePermissionError({ response: { status: reply.status, data: reply.body } }, this.principal, this.settings.readOnly, { method: call.method, path: call.path, body: call.body });
    if (permission) throw permission;
    if (isThrottledReply(reply)) {
      const operation = describeGoogleRequest({ method: call.method, path: call.path }) ?? call.path;
      return { ok: false, status: reply.status, reason, message: new RateLimitError("Google", operation, `HTTP ${reply.status} ${reason ?? ""}`.trim(), quotaAdvice(this.settings, this.limiter.stats().found)).message };
    }
    return { ok: false, status: reply.status, reason, message };
  }

  private async sendBatch(calls: BatchCall[], auth: DelegatedAuthClient): Promise<BatchReply[]> {
    const { boundary, body } = encodeBatch(calls);
    return this.call(
      async () => {
        const res = await auth.request<string>({
          url: `${this.rootUrl}batch/admin/directory_v1`,
          method: "POST",
          headers: { "Content-Type": `multipart/mixed; boundary=${boundary}` },
          data: body,
          responseType: "text",
          retry: false,
        });
        return decodeBatch(res.headers.get("content-type") ?? "", res.data, calls.length);
      },
      calls.length,
      classifyGoogleError,
      // The calls the quota refused inside the batch: they teach the limiter the real quota.
      (replies) => replies.filter(isThrottledReply).length,
    );
  }

  /**
   * Adds members (role MEMBER unless `roles` says otherwise) in batches; each successful outcome's `body` is the member
   * as Google stored it (its id and primary address). 409 "Member already exists" is
   * success without a body; 404 on a group created moments ago (`justCreated`) is retried.
   */
  insertMembers(groupKey: string, emails: string[], justCreated = false, roles: readonly (DirectoryMember["role"] | undefined)[] = []): Promise<BatchOutcome[]> {
    // A declared owner or manager is inserted with its role: one call, no promotion after.
    const calls: BatchCall[] = emails.map((email, i) => ({ method: "POST", path: `${DIRECTORY_PATH}/groups/${encodeURIComponent(groupKey)}/members`, body: { email, role: roles[i] ?? "MEMBER" } }));
    return this.batch(calls, (reply) => {
      if ((reply.status >= 200 && reply.status < 300) || reply.status === 409) return "ok";
      return isCreatePropagation(justCreated, reply.status, batchMessage(reply) ?? "") ? "retry" : "fail";
    });
  }

  /** Removes members (by id or address) in batches; 404 on the member (already gone) is success. */
  removeMembers(groupKey: string, memberKeys: string[]): Promise<BatchOutcome[]> {
    const calls: BatchCall[] = memberKeys.map((key) => ({ method: "DELETE", path: `${DIRECTORY_PATH}/groups/${encodeURIComponent(groupKey)}/members/${encodeURIComponent(key)}` }));
    return this.batch(calls, (reply) => {
      if (reply.status >= 200 && reply.status < 300) return "ok";
      return reply.status === 404 && /memberKey/.test(batchMessage(reply) ?? "") ? "ok" : "fail";
    });
  }

  /**
   * The group with this email, alias or id; undefined if there is none. A 404 is the answer
   * (the group is gone), except for a group this run created moments ago: that one may still
   * be propagating, so its 404 is retried. Read once per process under each key (until this
   * process writes to the group); `fresh` reads again regardless.
   */
  async getGroup(groupKey: string, options: ReadOptions = {}): Promise<DirectoryGroup | undefined> {
    return this.reads.read(
      "group",
      groupKey,
      async () => {
        const group = await this.readGroup(groupKey);
        // Every name of the group: a write through any of them forgets this read.
        if (group) this.reads.link([groupKey, group.id, group.email, ...(group.aliases ?? [])]);
        return group;
      },
      options,
    );
  }

  private async readGroup(groupKey: string): Promise<DirectoryGroup | undefined> {
    const propagating = this.created.recentlyCreated(groupKey);
    const classify = classifyAfterCreate(propagating);
    try {
      const data = await this.coalescer.read<admin_directory_v1.Schema$Group>({
        call: { call: { method: "GET", path: `${DIRECTORY_PATH}/groups/${encodeURIComponent(groupKey)}` }, propagating },
        alone: async () => (await this.call(() => this.api.groups.get({ groupKey }), 1, classify)).data,
      });
      return toDirectoryGroup(data);
    } catch (error) {
      if (googleStatus(error) === 404) return undefined;
      throw error;
    }
  }

  /** Inserts a group; `existed` is true when the email was already taken (409). */
  /**
   * Inserts a group. 409 means the address is taken: the group there is returned with `existed`,
   * and `ours` when it is recognisably this call's own (an earlier attempt of this call lost its
   * answer, a dropped connection or a 5xx, and the group carries the name and description this
   * call sent): evidence that this stack made it. Any other group at the address is someone else's.
   */
  async insertGroup(group: Pick<DirectoryGroup, "email" | "name" | "description">): Promise<{ group: DirectoryGroup; existed: boolean; ours: boolean }> {
    let lostAnswer = false;
    const insert = async () => {
      try {
        return await this.api.groups.insert({ requestBody: group });
      } catch (error) {
        const status = googleStatus(error);
        if ((status !== undefined && status >= 500) || (status === undefined && isConnectionError(error))) lostAnswer = true;
        throw error;
      }
    };
    try {
      const res = await this.reads.writing(group.email, () => this.call(insert));
      const inserted = toDirectoryGroup(res.data);
      this.created.recordCreated(inserted.id);
      // What this process knows of the group it made: it, and that it has no members yet (nobody lists it).
      this.reads.link([group.email, inserted.id, inserted.email]);
      for (const key of new Set([inserted.id, inserted.email, group.email.toLowerCase()])) {
        this.reads.seed("group", key, inserted);
        this.reads.seed("members", key, []);
      }
      return { group: inserted, existed: false, ours: true };
    } catch (error) {
      if (googleStatus(error) !== 409) throw error;
      // A retried insert whose first attempt landed, or a race: the group is there now.
      const existing = await this.getGroup(group.email);
      // Taken, but by no group: a user's primary address or alias (the group scopes cannot see users, so preview cannot tell).
      if (!existing) throw new Error(`the address ${group.email} is already taken in Google Workspace, and not by a group: it is a user's address or one of a user's aliases (Google: ${error instanceof Error ? error.message : String(error)}). Fix: give the group an address of its own`);
      const ours = lostAnswer && existing.email === group.email.toLowerCase() && existing.name === group.name && existing.description === group.description;
      if (ours) this.created.recordCreated(existing.id);
      return { group: existing, existed: true, ours };
    }
  }

  async patchGroup(groupKey: string, fields: Partial<Pick<DirectoryGroup, "name" | "description">>): Promise<DirectoryGroup> {
    const propagating = this.created.recentlyCreated(groupKey);
    const res = await this.reads.writing(groupKey, () =>
      this.call(() => this.api.groups.patch({ groupKey, requestBody: fields }), 1, classifyAfterCreate(propagating)),
    );
    return toDirectoryGroup(res.data);
  }

  /**
   * Adds an alias to a group (groups.aliases.insert). 409 `duplicate` (the address is taken
   * by another group or user) is thrown; a 404 on a group this run created moments ago is
   * propagation and retried.
   */
  async insertAlias(groupKey: string, alias: string, justCreated = false): Promise<void> {
    await this.reads.writing([groupKey, alias], () =>
      this.call(() => this.api.groups.aliases.insert({ groupKey, requestBody: { alias } }), 1, classifyAfterCreate(justCreated)),
    );
  }

  /** Removes an alias from a group (groups.aliases.delete); an alias already gone is success. */
  async deleteAlias(groupKey: string, alias: string): Promise<void> {
    try {
      await this.reads.writing([groupKey, alias], () => this.call(() => this.api.groups.aliases.delete({ groupKey, alias })));
    } catch (error) {
      if (googleStatus(error) !== 404) throw error;
    }
  }

  /** Deletes a group; false if it was already gone. */
  async deleteGroup(groupKey: string): Promise<boolean> {
    try {
      await this.reads.writing(groupKey, () => this.call(() => this.api.groups.delete({ groupKey })));
      return true;
    } catch (error) {
      if (googleStatus(error) === 404) return false;
      throw error;
    }
  }
}
