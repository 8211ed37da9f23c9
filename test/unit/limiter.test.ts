import { expect } from "chai";
import * as sinon from "sinon";
import { QuotaLimiter } from "../../provider/limiter";

/** A request that answers after `ms` and records when it started. */
function request(clock: sinon.SinonFakeTimers, starts: number[], ms = 0, fail?: unknown) {
  return () => {
    starts.push(clock.now);
    return new Promise<string>((resolve, reject) => setTimeout(() => (fail ? reject(fail) : resolve("ok")), ms));
  };
}

/** The most units started within any `windowMs` (by start time, what a server counts at the latest). */
function busiestWindow(starts: number[], weights: number[], windowMs: number): number {
  let most = 0;
  for (let i = 0; i < starts.length; i++) {
    let sum = 0;
    for (let j = 0; j < starts.length; j++) if (starts[j] >= starts[i] && starts[j] < starts[i] + windowMs) sum += weights[j];
    most = Math.max(most, sum);
  }
  return most;
}

describe("quota limiter (sliding window in quota units)", () => {
  let clock: sinon.SinonFakeTimers;
  beforeEach(() => (clock = sinon.useFakeTimers()));
  afterEach(() => clock.restore());

  it("spends the whole budget at once, then waits for the window: never more in any sliding minute", async () => {
    const limiter = new QuotaLimiter({ budgets: { queries: { units: 10, windowMs: 60_000 } }, maxConcurrent: 100 });
    const starts: number[] = [];
    const all = Promise.all(Array.from({ length: 25 }, () => limiter.schedule(request(clock, starts, 100))));
    await clock.tickAsync(0);
    expect(starts.length, "started at once").to.equal(10);
    await clock.tickAsync(60_000);
    expect(starts.length, "nothing before answer + window").to.equal(10);
    await clock.tickAsync(1_000);
    expect(starts.length, "the next budget after a window").to.equal(20);
    await clock.tickAsync(62_000);
    await all;
    expect(starts.length).to.equal(25);
    expect(busiestWindow(starts, starts.map(() => 1), 60_000)).to.be.at.most(10);
    // 25 calls at 10 a minute: two full windows, as the quota itself allows, plus answers and margins.
    expect(starts[24]).to.be.within(120_000, 122_000);
  });

  it("counts a batch of N calls as N units", async () => {
    const limiter = new QuotaLimiter({ budgets: { queries: { units: 10, windowMs: 60_000 } }, maxConcurrent: 100 });
    const starts: number[] = [];
    void limiter.schedule({ weight: 6 }, request(clock, starts));
    void limiter.schedule({ weight: 6 }, request(clock, starts));
    void limiter.schedule({ weight: 1 }, request(clock, starts));
    await clock.tickAsync(0);
    expect(starts, "the second batch does not fit beside the first").to.deep.equal([0]);
    await clock.tickAsync(59_000);
    expect(starts, "the small call waits behind the batch, not before it").to.deep.equal([0]);
    await clock.tickAsync(2_000);
    expect(starts.length).to.equal(3);
    expect(starts[1]).to.be.within(60_000, 61_000);
    expect(limiter.stats().granted.queries).to.equal(13);
  });

  it("counts a request from its start until a window after its answer (the server counted it in between)", async () => {
    const limiter = new QuotaLimiter({ budgets: { queries: { units: 2, windowMs: 10_000 } }, maxConcurrent: 100 });
    const starts: number[] = [];
    void limiter.schedule({ weight: 2 }, request(clock, starts, 30_000));
    void limiter.schedule(request(clock, starts));
    await clock.tickAsync(30_000 + 9_000);
    expect(starts, "still inside the window after the slow answer").to.deep.equal([0]);
    await clock.tickAsync(2_000);
    expect(starts.length).to.equal(2);
  });

  it("lets a request dearer than the whole budget go alone rather than never", async () => {
    const limiter = new QuotaLimiter({ budgets: { queries: { units: 5, windowMs: 1_000 } }, maxConcurrent: 100 });
    const starts: number[] = [];
    const done = limiter.schedule({ weight: 50 }, request(clock, starts));
    await clock.tickAsync(1);
    expect(await done).to.equal("ok");
    expect(starts).to.deep.equal([0]);
  });

  it("slows down when the server throttles, and recovers once it stops", async () => {
    const throttled = new Error("429");
    const limiter = new QuotaLimiter({ budgets: { units: { units: 100, windowMs: 10_000 } }, maxConcurrent: 100, isThrottled: (e) => e === throttled });
    const starts: number[] = [];
    const refused = limiter.schedule(request(clock, starts, 0, throttled)).catch((e: unknown) => e);
    await clock.tickAsync(1);
    expect(await refused).to.equal(throttled);
    const stats = limiter.stats();
    expect(stats.slowdowns).to.equal(1);
    expect(stats.pace).to.be.closeTo(0.7, 0.01);
    // At 70%: 70 units (one already spent) fit in the window, not 100.
    const more = Array.from({ length: 99 }, () => limiter.schedule(request(clock, starts)));
    await clock.tickAsync(0);
    expect(starts.length).to.be.within(69, 71);
    await clock.tickAsync(30_000);
    await Promise.all(more);
    expect(limiter.stats().pace, "back to full pace").to.equal(1);
  });

  it("can ignore throttling that comes while it uses little of its budget (Graph: Retry-After is honoured per request)", async () => {
    const throttled = new Error("429");
    const limiter = new QuotaLimiter({ budgets: { units: { units: 100, windowMs: 10_000 } }, maxConcurrent: 100, isThrottled: (e) => e === throttled, slowDownAbove: 0.5 });
    const starts: number[] = [];
    const refused = limiter.schedule(request(clock, starts, 0, throttled)).catch((e: unknown) => e);
    await clock.tickAsync(1);
    await refused;
    expect(limiter.stats()).to.include({ slowdowns: 0, pace: 1 });
    // Busy: 60 of 100 units in the window, then a throttle: now it slows down.
    await Promise.all([...Array.from({ length: 59 }, () => limiter.schedule(request(clock, starts))), clock.tickAsync(1)]);
    const again = limiter.schedule(request(clock, starts, 0, throttled)).catch((e: unknown) => e);
    await clock.tickAsync(1_000);
    await again;
    expect(limiter.stats().slowdowns).to.equal(1);
  });

  it("holds several budgets at once (Graph: resource units and writes)", async () => {
    const limiter = new QuotaLimiter({
      budgets: { units: { units: 100, windowMs: 10_000 }, writes: { units: 3, windowMs: 150_000 } },
      maxConcurrent: 100,
    });
    const starts: number[] = [];
    for (let i = 0; i < 4; i++) void limiter.schedule({ cost: { units: 1, writes: 1 } }, request(clock, starts));
    void limiter.schedule({ cost: { units: 1 } }, request(clock, starts));
    await clock.tickAsync(0);
    // Three writes fit; the fourth waits for the write window, and the read behind it waits its turn.
    expect(starts.length).to.equal(3);
    await clock.tickAsync(151_000);
    expect(starts.length).to.equal(5);
  });

  it("keeps at most maxConcurrent requests in flight", async () => {
    const limiter = new QuotaLimiter({ budgets: { queries: { units: 1000, windowMs: 60_000 } }, maxConcurrent: 2 });
    const starts: number[] = [];
    const all = Promise.all(Array.from({ length: 5 }, () => limiter.schedule(request(clock, starts, 100))));
    await clock.tickAsync(0);
    expect(starts.length).to.equal(2);
    await clock.tickAsync(100);
    expect(starts.length).to.equal(4);
    await clock.tickAsync(200);
    await all;
    expect(starts.length).to.equal(5);
  });
});
