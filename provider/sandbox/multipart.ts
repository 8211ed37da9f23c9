/**
 * multipart/mixed bodies holding HTTP messages (`Content-Type: application/http`), the
 * format of Google's batch endpoints: parsing the request side, writing the response side.
 */

export interface MimePart {
  /** Header names lowercased. */
  headers: Record<string, string>;
  body: string;
}

export interface HttpRequestMessage {
  method: string;
  /** As written: a path (/admin/...) or an absolute URL. */
  target: string;
  headers: Record<string, string>;
  body: string;
}

export function boundaryOf(contentType: string): string | undefined {
  if (!/^multipart\/mixed\b/i.test(contentType.trim())) return undefined;
  return /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType)?.slice(1).find(Boolean);
}

/** Splits at the first blank line (CRLF or LF). */
function splitHead(text: string): { head: string[]; body: string } {
  const blank = /\r?\n\r?\n/.exec(text);
  const head = blank ? text.slice(0, blank.index) : text;
  return { head: head.split(/\r?\n/).filter((l) => l.length > 0), body: blank ? text.slice(blank.index + blank[0].length) : "" };
}

function headerMap(lines: string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(":");
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return headers;
}

export function parseMultipart(text: string, boundary: string): MimePart[] {
  const parts: MimePart[] = [];
  for (const section of text.split(`--${boundary}`).slice(1)) {
    if (section.startsWith("--")) break;
    // The line break after the delimiter starts the part; the one before the next delimiter belongs to it.
    const { head, body } = splitHead(section.replace(/^[ \t]*\r?\n/, "").replace(/\r?\n$/, ""));
    parts.push({ headers: headerMap(head), body });
  }
  return parts;
}

/** An HTTP request written out (request line, headers, blank line, body); undefined if malformed. */
export function parseHttpRequest(text: string): HttpRequestMessage | undefined {
  const { head, body } = splitHead(text.replace(/^\s+/, ""));
  const requestLine = /^([A-Z]+)\s+(\S+)(?:\s+HTTP\/\d(?:\.\d)?)?$/.exec(head[0] ?? "");
  if (!requestLine) return undefined;
  return { method: requestLine[1], target: requestLine[2], headers: headerMap(head.slice(1)), body };
}

export function formatHttpResponse(status: number, statusText: string, headers: Record<string, string>, body: string): string {
  const lines = [`HTTP/1.1 ${status} ${statusText}`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`), `Content-Length: ${Buffer.byteLength(body)}`];
  return `${lines.join("\r\n")}\r\n\r\n${body}`;
}

export function formatMultipart(boundary: string, parts: MimePart[]): string {
  const sections = parts.map((p) => `--${boundary}\r\n${Object.entries(p.headers).map(([k, v]) => `${k}: ${v}\r\n`).join("")}\r\n${p.body}\r\n`);
  return `${sections.join("")}--${boundary}--\r\n`;
}
