import type { AccessToken, TokenCredential } from "@azure/identity";
import { expect } from "chai";
import { TokenKeepingCredential } from "../../provider/entra/auth";

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
});
