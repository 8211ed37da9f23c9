import type { Response } from "express";
import type { FaultRenderer } from "../faults";

/** An error body in the shape of Google's JSON APIs. */
export function googleErrorBody(code: number, message: string, reason: string, extra: Record<string, string> = {}) {
  return { error: { code, message, errors: [{ message, domain: "global", reason, ...extra }] } };
}

/** Writes a Google error (returns undefined, so handlers can `return` it). */
export function sendGoogleError(res: Response, code: number, message: string, reason: string, extra: Record<string, string> = {}): undefined {
  res.status(code).json(googleErrorBody(code, message, reason, extra));
  return undefined;
}

/** The errors the Directory API answers most, with Google's exact wording. */
export const googleErrors = {
  /** `key` is the parameter that named the missing thing: groupKey, memberKey, userKey... */
  notFound: (res: Response, key: string) => sendGoogleError(res, 404, `Resource Not Found: ${key}`, "notFound"),
  /** A key in a domain that is not the customer's. */
  forbidden: (res: Response) => sendGoogleError(res, 403, "Not Authorized to access this resource/api", "forbidden"),
  badRequest: (res: Response) => sendGoogleError(res, 400, "Bad Request", "badRequest"),
  invalid: (res: Response, what: string) => sendGoogleError(res, 400, `Invalid Input: ${what}`, "invalid"),
  required: (res: Response, field: string) => sendGoogleError(res, 400, `Missing required field: ${field}`, "required"),
  duplicate: (res: Response, message = "Entity already exists.") => sendGoogleError(res, 409, message, "duplicate"),
  /** Paging limits, in the wording of Google's parameter validation. */
  outOfRange: (res: Response, name: string, value: unknown, max: number) =>
    sendGoogleError(res, 400, `Invalid value '${String(value)}'. Values must be within the range: [1, ${max}]`, "invalid", { location: name, locationType: "parameter" }),
  /** 403 userRateLimitExceeded / quotaExceeded: Google's answers to a spent quota. */
  rateLimited: (res: Response, reason = "userRateLimitExceeded") =>
    sendGoogleError(res, 403, reason === "quotaExceeded" ? "Request rate higher than configured." : "User Rate Limit Exceeded", reason),
};

/** How injected faults look on Google's APIs. */
export const renderGoogleFault: FaultRenderer = (res, rule) => {
  if (rule.kind === "throttle") sendGoogleError(res, 429, "Rate Limit Exceeded", "rateLimitExceeded");
  else if (rule.kind === "quota") googleErrors.rateLimited(res, rule.reason);
  else sendGoogleError(res, rule.status ?? 503, "The service is currently unavailable.", "backendError");
};
