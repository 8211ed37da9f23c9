import type { Request, Response } from "express";
import type { Loopback } from "../loopback";
import { GraphError, sendGraphJson } from "./graphErrorResponses";

/** Most requests one JSON batch may hold. */
export const MAX_BATCH_REQUESTS = 20;
const METHODS = ["GET", "POST", "PATCH", "PUT", "DELETE"];
/** Response headers of an inner request that a batch response carries, named as Graph names them. */
const KEPT_HEADERS: Record<string, string> = { "content-type": "Content-Type", location: "Location", "retry-after": "Retry-After", etag: "ETag" };

interface BatchItem {
  id: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: unknown;
  dependsOn: string[];
}

interface BatchItemResponse {
  id: string;
  status: number;
  headers: Record<string, string>;
  body?: unknown;
}

const badBatch = (message: string) => new GraphError(400, "BadRequest", message);

/** Checks the batch envelope the way Graph does before running anything. */
function parseBatch(body: unknown): BatchItem[] {
  const requests = (body as { requests?: unknown } | null)?.requests;
  if (!Array.isArray(requests)) throw badBatch("Invalid batch payload format.");
  // Graph's wording (reported in microsoftgraph/microsoftgraph-postman-collections#9).
  if (requests.length > MAX_BATCH_REQUESTS) throw badBatch("Number of requests inside batch exceeds the limit.");
  const items = requests.map((raw: unknown): BatchItem => {
    const r = (raw ?? {}) as Record<string, unknown>;
    if (typeof r.id !== "string" || !r.id) throw badBatch("Each request in a batch must have a non-empty 'id'.");
    if (typeof r.method !== "string" || !METHODS.includes(r.method.toUpperCase())) throw badBatch(`Invalid method '${String(r.method)}' in request '${r.id}'.`);
    if (typeof r.url !== "string" || /^[a-z]+:/i.test(r.url) || /^\/?(v1\.0\/)?\$batch/i.test(r.url)) throw badBatch(`Invalid request URL in request '${r.id}'.`);
    const headers = Object.fromEntries(Object.entries((r.headers ?? {}) as Record<string, unknown>).map(([k, v]) => [k.toLowerCase(), String(v)]));
    if (r.body !== undefined && !headers["content-type"]) throw badBatch(`Content-Type header is required for request '${r.id}' with a body.`);
    const dependsOn = Array.isArray(r.dependsOn) ? r.dependsOn.map(String) : [];
    return { id: r.id, method: r.method.toUpperCase(), url: r.url, headers, body: r.body, dependsOn };
  });
  const ids = new Set<string>();
  for (const item of items) {
    if (ids.has(item.id)) throw badBatch(`Batch request contains duplicate request id '${item.id}'.`);
    ids.add(item.id);
  }
  const byId = new Map(items.map((i) => [i.id, i]));
  const visiting = new Set<string>();
  const acyclic = (item: BatchItem): void => {
    if (visiting.has(item.id)) throw badBatch(`Request '${item.id}' has a circular dependency.`);
    visiting.add(item.id);
    for (const dep of item.dependsOn) {
      const target = byId.get(dep);
      if (!target) throw badBatch(`Request '${item.id}' depends on unknown request '${dep}'.`);
      acyclic(target);
    }
    visiting.delete(item.id);
  };
  items.forEach(acyclic);
  return items;
}

function failedDependency(item: BatchItem): BatchItemResponse {
  return {
    id: item.id,
    status: 424,
    headers: { "Content-Type": "application/json" },
    body: { error: { code: "FailedDependency", message: "The request depends on a request of the batch that failed." } },
  };
}

/**
 * The answer for an item whose inner connection dropped (a `reset` or `dropResponse` fault):
 * that item alone fails, with a retryable 503, as one failing backend call fails one item;
 * whether its write happened is unknown to the client, as in the real service.
 */
function droppedItem(item: BatchItem): BatchItemResponse {
  return {
    id: item.id,
    status: 503,
    headers: { "Content-Type": "application/json", "Retry-After": "1" },
    body: { error: { code: "serviceNotAvailable", message: "The service is temporarily unavailable. Please retry after some time." } },
  };
}

/** Sends one inner request through the sandbox with the batch's token and shapes its reply as a batch response. */
async function dispatch(loopback: Loopback, outer: Request, item: BatchItem): Promise<BatchItemResponse> {
  const headers: Record<string, string> = { ...item.headers };
  const authorization = outer.header("authorization");
  if (authorization) headers.authorization = authorization;
  const body = item.body === undefined ? "" : typeof item.body === "string" ? item.body : JSON.stringify(item.body);
  const reply = await loopback.send({ method: item.method, path: item.url.replace(/^\/?(v1\.0\/)?/i, "/v1.0/"), headers, body });
  const kept: Record<string, string> = {};
  for (const [name, graphName] of Object.entries(KEPT_HEADERS)) if (reply.headers[name] !== undefined) kept[graphName] = String(reply.headers[name]);
  const json = (kept["Content-Type"] ?? "").includes("json");
  return { id: item.id, status: reply.status, headers: kept, ...(reply.body ? { body: json ? (JSON.parse(reply.body) as unknown) : reply.body } : {}) };
}

/**
 * JSON batching (`POST /v1.0/$batch`). Each inner request goes back through the sandbox
 * (see Loopback), so the same routes, token checks, permissions, faults and request
 * counting apply to it as to a direct call. Requests without `dependsOn` run concurrently;
 * responses are listed in completion order. A dropped inner connection (a `reset` or
 * `dropResponse` fault) fails that item only (503).
 */
export function graphBatch(loopback: Loopback) {
  return async (req: Request, res: Response): Promise<void> => {
    if (loopback.isInnerCall(req)) throw badBatch("Invalid request URL: a batch cannot contain a batch.");
    const items = parseBatch(req.body);
    const byId = new Map(items.map((i) => [i.id, i]));
    const running = new Map<string, Promise<BatchItemResponse>>();
    const responses: BatchItemResponse[] = [];
    const run = (item: BatchItem): Promise<BatchItemResponse> => {
      let p = running.get(item.id);
      if (!p) {
        p = (async () => {
          const deps = await Promise.all(item.dependsOn.map((d) => run(byId.get(d)!)));
          const response = deps.some((d) => d.status >= 400) ? failedDependency(item) : await dispatch(loopback, req, item).catch(() => droppedItem(item));
          responses.push(response);
          return response;
        })();
        running.set(item.id, p);
      }
      return p;
    };
    await Promise.all(items.map(run));
    sendGraphJson(res, 200, { responses });
  };
}
