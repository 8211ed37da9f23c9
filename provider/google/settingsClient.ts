import { PermissionError, RateLimitError, ReadOnlyError } from "../clientErrors";
import { Limiters, type QuotaLimiter } from "../limiter";
import { ReadCache, type ReadOptions } from "../reads";
import { defaultRetryPolicy, propagationRetryPolicy, withRetry } from "../retry";
import { settingsKey, type GoogleSettings } from "../settings";
import { delegatedAuth, type DelegatedAuthClient } from "./auth";
import { classifyAfterCreate, classifyGoogleError, googleReason, googleStatus } from "./client";
import { describeGoogleRequest, googlePermissionError, guardGoogleWrites, type GoogleRequestShape } from "./requestPolicy";
import type { ObservedSettings } from "./settingsPlan";
import type { GroupSettings } from "./settingsSchema";

/**
 * The Groups Settings API (`groupssettings/v1`), keyed by the group's EMAIL (not its id).
 *
 * There is no per-API npm package for it (only the whole `googleapis`, about 1 s and 150 MB to
 * load in every provider process), so the calls go through the same official auth client as
 * the Directory API (google-auth-library's, re-exported by `@googleapis/admin`): its
 * `request()` attaches the delegated token, and the transport rules (read-only refusal) apply
 * as to every other request. Paths and `alt=json` are the reference's (the API answers Atom
 * XML without it).
 *
 * Scope: `apps.groups.settings` is the API's only scope (there is no read-only one), asked for
 * in a token of its own: a delegation that lacks it fails the settings calls with a message
 * naming it, and nothing else.
 */
export const GROUPS_SETTINGS_SCOPE = "https://www.googleapis.com/auth/apps.groups.settings";

const GOOGLE_SETTINGS_ROOT = "https://www.googleapis.com/";

export class GoogleGroupsSettingsClient {
  private readonly auth: DelegatedAuthClient;
  private readonly rootUrl: string;
  private readonly limiter: QuotaLimiter;
  private readonly principal: string;
  /** Settings read by this process, forgotten when it PATCHes them. */
  private readonly reads = new ReadCache();

  /** `limiters`: the provider process's (the provider context passes its own). */
  constructor(
    readonly settings: GoogleSettings,
    limiters: Limiters = new Limiters(),
  ) {
    this.auth = delegatedAuth(settings, [GROUPS_SETTINGS_SCOPE]);
    // The sandbox serves every Google API from one root; Google serves this one from www.googleapis.com.
    this.rootUrl = settings.apiRootUrl ?? GOOGLE_SETTINGS_ROOT;
    this.principal = `service account ${settings.serviceAccountEmail} acting as ${settings.adminEmail}`;
    if (settings.readOnly) guardGoogleWrites(this.auth, this.rootUrl);
    // The Groups Settings API has a quota of its own (per project and user): a limiter of its own.
    this.limiter = limiters.get(`google-settings:${settings.serviceAccountEmail} as ${settings.adminEmail.toLowerCase()}`, {
      budgets: { queries: { units: settings.quotaPerMinute, windowMs: 60_000 } },
      maxConcurrent: 8,
      isThrottled: (error) => classifyGoogleError(error).throttled === true,
      findQuota: true,
    });
  }

  private path(email: string): string {
    return `groups/v1/groups/${encodeURIComponent(email)}`;
  }

  private url(email: string): string {
    return `${this.rootUrl.replace(/\/?$/, "/")}${this.path(email)}`;
  }

  /** `request`: the call, so that a refusal of its token still names the operation ("read the settings of group ..."). */
  private async call<T>(fn: () => Promise<T>, justCreated: boolean, request: GoogleRequestShape): Promise<T> {
    try {
      // The settings endpoint lags the Directory API: a create's propagation is waited for the longer policy's bounded time.
      return await withRetry(() => this.limiter.schedule(fn), this.limiter.pacedRetries(classifyAfterCreate(justCreated)), justCreated ? propagationRetryPolicy : defaultRetryPolicy);
    } catch (error) {
      throw this.explain(error, request);
    }
  }

  private explain(error: unknown, request: GoogleRequestShape): unknown {
    if (error instanceof ReadOnlyError || error instanceof PermissionError) return error;
    const permission = googlePermissionError(error, this.principal, this.settings.readOnly, request, { write: GROUPS_SETTINGS_SCOPE, read: GROUPS_SETTINGS_SCOPE });
    if (permission) return permission;
    if (classifyGoogleError(error).throttled) {
      return new RateLimitError(
        "Google",
        describeGoogleRequest(request) ?? "call the Groups Settings API",
        `HTTP ${googleStatus(error)} ${googleReason(error) ?? ""}`.trim(),
        "The Groups Settings API has its own per-project quota (Google Cloud console, APIs & Services, Quotas)",
      );
    }
    return error;
  }

  /**
   * The group's settings; undefined if the group is gone (404). Read once per process (a group's
   * check and its apply both read them), again after this process PATCHes them; `fresh` reads again
   * regardless. The API has no batch: each group's settings are a request of their own.
   */
  async get(email: string, justCreated = false, options: ReadOptions = {}): Promise<ObservedSettings | undefined> {
    return this.reads.read(
      "settings",
      email,
      async () => {
        try {
          const res = await this.call(() => this.auth.request<ObservedSettings>({ url: this.url(email), method: "GET", params: { alt: "json" }, retry: false }), justCreated, { method: "GET", path: this.path(email) });
          return res.data;
        } catch (error) {
          if (googleStatus(error) === 404) return undefined;
          throw error;
        }
      },
      // A group made moments ago is read afresh: a 404 this process kept from before its create is no answer now.
      { fresh: options.fresh || justCreated },
    );
  }

  /** PATCHes only the given fields; returns the whole resource as the API answers it. */
  async patch(email: string, fields: GroupSettings, justCreated = false): Promise<ObservedSettings> {
    const res = await this.reads.writing(email, () =>
      this.call(() => this.auth.request<ObservedSettings>({ url: this.url(email), method: "PATCH", params: { alt: "json" }, data: fields, retry: false }), justCreated, { method: "PATCH", path: this.path(email) }),
    );
    return res.data;
  }
}

/**
 * One client per settings (by value: the host configures the process once per resource kind)
 * and limiters (a provider process's), shared by every resource: one token, one pace.
 */
const clients = new WeakMap<Limiters, Map<string, GoogleGroupsSettingsClient>>();
export function googleGroupsSettingsClient(settings: GoogleSettings, limiters: Limiters): GoogleGroupsSettingsClient {
  let bySettings = clients.get(limiters);
  if (!bySettings) clients.set(limiters, (bySettings = new Map()));
  const key = settingsKey(settings);
  let client = bySettings.get(key);
  if (!client) bySettings.set(key, (client = new GoogleGroupsSettingsClient(settings, limiters)));
  return client;
}
