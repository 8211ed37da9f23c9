import { isWriteMethod, PermissionError, ReadOnlyError } from "../clientErrors";
import type { DelegatedAuthClient } from "./auth";

/**
 * Rules applied to every Google request at the transport: read-only mode refuses writes before
 * they are sent, and a refusal for lack of scope or privilege becomes one message naming it.
 * Both name the operation in words, from the request itself, so they hold for every method of
 * the client, including ones added later.
 */

const WRITE_SCOPE = "https://www.googleapis.com/auth/admin.directory.group";
const READ_SCOPE = "https://www.googleapis.com/auth/admin.directory.group.readonly";

/** A request as far as describing it goes: an HTTP method and a URL or a path under the API root. */
export interface GoogleRequestShape {
  method?: string;
  url?: string | URL;
  path?: string;
  body?: unknown;
}

/** The request a gaxios error or a request shape stands for. */
function requestOf(subject: unknown): GoogleRequestShape | undefined {
  const config = (subject as { config?: { method?: string; url?: string | URL; data?: unknown } } | undefined)?.config;
  if (config?.url) return { method: config.method, url: config.url, body: config.data };
  const shape = subject as GoogleRequestShape | undefined;
  return shape && (shape.url || shape.path) ? shape : undefined;
}

function emailIn(body: unknown): string | undefined {
  let parsed = body;
  if (typeof body === "string") {
    try {
      parsed = JSON.parse(body);
    } catch {
      return undefined;
    }
  }
  const email = (parsed as { email?: unknown } | undefined)?.email;
  return typeof email === "string" ? email : undefined;
}

/** "delete group eng@example.com", "add member a@example.com to group eng@example.com"...; undefined if the subject is no request. */
export function describeGoogleRequest(subject: unknown): string | undefined {
  const request = requestOf(subject);
  if (!request) return undefined;
  const method = (request.method ?? "GET").toUpperCase();
  const rawPath = request.path ?? new URL(String(request.url)).pathname;
  const path = rawPath.split("?")[0].replace(/^\/+/, "");
  const segments = path.split("/").map((s) => decodeURIComponent(s));
  const settings = /^groups\/v1\/groups\/([^/]+)$/.exec(path);
  if (settings) return `${method === "GET" ? "read" : "change"} the settings of group ${decodeURIComponent(settings[1])}`;
  const at = segments.indexOf("groups");
  if (at < 0 || !/^admin\/directory\/v1\//.test(path)) return `${method} /${path}`;
  const [, group, relation, item] = segments.slice(at);
  const email = emailIn(request.body);
  if (!group) return method === "POST" ? `create group${email ? ` ${email}` : ""}` : "list groups";
  if (!relation) return { GET: `read group ${group}`, DELETE: `delete group ${group}` }[method] ?? `update group ${group}`;
  const noun = relation === "aliases" ? "alias" : "member";
  if (!item) return method === "POST" ? `add ${noun}${email ? ` ${email}` : ""} to group ${group}` : `list the ${relation} of group ${group}`;
  return { GET: `read ${noun} ${item} of group ${group}`, DELETE: `remove ${noun} ${item} from group ${group}` }[method] ?? `change ${noun} ${item} of group ${group}`;
}

/**
 * Read-only mode: a request interceptor on the auth client's transport (every API request
 * passes it, after the token is attached and before anything is sent) throws ReadOnlyError
 * for a write to the API. Token requests and the batch envelope pass: the batch is checked
 * call by call before it is encoded.
 */
export function guardGoogleWrites(auth: DelegatedAuthClient, apiRootUrl: string): void {
  const root = new URL(apiRootUrl).href.replace(/\/?$/, "/");
  auth.transporter.interceptors.request.add({
    resolved: async (options) => {
      const url = new URL(String(options.url));
      const onApi = url.href.startsWith(root) && /^(admin\/directory\/|groups\/v1\/)/.test(url.href.slice(root.length));
      if (onApi && isWriteMethod(options.method)) {
        throw new ReadOnlyError("Google", describeGoogleRequest({ method: options.method, url, body: options.data }) ?? `${options.method} ${url.pathname}`);
      }
      return options;
    },
  });
}

/** One answer from Google, whole or inside a batch. */
interface GoogleAnswer {
  status?: number;
  reason?: string;
  message?: string;
}

function answerOf(error: unknown): GoogleAnswer {
  const response = (error as { response?: { status?: number; data?: unknown } } | undefined)?.response;
  const data = response?.data as { error?: { message?: string; errors?: { reason?: string }[] } | string; error_description?: string } | undefined;
  if (typeof data?.error === "string") return { status: response?.status, reason: data.error, message: data.error_description };
  return { status: response?.status, reason: data?.error?.errors?.[0]?.reason, message: data?.error?.message ?? (error as Error | undefined)?.message };
}

/**
 * The PermissionError for an answer that says the principal lacks a scope or privilege, or
 * undefined. `subject` is a gaxios error, or `{ response, request }` for a call inside a batch.
 */
export function googlePermissionError(
  subject: unknown,
  principal: string,
  readOnly: boolean,
  request?: GoogleRequestShape,
  /** The scopes of the API called (default: the Directory API's group scopes). */
  scopes: { write: string; read: string } = { write: WRITE_SCOPE, read: READ_SCOPE },
): PermissionError | undefined {
  const answer = answerOf(subject);
  const text = `${answer.reason ?? ""} ${answer.message ?? ""} ${(subject as Error | undefined)?.message ?? ""}`;
  const operation = describeGoogleRequest(request ?? subject) ?? "call the Directory API";
  const scope = readOnly ? scopes.read : scopes.write;
  if (/unauthorized_client/.test(text)) {
    return new PermissionError(
      "Google",
      operation,
      principal,
      `domain-wide delegation does not grant the scope ${scope} to this service account's client id. Fix: in the Google Admin console, Security > API controls > Domain-wide delegation, allow that scope` +
        (readOnly || scopes.read === scopes.write ? "" : `; a pipeline that only previews needs just ${scopes.read} and GROUP_EXPORT_READ_ONLY=true`),
      answer.message ?? answer.reason ?? "unauthorized_client",
    );
  }
  if (answer.status !== 403) return undefined;
  if (answer.reason === "insufficientPermissions" || /insufficient authentication scopes/i.test(text)) {
    return new PermissionError(
      "Google",
      operation,
      principal,
      `the access token lacks the scope ${scopes.write}${readOnly && scopes.read !== scopes.write ? " (read-only mode asks only for the read-only scope)" : ""}. Fix: allow that scope in the Google Admin console, Security > API controls > Domain-wide delegation`,
      `403 ${answer.reason ?? ""} ${answer.message ?? ""}`.trim(),
    );
  }
  if (answer.reason === "forbidden" || /Not Authorized to access this resource/i.test(text)) {
    // Google gives this one answer for an impersonated user who is no administrator and for an
    // address outside the customer's domains; DirectoryGroupManagement tells them apart.
    return new PermissionError(
      "Google",
      operation,
      principal,
      "Google answers this when the impersonated user is not an administrator who may manage groups, or when the group's address is not in a domain of the customer. " +
        "Fix: set groupExport:googleAdminEmail to a super admin (or a user with the Groups Administrator role); if it is one, use an address in one of the customer's domains (Admin console > Account > Domains)",
      `403 ${answer.reason ?? ""} ${answer.message ?? ""}`.trim(),
      false,
    );
  }
  return undefined;
}
