import { randomBytes } from "node:crypto";
import { STATUS_CODES } from "node:http";
import express, { type Request, type RequestHandler, type Response } from "express";
import type { InnerReply, Loopback } from "../loopback";
import { boundaryOf, formatHttpResponse, formatMultipart, parseHttpRequest, parseMultipart, type MimePart } from "../multipart";
import { googleErrorBody, sendGoogleError } from "./googleErrorResponses";

/** Google's limit on calls in one batch request. */
export const MAX_BATCH_CALLS = 1000;
const DIRECTORY_PATH = "/admin/directory/v1/";

/** Outer headers every inner call inherits (Google: all but the Content-* ones), unless it sets its own. */
function inheritedHeaders(req: Request): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || /^(content-|host$|connection$|transfer-encoding$|x-sandbox-)/i.test(name)) continue;
    out[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return out;
}

/** `<item1>` -> `<response-item1>`, as Google names each part of the answer. */
function responseId(contentId: string | undefined, index: number): string {
  if (!contentId) return `<response-${index + 1}>`;
  const bare = contentId.replace(/^<|>$/g, "");
  return contentId.startsWith("<") ? `<response-${bare}>` : `response-${bare}`;
}

const REPLY_HEADERS = ["content-type", "etag", "retry-after", "location"];

function replyPart(id: string, reply: Pick<InnerReply, "status" | "statusText" | "body"> & { headers: Record<string, string | string[] | undefined> }): MimePart {
  const headers: Record<string, string> = {};
  for (const name of REPLY_HEADERS) {
    const value = reply.headers[name];
    if (value !== undefined) headers[name] = String(value);
  }
  return {
    headers: { "Content-Type": "application/http", "Content-ID": id },
    body: formatHttpResponse(reply.status, reply.statusText || STATUS_CODES[reply.status] || "", headers, reply.body),
  };
}

/** A reply the batch endpoint writes itself, for a part that is not a Directory API call. */
function refusedPart(id: string, message: string): MimePart {
  return replyPart(id, { status: 400, statusText: "Bad Request", headers: { "content-type": "application/json; charset=UTF-8" }, body: JSON.stringify(googleErrorBody(400, message, "badRequest")) });
}

/**
 * POST /batch/admin/directory_v1: a multipart/mixed body of up to 1,000 HTTP requests, each
 * dispatched through the sandbox itself (see Loopback), answered as multipart/mixed with one
 * `Content-ID: <response-…>` part per call, in order. The envelope needs no token of its own:
 * each inner call is authenticated, scoped, counted against the quota and subject to faults.
 */
export function directoryBatch(loopback: Loopback): RequestHandler[] {
  return [
    express.raw({ type: () => true, limit: "100mb" }),
    async (req: Request, res: Response) => {
      const boundary = boundaryOf(req.header("content-type") ?? "");
      const parts = boundary && Buffer.isBuffer(req.body) ? parseMultipart(req.body.toString("utf8"), boundary) : [];
      if (parts.length === 0) return sendGoogleError(res, 400, "Invalid multipart request with 0 mime parts.", "badRequest");
      if (parts.length > MAX_BATCH_CALLS) return sendGoogleError(res, 400, `Exceeded the maximum calls(${MAX_BATCH_CALLS}) in a single batch request.`, "badRequest");
      const inherited = inheritedHeaders(req);
      const answers: MimePart[] = [];
      for (const [index, part] of parts.entries()) {
        const id = responseId(part.headers["content-id"], index);
        const call = parseHttpRequest(part.body);
        const url = call && URL.canParse(call.target, "https://admin.googleapis.com") ? new URL(call.target, "https://admin.googleapis.com") : undefined;
        if (!call || !url) {
          answers.push(refusedPart(id, "Invalid HTTP request in a batch part."));
          continue;
        }
        if (!url.pathname.startsWith(DIRECTORY_PATH)) {
          answers.push(refusedPart(id, `This batch endpoint serves the Directory API only (${DIRECTORY_PATH}...), not ${url.pathname}.`));
          continue;
        }
        const own = Object.fromEntries(Object.entries(call.headers).filter(([k]) => !/^(content-length|host)$/.test(k)));
        try {
          const reply = await loopback.send({ method: call.method, path: url.pathname + url.search, headers: { ...inherited, ...own }, body: call.body });
          answers.push(replyPart(id, reply));
        } catch {
          // An inner call's connection dropped (a `reset` or `dropResponse` fault): that part alone fails, retryably.
          answers.push(replyPart(id, { status: 503, statusText: "Service Unavailable", headers: { "content-type": "application/json; charset=UTF-8" }, body: JSON.stringify(googleErrorBody(503, "The service is currently unavailable.", "backendError")) }));
        }
      }
      const outBoundary = "batch_" + randomBytes(12).toString("base64url");
      res.status(200).type(`multipart/mixed; boundary=${outBoundary}`).send(formatMultipart(outBoundary, answers));
    },
  ];
}
