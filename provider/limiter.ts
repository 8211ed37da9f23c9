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
 * hold more than the budget. Throttling answers lower the pace (multiplicative decrease); it
 * recovers linearly over about a window once they stop. Waiting requests are served in order
 * (a large batch is not starved by small calls), and no slot is held while a caller sleeps
 * before a retry: each attempt is scheduled anew.
 */

export interface Budget {
  /** Units allowed within any window of `windowMs`. */
  units: number;
  windowMs: number;
}

/** What one request spends, per budget name; `weight` is Bottleneck's name for the first budget's cost. */
export interface ScheduleOptions {
  weight?: number;
  cost?: Record<string, number>;
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
  now?: () => number;
}

export interface LimiterStats {
  /** Units granted per budget since the limiter was made. */
  granted: Record<string, number>;
  /** Throttling answers that lowered the pace. */
  slowdowns: number;
  /** The share of the budgets currently used (1 = full pace). */
  pace: number;
}

interface Spent {
  /** Undefined while the request is in flight: it counts until answered plus a window. */
  doneAt?: number;
  cost: Record<string, number>;
}

interface Waiter {
  cost: Record<string, number>;
  start: () => void;
}

/** Lowest share of the budget the pace goes down to; it never stops entirely. */
const MIN_PACE = 0.1;
const DECREASE = 0.7;
/** Margin for clocks and rounding, in ms, added to every window. */
const WINDOW_MARGIN_MS = 250;

export class QuotaLimiter {
  private budgets: Record<string, Budget>;
  private readonly names: string[];
  private maxConcurrent: number;
  private readonly isThrottled: (error: unknown) => boolean;
  private readonly slowDownAbove: number;
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
    this.now = options.now ?? Date.now;
    this.stats_ = { granted: Object.fromEntries(this.names.map((n) => [n, 0])), slowdowns: 0, pace: 1 };
  }

  /** Changes the budgets (new settings); what was spent still counts. */
  configure(budgets: Record<string, Budget>, maxConcurrent = this.maxConcurrent): void {
    for (const name of this.names) if (budgets[name]) this.budgets[name] = { ...budgets[name] };
    this.maxConcurrent = maxConcurrent;
    this.pump();
  }

  /** The budget's units at full pace (to size batches). */
  budget(name = this.names[0]): Budget {
    return { ...this.budgets[name] };
  }

  stats(): LimiterStats {
    return { ...this.stats_, granted: { ...this.stats_.granted }, pace: this.pace() };
  }

  /** Runs `fn` once its cost fits the budgets (Bottleneck's call shapes: `schedule(fn)` or `schedule({ weight }, fn)`). */
  schedule<T>(fn: () => Promise<T>): Promise<T>;
  schedule<T>(options: ScheduleOptions, fn: () => Promise<T>): Promise<T>;
  schedule<T>(a: ScheduleOptions | (() => Promise<T>), b?: () => Promise<T>): Promise<T> {
    const options = typeof a === "function" ? {} : a;
    const fn = typeof a === "function" ? a : b!;
    const cost = this.costOf(options);
    return new Promise<T>((resolve, reject) => {
      this.queue.push({
        cost,
        start: () => {
          const entry: Spent = { cost };
          this.spent.push(entry);
          this.running++;
          for (const name of this.names) this.stats_.granted[name] += cost[name] ?? 0;
          const finish = () => {
            entry.doneAt = this.now();
            this.running--;
            this.pump();
          };
          // fn may throw synchronously; treat it like a rejection.
          Promise.resolve()
            .then(fn)
            .then(
              (value) => {
                finish();
                resolve(value);
              },
              (error: unknown) => {
                if (this.isThrottled(error)) this.slowDown();
                finish();
                reject(error);
              },
            );
        },
      });
      this.pump();
    });
  }

  /**
   * A throttling answer (also one inside a batch): lower the pace. Answers arriving together
   * (one batch, or parallel requests refused at once) count once.
   */
  slowDown(): void {
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

  private costOf(options: ScheduleOptions): Record<string, number> {
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
      const { units, windowMs } = this.budgets[name];
      const limit = Math.max(1, Math.floor(units * pace));
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
        if (remaining === 0 || remaining + need <= limit) {
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
    // A lowered pace recovers with time, not with answers: look again soon while anyone waits.
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
