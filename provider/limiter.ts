import Bottleneck from "bottleneck";

/**
 * One rate limiter per directory, shared by every resource in the provider process, so
 * that many resources applied in parallel stay under the directory's quota together.
 * Defaults sit below the documented limits: Google's 2,400 queries/min/user and Graph's
 * per-app throttling; retries with backoff handle the rest.
 */
export interface DirectoryLimits {
  maxConcurrent: number;
  /** Minimum spacing of request starts, in ms. */
  minTime: number;
}

export const GOOGLE_LIMITS: DirectoryLimits = { maxConcurrent: 8, minTime: 30 };
export const GRAPH_LIMITS: DirectoryLimits = { maxConcurrent: 8, minTime: 20 };

const limiters = new Map<string, Bottleneck>();

export function directoryLimiter(directoryKey: string, limits: DirectoryLimits): Bottleneck {
  let limiter = limiters.get(directoryKey);
  if (!limiter) {
    limiter = new Bottleneck({ maxConcurrent: limits.maxConcurrent, minTime: limits.minTime });
    limiters.set(directoryKey, limiter);
  }
  return limiter;
}
