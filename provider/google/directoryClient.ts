import { admin, auth as googleAuthLibrary, type admin_directory_v1 } from "@googleapis/admin";
import { defaultRetryPolicy, isConnectionError, parseRetryAfter, withRetry, type RetryVerdict } from "../retry";
import type { GoogleSettings } from "../settings";

/** Scopes: read-write for apply, read-only is enough for preview and refresh. */
export const DIRECTORY_GROUP_SCOPE = "https://www.googleapis.com/auth/admin.directory.group";

/** A group as the Directory API reports it, reduced to what this package manages. */
export interface DirectoryGroup {
  id: string;
  email: string;
  name: string;
  description: string;
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
  return { id: g.id ?? "", email: (g.email ?? "").toLowerCase(), name: g.name ?? "", description: g.description ?? "" };
}

/** Builds the service-account JWT client; routes its token request to `tokenUrl` if set. */
function googleAuth(settings: GoogleSettings) {
  // The JWT class re-exported by the API package, so client and auth share one google-auth-library.
  const auth = new googleAuthLibrary.JWT({
    email: settings.credentials.client_email,
    key: settings.credentials.private_key,
    keyId: settings.credentials.private_key_id,
    subject: settings.adminEmail,
    scopes: [DIRECTORY_GROUP_SCOPE],
  });
  const tokenUrl = settings.tokenUrl;
  if (tokenUrl) {
    // The token URL is a constant inside gtoken; the transporter is the one place to redirect it.
    auth.transporter.interceptors.request.add({
      resolved: async (options) => {
        if (new URL(String(options.url)).host === "oauth2.googleapis.com") options.url = new URL(tokenUrl);
        return options;
      },
    });
  }
  return auth;
}

/** The Directory API operations the reconcilers need, each retried per the shared policy. */
export class GoogleDirectoryClient {
  private readonly api: admin_directory_v1.Admin;

  constructor(settings: GoogleSettings) {
    this.api = admin({ version: "directory_v1", auth: googleAuth(settings), ...(settings.apiRootUrl ? { rootUrl: settings.apiRootUrl } : {}) });
  }

  private call<T>(fn: () => Promise<T>): Promise<T> {
    return withRetry(fn, classifyGoogleError, defaultRetryPolicy);
  }

  /** The group with this email, alias or id; undefined if there is none. */
  async getGroup(groupKey: string): Promise<DirectoryGroup | undefined> {
    try {
      const res = await this.call(() => this.api.groups.get({ groupKey }));
      return toDirectoryGroup(res.data);
    } catch (error) {
      if (googleStatus(error) === 404) return undefined;
      throw error;
    }
  }

  /** Inserts a group; `existed` is true when the email was already taken (409). */
  async insertGroup(group: Omit<DirectoryGroup, "id">): Promise<{ group: DirectoryGroup; existed: boolean }> {
    try {
      const res = await this.call(() => this.api.groups.insert({ requestBody: group }));
      return { group: toDirectoryGroup(res.data), existed: false };
    } catch (error) {
      if (googleStatus(error) !== 409) throw error;
      // A retried insert whose first attempt landed, or a race: the group is there now.
      const existing = await this.getGroup(group.email);
      if (!existing) throw error;
      return { group: existing, existed: true };
    }
  }

  async patchGroup(groupKey: string, fields: Partial<Omit<DirectoryGroup, "id">>): Promise<DirectoryGroup> {
    const res = await this.call(() => this.api.groups.patch({ groupKey, requestBody: fields }));
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
