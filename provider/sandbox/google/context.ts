import type { Request, Response } from "express";
import { googleErrors } from "./googleErrorResponses";
import type { Propagation } from "../propagation";
import { findGoogleGroup, findGoogleUser, inCustomerDomains, type GoogleTenant, type SandboxGoogleGroup, type SandboxGoogleMember, type SandboxGoogleUser } from "./tenant";

/** What every Google route needs: the current tenant (reseeding replaces it) and its read lag. */
export interface GoogleContext {
  tenant(): GoogleTenant;
  propagation: Propagation;
}

/**
 * Answers for a key that names nothing visible: 403 when its domain is not the customer's
 * (Google will not say whether it exists), else 404 naming the parameter.
 */
function missing(ctx: GoogleContext, res: Response, key: string, param: string): undefined {
  if (key.includes("@") && !inCustomerDomains(ctx.tenant(), key)) googleErrors.forbidden(res);
  else googleErrors.notFound(res, param);
  return undefined;
}

/** The group a groupKey names, if reads can see it yet; otherwise the error is sent. */
export function lookupGroup(ctx: GoogleContext, res: Response, key: string, param = "groupKey"): SandboxGoogleGroup | undefined {
  const group = findGoogleGroup(ctx.tenant(), key);
  return group && ctx.propagation.visible(group) ? group : missing(ctx, res, key, param);
}

export function lookupUser(ctx: GoogleContext, res: Response, key: string): SandboxGoogleUser | undefined {
  return findGoogleUser(ctx.tenant(), key) ?? missing(ctx, res, key, "userKey");
}

/**
 * The `customer`/`domain` restriction of groups.list and users.list: one of them (or, for
 * groups, `userKey`) is required; another customer's id or a foreign domain is a 403.
 * Returns the domain to filter on ("" for the whole customer), or undefined once the error is sent.
 */
export function listDomain(ctx: GoogleContext, res: Response, q: Record<string, string | undefined>, alternative?: string): string | undefined {
  const t = ctx.tenant();
  if (!q.customer && !q.domain && !(alternative && q[alternative])) {
    googleErrors.badRequest(res);
    return undefined;
  }
  const domain = (q.domain ?? "").toLowerCase();
  if ((q.customer && q.customer !== "my_customer" && q.customer !== t.customerId) || (domain && !t.domains.includes(domain))) {
    googleErrors.forbidden(res);
    return undefined;
  }
  return domain;
}

/** Members that reads can see (a just-added member is missing from lists for a while). */
export function visibleMembers(ctx: GoogleContext, group: SandboxGoogleGroup): SandboxGoogleMember[] {
  // Callers only read the list: without a delay it is the group's own array, not a copy.
  if (ctx.propagation.delayMs === 0) return group.members ?? [];
  return (group.members ?? []).filter((m) => ctx.propagation.visible(m));
}

/** Query parameters, each as a single string (repeated parameters: the first). */
export function queryOf(req: Request): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(req.query)) out[k] = Array.isArray(v) ? String(v[0]) : v === undefined ? undefined : String(v);
  return out;
}

/**
 * One page of a list, with Google's paging rules: `maxResults` above the maximum is capped to
 * it (issue 13: the API caps rather than refuses), below 1 or not a number is a 400; an
 * opaque `pageToken`. Sends the error and returns undefined when the request is invalid.
 */
export function pageOf<T>(req: Request, res: Response, items: T[], limits: { max: number; byDefault: number }): { page: T[]; nextPageToken?: string } | undefined {
  const q = queryOf(req);
  const asked = q.maxResults === undefined ? limits.byDefault : Number(q.maxResults);
  const size = Math.min(asked, limits.max);
  if (!Number.isInteger(asked) || asked < 1) {
    googleErrors.outOfRange(res, "maxResults", q.maxResults, limits.max);
    return undefined;
  }
  const start = q.pageToken ? Number(Buffer.from(q.pageToken, "base64url").toString()) : 0;
  if (!Number.isInteger(start) || start < 0) {
    googleErrors.invalid(res, "pageToken");
    return undefined;
  }
  const end = start + size;
  return { page: items.slice(start, end), ...(end < items.length ? { nextPageToken: Buffer.from(String(end)).toString("base64url") } : {}) };
}

type FieldValue = string | string[] | boolean;

/**
 * The search syntax of groups.list and users.list: `field=value` (exact), `field:value`
 * (exact, or a prefix with a trailing `*`), values single-quoted when they hold spaces,
 * clauses separated by spaces (AND). Returns an error message for an unusable query.
 */
export function queryMatcher<T>(query: string, fields: Record<string, (item: T) => FieldValue>): ((item: T) => boolean) | string {
  const clauses = [...query.matchAll(/(\w+)\s*([=:])\s*('[^']*'|\S+)/g)];
  if (query.trim() && clauses.length === 0) return `Invalid Input: ${query}`;
  const tests: ((item: T) => boolean)[] = [];
  for (const [, field, op, raw] of clauses) {
    const read = fields[field];
    if (!read) return `Invalid Input: ${query}`;
    const wanted = raw.replace(/^'|'$/g, "").toLowerCase();
    const prefix = op === ":" && wanted.endsWith("*");
    const matches = (actual: string) => (prefix ? actual.toLowerCase().startsWith(wanted.slice(0, -1)) : actual.toLowerCase() === wanted);
    tests.push((item) => {
      const value = read(item);
      return Array.isArray(value) ? value.some(matches) : matches(String(value));
    });
  }
  return (item) => tests.every((t) => t(item));
}

/** Sends a resource with its etag as the ETag header, so `If-None-Match` gets a 304 (express checks freshness). */
export function sendResource(res: Response, body: { etag?: string }, status = 200): void {
  if (body.etag) res.setHeader("ETag", body.etag);
  res.status(status).json(body);
}
