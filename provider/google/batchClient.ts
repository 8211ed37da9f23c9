import { randomBytes } from "node:crypto";

/**
 * The Directory API's batch endpoint (multipart/mixed, up to 1,000 calls per request).
 * The Node client has no batch support, so requests are encoded here and sent through
 * the authenticated client's own transport.
 */
export const GOOGLE_BATCH_MAX = 1000;

export interface BatchCall {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** Path from the API root, e.g. "admin/directory/v1/groups/x/members". */
  path: string;
  body?: unknown;
}

export interface BatchReply {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

export function encodeBatch(calls: BatchCall[]): { boundary: string; body: string } {
  const boundary = "batch_" + randomBytes(12).toString("hex");
  const parts = calls.map((call, i) => {
    const payload = call.body === undefined ? "" : JSON.stringify(call.body);
    const head = `${call.method} /${call.path.replace(/^\//, "")} HTTP/1.1\r\n` + (payload ? "Content-Type: application/json\r\n" : "");
    return `--${boundary}\r\nContent-Type: application/http\r\nContent-ID: <item-${i}>\r\n\r\n${head}\r\n${payload}\r\n`;
  });
  return { boundary, body: parts.join("") + `--${boundary}--\r\n` };
}

function parseHeaders(block: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of block.split(/\r?\n/)) {
    const colon = line.indexOf(":");
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return headers;
}

/** Splits a multipart/mixed batch response into replies, in the order of the calls. */
export function decodeBatch(contentType: string, text: string, callCount: number): BatchReply[] {
  const boundary = /boundary="?([^";]+)"?/i.exec(contentType)?.[1];
  if (!boundary) throw new Error(`batch response without a multipart boundary (Content-Type: ${contentType})`);
  const replies: BatchReply[] = new Array(callCount);
  const parts = text.split(`--${boundary}`).slice(1).filter((p) => !p.startsWith("--"));
  parts.forEach((part, order) => {
    const [outerHead, ...rest] = part.replace(/^\r?\n/, "").split(/\r?\n\r?\n/);
    const inner = rest.join("\r\n\r\n");
    const [statusAndHeaders, ...bodyParts] = inner.split(/\r?\n\r?\n/);
    const [statusLine, ...headerLines] = statusAndHeaders.split(/\r?\n/);
    const status = Number(/HTTP\/[\d.]+\s+(\d{3})/.exec(statusLine)?.[1] ?? 0);
    const rawBody = bodyParts.join("\r\n\r\n").trim();
    let body: unknown = rawBody;
    try {
      body = rawBody ? JSON.parse(rawBody) : undefined;
    } catch {
      // Not JSON (e.g. an empty 204): keep the text.
    }
    const id = /item-(\d+)/.exec(parseHeaders(outerHead)["content-id"] ?? "")?.[1];
    replies[id !== undefined ? Number(id) : order] = { status, headers: parseHeaders(headerLines.join("\n")), body };
  });
  return replies;
}
