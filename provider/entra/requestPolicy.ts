import {
  AuthenticationHandler,
  GraphClientError,
  RedirectHandler,
  RedirectHandlerOptions,
  TelemetryHandler,
  type AuthenticationProvider,
  type Context,
  type Middleware,
} from "@microsoft/microsoft-graph-client";
import { isWriteMethod, PermissionError, ReadOnlyError } from "../clientErrors";

/**
 * The Graph client's middleware chain and the rules it applies to every request:
 * - no RetryHandler: the SDK's own retries would stack under the shared policy (up to 32
 *   sends of one request) and sleep while holding a slot of the tenant's limiter;
 * - read-only mode refuses writes (also inside `$batch`) before anything is sent;
 * - a 403 Authorization_RequestDenied becomes one message naming the missing permission;
 * - network failures keep their cause (the SDK would flatten `fetch failed` to a message),
 *   so that the retry policy can recognise resets as it does for Google.
 * Errors of these rules travel through the SDK wrapped in GraphClientError (which it
 * rethrows untouched); `unwrapGraphError` takes them out again.
 */

/** Actions that read although they are POSTs. */
const READING_ACTIONS = /\/(getByIds|getObjectsById|checkMemberGroups|checkMemberObjects|getMemberGroups|getMemberObjects|isMemberOf)$/;

/** A Graph request's path without host, version and query, e.g. "/groups/1/members/$ref". */
export function graphPath(url: string): string {
  const path = /^https?:/.test(url) ? new URL(url).pathname : url.split("?")[0];
  return path.replace(/^\/(v1\.0|beta)(?=\/)/, "");
}

/** Whether this request changes something (read-only mode refuses it). */
export function isGraphWrite(method: string | undefined, url: string): boolean {
  return isWriteMethod(method) && !READING_ACTIONS.test(graphPath(url));
}

/** "delete group 1", "add members to group 1", "create a security group"...: a request in words. */
export function describeGraphRequest(method: string | undefined, url: string, body?: unknown): string {
  const m = (method ?? "GET").toUpperCase();
  const path = graphPath(url);
  let match: RegExpExecArray | null;
  if (path === "/groups") {
    const name = (body as { displayName?: unknown } | undefined)?.displayName;
    return m === "POST" ? `create security group${typeof name === "string" ? ` "${name}"` : ""}` : "list groups";
  }
  if ((match = /^\/groups\/([^/]+)$/.exec(path))) {
    const binds = (body as Record<string, unknown> | undefined)?.["members@odata.bind"];
    if (m === "PATCH" && Array.isArray(binds)) return `add ${binds.length} member${binds.length === 1 ? "" : "s"} to group ${match[1]}`;
    return { GET: `read group ${match[1]}`, DELETE: `delete group ${match[1]}` }[m] ?? `update group ${match[1]}`;
  }
  if ((match = /^\/groups\/([^/]+)\/members\/\$ref$/.exec(path))) return `add a member to group ${match[1]}`;
  if ((match = /^\/groups\/([^/]+)\/members\/([^/]+)\/\$ref$/.exec(path))) return `remove member ${match[2]} from group ${match[1]}`;
  if ((match = /^\/groups\/([^/]+)\/members$/.exec(path))) return `list the members of group ${match[1]}`;
  if (/^\/users/.test(path)) return "look up users";
  return `${m} ${path}`;
}

/**
 * Graph's identity-and-access cost of one request in resource units (Microsoft's table:
 * GET /users 2, GET /groups/{id}/members 3, other requests 1; `$select` and a `$top` under 20
 * take 1 off, never below 1) and in write units (1 per write).
 */
export function graphRequestCost(method: string | undefined, url: string): { units: number; writes: number } {
  const m = (method ?? "GET").toUpperCase();
  const path = graphPath(url);
  const query = url.includes("?") ? decodeURIComponent(url.slice(url.indexOf("?"))) : "";
  if (isGraphWrite(m, url)) return { units: 1, writes: 1 };
  let units = /^\/users$/.test(path) ? 2 : /^\/groups\/[^/]+\/members$/.test(path) ? 3 : /\/transitiveMembers$/.test(path) ? 5 : /getByIds$/.test(path) ? 3 : 1;
  if (/[?&]\$select=/.test(query)) units -= 1;
  const top = /[?&]\$top=(\d+)/.exec(query);
  if (top && Number(top[1]) < 20) units -= 1;
  return { units: Math.max(1, units), writes: 0 };
}

interface BatchItem {
  method?: string;
  url?: string;
  body?: unknown;
}

function batchItems(body: unknown): BatchItem[] {
  try {
    const parsed = typeof body === "string" ? JSON.parse(body) : body;
    const requests = (parsed as { requests?: unknown } | undefined)?.requests;
    return Array.isArray(requests) ? (requests as BatchItem[]) : [];
  } catch {
    return [];
  }
}

/** The cost of a request, a `$batch` counting as the sum of its items (Graph throttles each item). */
export function graphCostWithBatch(method: string, url: string, body: unknown): { units: number; writes: number } {
  if (graphPath(url) !== "/$batch") return graphRequestCost(method, url);
  return batchItems(body).reduce(
    (sum, item) => {
      const cost = graphRequestCost(item.method, item.url ?? "");
      return { units: sum.units + cost.units, writes: sum.writes + cost.writes };
    },
    { units: 0, writes: 0 },
  );
}

/** Takes our own error out of the GraphClientError it travelled in; other errors pass as they are. */
export function unwrapGraphError(error: unknown): unknown {
  if (error instanceof GraphClientError && error.customError !== undefined) return error.customError;
  return error;
}

function wrap(error: unknown): GraphClientError {
  const wrapped = new GraphClientError(error instanceof Error ? error.message : String(error));
  wrapped.customError = error;
  return wrapped;
}

function requestUrl(context: Context): string {
  return typeof context.request === "string" ? context.request : context.request.url;
}

/** Read-only refusal and permission mapping, first in the chain. */
class PolicyHandler implements Middleware {
  private next?: Middleware;

  constructor(
    private readonly readOnly: boolean,
    private readonly principal: string,
  ) {}

  setNext(next: Middleware): void {
    this.next = next;
  }

  async execute(context: Context): Promise<void> {
    const method = context.options?.method ?? "GET";
    const url = requestUrl(context);
    const body = context.options?.body;
    const parsedBody = typeof body === "string" ? safeJson(body) : body;
    if (this.readOnly) {
      const writes = graphPath(url) === "/$batch" ? batchItems(parsedBody).filter((i) => isGraphWrite(i.method, i.url ?? "")) : isGraphWrite(method, url) ? [{ method, url, body: parsedBody }] : [];
      if (writes.length > 0) {
        const first = describeGraphRequest(writes[0].method, writes[0].url ?? "", writes[0].body);
        const more = writes.length > 1 ? ` (and ${writes.length - 1} more write${writes.length > 2 ? "s" : ""} in the same batch)` : "";
        throw wrap(new ReadOnlyError("Entra", first + more));
      }
    }
    await this.next!.execute(context);
    const response = context.response;
    if (response?.status === 403) {
      const answer = (await response
        .clone()
        .json()
        .catch(() => undefined)) as { error?: { code?: string; message?: string } } | undefined;
      const permission = graphPermissionError(answer?.error?.code, answer?.error?.message, method, url, parsedBody, this.principal);
      if (permission) throw wrap(permission);
    }
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The permission an operation needs, as the Graph reference lists it (least privileged first). */
function neededPermission(method: string, url: string): string {
  const path = graphPath(url);
  if (/^\/users/.test(path)) return "User.Read.All (to resolve users)";
  if (!isGraphWrite(method, url)) return "Group.Read.All or GroupMember.Read.All (to read groups and members)";
  if (/\/members/.test(path) || (method.toUpperCase() === "PATCH" && /^\/groups\/[^/]+$/.test(path))) return "GroupMember.ReadWrite.All or Group.ReadWrite.All (to change members)";
  if (path === "/groups" && method.toUpperCase() === "POST") return "Group.Create or Group.ReadWrite.All (to create groups)";
  return "Group.ReadWrite.All (to change and delete groups)";
}

/** The PermissionError for Graph's 403 Authorization_RequestDenied, or undefined for any other answer. */
export function graphPermissionError(code: string | undefined, message: string | undefined, method: string, url: string, body: unknown, principal: string): PermissionError | undefined {
  if (code !== "Authorization_RequestDenied") return undefined;
  return new PermissionError(
    "Entra",
    describeGraphRequest(method, url, body),
    principal,
    `it lacks the Microsoft Graph application permission ${neededPermission(method, url)}. Fix: in the Entra admin center, App registrations > API permissions, add it and grant admin consent`,
    `403 ${code}: ${message ?? ""}`.trim(),
  );
}

/** The last link: fetch, keeping a network failure's cause. */
class FetchHandler implements Middleware {
  async execute(context: Context): Promise<void> {
    try {
      context.response = await fetch(context.request, context.options as RequestInit);
    } catch (error) {
      throw wrap(error);
    }
  }
}

/** The chain: policy, authentication, redirects, telemetry, fetch. No retry handler. */
export function graphMiddleware(authProvider: AuthenticationProvider, readOnly: boolean, principal: string): Middleware[] {
  return [new PolicyHandler(readOnly, principal), new AuthenticationHandler(authProvider), new RedirectHandler(new RedirectHandlerOptions()), new TelemetryHandler(), new FetchHandler()];
}
