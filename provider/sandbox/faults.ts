import type { NextFunction, Request, Response } from "express";

/** Which emulated service a request belongs to. */
export type SandboxApi = "google" | "entra" | "jumpcloud";

/**
 * A fault injected on demand: the next `count` matching requests (default: all, until
 * cleared) fail or slow down the way the real service does.
 */
export interface FaultRule {
  api?: SandboxApi;
  /** HTTP method to match (any if absent). */
  method?: string;
  /** Regular expression (source) the request path must match, within its API (after `/admin/directory/v1`, `/groups/v1` or `/v1.0`; any if absent). */
  path?: string;
  /**
   * throttle: Google 429 rateLimitExceeded or Graph 429 TooManyRequests;
   * quota: Google 403 with `reason` (userRateLimitExceeded by default, or quotaExceeded);
   * serverError: 500/503; reset: the connection is destroyed (nothing applied); latency: delayed,
   * then served; dropResponse: the request is served (a write is applied), then the connection
   * is destroyed before the answer, the hardest case for a client's idempotency.
   * Inside a batch, reset and dropResponse fail that item only (see the batch endpoints).
   */
  kind: "throttle" | "quota" | "serverError" | "reset" | "latency" | "dropResponse";
  count?: number;
  /** Requests that match but pass untouched before the rule applies (e.g. 1: the second match is the first to fail). */
  skip?: number;
  /** Retry-After to send, in seconds; fractional values allowed (Graph sends e.g. 2.128). */
  retryAfterSeconds?: number;
  status?: number;
  reason?: string;
  delayMs?: number;
}

/** Writes a throttling/quota/server error in the shape of one API. */
export type FaultRenderer = (res: Response, rule: FaultRule) => void;

/** The sandbox's fault injector; shared by every emulated API of one sandbox. */
export class Faults {
  private rules: FaultRule[] = [];

  add(rule: FaultRule): void {
    this.rules.push({ ...rule });
  }

  clear(): void {
    this.rules = [];
  }

  list(): FaultRule[] {
    return this.rules.map((r) => ({ ...r }));
  }

  private take(api: SandboxApi, req: Request): FaultRule | undefined {
    const rule = this.rules.find(
      (r) => (!r.api || r.api === api) && (!r.method || r.method.toUpperCase() === req.method) && (!r.path || new RegExp(r.path).test(req.path)),
    );
    if (!rule) return undefined;
    if (rule.skip) {
      rule.skip -= 1;
      return undefined;
    }
    if (rule.count !== undefined) {
      rule.count -= 1;
      if (rule.count <= 0) this.rules.splice(this.rules.indexOf(rule), 1);
    }
    return rule;
  }

  /** Middleware for one API's routes; `render` writes that API's error bodies. */
  middleware(api: SandboxApi, render: FaultRenderer) {
    return (req: Request, res: Response, next: NextFunction): void => {
      const rule = this.take(api, req);
      if (!rule) return next();
      switch (rule.kind) {
        case "reset":
          req.socket.destroy();
          return;
        case "latency":
          setTimeout(next, rule.delayMs ?? 1000);
          return;
        case "dropResponse": {
          // Every answer ends in res.end(): drop the connection there instead of answering.
          const drop = (() => {
            req.socket.destroy();
            return res;
          }) as Response["end"];
          res.end = drop;
          next();
          return;
        }
        default:
          if (rule.retryAfterSeconds !== undefined) res.setHeader("Retry-After", String(rule.retryAfterSeconds));
          render(res, rule);
      }
    };
  }
}
