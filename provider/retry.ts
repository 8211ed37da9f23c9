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

/**
 * For an object this run just created: how long its 404s count as the API still propagating it.
 * The Groups Settings API lags the Directory API by tens of seconds after a create, and longer at
 * times (the Terraform provider waits up to minutes): about three minutes in all.
 */
export const propagationRetryPolicy: RetryPolicy = { attempts: 16, baseDelayMs: 500, maxDelayMs: 15_000 };

/**
 * How long after this stack's own write a read that disagrees with it may be the API lagging
 * (Groups Settings reads answering the previous values, Entra member links replicating), not
 * drift: refresh reads again, for at most this long after the write, while the disagreement is
 * one that write can explain (a member it added missing, one it removed still there, a setting it
 * wrote answering its old value). Any other difference is drift at once.
 */
export const OWN_WRITE_LAG_MS = 30_000;

/**
 * Reads again, with backoff, while `lagMayExplain` says the read differs from this stack's own
 * write made less than `windowMs` ago (`writtenAt`, epoch ms) only in what that write changed: a
 * read lagging behind our own write is not drift, and must not be recorded as the object's state.
 * Returns the last read (after the window, a read that still differs is drift). `read` gets the
 * attempt (0 first): from 1 on it must reach the API, not an answer the process already holds.
 */
export async function readPastOwnWrite<T>(read: (attempt: number) => Promise<T>, lagMayExplain: (value: T) => boolean, writtenAt: number | undefined, windowMs = OWN_WRITE_LAG_MS): Promise<T> {
  let value = await read(0);
  for (let attempt = 0; writtenAt !== undefined && lagMayExplain(value); attempt++) {
    const left = writtenAt + windowMs - Date.now();
    if (left <= 0) break;
    await sleep(Math.min(left, backoffDelay(attempt, { attempts: 0, baseDelayMs: 500, maxDelayMs: 8_000 })));
    value = await read(attempt + 1);
  }
  return value;
}

/** What a failed call tells the retry loop. */
export interface RetryVerdict {
  retry: boolean;
  /** Server-requested wait (Retry-After), in ms. */
  afterMs?: number;
  /** The server throttled the call (429, Google's 403 rate/quota reasons): feeds the pace, and is reported as a rate limit. */
  throttled?: boolean;
  /** This failure uses up no attempt of the policy (a refusal while the pace is still finding the quota). */
  free?: boolean;
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
  // Attempts counted against the policy: a `free` failure is not one.
  for (let attempts = 0; ; ) {
    try {
      return await call();
    } catch (error) {
      const verdict = classify(error);
      if (!verdict.free) attempts++;
      if (!verdict.retry || attempts >= policy.attempts) throw error;
      await sleep(verdict.afterMs ?? backoffDelay(attempts - 1, policy));
    }
  }
}

/**
 * Network-level failure codes worth retrying: resets, refusals, timeouts, DNS hiccups, and
 * undici's (Node's fetch) socket errors. The request may or may not have reached the server,
 * which is why every write this package makes is idempotent or checked before it is repeated.
 */
const CONNECTION_CODES = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ECONNABORTED",
  "ETIMEDOUT",
  "EPIPE",
  "EAI_AGAIN",
  "ENETUNREACH",
  "EHOSTUNREACH",
  "ENETDOWN",
  "UND_ERR_SOCKET",
  "UND_ERR_CLOSED",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
]);

/**
 * Network-level failures worth retrying. Node's fetch reports them as `TypeError: fetch failed`
 * with the socket error as `cause` (sometimes nested), so the cause chain is searched.
 */
export function isConnectionError(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current && typeof current === "object"; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string" && CONNECTION_CODES.has(code)) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}
