/**
 * Reads shared within one provider process (one CLI run: a preview, or an update, or a refresh).
 *
 * - {@link ReadCache}: each group and member list is read once per process, and shared by the
 *   check, diff and apply of every resource that needs it (the engine checks a binding, then
 *   applies it in the same process; a group's check and create both look the group up). The
 *   moment this process writes to a group, everything read of that group is forgotten, also a
 *   read still in flight: no read from before a write of this run is ever served after it.
 * - {@link Coalescer}: reads asked for within a few milliseconds of each other (the engine
 *   refreshes and checks many resources at once) go out together, in one Directory API batch or
 *   Graph `$batch`, each caller getting its own answer or its own error.
 */

/**
 * How long a read waits for another to join it, and the longest the first of a batch waits: the
 * engine asks for several resources at once (up to its parallelism, 4 per CPU by default), and
 * their reads reach the provider a few milliseconds apart. Small next to one round trip to Google
 * or Graph.
 */
export const READ_WINDOW_MS = 40;
export const READ_MAX_WAIT_MS = 150;

/** What the cache keeps of one read: the answer (or the read in flight) and which write generation it saw. */
interface Entry {
  /** The group the read concerns, as first named (a write through any linked name forgets it). */
  group: string;
  value: Promise<unknown>;
  generation: number;
  settled: boolean;
  result?: unknown;
}

export interface ReadOptions {
  /** Read again even if this process read it already (a refresh re-reading past its own write's lag). */
  fresh?: boolean;
}

/**
 * One directory's reads of one provider process, by kind (e.g. "group", "members") and the
 * group's key. A group can have several names (Google: its id, its address, its aliases):
 * `link` ties them, so that a write through one name forgets what was read through another.
 */
export class ReadCache {
  private readonly entries = new Map<string, Entry>();
  /** Name (lowercased) -> the group's identity (the first name linked). */
  private readonly identities = new Map<string, string>();
  private readonly generations = new Map<string, number>();
  private readonly stats_ = { hits: 0, reads: 0 };

  private identity(key: string): string {
    const name = key.toLowerCase();
    return this.identities.get(name) ?? name;
  }

  private generation(key: string): number {
    return this.generations.get(this.identity(key)) ?? 0;
  }

  /**
   * The answer to `load` for this kind and key: read once, then shared. A read that fails is not
   * kept (the next caller reads again); one that a write of this process overtook is not kept either.
   * `group`: the group the read concerns, when the key is not its name (e.g. one member of it).
   */
  read<T>(kind: string, key: string, load: () => Promise<T>, options: ReadOptions = {}, group = key): Promise<T> {
    const slot = `${kind}|${key.toLowerCase()}`;
    const held = this.entries.get(slot);
    if (held && !options.fresh && held.generation === this.generation(group)) {
      this.stats_.hits++;
      return held.value as Promise<T>;
    }
    this.stats_.reads++;
    const entry: Entry = { group, value: Promise.resolve(), generation: this.generation(group), settled: false };
    entry.value = load().then(
      (value) => {
        entry.settled = true;
        entry.result = value;
        // A write of this process began after this read did: what it read may be from before it.
        if (entry.generation !== this.generation(group) && this.entries.get(slot) === entry) this.entries.delete(slot);
        return value;
      },
      (error: unknown) => {
        if (this.entries.get(slot) === entry) this.entries.delete(slot);
        throw error;
      },
    );
    this.entries.set(slot, entry);
    return entry.value as Promise<T>;
  }

  /** A settled answer this process holds, without reading: `{ value }`, or undefined when there is none. */
  peek<T>(kind: string, key: string): { value: T } | undefined {
    const held = this.entries.get(`${kind}|${key.toLowerCase()}`);
    return held?.settled && held.generation === this.generation(key) ? { value: held.result as T } : undefined;
  }

  /** What this process knows without reading (e.g. a group it just created has no members yet). */
  seed<T>(kind: string, key: string, value: T): void {
    this.entries.set(`${kind}|${key.toLowerCase()}`, { group: key, value: Promise.resolve(value), generation: this.generation(key), settled: true, result: value });
  }

  /** Ties names of one group (id, addresses): a write through any of them forgets what was read through the others. */
  link(names: readonly string[]): void {
    const known = names.map((n) => this.identities.get(n.toLowerCase())).find((id) => id !== undefined);
    const identity = known ?? names[0]?.toLowerCase();
    if (identity === undefined) return;
    for (const name of names) {
      const previous = this.identity(name);
      this.identities.set(name.toLowerCase(), identity);
      // Merging two identities: the merged one is as new as the newer of them.
      if (previous !== identity) this.generations.set(identity, Math.max(this.generations.get(identity) ?? 0, this.generations.get(previous) ?? 0));
    }
  }

  /** Forgets everything read of the group `key` names (called around every write of this process to it). */
  forget(key: string): void {
    const identity = this.identity(key);
    this.generations.set(identity, (this.generations.get(identity) ?? 0) + 1);
    for (const [slot, entry] of this.entries) if (this.identity(entry.group) === identity) this.entries.delete(slot);
  }

  /** Forgets every read of a kind (e.g. lookups by display name, after any group is created or renamed). */
  forgetKind(kind: string): void {
    for (const slot of [...this.entries.keys()]) if (slot.startsWith(`${kind}|`)) this.entries.delete(slot);
  }

  /** Runs a write to the group `key` names: what was read of it is forgotten before and after. */
  async writing<T>(key: string | readonly string[], write: () => Promise<T>): Promise<T> {
    const keys = typeof key === "string" ? [key] : key;
    for (const k of keys) this.forget(k);
    try {
      return await write();
    } finally {
      for (const k of keys) this.forget(k);
    }
  }

  /** Reads answered from the cache and reads sent, since the cache was made (tests, diagnostics). */
  stats(): { hits: number; reads: number } {
    return { ...this.stats_ };
  }
}

/** One queued read: what to send in a batch, and how to send it alone. */
export interface QueuedRead<Call, T> {
  call: Call;
  /** Sends this read by itself (a flush of one read needs no batch envelope). */
  alone: () => Promise<T>;
}

/** A batch's answer for one call: its value, or the error its caller gets. */
export type ReadOutcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

export interface CoalescerOptions<Call> {
  /**
   * How long a read waits for another to join it: each read that joins waits this long again for
   * the next, up to `maxWaitMs` after the first (the engine's reads arrive a few milliseconds apart,
   * each costing the provider some work before it asks).
   */
  windowMs: number;
  /** The longest the first read of a batch waits for others. */
  maxWaitMs: number;
  /** Most calls in one flush (more go in the next one, at once). */
  maxCalls: () => number;
  /**
   * The calls one request of the API carries (Graph `$batch`: 20), when a flush goes out in
   * several: a flush of more than one request's worth sends the full requests at once and keeps
   * the part of one left over for the reads still arriving, until `maxWaitMs` after the first read
   * queued (never longer than before), so that it does not go out half empty.
   */
  perRequest?: number;
  /** Sends several reads in one request (or as few as the API allows) and returns each one's outcome, in order. */
  sendBatch: (calls: Call[]) => Promise<ReadOutcome<unknown>[]>;
}

/**
 * Gathers reads asked for close together (each within `windowMs` of the one before, for at most
 * `maxWaitMs`) and sends them together. One read alone goes out as an ordinary request; two or
 * more go in a batch, each caller getting its own answer or error (a failure of the whole batch
 * fails each of its callers).
 */
export class Coalescer<Call> {
  /** `at`: when the read was queued (a read kept back for a fuller request still goes `maxWaitMs` after it, at the latest). */
  private queue: { read: QueuedRead<Call, unknown>; resolve: (value: unknown) => void; reject: (error: unknown) => void; at: number }[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** When the oldest queued read must go at the latest. */
  private deadline = 0;
  /** The queue is the part of a request left over from a flush, waiting for company (see `perRequest`). */
  private holding = false;
  private readonly sizes: number[] = [];

  constructor(private readonly options: CoalescerOptions<Call>) {}

  read<T>(read: QueuedRead<Call, T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.queue.length === 0) this.deadline = Date.now() + this.options.maxWaitMs;
      this.queue.push({ read: read as QueuedRead<Call, unknown>, resolve: resolve as (value: unknown) => void, reject, at: Date.now() });
      if (this.queue.length >= this.options.maxCalls()) return this.flush();
      if (this.timer) clearTimeout(this.timer);
      this.timer = setTimeout(() => this.flush(), Math.max(0, Math.min(this.options.windowMs, this.deadline - Date.now())));
    });
  }

  /** How many reads each flush carried (diagnostics and tests). */
  flushSizes(): number[] {
    return [...this.sizes];
  }

  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const now = Date.now();
    let count = Math.min(this.queue.length, this.options.maxCalls());
    const per = this.options.perRequest ?? 0;
    // The part of a request left over (from this flush or one before) waits for more reads, until `maxWaitMs` after the first of it was queued.
    const left = per > 1 && count === this.queue.length && (count > per || this.holding) ? count % per : 0;
    const heldUntil = left > 0 ? this.queue[count - left].at + this.options.maxWaitMs : 0;
    const held = heldUntil > now;
    this.holding = held;
    if (held) count -= left;
    const taken = this.queue.splice(0, count);
    if (held) {
      this.deadline = heldUntil;
      this.timer = setTimeout(() => this.flush(), Math.max(0, Math.min(this.options.windowMs, heldUntil - now)));
    } else if (this.queue.length > 0) {
      this.deadline = now + this.options.maxWaitMs;
      this.timer = setTimeout(() => this.flush(), this.options.windowMs);
    }
    if (taken.length === 0) return;
    this.sizes.push(taken.length);
    if (taken.length === 1) {
      const [only] = taken;
      only.read.alone().then(only.resolve, only.reject);
      return;
    }
    this.options.sendBatch(taken.map((t) => t.read.call)).then(
      (outcomes) =>
        taken.forEach((t, i) => {
          const outcome = outcomes[i];
          if (outcome?.ok) t.resolve(outcome.value);
          else t.reject(outcome ? outcome.error : new Error("the batch gave no answer for this call"));
        }),
      (error: unknown) => taken.forEach((t) => t.reject(error)),
    );
  }
}
