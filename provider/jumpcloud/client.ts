import { z } from "zod";
import { RateLimitError } from "../clientErrors";
import { QuotaLimiter } from "../limiter";
import { defaultRetryPolicy, isConnectionError, parseRetryAfter, withRetry, type RetryPolicy, type RetryVerdict } from "../retry";
import { see } from "../contract/docs";
import {
  graphObjectWithPathsSchema,
  jumpCloudDirectorySchema,
  jumpCloudErrorBodySchema,
  jumpCloudUserGroupSchema,
  systemUsersPageSchema,
  type GraphObjectWithPaths,
  type JumpCloudDirectory,
  type JumpCloudSystemUser,
  type JumpCloudUserGroup,
} from "./schemas";

/**
 * A read-only client of the JumpCloud API (v2 for user groups, their membership and their
 * bindings to directories; v1 for users' email addresses), on Node's fetch. Every request
 * goes through the package's shared layer: the quota-aware limiter (one per console and
 * organisation) and the retry policy (429 honouring Retry-After, 5xx, dropped connections).
 * The API key is sent as `x-api-key` and appears in no message, log or error.
 *
 * Paths, paging (`limit` at most 100, `skip`) and shapes follow JumpCloud's published OpenAPI
 * documents (API v2 and v1); see test/conformance/CONFORMANCE.md.
 */

/** JumpCloud's console (US); the EU data centre is https://console.eu.jumpcloud.com. */
export const JUMPCLOUD_DEFAULT_BASE_URL = "https://console.jumpcloud.com";
/** JumpCloud's page size limit ("Limited to 100" on every list endpoint). */
export const JUMPCLOUD_PAGE_SIZE = 100;
/**
 * The pace this client keeps, in requests per minute. JumpCloud publishes no figure for its
 * rate limit; a read of a few hundred groups takes a few hundred requests, and 429 answers lower
 * the pace further (groupExport:jumpcloudRequestsPerMinute changes it).
 */
export const JUMPCLOUD_DEFAULT_REQUESTS_PER_MINUTE = 600;

export interface JumpCloudSettings {
  /** An administrator's API key (JumpCloud console > the admin's name > API Settings). Never logged. */
  apiKey: string;
  /** The organisation, for multi-tenant administrators (the `x-org-id` header). */
  orgId?: string;
  /** The console's root URL; default https://console.jumpcloud.com. */
  baseUrl?: string;
  /** Requests per minute this client paces itself to; default 600. */
  requestsPerMinute?: number;
  /** Retry policy (tests shorten it); default the package's. */
  retry?: RetryPolicy;
}

/** A JumpCloud answer that is not a success, with the fix when there is one. */
export class JumpCloudApiError extends Error {
  constructor(
    readonly status: number,
    /** The request, e.g. "GET /api/v2/usergroups" (no query, no key). */
    readonly request: string,
    /** JumpCloud's own message. */
    readonly detail: string,
    readonly retryAfterMs?: number,
  ) {
    super(`JumpCloud answered ${status} to ${request}${detail ? ` (${detail})` : ""}${jumpCloudFix(status, detail)}`);
    this.name = "JumpCloudApiError";
  }
}

const SEE_JUMPCLOUD = see("jumpcloud");

function jumpCloudFix(status: number, detail: string): string {
  if (status === 401 && /organi[sz]ation/i.test(detail)) {
    return `. Fix: this key belongs to a multi-tenant administrator: set the organisation with \`pulumi config set groupExport:jumpcloudOrgId <org id>\` or JUMPCLOUD_ORG_ID (${SEE_JUMPCLOUD})`;
  }
  if (status === 401) {
    return `. Fix: the API key is wrong, expired or reset: put an administrator's current key (JumpCloud console > your name > API Settings) in the file named by groupExport:jumpcloudApiKeyFile or JUMPCLOUD_API_KEY_FILE, or in JUMPCLOUD_API_KEY (${SEE_JUMPCLOUD})`;
  }
  if (status === 403) return `. Fix: the administrator whose key this is may not read user groups, users and directories: give them a role that can (read-only is enough) (${SEE_JUMPCLOUD})`;
  if (status === 404 && /organi[sz]ation/i.test(detail)) return `. Fix: check groupExport:jumpcloudOrgId / JUMPCLOUD_ORG_ID (${SEE_JUMPCLOUD})`;
  return "";
}

/** Retry 429 (after its Retry-After), 5xx and dropped connections; nothing else. */
export function classifyJumpCloudError(error: unknown): RetryVerdict {
  if (error instanceof JumpCloudApiError) {
    if (error.status === 429) return { retry: true, afterMs: error.retryAfterMs, throttled: true };
    return { retry: error.status >= 500, afterMs: error.retryAfterMs };
  }
  return { retry: isConnectionError(error) };
}

type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export class JumpCloudClient {
  private readonly baseUrl: string;
  private readonly limiter: QuotaLimiter;
  private readonly retry: RetryPolicy;
  /** Requests sent (attempts included), for figures and tests. */
  requests = 0;

  constructor(
    private readonly settings: JumpCloudSettings,
    private readonly fetchImpl: FetchLike = (input, init) => fetch(input, init),
  ) {
    if (!settings.apiKey) throw new Error(`no JumpCloud API key (${SEE_JUMPCLOUD})`);
    this.baseUrl = (settings.baseUrl ?? JUMPCLOUD_DEFAULT_BASE_URL).replace(/\/+$/, "");
    this.retry = settings.retry ?? defaultRetryPolicy;
    // One client per console and organisation in a program run: its own pace (the provider's context is not in the program's process).
    this.limiter = new QuotaLimiter({
      budgets: { requests: { units: settings.requestsPerMinute ?? JUMPCLOUD_DEFAULT_REQUESTS_PER_MINUTE, windowMs: 60_000 } },
      maxConcurrent: 4,
      isThrottled: (error) => error instanceof JumpCloudApiError && error.status === 429,
    });
  }

  /** One GET, paced and retried; returns the parsed JSON body. */
  private async get(path: string, query: Record<string, string | number> = {}): Promise<unknown> {
    const url = new URL(`${this.baseUrl}${path}`);
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, String(v));
    const request = `GET ${path}`;
    const headers: Record<string, string> = { accept: "application/json", "x-api-key": this.settings.apiKey };
    if (this.settings.orgId) headers["x-org-id"] = this.settings.orgId;
    const attempt = async (): Promise<unknown> => {
      this.requests++;
      const response = await this.fetchImpl(url.toString(), { method: "GET", headers });
      const text = await response.text();
      if (!response.ok) {
        const body = jumpCloudErrorBodySchema.safeParse(safeJson(text));
        const detail = body.success ? (body.data.message ?? body.data.error ?? "") : text.slice(0, 200);
        throw new JumpCloudApiError(response.status, request, detail, parseRetryAfter(response.headers.get("retry-after")));
      }
      const parsed = safeJson(text);
      if (parsed === undefined) throw new JumpCloudApiError(response.status, request, `the answer is not JSON: ${text.slice(0, 100)}`);
      return parsed;
    };
    try {
      return await withRetry(() => this.limiter.schedule(attempt), classifyJumpCloudError, this.retry);
    } catch (error) {
      if (error instanceof JumpCloudApiError && error.status === 429) {
        throw new RateLimitError("JumpCloud", `read ${path}`, "HTTP 429", "Lower groupExport:jumpcloudRequestsPerMinute (or JUMPCLOUD_REQUESTS_PER_MINUTE) when other tools use the same key");
      }
      throw error;
    }
  }

  private parse<T extends z.ZodType>(schema: T, value: unknown, request: string): z.infer<T> {
    const result = schema.safeParse(value);
    if (!result.success) throw new Error(`JumpCloud answered ${request} with an unexpected shape: ${z.prettifyError(result.error)}`);
    return result.data;
  }

  /**
   * Every page of a v2 list (`limit` 100, `skip` advancing by what came back), until a short
   * page. `skip` paging can miss an item when another is deleted between two pages (and repeat
   * one when another is added): a missed member would be removed from the exported group. So a
   * list longer than one page is read twice and must come back the same (up to 3 tries);
   * otherwise the read fails, naming the list, rather than export a partial one.
   */
  private async listV2<T extends { id: string }>(path: string, item: z.ZodType<T>, query: Record<string, string> = {}): Promise<T[]> {
    const readAll = async (): Promise<{ items: Map<string, T>; pages: number }> => {
      const items = new Map<string, T>();
      for (let skip = 0, pages = 1; ; pages++) {
        const page = this.parse(z.array(item), await this.get(path, { ...query, limit: JUMPCLOUD_PAGE_SIZE, skip }), `GET ${path}`);
        for (const i of page) items.set(i.id, i);
        if (page.length < JUMPCLOUD_PAGE_SIZE) return { items, pages };
        skip += page.length;
      }
    };
    let previous = await readAll();
    if (previous.pages === 1) return [...previous.items.values()];
    for (let attempt = 0; attempt < 3; attempt++) {
      const again = await readAll();
      if (again.items.size === previous.items.size && [...again.items.keys()].every((k) => previous.items.has(k))) return [...again.items.values()];
      previous = again;
    }
    throw new Error(`JumpCloud's ${path} kept changing while it was read page by page (4 reads differed): run the command again when the changes in JumpCloud are done`);
  }

  /** Every directory of the organisation (`GET /api/v2/directories`): g_suite, office_365, ldap_server... */
  listDirectories(): Promise<JumpCloudDirectory[]> {
    return this.listV2("/api/v2/directories", jumpCloudDirectorySchema);
  }

  /** Every user group, with its name, description and email attribute (`GET /api/v2/usergroups`). */
  listUserGroups(): Promise<JumpCloudUserGroup[]> {
    return this.listV2("/api/v2/usergroups", jumpCloudUserGroupSchema);
  }

  /** One user group (`GET /api/v2/usergroups/{id}`); a JumpCloudApiError 404 when there is none. */
  async getUserGroup(id: string): Promise<JumpCloudUserGroup> {
    const path = `/api/v2/usergroups/${encodeURIComponent(id)}`;
    return this.parse(jumpCloudUserGroupSchema, await this.get(path), `GET ${path}`);
  }

  /**
   * The user groups bound to a Google Workspace (`g_suite`) or Microsoft 365 (`office_365`)
   * directory, directly or indirectly (`GET /api/v2/gsuites/{id}/usergroups`,
   * `GET /api/v2/office365s/{id}/usergroups`).
   */
  async boundUserGroups(directory: Pick<JumpCloudDirectory, "id" | "type">): Promise<GraphObjectWithPaths[]> {
    const collection = directory.type === "g_suite" ? "gsuites" : directory.type === "office_365" ? "office365s" : undefined;
    if (!collection) throw new Error(`JumpCloud directory ${directory.id} is of type ${directory.type}: only g_suite and office_365 directories have bound user groups to export`);
    const bound = await this.listV2(`/api/v2/${collection}/${encodeURIComponent(directory.id)}/usergroups`, graphObjectWithPathsSchema);
    return bound.filter((o) => o.type === "user_group");
  }

  /** The ids of the users that are members of a user group (`GET /api/v2/usergroups/{id}/membership`). */
  async userGroupMemberIds(groupId: string): Promise<string[]> {
    const members = await this.listV2(`/api/v2/usergroups/${encodeURIComponent(groupId)}/membership`, graphObjectWithPathsSchema);
    return members.filter((m) => m.type === "user").map((m) => m.id);
  }

  /** Every user with its email and state (`GET /api/systemusers`, API v1: `{ totalCount, results }`). */
  async listSystemUsers(): Promise<JumpCloudSystemUser[]> {
    // v1 says how many there are: a read that collected another number saw the list change.
    for (let attempt = 0; attempt < 4; attempt++) {
      const out = new Map<string, JumpCloudSystemUser>();
      let total = 0;
      for (let skip = 0; ; ) {
        const page = this.parse(systemUsersPageSchema, await this.get("/api/systemusers", { limit: JUMPCLOUD_PAGE_SIZE, skip, sort: "_id", fields: "email username state" }), "GET /api/systemusers");
        for (const u of page.results) out.set(u._id, u);
        total = page.totalCount;
        skip += page.results.length;
        if (page.results.length < JUMPCLOUD_PAGE_SIZE || skip >= page.totalCount) break;
      }
      if (out.size === total) return [...out.values()];
    }
    throw new Error("JumpCloud's /api/systemusers kept changing while it was read page by page (4 reads differed): run the command again when the changes in JumpCloud are done");
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
