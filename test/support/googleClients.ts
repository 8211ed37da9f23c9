import { Agent } from "node:https";
import { admin, auth } from "@googleapis/admin";
import { groupssettings } from "googleapis/build/src/apis/groupssettings";
import type { Sandbox } from "../../provider/sandbox";
import { DEFAULT_DELEGATED_SCOPES, GOOGLE_SCOPES } from "../../provider/sandbox/google/scopes";

export { GOOGLE_SCOPES };

/**
 * The official Google clients, pointed at a sandbox started in this process.
 *
 * Trust: NODE_EXTRA_CA_CERTS is read only when a process starts, so a test that starts the
 * sandbox in-process cannot use it. google-auth-library 10 sends every request through its
 * gaxios 7 transporter, which in Node fetches with node-fetch; node-fetch honours an
 * `agent` option, and gaxios merges `transporterOptions` into every request as defaults.
 * So the JWT client gets `transporterOptions: { agent: new https.Agent({ ca: sandbox.caPem }) }`:
 * the token request and every API call made through it (googleapis-common calls
 * `auth.request()`) trust the sandbox's CA, and nothing else in the process does.
 *
 * Token endpoint: `https://oauth2.googleapis.com/token` is a constant inside gtoken, so it is
 * redirected with a request interceptor on the transporter, exactly as
 * provider/google/client.ts does.
 */
export function sandboxJwt(sandbox: Sandbox, scopes: string[], subject: string = sandbox.google.adminEmail): InstanceType<typeof auth.JWT> {
  const key = sandbox.google.serviceAccountKey;
  const jwt = new auth.JWT({
    email: key.client_email,
    key: key.private_key,
    keyId: key.private_key_id,
    subject,
    scopes,
    transporterOptions: { agent: new Agent({ ca: sandbox.caPem, keepAlive: true }) },
  });
  jwt.transporter.interceptors.request.add({
    resolved: async (options) => {
      if (new URL(String(options.url)).host === "oauth2.googleapis.com") options.url = new URL(sandbox.google.tokenUrl);
      return options;
    },
  });
  return jwt;
}

/** Every scope the sandbox tenant delegates by default. */
export const ALL_SCOPES = DEFAULT_DELEGATED_SCOPES;

/** @googleapis/admin's Directory API client on the sandbox. */
export function directoryClient(sandbox: Sandbox, jwt = sandboxJwt(sandbox, ALL_SCOPES)) {
  return admin({ version: "directory_v1", auth: jwt, rootUrl: sandbox.google.rootUrl });
}

/** googleapis' Groups Settings API client on the sandbox (there is no per-API package for it). */
export function groupsSettingsClient(sandbox: Sandbox, jwt = sandboxJwt(sandbox, ALL_SCOPES)) {
  return groupssettings({ version: "v1", auth: jwt, rootUrl: sandbox.google.rootUrl });
}

/** The HTTP status and Google error body of a failed call (or the status of a successful one). */
export async function outcome(call: Promise<{ status: number }>): Promise<{ status: number; reason?: string; message?: string; data?: unknown }> {
  try {
    return { status: (await call).status };
  } catch (error) {
    const response = (error as { response?: { status: number; data?: { error?: { message?: string; errors?: { reason?: string }[] } } } }).response;
    if (!response) throw error;
    return { status: response.status, reason: response.data?.error?.errors?.[0]?.reason, message: response.data?.error?.message, data: response.data };
  }
}

/** Options for one call: no client-side retry, so the sandbox's answer is what the test sees. */
export const NO_RETRY = { retry: false } as const;

/** The error a promise rejects with (fails the test if it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<Error> {
  const settled = await promise.then(
    () => undefined,
    (error: unknown) => (error instanceof Error ? error : new Error(String(error))),
  );
  if (!settled) throw new Error("expected a rejection, but the promise resolved");
  return settled;
}

/** One call of a Directory API batch, and its answer. */
export interface BatchItem {
  method: string;
  /** Relative (/admin/directory/v1/...) or absolute URL, as the batch format allows. */
  url: string;
  body?: unknown;
  headers?: Record<string, string>;
}
export interface BatchAnswer {
  contentId: string;
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

/**
 * Sends a batch to POST /batch/admin/directory_v1 through the JWT client's own `request()`
 * (the Node client has no batch support; this is its transport, with its token), written in
 * Google's multipart/mixed format, and splits the multipart answer.
 */
export async function sendBatch(sandbox: Sandbox, jwt: InstanceType<typeof auth.JWT>, items: BatchItem[]): Promise<{ status: number; contentType: string; answers: BatchAnswer[] }> {
  const boundary = "test_batch_boundary";
  const body =
    items
      .map((item, i) => {
        const payload = item.body === undefined ? "" : JSON.stringify(item.body);
        const headers = { ...(payload ? { "Content-Type": "application/json" } : {}), ...item.headers };
        const head = [`${item.method} ${item.url} HTTP/1.1`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)].join("\r\n");
        return `--${boundary}\r\nContent-Type: application/http\r\nContent-ID: <item${i}>\r\n\r\n${head}\r\n\r\n${payload}\r\n`;
      })
      .join("") + `--${boundary}--\r\n`;
  const res = await jwt.request<string>({
    url: `${sandbox.google.rootUrl}batch/admin/directory_v1`,
    method: "POST",
    headers: { "Content-Type": `multipart/mixed; boundary=${boundary}` },
    data: body,
    responseType: "text",
    retry: false,
  });
  const contentType = res.headers.get("content-type") ?? "";
  const outer = /boundary=([^;\s]+)/.exec(contentType)![1];
  const answers = res.data
    .split(`--${outer}`)
    .slice(1, -1)
    .map((part) => {
      const [partHead, responseHead, ...rest] = part.trim().split("\r\n\r\n");
      const [statusLine, ...headerLines] = responseHead.split("\r\n");
      const headers = Object.fromEntries(headerLines.map((l) => [l.slice(0, l.indexOf(":")).toLowerCase(), l.slice(l.indexOf(":") + 1).trim()]));
      const text = rest.join("\r\n\r\n");
      return {
        contentId: /Content-ID: (.*)/i.exec(partHead)![1].trim(),
        status: Number(statusLine.split(" ")[1]),
        headers,
        body: text ? (JSON.parse(text) as unknown) : undefined,
      };
    });
  return { status: res.status, contentType, answers };
}

/**
 * A response header. gaxios 7 gives a fetch `Headers` object, but the generated API types
 * still describe a plain record (googleapis-common pins an older gaxios): accept both.
 */
export function headerOf(headers: unknown, name: string): string | null | undefined {
  const h = headers as { get?: (n: string) => string | null } & Record<string, unknown>;
  return typeof h.get === "function" ? h.get(name) : (h[name.toLowerCase()] as string | undefined);
}
