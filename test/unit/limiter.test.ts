import { expect } from "chai";
import * as sinon from "sinon";
import { PROBE_AFTER_WINDOWS, QuotaLimiter } from "../../provider/limiter";
import { withRetry, type RetryVerdict } from "../../provider/retry";

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

  describe("finding the real quota (findQuota: the configured budget is an upper bound)", () => {
    const refusal = new Error("403 userRateLimitExceeded");
    const classify = (error: unknown): RetryVerdict => (error === refusal ? { retry: true, throttled: true } : { retry: false });

    /** A server counting accepted calls per sliding minute by arrival, as Google does (refused calls do not count). */
    function quotaServer(clock: sinon.SinonFakeTimers, perMinute: number) {
      const accepted: number[] = [];
      let refused = 0;
      return {
        accepted,
        refused: () => refused,
        call: (latencyMs = 50) => () => {
          const now = clock.now;
          const inWindow = accepted.filter((t) => t > now - 60_000).length;
          if (inWindow >= perMinute) {
            refused++;
            return new Promise<string>((_resolve, reject) => setTimeout(() => reject(refusal), latencyMs));
          }
          accepted.push(now);
          return new Promise<string>((resolve) => setTimeout(() => resolve("ok"), latencyMs));
        },
      };
    }

    function findingLimiter(units = 2400) {
      return new QuotaLimiter({ budgets: { queries: { units, windowMs: 60_000 } }, maxConcurrent: 8, isThrottled: (e) => e === refusal, findQuota: true });
    }

    it("comes down from a 2,400 budget to a real quota of 120/min, holds it, and never gives up on a call refused while searching", async () => {
      const limiter = findingLimiter();
      const server = quotaServer(clock, 120);
      let done = 0;
      const all = Promise.all(
        Array.from({ length: 400 }, () => withRetry(() => limiter.schedule(server.call()), limiter.pacedRetries(classify)).then(() => done++)),
      );
      await clock.tickAsync(5_000);
      const found = limiter.stats().found;
      expect(found, "the budget found after the first refusals").to.be.within(100, 120);
      const refusedWhileSearching = server.refused();
      // Only the calls already in flight when the first refusal came (at most maxConcurrent) are refused.
      expect(refusedWhileSearching).to.be.within(1, 8);
      await clock.tickAsync(PROBE_AFTER_WINDOWS * 60_000 - 10_000);
      expect(limiter.stats().budgets.queries, "held through the clean windows after the last refusal").to.equal(found);
      await clock.tickAsync(5 * 60_000);
      await all;
      expect(done, "every call succeeded in one run").to.equal(400);
      expect(server.refused(), "no refusal once the quota was found: the rate is held, not raised back to the refused one").to.equal(refusedWhileSearching);
      expect(busiestWindow(server.accepted, server.accepted.map(() => 1), 60_000)).to.be.at.most(120);
      // 400 calls at 108/min: the last starts in the fourth minute, about what the quota itself allows (400/120 = 3.3 windows).
      expect(Math.max(...server.accepted)).to.be.below(4 * 60_000);
    });

    it("learns from the refused items of a batch, counting only the accepted ones against the window", async () => {
      const limiter = findingLimiter();
      // One batch of 1,000 calls: the server accepts 300 of them.
      const replies = await Promise.all([limiter.schedule({ weight: 1000, refused: (r: number[]) => r.length - 300 }, () => Promise.resolve(Array.from({ length: 1000 }, (_, i) => i))), clock.tickAsync(1)]);
      expect(replies[0].length).to.equal(1000);
      expect(limiter.inSearch(replies[0]), "its refusals are part of the search").to.equal(true);
      expect(limiter.stats()).to.deep.include({ found: 270, refused: 700 });
      expect(limiter.budget().units).to.equal(270);
    });

    it("a refusal when the server accepted nothing from us finds nothing: the call backs off and uses up attempts as usual", async () => {
      const limiter = findingLimiter(100);
      const starts: number[] = [];
      // Nothing accepted: the refusals say only that others spent the quota; nothing is found and the calls back off and give up.
      const refused = withRetry(() => limiter.schedule(request(clock, starts, 0, refusal)), limiter.pacedRetries(classify), { attempts: 3, baseDelayMs: 100, maxDelayMs: 1_000 }).catch((e: unknown) => e);
      await clock.tickAsync(5_000);
      expect(await refused).to.equal(refusal);
      expect(starts.length).to.equal(3);
      expect(limiter.stats().found).to.equal(undefined);
    });

    it("probes upward by 10% a window only after clean windows, never above the configured budget", async () => {
      const limiter = findingLimiter(1000);
      await Promise.all([limiter.schedule({ weight: 500, refused: () => 100 }, () => Promise.resolve([])), clock.tickAsync(1)]);
      expect(limiter.stats().found).to.equal(360);
      await clock.tickAsync(PROBE_AFTER_WINDOWS * 60_000 - 1_000);
      expect(limiter.budget().units, "held through the clean windows").to.equal(360);
      await clock.tickAsync(2_000);
      expect(limiter.budget().units, "the first probe").to.equal(396);
      await clock.tickAsync(60_000);
      expect(limiter.budget().units).to.equal(435);
      await clock.tickAsync(60 * 60_000);
      expect(limiter.budget().units, "the setting stays the upper bound").to.equal(1000);
    });
  });

  describe("Google: a deep cut needs evidence (a stray refusal is not the quota)", () => {
    const refusal = new Error("403 userRateLimitExceeded");
    const limiter = () => new QuotaLimiter({ budgets: { queries: { units: 2400, windowMs: 60_000 } }, maxConcurrent: 8, isThrottled: (e) => e === refusal, findQuota: true });
    /** `n` calls at once, answered after 50 ms; `refuse`: the server refuses them. */
    async function calls(l: QuotaLimiter, n: number, refuse = false) {
      const answers = Array.from({ length: n }, () => l.schedule(() => new Promise<string>((resolve, reject) => setTimeout(() => (refuse ? reject(refusal) : resolve("ok")), 50))).catch((e: unknown) => e));
      await clock.tickAsync(100);
      return Promise.all(answers);
    }

    it("one stray refusal after 10 accepted calls keeps the pace at >= half", async () => {
      const l = limiter();
      await calls(l, 10);
      expect(await calls(l, 1, true)).to.deep.equal([refusal]);
      expect(l.stats().found, "halved, not the floor (96) that 9 accepted calls would give").to.equal(1200);
      expect(l.budget().units).to.be.at.least(1200);
      // The calls after it are accepted: the budget holds at half, and climbs back after clean windows.
      await calls(l, 8);
      expect(l.budget().units).to.equal(1200);
      await clock.tickAsync(PROBE_AFTER_WINDOWS * 60_000 + 1_000);
      expect(l.budget().units, "the first probe").to.equal(1320);
    });

    it("refusals of calls sent together (before the cut) halve the budget once", async () => {
      const l = limiter();
      await calls(l, 10);
      const answers = await calls(l, 6, true);
      expect(answers.every((a) => a === refusal)).to.equal(true);
      expect(l.stats()).to.deep.include({ found: 1200, slowdowns: 1, refused: 6 });
    });

    it("a second refusal within the window, of a call sent after the cut, is the evidence: the budget goes to the figure found", async () => {
      const l = limiter();
      await calls(l, 10);
      await calls(l, 1, true);
      expect(l.stats().found).to.equal(1200);
      await clock.tickAsync(20_000);
      await calls(l, 1, true);
      expect(l.stats().found, "the floor: 1/25 of the setting").to.equal(96);
    });

    it("a refusal more than a window after the cut is a stray of its own: halved again, not cut to the floor", async () => {
      const l = limiter();
      await calls(l, 10);
      await calls(l, 1, true);
      await clock.tickAsync(61_000);
      await calls(l, 5);
      await calls(l, 1, true);
      expect(l.stats().found).to.equal(600);
    });

    it("cuts deep at once when the server accepted the figure found within the window (a real quota wall)", async () => {
      const l = limiter();
      for (let i = 0; i < 20; i++) await calls(l, 8);
      await calls(l, 1, true);
      // 160 accepted in the window: 0.9x of them.
      expect(l.stats().found).to.equal(144);
    });
  });

  describe("Google: a quota found far below the setting climbs back faster", () => {
    it("probes by 50% a window below a quarter of the setting, then by 10%", async () => {
      const limiter = new QuotaLimiter({ budgets: { queries: { units: 2400, windowMs: 60_000 } }, maxConcurrent: 8, findQuota: true });
      // A stray refusal after 99 accepted calls: 0.9x of them is below the floor (1/25 of 2,400 = 96).
      await Promise.all([limiter.schedule({ weight: 100, refused: () => 1 }, () => Promise.resolve([])), clock.tickAsync(1)]);
      expect(limiter.stats().found).to.equal(96);
      await clock.tickAsync(PROBE_AFTER_WINDOWS * 60_000 + 1_000);
      expect(limiter.budget().units, "the first probe, far below").to.equal(144);
      await clock.tickAsync(60_000);
      expect(limiter.budget().units).to.equal(216);
      // 96 x 1.5^5 = 729 is above 600 (a quarter of 2,400): from there 10% a window.
      await clock.tickAsync(4 * 60_000);
      expect(limiter.budget().units).to.equal(801);
      await clock.tickAsync(20 * 60_000);
      expect(limiter.budget().units, "the setting stays the upper bound").to.equal(2400);
    });
  });

  describe("Graph: a steady share of single 429s is not our pace (slowDownWhenRefused)", () => {
    const throttled = new Error("429");
    const graphLimiter = () => new QuotaLimiter({ budgets: { units: { units: 3500, windowMs: 10_000 } }, maxConcurrent: 8, isThrottled: (e) => e === throttled, slowDownWhenRefused: 0.6 });

    it("keeps its pace under 30% refused calls, whole requests and batch items alike", async () => {
      const limiter = graphLimiter();
      const starts: number[] = [];
      for (let i = 0; i < 100; i++) {
        // Every tenth request refused whole; of the others' 20 items, 6 refused (30%).
        const whole = i % 10 === 0;
        const answer = limiter.schedule({ cost: { units: 20 }, calls: 20, refused: () => 6 }, request(clock, starts, 10, whole ? throttled : undefined)).catch(() => undefined);
        await Promise.all([answer, clock.tickAsync(20)]);
      }
      expect(limiter.stats()).to.deep.include({ slowdowns: 0, pace: 1 });
      expect(limiter.stats().refused).to.be.above(500);
    });

    it("slows down when most calls are refused (sustained throttling)", async () => {
      const limiter = graphLimiter();
      const starts: number[] = [];
      for (let i = 0; i < 30; i++) await Promise.all([limiter.schedule(request(clock, starts, 10, throttled)).catch(() => undefined), clock.tickAsync(20)]);
      expect(limiter.stats().slowdowns).to.be.above(0);
      expect(limiter.stats().pace).to.be.below(1);
    });
  });
});
