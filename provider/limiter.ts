/**
 * Quota-aware pacing: one limiter per directory and principal, shared by every resource in
 * the provider process, that spends the API's own quota units (a Google batch of N calls
 * costs N; a Graph request costs its resource units, a `$batch` the sum of its items).
 *
 * Why not Bottleneck (which this package used before): its reservoir is either refilled to a
 * fixed amount at fixed instants or topped up like a token bucket. Google counts a sliding
 * minute: after a refill at t, N units spent just before and N just after t fall into one
 * sliding minute and half of them are refused; a token bucket that never overspends a sliding
 * minute has to run at half the quota. A sliding-window log spends the whole quota and never
 * overspends, so it is written here (small, and unit-tested in test/unit/limiter.test.ts).
 *
 * A request's units count from the moment it is granted until `windowMs` after its answer
 * arrived: the server counted it somewhere in between, so the server's own window can never
 * hold more than the budget; calls the server refused (throttled items of a batch) stop counting
 * once answered, as the server does not count them either.
 *
 * Throttling answers feed back in one of two ways. With `findQuota` (Google: a hard quota whose
 * refusals carry no Retry-After) the budget is an upper bound and a refusal says where the real
 * quota lies: what the server accepted from us in the window when it refused is that quota (or
 * our share of it), so the budget becomes 0.9x of it and is held (a cut below half of it needs
 * evidence, see `foundFromRefusal`); it is probed upward slowly, and only after several clean
 * windows. Otherwise (Graph) a throttling answer lowers the pace (multiplicative decrease),
 * recovering linearly over about a window once they stop; with `slowDownWhenRefused` only
 * sustained throttling does that. Waiting requests are served in order
 * (a large batch is not starved by small calls), and no slot is held while a caller sleeps
 * before a retry: each attempt is scheduled anew.
 */

import { backoffDelay, defaultRetryPolicy, type RetryVerdict } from "./retry";

export interface Budget {
  /** Units allowed within any window of `windowMs`. */
  units: number;
  windowMs: number;
}

/** What one request spends, per budget name; `weight` is Bottleneck's name for the first budget's cost. */
export interface ScheduleOptions<T = unknown> {
  weight?: number;
  cost?: Record<string, number>;
  /** API calls the request carries (a batch's items; default 1): the unit of the refused share. */
  calls?: number;
  /** Calls of a successful answer that the server refused (throttled items inside a batch). */
  refused?: (value: T) => number;
}

export interface LimiterOptions {
  budgets: Record<string, Budget>;
  maxConcurrent: number;
  /** True for an error that says the server throttled us (feeds back into the pace). */
  isThrottled?: (error: unknown) => boolean;
  /**
   * Lower the pace only when throttled while using at least this share of the budget (default
   * 0: always). Graph throttles for many reasons besides our own load and says how long to
   * wait (Retry-After, honoured per request); slowing down while far below the budget would
   * only lose time. Google's quota is a hard window shared with every tool using the same
   * admin, and its refusals carry no Retry-After: there any refusal slows down.
   */
  slowDownAbove?: number;
  /**
   * Lower the pace only when at least this share of the calls answered within the last window
   * was refused (default 0: any refusal). Graph answers a steady share of single 429s for
   * reasons of its own and says how long to wait: those calls wait their Retry-After, and only
   * throttling that refuses most calls is taken as our pace being too high.
   */
  slowDownWhenRefused?: number;
  /**
   * The first budget is an upper bound, not the quota: on a refusal, the budget becomes 0.9x of
   * the units the server accepted from us in the window (the real quota, or our share of it),
   * held, and probed upward by 10% a window only after PROBE_AFTER_WINDOWS clean windows. For
   * a quota whose refusals carry no Retry-After (Google).
   */
  findQuota?: boolean;
  now?: () => number;
}

export interface LimiterStats {
  /** Units granted per budget since the limiter was made. */
  granted: Record<string, number>;
  /** Throttling answers that lowered the pace. */
  slowdowns: number;
  /** The share of the budgets currently used (1 = full pace). */
  pace: number;
  /** The units of each budget usable in a window now (with `findQuota`: the found quota, or a probe above it). */
  budgets: Record<string, number>;
  /** With `findQuota`: the budget found from the server's refusals (undefined until one came). */
  found?: number;
  /** Calls the server refused (whole requests and batch items). */
  refused: number;
}

interface Spent {
  /** Undefined while the request is in flight: it counts until answered plus a window. */
  doneAt?: number;
  cost: Record<string, number>;
  calls: number;
  /** Calls of the answer the server refused (they no longer count against the budget). */
  refused: number;
  /** The whole request was refused: one refusal in the refused share, however many calls it carried. */
  whole?: boolean;
  /** With `findQuota`: budget cuts made before the request was granted. */
  cutsBefore: number;
}

interface Waiter {
  cost: Record<string, number>;
  start: () => void;
}

/** Lowest share of the budget the pace goes down to; it never stops entirely. */
const MIN_PACE = 0.1;
const DECREASE = 0.7;
/** With `findQuota`: the share of the units the server accepted when it refused that becomes the budget. */
const FOUND_SHARE = 0.9;
/** With `findQuota`: the lowest budget found, as a share of the configured one (a lower quota needs the setting). */
export const MIN_FOUND_SHARE = 0.04;
/** With `findQuota`: clean windows (no refusal) before the budget is probed upward, and each probe's step. */
export const PROBE_AFTER_WINDOWS = 3;
const PROBE_STEP = 1.1;
/**
 * Below a quarter of the setting the probe climbs by half a window: a quota found that low from
 * a stray early refusal (few calls accepted yet) would otherwise take half an hour to climb back.
 */
const FAR_BELOW_SHARE = 0.25;
const FAR_PROBE_STEP = 1.5;
/** With `slowDownWhenRefused`: calls answered in the window below which no share is judged. */
const MIN_CALLS_FOR_SHARE = 20;
/** Margin for clocks and rounding, in ms, added to every window. */
const WINDOW_MARGIN_MS = 250;

export class QuotaLimiter {
  private budgets: Record<string, Budget>;
  private readonly names: string[];
  private maxConcurrent: number;
  private readonly isThrottled: (error: unknown) => boolean;
  private readonly slowDownAbove: number;
  private readonly slowDownWhenRefused: number;
  private readonly findQuota: boolean;
  /** With `findQuota`: the budget found, when the last refusal came, when the budget was last lowered. */
  private found: number | undefined;
  private lastRefusal = -Infinity;
  private lastCut = -Infinity;
  private cuts = 0;
  /** Answers and errors refused while the budget was being found (see `inSearch`). */
  private readonly searched = new WeakSet<object>();
  private readonly now: () => number;
  private spent: Spent[] = [];
  private running = 0;
  private readonly queue: Waiter[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private paceAtSlowdown = 1;
  private lastSlowdown = -Infinity;
  private readonly stats_: LimiterStats;

  constructor(options: LimiterOptions) {
    this.budgets = { ...options.budgets };
    this.names = Object.keys(options.budgets);
    this.maxConcurrent = options.maxConcurrent;
    this.isThrottled = options.isThrottled ?? (() => false);
    this.slowDownAbove = options.slowDownAbove ?? 0;
    this.slowDownWhenRefused = options.slowDownWhenRefused ?? 0;
    this.findQuota = options.findQuota ?? false;
    this.now = options.now ?? Date.now;
    this.stats_ = { granted: Object.fromEntries(this.names.map((n) => [n, 0])), slowdowns: 0, pace: 1, budgets: {}, refused: 0 };
  }

  /** Changes the budgets (new settings); what was spent still counts. */
  configure(budgets: Record<string, Budget>, maxConcurrent = this.maxConcurrent): void {
    for (const name of this.names) if (budgets[name]) this.budgets[name] = { ...budgets[name] };
    this.maxConcurrent = maxConcurrent;
    this.pump();
  }

  /** The budget's units at full pace (to size batches): with `findQuota`, the quota found so far. */
  budget(name = this.names[0]): Budget {
    return { units: this.units(name), windowMs: this.budgets[name].windowMs };
  }

  stats(): LimiterStats {
    return {
      ...this.stats_,
      granted: { ...this.stats_.granted },
      pace: this.pace(),
      budgets: Object.fromEntries(this.names.map((n) => [n, this.units(n)])),
      ...(this.found !== undefined ? { found: this.found } : {}),
    };
  }

  /**
   * With `findQuota`: true for an answer (or error) of `schedule` that the server refused, in
   * whole or in part, and after whose grant the budget was lowered: it was sent at a pace now
   * known to be too high, so its refused calls are part of the search for the quota, not failures
   * of their own, and are retried without using up an attempt. A refusal at the budget found
   * that lowers it no further counts as usual (cuts are bounded, so retries end).
   */
  inSearch(answer: unknown): boolean {
    return typeof answer === "object" && answer !== null && this.searched.has(answer);
  }

  /**
   * Wraps a retry classifier: a refusal `inSearch` waits for the next free slot of the budget
   * found (the pace is the backoff, and Google's refusals name no wait; only the first step of
   * the backoff spaces it) and uses up no attempt.
   */
  pacedRetries(classify: (error: unknown) => RetryVerdict): (error: unknown) => RetryVerdict {
    return (error) => {
      const verdict = classify(error);
      return verdict.throttled && verdict.retry && this.inSearch(error) ? { ...verdict, afterMs: verdict.afterMs ?? backoffDelay(0, defaultRetryPolicy), free: true } : verdict;
    };
  }

  /** Runs `fn` once its cost fits the budgets (Bottleneck's call shapes: `schedule(fn)` or `schedule({ weight }, fn)`). */
  schedule<T>(fn: () => Promise<T>): Promise<T>;
  schedule<T>(options: ScheduleOptions<T>, fn: () => Promise<T>): Promise<T>;
  schedule<T>(a: ScheduleOptions<T> | (() => Promise<T>), b?: () => Promise<T>): Promise<T> {
    const options = typeof a === "function" ? {} : a;
    const fn = typeof a === "function" ? a : b!;
    const cost = this.costOf(options);
    const calls = Math.max(1, options.calls ?? cost[this.names[0]] ?? 1);
    return new Promise<T>((resolve, reject) => {
      this.queue.push({
        cost,
        start: () => {
          const entry: Spent = { cost: { ...cost }, calls, refused: 0, cutsBefore: this.cuts };
          this.spent.push(entry);
          this.running++;
          for (const name of this.names) this.stats_.granted[name] += cost[name] ?? 0;
          const finish = (answer: unknown, refused: number, whole = false) => {
            entry.doneAt = this.now();
            entry.whole = whole;
            this.running--;
            if (refused > 0) {
              this.refusedIn(entry, refused);
              if (this.cuts > entry.cutsBefore && typeof answer === "object" && answer !== null) this.searched.add(answer);
            }
            this.pump();
          };
          // fn may throw synchronously; treat it like a rejection.
          Promise.resolve()
            .then(fn)
            .then(
              (value) => {
                finish(value, Math.min(calls, options.refused?.(value) ?? 0));
                resolve(value);
              },
              (error: unknown) => {
                const throttled = this.isThrottled(error);
                finish(error, throttled ? calls : 0, throttled);
                reject(error);
              },
            );
        },
      });
      this.pump();
    });
  }

  /** The server refused `refused` of the entry's calls: they stop counting, and the pace learns from it. */
  private refusedIn(entry: Spent, refused: number): void {
    entry.refused = refused;
    const first = this.names[0];
    // Refused calls are not counted by the server: neither here (in the first budget's units, a call's share of the cost).
    entry.cost[first] = Math.max(0, (entry.cost[first] ?? 0) * (1 - refused / entry.calls));
    this.stats_.refused += refused;
    if (this.findQuota) this.foundFromRefusal(entry);
    else if (this.refusedShare() >= this.slowDownWhenRefused) this.slowDown();
  }

  /**
   * A refusal while finding the quota: what the server accepted from us within the window is
   * the quota (or our share of it; requests still in flight count in full, so this errs high and
   * the next refusal corrects it). The budget becomes 0.9x of it, never higher than it was nor
   * below MIN_FOUND_SHARE of the setting; refusals answered together find the same figure and
   * lower it once. A refusal when the server accepted nothing from us in the window says only
   * that others spent the quota: it finds nothing (the call backs off as any failure does).
   *
   * A deep cut (below half the budget in force) needs evidence, since Google also refuses short
   * bursts and a budget found far too low takes many windows to climb back: either the server
   * accepted at least the new figure from us within the window (measured, not guessed), or this
   * refusal is a second one, of a request sent after a cut made within the window. Without it the
   * budget is halved; a refusal of a request sent before the last cut then lowers it no further.
   * `entry`: the refused request (undefined: a refusal reported without one).
   */
  private foundFromRefusal(entry?: Spent): void {
    const now = this.now();
    const first = this.names[0];
    const windowMs = this.budgets[first].windowMs;
    this.lastRefusal = now;
    const accepted = this.used(first, now);
    if (accepted <= 0) return;
    const floor = Math.max(1, Math.ceil(this.budgets[first].units * MIN_FOUND_SHARE));
    const current = this.units(first);
    let candidate = Math.max(floor, Math.floor(FOUND_SHARE * accepted));
    const sentAtCurrentPace = entry === undefined || entry.cutsBefore === this.cuts;
    const secondRefusal = sentAtCurrentPace && this.cuts > 0 && now - this.lastCut <= windowMs;
    if (candidate > accepted && !secondRefusal) {
      if (!sentAtCurrentPace) return;
      candidate = Math.max(candidate, Math.floor(current / 2));
    }
    if (candidate >= current) return;
    this.found = candidate;
    this.cuts++;
    this.lastCut = now;
    this.stats_.slowdowns++;
  }

  /** The share of the calls answered within the last window that the server refused (0 while too few to judge). */
  private refusedShare(): number {
    const now = this.now();
    const horizon = now - Math.min(...this.names.map((n) => this.budgets[n].windowMs));
    let calls = 0;
    let refused = 0;
    for (const s of this.spent) {
      if (s.doneAt === undefined || s.doneAt <= horizon) continue;
      calls += s.whole ? 1 : s.calls;
      refused += s.whole ? 1 : s.refused;
    }
    return calls < MIN_CALLS_FOR_SHARE && this.slowDownWhenRefused > 0 ? 0 : refused / Math.max(1, calls);
  }

  /**
   * A budget's units now. With `findQuota` the first budget is the quota found, held for
   * PROBE_AFTER_WINDOWS clean windows after the last refusal, then raised by 10% a window (50%
   * while below a quarter of the setting; a probe: a refusal finds the quota again), never above
   * the configured upper bound.
   */
  private units(name: string): number {
    const upper = this.budgets[name].units;
    if (!this.findQuota || name !== this.names[0] || this.found === undefined) return upper;
    const windowMs = this.budgets[name].windowMs;
    const clean = this.now() - this.lastRefusal - PROBE_AFTER_WINDOWS * windowMs;
    const steps = clean < 0 ? 0 : Math.floor(clean / windowMs) + 1;
    let units = this.found;
    for (let i = 0; i < steps && units < upper; i++) units *= units < upper * FAR_BELOW_SHARE ? FAR_PROBE_STEP : PROBE_STEP;
    return Math.min(upper, Math.max(1, Math.floor(units)));
  }

  /**
   * A throttling answer (also one inside a batch): lower the pace. Answers arriving together
   * (one batch, or parallel requests refused at once) count once.
   */
  slowDown(): void {
    if (this.findQuota) return this.foundFromRefusal();
    const now = this.now();
    const window = Math.min(...this.names.map((n) => this.budgets[n].windowMs));
    if (now - this.lastSlowdown < window / 20) return;
    const pace = this.pace();
    const busiest = Math.max(...this.names.map((n) => this.used(n, now) / Math.max(1, this.budgets[n].units * pace)));
    if (busiest < this.slowDownAbove) return;
    this.paceAtSlowdown = Math.max(MIN_PACE, pace * DECREASE);
    this.lastSlowdown = now;
    this.stats_.slowdowns++;
    this.pump();
  }

  /** The share of the budgets usable now: lowered by throttling, back to 1 about a window after it stops. */
  private pace(): number {
    if (this.paceAtSlowdown >= 1) return 1;
    const window = Math.max(...this.names.map((n) => this.budgets[n].windowMs));
    const recovered = this.paceAtSlowdown + ((this.now() - this.lastSlowdown) / window) * (1 - MIN_PACE);
    if (recovered >= 1) this.paceAtSlowdown = 1;
    return Math.min(1, recovered);
  }

  private costOf(options: Pick<ScheduleOptions, "weight" | "cost">): Record<string, number> {
    const cost: Record<string, number> = { ...(options.cost ?? {}) };
    if (options.weight !== undefined || cost[this.names[0]] === undefined) cost[this.names[0]] = options.weight ?? cost[this.names[0]] ?? 1;
    return cost;
  }

  /** Units of `name` counted at `now`: in flight, or answered within the window. */
  private used(name: string, now: number): number {
    const horizon = now - this.budgets[name].windowMs - WINDOW_MARGIN_MS;
    let sum = 0;
    for (const s of this.spent) if (s.doneAt === undefined || s.doneAt > horizon) sum += s.cost[name] ?? 0;
    return sum;
  }

  /**
   * When `cost` fits: now (0), a time to look again, or undefined when only an answer in
   * flight can free room. A request dearer than the whole (lowered) budget goes alone.
   */
  private whenFits(cost: Record<string, number>, now: number): number | undefined {
    const pace = this.pace();
    let at = 0;
    for (const name of this.names) {
      const need = cost[name] ?? 0;
      if (need === 0) continue;
      const { windowMs } = this.budgets[name];
      const limit = Math.max(1, Math.floor(this.units(name) * pace));
      const used = this.used(name, now);
      if (used === 0 || used + need <= limit) continue;
      // Answered entries leave the window in the order they were answered.
      const answered = this.spent.filter((s) => s.doneAt !== undefined && (s.cost[name] ?? 0) > 0).sort((x, y) => x.doneAt! - y.doneAt!);
      let remaining = used;
      let freeAt: number | undefined;
      for (const s of answered) {
        const expires = s.doneAt! + windowMs + WINDOW_MARGIN_MS;
        if (expires <= now) continue;
        remaining -= s.cost[name];
        if (remaining <= 0 || remaining + need <= limit) {
          freeAt = expires;
          break;
        }
      }
      if (freeAt === undefined) return undefined;
      at = Math.max(at, freeAt);
    }
    return at;
  }

  private pump(): void {
    const now = this.now();
    // Forget what no window can count any more.
    const longest = Math.max(...this.names.map((n) => this.budgets[n].windowMs)) + WINDOW_MARGIN_MS;
    this.spent = this.spent.filter((s) => s.doneAt === undefined || s.doneAt > now - longest);
    while (this.queue.length > 0 && this.running < this.maxConcurrent) {
      const at = this.whenFits(this.queue[0].cost, now);
      if (at === undefined) break;
      if (at > now) {
        this.wakeAt(at, now);
        return;
      }
      this.queue.shift()!.start();
    }
    // A lowered pace (or a held budget's probe) recovers with time, not with answers: look again soon while anyone waits.
    if (this.queue.length > 0 && this.running < this.maxConcurrent) this.wakeAt(now + 1000, now);
  }

  private wakeAt(at: number, now: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.pump();
      },
      Math.max(1, Math.min(at - now, 1000)),
    );
  }
}

/**
 * The limiters of one provider process, one per directory and principal (e.g. `google:<service
 * account> as <admin>`), made on first use; later settings change a limiter's budgets, not
 * what it already spent. Held by the provider context.
 */
export class Limiters {
  private readonly byKey = new Map<string, QuotaLimiter>();

  get(key: string, options: LimiterOptions): QuotaLimiter {
    let limiter = this.byKey.get(key);
    if (!limiter) {
      limiter = new QuotaLimiter(options);
      this.byKey.set(key, limiter);
    } else {
      limiter.configure(options.budgets, options.maxConcurrent);
    }
    return limiter;
  }
}
