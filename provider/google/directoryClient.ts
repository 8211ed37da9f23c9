import { admin, type admin_directory_v1 } from "@googleapis/admin";
import type Bottleneck from "bottleneck";
import { directoryLimiter, GOOGLE_LIMITS } from "../limiter";
import { backoffDelay, defaultRetryPolicy, isConnectionError, parseRetryAfter, withRetry, type RetryVerdict } from "../retry";
import { recentlyCreated, recordCreated } from "../management/runRegistry";
import { decodeBatch, encodeBatch, GOOGLE_BATCH_MAX, type BatchCall, type BatchReply } from "./batch";
import { delegatedAuth, type DelegatedAuthClient } from "./delegatedAuth";
import type { GoogleSettings } from "../settings";

/** Scopes: read-write for apply, read-only is enough for preview and refresh. */
export const DIRECTORY_GROUP_SCOPE = "https://www.googleapis.com/auth/admin.directory.group";
export const DIRECTORY_GROUP_READONLY_SCOPE = "https://www.googleapis.com/auth/admin.directory.group.readonly";

/** A group as the Directory API reports it, reduced to what this package manages. */
export interface DirectoryGroup {
  id: string;
  /** The primary address, lowercased. */
  email: string;
  name: string;
  description: string;
  /** The group's other addresses (aliases and non-editable aliases), lowercased; reads only. */
  aliases?: string[];
}

const GOOGLE_API_ROOT = "https://admin.googleapis.com/";
const DIRECTORY_PATH = "admin/directory/v1";
const MEMBERS_PAGE_MAX = 200;

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
  return reply.status === 429 || reply.status >= 500 || (reply.status === 403 && RATE_REASONS.has(batchReason(reply) ?? ""));
}

function batchReason(reply: BatchReply): string | undefined {
  return (reply.body as { error?: { errors?: { reason?: string }[] } } | undefined)?.error?.errors?.[0]?.reason;
}

function batchMessage(reply: BatchReply): string | undefined {
  return (reply.body as { error?: { message?: string } } | undefined)?.error?.message;
}

/** 429, 5xx, 403 rate/quota reasons and dropped connections are retried. */
export function classifyGoogleError(error: unknown): RetryVerdict {
  const status = googleStatus(error);
  const headers = (error as GoogleApiError)?.response?.headers;
  const retryAfter = typeof headers?.get === "function" ? headers.get("retry-after") : (headers?.["retry-after"] as string | undefined);
  const afterMs = parseRetryAfter(retryAfter);
  if (status === 429 || (status !== undefined && status >= 500)) return { retry: true, afterMs };
  if (status === 403 && RATE_REASONS.has(googleReason(error) ?? "")) return { retry: true, afterMs };
  return { retry: status === undefined && isConnectionError(error) };
}

function toDirectoryGroup(g: admin_directory_v1.Schema$Group): DirectoryGroup {
  const aliases = [...(g.aliases ?? []), ...(g.nonEditableAliases ?? [])].map((a) => a.toLowerCase());
  return { id: g.id ?? "", email: (g.email ?? "").toLowerCase(), name: g.name ?? "", description: g.description ?? "", aliases };
}

/** The Directory API operations the reconcilers need, each retried per the shared policy. */
export class GoogleDirectoryClient {
  private readonly api: admin_directory_v1.Admin;
  private readonly auth: DelegatedAuthClient;
  private readonly rootUrl: string;
  private readonly limiter: Bottleneck;

  constructor(readonly settings: GoogleSettings) {
    this.auth = delegatedAuth(settings, [settings.readOnly ? DIRECTORY_GROUP_READONLY_SCOPE : DIRECTORY_GROUP_SCOPE]);
    this.rootUrl = settings.apiRootUrl ?? GOOGLE_API_ROOT;
    this.api = admin({ version: "directory_v1", auth: this.auth, rootUrl: this.rootUrl });
    // Google's quota is per impersonated user, so that is what the limiter is keyed by.
    this.limiter = directoryLimiter(`google:${settings.adminEmail}`, GOOGLE_LIMITS);
  }

  private async call<T>(fn: () => Promise<T>, classify: (error: unknown) => RetryVerdict = classifyGoogleError): Promise<T> {
    try {
      return await withRetry(() => this.limiter.schedule(fn), classify, defaultRetryPolicy);
    } catch (error) {
      if (this.settings.readOnly && googleStatus(error) === 403 && googleReason(error) === "insufficientPermissions") {
        throw new Error("this stack is read-only (GROUP_EXPORT_READ_ONLY or groupExport:readOnly is true): it can preview and refresh but not change Google groups; apply without it, with credentials allowed to write");
      }
      throw error;
    }
  }

  /** Proves the credentials can read groups of the customer (the "authorize sync" check). */
  async verifyAccess(customerId: string): Promise<void> {
    await this.call(() => this.api.groups.list({ customer: customerId, maxResults: 1 }));
  }

  /**
   * Direct members of a group, at the maximum page size; `undefined` if the group does not
   * exist. Only a group this process created moments ago (`justCreated`) is waited for: its
   * 404 is propagation; any other 404 is the answer.
   */
  async listMembers(groupKey: string, justCreated = false): Promise<DirectoryMember[] | undefined> {
    const members: DirectoryMember[] = [];
    let pageToken: string | undefined;
    const classify = (error: unknown): RetryVerdict => (justCreated && googleStatus(error) === 404 ? { retry: true } : classifyGoogleError(error));
    try {
      do {
        const res = await withRetry(
          () => this.limiter.schedule(() => this.api.members.list({ groupKey, maxResults: MEMBERS_PAGE_MAX, pageToken })),
          classify,
          defaultRetryPolicy,
        );
        for (const m of res.data.members ?? []) members.push(toDirectoryMember(m));
        pageToken = res.data.nextPageToken ?? undefined;
      } while (pageToken);
    } catch (error) {
      if (googleStatus(error) === 404) return undefined;
      throw error;
    }
    return members;
  }

  /**
   * The members that these keys (address, alias or id) name in a group, through the batch
   * endpoint (members.get accepts an alias or a secondary-domain address of the member):
   * one entry per key, `undefined` where the key is no member.
   */
  async getMembers(groupKey: string, memberKeys: string[]): Promise<(DirectoryMember | undefined)[]> {
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
   * Runs calls through the batch endpoint, up to 1,000 per request. Items that are
   * throttled or fail with 5xx are retried (with backoff) in a further batch; `judge`
   * says what else counts as success (e.g. 409 "already a member") or as worth a retry.
   */
  async batch(calls: BatchCall[], judge: (reply: BatchReply, callIndex: number) => "ok" | "retry" | "fail"): Promise<BatchOutcome[]> {
    const outcomes: BatchOutcome[] = new Array(calls.length);
    let pending = calls.map((_, i) => i);
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, backoffDelay(attempt - 1, defaultRetryPolicy)));
      const retry: number[] = [];
      for (let start = 0; start < pending.length; start += GOOGLE_BATCH_MAX) {
        const chunk = pending.slice(start, start + GOOGLE_BATCH_MAX);
        const replies = await this.sendBatch(chunk.map((i) => calls[i]));
        chunk.forEach((callIndex, j) => {
          const reply = replies[j] ?? { status: 0, headers: {}, body: undefined };
          const verdict = judge(reply, callIndex);
          if (verdict === "ok") outcomes[callIndex] = { ok: true, status: reply.status, body: reply.body };
          else if ((verdict === "retry" || retryableReply(reply) || reply.status === 0) && attempt + 1 < defaultRetryPolicy.attempts) retry.push(callIndex);
          else outcomes[callIndex] = { ok: false, status: reply.status, reason: batchReason(reply), message: batchMessage(reply) };
        });
      }
      pending = retry;
    }
    return outcomes;
  }

  private async sendBatch(calls: BatchCall[]): Promise<BatchReply[]> {
    const { boundary, body } = encodeBatch(calls);
    const res = await this.call(() =>
      this.auth.request<string>({
        url: `${this.rootUrl}batch/admin/directory_v1`,
        method: "POST",
        headers: { "Content-Type": `multipart/mixed; boundary=${boundary}` },
        data: body,
        responseType: "text",
      }),
    );
    return decodeBatch(res.headers.get("content-type") ?? "", res.data, calls.length);
  }

  /**
   * Adds members (role MEMBER) in batches; each successful outcome's `body` is the member
   * as Google stored it (its id and primary address). 409 "Member already exists" is
   * success without a body; 404 on a group created moments ago (`justCreated`) is retried.
   */
  insertMembers(groupKey: string, emails: string[], justCreated = false): Promise<BatchOutcome[]> {
    const calls: BatchCall[] = emails.map((email) => ({ method: "POST", path: `${DIRECTORY_PATH}/groups/${encodeURIComponent(groupKey)}/members`, body: { email, role: "MEMBER" } }));
    return this.batch(calls, (reply) => {
      if ((reply.status >= 200 && reply.status < 300) || reply.status === 409) return "ok";
      return justCreated && reply.status === 404 && /groupKey/.test(batchMessage(reply) ?? "") ? "retry" : "fail";
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
   * be propagating, so its 404 is retried.
   */
  async getGroup(groupKey: string): Promise<DirectoryGroup | undefined> {
    const propagating = recentlyCreated(groupKey);
    try {
      const res = await this.call(() => this.api.groups.get({ groupKey }), propagating ? (e) => (googleStatus(e) === 404 ? { retry: true } : classifyGoogleError(e)) : undefined);
      return toDirectoryGroup(res.data);
    } catch (error) {
      if (googleStatus(error) === 404) return undefined;
      throw error;
    }
  }

  /** Inserts a group; `existed` is true when the email was already taken (409). */
  async insertGroup(group: Pick<DirectoryGroup, "email" | "name" | "description">): Promise<{ group: DirectoryGroup; existed: boolean }> {
    try {
      const res = await this.call(() => this.api.groups.insert({ requestBody: group }));
      const inserted = toDirectoryGroup(res.data);
      recordCreated(inserted.id);
      return { group: inserted, existed: false };
    } catch (error) {
      if (googleStatus(error) !== 409) throw error;
      // A retried insert whose first attempt landed, or a race: the group is there now.
      const existing = await this.getGroup(group.email);
      if (!existing) throw error;
      return { group: existing, existed: true };
    }
  }

  async patchGroup(groupKey: string, fields: Partial<Pick<DirectoryGroup, "name" | "description">>): Promise<DirectoryGroup> {
    const propagating = recentlyCreated(groupKey);
    const res = await this.call(() => this.api.groups.patch({ groupKey, requestBody: fields }), propagating ? (e) => (googleStatus(e) === 404 ? { retry: true } : classifyGoogleError(e)) : undefined);
    return toDirectoryGroup(res.data);
  }

  /** Deletes a group; false if it was already gone. */
  async deleteGroup(groupKey: string): Promise<boolean> {
    try {
      await this.call(() => this.api.groups.delete({ groupKey }));
      return true;
    } catch (error) {
      if (googleStatus(error) === 404) return false;
      throw error;
    }
  }
}

/** One client per settings object, shared by every resource in the provider process. */
const clients = new WeakMap<GoogleSettings, GoogleDirectoryClient>();
export function googleDirectoryClient(settings: GoogleSettings): GoogleDirectoryClient {
  let client = clients.get(settings);
  if (!client) {
    client = new GoogleDirectoryClient(settings);
    clients.set(settings, client);
  }
  return client;
}
