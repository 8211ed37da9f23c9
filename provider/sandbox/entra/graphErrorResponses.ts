import { randomUUID } from "node:crypto";
import type { NextFunction, Request, Response } from "express";
import type { FaultRenderer } from "../faults";
import { graphTimestamp } from "./tenant";

/** The content type Microsoft Graph answers JSON with. */
export const GRAPH_JSON = "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8";

/** A Graph error a handler throws; the Graph router's error handler renders it. */
export class GraphError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** Messages that clients match on, worded as Microsoft Graph words them. */
export const GRAPH_MESSAGES = {
  notFound: (id: string) => `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`,
  forbidden: "Insufficient privileges to complete the operation.",
  alreadyMember: "One or more added object references already exist for the following modified properties: 'members'.",
  notMember: "One or more removed object references do not exist for the following modified properties: 'members'.",
  alreadyLinked: (link: string) => `One or more added object references already exist for the following modified properties: '${link}'.`,
  notLinked: (link: string) => `One or more removed object references do not exist for the following modified properties: '${link}'.`,
  unsupportedLinkTarget: (link: string) => `Unsupported referenced-object resource identifier for link property '${link}'.`,
  lastOwner: "The group must have at least one owner, hence this owner cannot be removed.",
  tooManyLinks: "A resource cannot contain more than 20 link changes.",
  pageSize: (top: string) => `Invalid page size specified: '${top}'. Must be between 1 and 999 inclusive.`,
  throttled: "Please retry again later.",
  mailEnabledWrite: "The service does not currently support writes of mail-enabled groups. Please ensure that the mail-enablement property is unset or set to false.",
  externalService: "Unable to update the specified properties for objects that have originated within an external service.",
  mailEnabledMembers: "Cannot Update a mail-enabled security groups and or distribution list.",
  invalidValue: (property: string) => `Invalid value specified for property '${property}' of resource 'Group'.`,
  requiredValue: (property: string) => `A value is required for property '${property}' of resource 'Group'.`,
  advancedOperator: (operator: string) =>
    `Operator '${operator}' is not supported because the required parameters might be missing. Try adding $count=true query parameter and ConsistencyLevel:eventual header. Refer to https://aka.ms/graph-docs/advanced-queries for more information`,
} as const;

/** Middleware: the request-id/client-request-id pair Graph puts on every response. */
export function graphRequestIds(req: Request, res: Response, next: NextFunction): void {
  res.setHeader("request-id", randomUUID());
  res.setHeader("client-request-id", req.header("client-request-id") ?? String(res.getHeader("request-id")));
  next();
}

/** Sends a JSON body with Graph's OData content type. */
export function sendGraphJson(res: Response, status: number, body: unknown): void {
  // Written raw: express's send() would reformat the media type's parameters.
  res.status(status).setHeader("Content-Type", GRAPH_JSON);
  res.end(JSON.stringify(body));
}

/** Writes `{"error":{"code","message","innerError":{...}}}` as Microsoft Graph does. */
export function sendGraphError(res: Response, status: number, code: string, message: string): void {
  sendGraphJson(res, status, {
    error: {
      code,
      message,
      innerError: {
        date: graphTimestamp().replace(/Z$/, ""),
        "request-id": String(res.getHeader("request-id") ?? randomUUID()),
        "client-request-id": String(res.getHeader("client-request-id") ?? randomUUID()),
      },
    },
  });
}

/** Error handler of the Graph router: GraphErrors as Graph errors, anything else as a 500. */
export function graphErrorHandler(err: unknown, _req: Request, res: Response, next: NextFunction): void {
  if (res.headersSent) return next(err);
  if (err instanceof GraphError) {
    for (const [name, value] of Object.entries(err.headers)) res.setHeader(name, value);
    sendGraphError(res, err.status, err.code, err.message);
    return;
  }
  // express.json() rejects a malformed body before any route sees it.
  if (err instanceof SyntaxError || (err as { type?: string })?.type === "entity.parse.failed") {
    sendGraphError(res, 400, "BadRequest", "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.");
    return;
  }
  sendGraphError(res, 500, "generalException", err instanceof Error ? err.message : "An unspecified error has occurred.");
}

/** An error of the Microsoft identity platform's token endpoint. */
export class AadError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly code: number,
    readonly description: string,
  ) {
    super(`AADSTS${code}: ${description}`);
  }
}

/** Writes `{error, error_description, error_codes, timestamp, trace_id, correlation_id, error_uri}` as AAD does. */
export function sendAadError(res: Response, err: AadError, correlationId: string = randomUUID()): void {
  const traceId = randomUUID();
  const timestamp = new Date().toISOString().replace("T", " ").replace(/\.\d{3}Z$/, "Z");
  res.status(err.status).json({
    error: err.error,
    error_description: `${err.message} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${timestamp}`,
    error_codes: [err.code],
    timestamp,
    trace_id: traceId,
    correlation_id: correlationId,
    error_uri: `https://login.microsoftonline.com/error?code=${err.code}`,
  });
}

/** How injected faults look on Graph: 429 TooManyRequests (Retry-After from the rule), 5xx. */
export const renderGraphFault: FaultRenderer = (res, rule) => {
  const status = rule.kind === "throttle" || rule.kind === "quota" ? 429 : (rule.status ?? 503);
  // Graph always sends Retry-After with a 429 (throttling page); a rule without one gets 1 second.
  if (status === 429 && !res.getHeader("Retry-After")) res.setHeader("Retry-After", "1");
  if (status === 429) sendGraphError(res, 429, "TooManyRequests", GRAPH_MESSAGES.throttled);
  else if (status === 503) sendGraphError(res, 503, "serviceNotAvailable", "The service is temporarily unavailable. Please retry after some time.");
  else if (status === 504) sendGraphError(res, 504, "timeout", "The request timed out.");
  else sendGraphError(res, status, "generalException", "An unspecified error has occurred.");
};
