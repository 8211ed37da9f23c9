import { expect } from "chai";
import * as sinon from "sinon";
import { classifyGoogleError } from "../../provider/google/client";
import { backoffDelay, defaultRetryPolicy, parseRetryAfter, withRetry } from "../../provider/retry";

function googleError(status: number, reason?: string, retryAfter?: string) {
  return {
    response: {
      status,
      headers: new Headers(retryAfter ? { "retry-after": retryAfter } : {}),
      data: { error: { errors: reason ? [{ reason }] : [] } },
    },
  };
}

describe("retry policy", () => {
  afterEach(() => sinon.restore());

  it("parses Retry-After as whole, fractional seconds or an HTTP date", () => {
    expect(parseRetryAfter("10")).to.equal(10_000);
    expect(parseRetryAfter("2.128")).to.equal(2128);
    expect(parseRetryAfter(undefined)).to.equal(undefined);
    const inFive = new Date(Date.now() + 5000).toUTCString();
    expect(parseRetryAfter(inFive)).to.be.within(3000, 5000);
  });

  it("backs off exponentially with jitter, capped", () => {
    expect(backoffDelay(0, defaultRetryPolicy, () => 0)).to.equal(125);
    expect(backoffDelay(0, defaultRetryPolicy, () => 1)).to.equal(250);
    expect(backoffDelay(3, defaultRetryPolicy, () => 1)).to.equal(2000);
    expect(backoffDelay(30, defaultRetryPolicy, () => 1)).to.equal(defaultRetryPolicy.maxDelayMs);
  });

  it("retries Google's 429, 5xx and 403 rate/quota reasons but not other errors", () => {
    expect(classifyGoogleError(googleError(429)).retry).to.equal(true);
    expect(classifyGoogleError(googleError(503)).retry).to.equal(true);
    expect(classifyGoogleError(googleError(403, "userRateLimitExceeded")).retry).to.equal(true);
    expect(classifyGoogleError(googleError(403, "quotaExceeded")).retry).to.equal(true);
    expect(classifyGoogleError(googleError(403, "forbidden")).retry).to.equal(false);
    expect(classifyGoogleError(googleError(404, "notFound")).retry).to.equal(false);
    expect(classifyGoogleError(googleError(429, undefined, "1.5")).afterMs).to.equal(1500);
    expect(classifyGoogleError(Object.assign(new Error("reset"), { code: "ECONNRESET" })).retry).to.equal(true);
  });

  it("waits what the server asked, then succeeds", async () => {
    const clock = sinon.useFakeTimers();
    const call = sinon.stub();
    call.onFirstCall().rejects(googleError(429, undefined, "2.5"));
    call.onSecondCall().resolves("ok");
    const result = withRetry(call, classifyGoogleError);
    await clock.tickAsync(2499);
    expect(call.callCount).to.equal(1);
    await clock.tickAsync(1);
    expect(await result).to.equal("ok");
    expect(call.callCount).to.equal(2);
  });

  it("gives up after the policy's attempts with the last error", async () => {
    const call = sinon.stub().rejects(googleError(503));
    let caught: unknown;
    try {
      await withRetry(call, classifyGoogleError, { attempts: 3, baseDelayMs: 1, maxDelayMs: 2 });
    } catch (error) {
      caught = error;
    }
    expect(call.callCount).to.equal(3);
    expect((caught as ReturnType<typeof googleError>).response.status).to.equal(503);
  });
});
