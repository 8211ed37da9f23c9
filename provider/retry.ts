/**
 * One retry policy for every remote call: jittered exponential backoff for throttling,
 * server errors and dropped connections, honouring Retry-After (also fractional seconds).
 */
export interface RetryPolicy {
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const defaultRetryPolicy: RetryPolicy = { attempts: 8, baseDelayMs: 250, maxDelayMs: 30_000 };

/** What a failed call tells the retry loop. */
export interface RetryVerdict {
  retry: boolean;
  /** Server-requested wait (Retry-After), in ms. */
  afterMs?: number;
}

export type Classifier = (error: unknown) => RetryVerdict;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Parses Retry-After: seconds (possibly fractional, e.g. "2.128") or an HTTP date. */
export function parseRetryAfter(value: string | null | undefined): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.ceil(seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/** "Full jitter" backoff: a random wait up to the exponential bound. */
export function backoffDelay(attempt: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const bound = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  return Math.round(bound / 2 + random() * (bound / 2));
}

export async function withRetry<T>(call: () => Promise<T>, classify: Classifier, policy: RetryPolicy = defaultRetryPolicy): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      const verdict = classify(error);
      if (!verdict.retry || attempt + 1 >= policy.attempts) throw error;
      await sleep(verdict.afterMs ?? backoffDelay(attempt, policy));
    }
  }
}

/** Network-level failures worth retrying (reset, refused, timed out). */
export function isConnectionError(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  return typeof code === "string" && ["ECONNRESET", "ECONNREFUSED", "ETIMEDOUT", "EPIPE", "EAI_AGAIN", "UND_ERR_SOCKET"].includes(code);
}
