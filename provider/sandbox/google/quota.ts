import type { NextFunction, Request, Response } from "express";
import { googleErrors } from "./googleErrorResponses";
import { grantOf } from "./oauth";

/** Google's documented default for the Directory API: queries per minute per user. */
export const DEFAULT_QUERIES_PER_MINUTE = 2400;

/**
 * The per-user query quota: each call (each inner call of a batch too) counts for the user
 * the service account impersonates; past the limit within a sliding minute, Google answers
 * 403 userRateLimitExceeded. Refused calls do not count. A limit of 0 is no quota (the Groups
 * Settings API's own quota is off unless a test sets it).
 */
export class Quota {
  private readonly calls = new Map<string, number[]>();

  constructor(private limit = DEFAULT_QUERIES_PER_MINUTE) {}

  get perMinute(): number {
    return this.limit;
  }

  /** Changes the limit and forgets the calls counted so far. */
  set(perMinute: number): void {
    this.limit = perMinute;
    this.calls.clear();
  }

  private take(user: string): boolean {
    const now = Date.now();
    const recent = (this.calls.get(user) ?? []).filter((t) => t > now - 60_000);
    const allowed = recent.length < this.limit;
    if (allowed) recent.push(now);
    this.calls.set(user, recent);
    return allowed;
  }

  /** Middleware, after authentication. */
  middleware() {
    return (_req: Request, res: Response, next: NextFunction): void => {
      const grant = grantOf(res);
      if (this.limit === 0 || this.take(`${grant.serviceAccount} ${grant.subject.toLowerCase()}`)) next();
      else googleErrors.rateLimited(res);
    };
  }
}
