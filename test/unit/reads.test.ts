import type { AccessToken, TokenCredential } from "@azure/identity";
import { expect } from "chai";
import { TokenKeepingCredential } from "../../provider/entra/auth";
import { Coalescer, ReadCache, type ReadOutcome } from "../../provider/reads";

/** A promise and its resolvers, to hold a request in flight. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

describe("reads shared within one provider process", () => {
  describe("Entra tokens (TokenKeepingCredential)", () => {
    /** An inner credential that counts its sign-ins; each answer is the next token of `lifetimeMs`. */
    function counting(lifetimeMs: number, gate?: Promise<void>) {
      const asked: string[] = [];
      const inner: TokenCredential = {
        async getToken(scopes) {
          asked.push([scopes].flat().join(" "));
          await gate;
          if (asked.length === 2 && lifetimeMs < 0) throw new Error("AADSTS7000215: invalid client secret");
          return { token: `token-${asked.length}`, expiresOnTimestamp: Date.now() + Math.abs(lifetimeMs) };
        },
      };
      return { inner, asked };
    }

    it("signs in once for a burst of concurrent callers, and keeps the token while it is valid", async () => {
      const gate = deferred<void>();
      const { inner, asked } = counting(3_600_000, gate.promise);
      const credential = new TokenKeepingCredential(inner);
      const burst = Array.from({ length: 25 }, () => credential.getToken("https://graph.microsoft.com/.default"));
      gate.resolve();
      const tokens = (await Promise.all(burst)) as AccessToken[];
      expect(new Set(tokens.map((t) => t.token))).to.deep.equal(new Set(["token-1"]));
      expect((await credential.getToken(["https://graph.microsoft.com/.default"]))?.token).to.equal("token-1");
      expect(asked, "one sign-in for 26 callers").to.have.length(1);
      // Another scope is a token of its own.
      expect((await credential.getToken("https://other/.default"))?.token).to.equal("token-2");
    });

    it("renews a token nearing expiry (a short-lived one at half its life)", async () => {
      const { inner, asked } = counting(40);
      const credential = new TokenKeepingCredential(inner);
      expect((await credential.getToken("s"))?.token).to.equal("token-1");
      expect((await credential.getToken("s"))?.token).to.equal("token-1");
      await new Promise((r) => setTimeout(r, 25));
      expect((await credential.getToken("s"))?.token, "past half of its 40 ms").to.equal("token-2");
      expect(asked).to.have.length(2);
    });

    it("keeps no failure: the next caller signs in again", async () => {
      const { inner, asked } = counting(-1);
      const credential = new TokenKeepingCredential(inner);
      await credential.getToken("s");
      await new Promise((r) => setTimeout(r, 5));
      const failed = await credential.getToken("s").then(
        () => "no error",
        (e: Error) => e.message,
      );
      expect(failed).to.match(/AADSTS7000215/);
      expect((await credential.getToken("s"))?.token).to.equal("token-3");
      expect(asked).to.have.length(3);
    });
  });

  describe("ReadCache", () => {
    it("reads each group once, and shares the answer (also while it is in flight)", async () => {
      const cache = new ReadCache();
      let loads = 0;
      const pending = deferred<string[]>();
      const load = () => (loads++, pending.promise);
      const first = cache.read("members", "G1", load);
      const second = cache.read("members", "g1", load);
      pending.resolve(["a"]);
      expect(await first).to.deep.equal(["a"]);
      expect(await second).to.deep.equal(["a"]);
      expect(await cache.read("members", "G1", load)).to.deep.equal(["a"]);
      expect(loads).to.equal(1);
      expect(cache.stats()).to.deep.equal({ hits: 2, reads: 1 });
    });

    it("reads again after a write of this process to the group, under any of its linked names", async () => {
      const cache = new ReadCache();
      let version = 0;
      const load = async () => ++version;
      expect(await cache.read("group", "eng@example.com", load)).to.equal(1);
      cache.link(["eng@example.com", "0abc", "alias@example.com"]);
      expect(await cache.read("members", "0abc", load)).to.equal(2);
      await cache.writing("alias@example.com", async () => undefined);
      expect(await cache.read("group", "eng@example.com", load), "read again after the write").to.equal(3);
      expect(await cache.read("members", "0abc", load)).to.equal(4);
      // Another group's write forgets nothing of this one.
      await cache.writing("other@example.com", async () => undefined);
      expect(await cache.read("members", "0abc", load)).to.equal(4);
    });

    it("never keeps a read that a write overtook, nor a failed read", async () => {
      const cache = new ReadCache();
      const before = deferred<string>();
      const inFlight = cache.read("members", "g", () => before.promise);
      const write = cache.writing("g", async () => undefined);
      before.resolve("from before the write");
      // Its own caller gets what it asked for...
      expect(await inFlight).to.equal("from before the write");
      await write;
      // ...but nobody after the write does.
      expect(await cache.read("members", "g", async () => "after")).to.equal("after");
      let tries = 0;
      const failing = () => (tries++ === 0 ? Promise.reject(new Error("503")) : Promise.resolve("ok"));
      await cache.read("group", "h", failing).catch(() => undefined);
      expect(await cache.read("group", "h", failing)).to.equal("ok");
    });

    it("forgets a read that starts while a write is in flight, once the write is done", async () => {
      const cache = new ReadCache();
      const writeDone = deferred<void>();
      const write = cache.writing("g", () => writeDone.promise);
      const during = cache.read("members", "g", async () => "during the write");
      expect(await during).to.equal("during the write");
      writeDone.resolve();
      await write;
      expect(await cache.read("members", "g", async () => "after the write")).to.equal("after the write");
    });

    it("reads fresh when asked (a refresh re-reading past its own write's lag), and knows seeded answers without reading", async () => {
      const cache = new ReadCache();
      let n = 0;
      const load = async () => ++n;
      await cache.read("members", "g", load);
      expect(await cache.read("members", "g", load, { fresh: true })).to.equal(2);
      expect(await cache.read("members", "g", load), "the fresh answer is the one kept").to.equal(2);
      cache.seed("members", "new", []);
      expect(await cache.read("members", "new", async () => ["listed"])).to.deep.equal([]);
      expect(cache.peek("members", "new")).to.deep.equal({ value: [] });
      expect(cache.peek("members", "unknown")).to.equal(undefined);
      await cache.writing("new", async () => undefined);
      expect(cache.peek("members", "new"), "a write forgets the seed too").to.equal(undefined);
    });

    it("keys reads of one member by the group they concern, and forgets lookups of a kind at once", async () => {
      const cache = new ReadCache();
      let n = 0;
      const load = async () => ++n;
      await cache.read("member", "g/a@example.com", load, {}, "g");
      await cache.writing("g", async () => undefined);
      expect(await cache.read("member", "g/a@example.com", load, {}, "g")).to.equal(2);
      await cache.read("displayName", "Eng", load);
      cache.forgetKind("displayName");
      expect(await cache.read("displayName", "Eng", load)).to.equal(4);
    });
  });

  describe("Coalescer", () => {
    it("sends reads asked within the window in one batch, each caller getting its own answer or error", async () => {
      const batches: string[][] = [];
      const coalescer = new Coalescer<string>({
        windowMs: 5,
        maxWaitMs: 50,
        maxCalls: () => 1000,
        sendBatch: async (calls) => {
          batches.push(calls);
          return calls.map((c): ReadOutcome<unknown> => (c === "missing" ? { ok: false, error: new Error(`404 ${c}`) } : { ok: true, value: c.toUpperCase() }));
        },
      });
      const alone = () => Promise.reject(new Error("a batch of several is never sent alone"));
      const reads = ["a", "b", "missing", "c"].map((call) => coalescer.read<string>({ call, alone }).then((v) => v, (e: Error) => e.message));
      expect(await Promise.all(reads)).to.deep.equal(["A", "B", "404 missing", "C"]);
      expect(batches).to.deep.equal([["a", "b", "missing", "c"]]);
      expect(coalescer.flushSizes()).to.deep.equal([4]);
    });

    it("sends a read that nobody joins alone, as an ordinary request", async () => {
      let batched = 0;
      const coalescer = new Coalescer<string>({ windowMs: 2, maxWaitMs: 20, maxCalls: () => 1000, sendBatch: async () => (batched++, []) });
      expect(await coalescer.read({ call: "x", alone: async () => "alone" })).to.equal("alone");
      expect(batched).to.equal(0);
    });

    it("splits at the batch size, sending a batch as soon as it is full", async () => {
      const batches: number[] = [];
      const coalescer = new Coalescer<number>({ windowMs: 50, maxWaitMs: 100, maxCalls: () => 3, sendBatch: async (calls) => (batches.push(calls.length), calls.map((value) => ({ ok: true, value }))) });
      const alone = async () => -1;
      const started = Date.now();
      const full = await Promise.all([1, 2, 3, 4, 5, 6].map((call) => coalescer.read({ call, alone })));
      expect(Date.now() - started, "full batches wait for no window").to.be.below(40);
      // The seventh waits out the window for company, and goes alone.
      expect([...full, await coalescer.read({ call: 7, alone })]).to.deep.equal([1, 2, 3, 4, 5, 6, -1]);
      expect(batches).to.deep.equal([3, 3]);
      expect(coalescer.flushSizes()).to.deep.equal([3, 3, 1]);
    });

    it("keeps gathering while reads keep arriving, up to the longest wait", async () => {
      const batches: number[] = [];
      const coalescer = new Coalescer<number>({ windowMs: 30, maxWaitMs: 200, maxCalls: () => 1000, sendBatch: async (calls) => (batches.push(calls.length), calls.map((value) => ({ ok: true, value }))) });
      const alone = async () => -1;
      const reads: Promise<number>[] = [];
      // One read every 10 ms, for 400 ms: each joins before the window closes; the batch goes at 200 ms.
      for (let i = 0; i < 40; i++) {
        reads.push(coalescer.read({ call: i, alone }));
        await new Promise((r) => setTimeout(r, 10));
      }
      await Promise.all(reads);
      expect(batches.length, `batches: ${batches.join(", ")}`).to.be.within(2, 4);
      expect(batches[0]).to.be.within(10, 21);
    });

    it("perRequest: sends the full requests of a flush at once and keeps the part left over for reads still arriving", async () => {
      const batches: number[] = [];
      const coalescer = new Coalescer<number>({ windowMs: 10, maxWaitMs: 100, maxCalls: () => 160, perRequest: 20, sendBatch: async (calls) => (batches.push(calls.length), calls.map((value) => ({ ok: true, value }))) });
      const alone = async () => -1;
      // 28 reads at once, then (after the window closed) 12 more: 20 go at once, the 8 left over go with the 12, not half empty.
      const first = Array.from({ length: 28 }, (_, i) => coalescer.read({ call: i, alone }));
      await new Promise((r) => setTimeout(r, 40));
      expect(batches, "the full request went after the window").to.deep.equal([20]);
      const second = Array.from({ length: 12 }, (_, i) => coalescer.read({ call: 28 + i, alone }));
      expect(await Promise.all([...first, ...second])).to.deep.equal(Array.from({ length: 40 }, (_, i) => i));
      expect(batches).to.deep.equal([20, 20]);
    });

    it("perRequest: a part left over that nobody joins still goes maxWaitMs after it was queued", async () => {
      const batches: number[] = [];
      const coalescer = new Coalescer<number>({ windowMs: 10, maxWaitMs: 60, maxCalls: () => 160, perRequest: 20, sendBatch: async (calls) => (batches.push(calls.length), calls.map((value) => ({ ok: true, value }))) });
      const alone = async () => -1;
      const started = Date.now();
      const answers = await Promise.all(Array.from({ length: 25 }, (_, i) => coalescer.read({ call: i, alone })));
      expect(answers).to.deep.equal(Array.from({ length: 25 }, (_, i) => i));
      expect(batches).to.deep.equal([20, 5]);
      expect(Date.now() - started, "the 5 waited at most about maxWaitMs").to.be.within(50, 200);
    });

    it("perRequest: a flush of one request or less goes whole after the window (the engine may be waiting for it)", async () => {
      const batches: number[] = [];
      const coalescer = new Coalescer<number>({ windowMs: 10, maxWaitMs: 1000, maxCalls: () => 160, perRequest: 20, sendBatch: async (calls) => (batches.push(calls.length), calls.map((value) => ({ ok: true, value }))) });
      const alone = async () => -1;
      const started = Date.now();
      await Promise.all(Array.from({ length: 16 }, (_, i) => coalescer.read({ call: i, alone })));
      expect(batches).to.deep.equal([16]);
      expect(Date.now() - started).to.be.below(500);
    });

    it("fails every caller of a batch that failed as a whole", async () => {
      const coalescer = new Coalescer<string>({ windowMs: 1, maxWaitMs: 10, maxCalls: () => 10, sendBatch: () => Promise.reject(new Error("permission refused")) });
      const alone = async () => "x";
      const results = await Promise.allSettled(["a", "b"].map((call) => coalescer.read({ call, alone })));
      expect(results.map((r) => (r.status === "rejected" ? (r.reason as Error).message : r.value))).to.deep.equal(["permission refused", "permission refused"]);
    });
  });
});
