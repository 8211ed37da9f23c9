import { generateKeyPairSync } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { expect } from "chai";
import { GraphClientError, GraphError, RetryHandler } from "@microsoft/microsoft-graph-client";
import { PermissionError, RateLimitError, ReadOnlyError } from "../../provider/clientErrors";
import { classifyGraphError, GraphDirectoryClient } from "../../provider/entra/client";
import { graphCostWithBatch, graphMiddleware, graphRequestCost } from "../../provider/entra/requestPolicy";
import { classifyAfterCreate, classifyGoogleError, GoogleDirectoryClient, isCreatePropagation } from "../../provider/google/client";
import { Limiters } from "../../provider/limiter";
import { RunRegistry } from "../../provider/groups/runRegistry";
import { defaultRetryPolicy } from "../../provider/retry";
import type { EntraSettings, GoogleSettings } from "../../provider/settings";

/**
 * The clients against a scripted plain-HTTP server in this process: every request they send
 * is recorded, every answer is the script's. (Plain HTTP: the Graph SDK attaches no token to
 * it, and Google's token request is answered by the script.)
 */
interface Seen {
  method: string;
  url: string;
  body: string;
}
type Script = (req: Seen, res: ServerResponse, n: number) => void;

async function scriptedServer(script: Script): Promise<{ url: string; seen: Seen[]; close: () => Promise<void> }> {
  const seen: Seen[] = [];
  const server: Server = createServer((req: IncomingMessage, res) => {
    let body = "";
    req.on("data", (d: Buffer) => (body += d));
    req.on("end", () => {
      const entry = { method: req.method ?? "GET", url: req.url ?? "", body };
      if (!/\/token$/.test(entry.url)) seen.push(entry);
      else return void json(res, 200, { access_token: "test-token", expires_in: 3600, token_type: "Bearer" });
      script(entry, res, seen.length);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "Content-Type": "application/json", ...headers });
  res.end(JSON.stringify(body));
}

function entraSettings(url: string, readOnly = false): EntraSettings {
  return { kind: "clientSecret", clientId: "app-id", clientSecret: "not-used", authorityHost: "https://login.invalid", graphBaseUrl: url, readOnly, resourceUnitsPer10Seconds: 100_000, writesPer150Seconds: 100_000 };
}

const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048, privateKeyEncoding: { type: "pkcs8", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } });
let adminCount = 0;
function googleSettings(url: string, readOnly = false): GoogleSettings {
  // One admin per client, so that each test has its own limiter.
  const adminEmail = `admin${++adminCount}@example.com`;
  const credentials = { type: "service_account" as const, client_email: "sa@project.iam.gserviceaccount.com", private_key: privateKey };
  return { credentials, serviceAccountEmail: credentials.client_email, adminEmail, apiRootUrl: `${url}/`, tokenUrl: `${url}/token`, readOnly, quotaPerMinute: 100_000 };
}

function googleError(res: ServerResponse, status: number, reason: string, message: string, headers: Record<string, string> = {}): void {
  json(res, status, { error: { code: status, message, errors: [{ message, domain: "global", reason }] } }, headers);
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected a rejection");
}

describe("client policy: one retry layer, read-only refusals, permission and rate-limit messages", function () {
  this.timeout(20_000);
  let server: Awaited<ReturnType<typeof scriptedServer>> | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  describe("Microsoft Graph", () => {
    it("builds the SDK client without its RetryHandler (no retries stacked under ours)", () => {
      const chain = graphMiddleware({ getAccessToken: async () => "t" }, false, "app");
      expect(chain.some((m) => m instanceof RetryHandler)).to.equal(false);
    });

    it("sends a throttled request once per attempt of the shared policy, then reports a rate limit, not a permission", async () => {
      server = await scriptedServer((_req, res) => json(res, 429, { error: { code: "TooManyRequests", message: "Please retry again later." } }, { "Retry-After": "0" }));
      const client = new GraphDirectoryClient("tenant-throttled", entraSettings(server.url));
      const error = await rejection(client.verifyAccess());
      expect(error).to.be.instanceOf(RateLimitError);
      expect(error.message).to.match(/rate limit, not a missing permission/);
      expect(error.message).to.include("groupExport:graphResourceUnitsPer10Seconds");
      expect(server.seen.length, "requests sent").to.equal(defaultRetryPolicy.attempts);
    });

    it("retries a connection reset (fetch failed, ECONNRESET / UND_ERR_SOCKET) like Google does", async () => {
      server = await scriptedServer((_req, res, n) => (n <= 2 ? res.socket?.destroy() : json(res, 200, { value: [] })));
      const client = new GraphDirectoryClient("tenant-reset", entraSettings(server.url));
      await client.verifyAccess();
      expect(server.seen.length).to.equal(3);
    });

    it("read-only mode refuses every write before any request, also inside $batch, naming the operation and the setting", async () => {
      server = await scriptedServer((req, res) => json(res, 200, { responses: (JSON.parse(req.body) as { requests: { id: string }[] }).requests.map((r) => ({ id: r.id, status: 200, body: { value: [] } })) }));
      const client = new GraphDirectoryClient("tenant-readonly", entraSettings(server.url, true));
      const refusals = [
        await rejection(client.createSecurityGroup({ displayName: "Eng", description: "", mailNickname: "eng" })),
        await rejection(client.patchGroup("g1", { description: "x" })),
        await rejection(client.deleteGroup("g1")),
        await rejection(client.batch([{ method: "GET", url: "/users?$filter=x" }, { method: "DELETE", url: "/groups/g1/members/u1/$ref" }])),
      ];
      for (const error of refusals) expect(error).to.be.instanceOf(ReadOnlyError);
      expect(refusals.map((e) => e.message.split(" in Entra")[0])).to.deep.equal([
        'read-only mode: refused to create security group "Eng"',
        "read-only mode: refused to update group g1",
        "read-only mode: refused to delete group g1",
        "read-only mode: refused to remove member u1 from group g1",
      ]);
      expect(refusals[0].message).to.include('GROUP_EXPORT_READ_ONLY or groupExport:readOnly is "true"');
      expect(refusals[0].message).to.include('see docs/guides/credentials.md#read-only-mode');
      expect(server.seen, "requests sent").to.deep.equal([]);
      // Reads still go.
      await client.batch([{ method: "GET", url: "/users?$filter=x" }]);
      expect(server.seen.length).to.equal(1);
    });

    it("turns 403 Authorization_RequestDenied into one message naming the missing permission, without retrying", async () => {
      const denied = { error: { code: "Authorization_RequestDenied", message: "Insufficient privileges to complete the operation." } };
      server = await scriptedServer((req, res) =>
        req.url.includes("$batch") ? json(res, 200, { responses: [{ id: "0", status: 403, body: denied }] }) : json(res, 403, denied),
      );
      const client = new GraphDirectoryClient("tenant-denied", entraSettings(server.url));
      const create = await rejection(client.createSecurityGroup({ displayName: "Eng", description: "", mailNickname: "eng" }));
      expect(create).to.be.instanceOf(PermissionError);
      expect(create.message).to.match(/application app-id in tenant tenant-denied may not create security group "Eng" in Entra: it lacks the Microsoft Graph application permission Group\.Create or Group\.ReadWrite\.All/);
      expect(create.message).to.include('see docs/guides/credentials.md');
      expect(server.seen.length).to.equal(1);
      const remove = await rejection(client.batch([{ method: "DELETE", url: "/groups/g1/members/u1/$ref" }]));
      expect(remove).to.be.instanceOf(PermissionError);
      expect(remove.message).to.include("GroupMember.ReadWrite.All");
    });

    it("classifies each kind of error", () => {
      const throttled = Object.assign(new GraphError(429, "Too many"), { headers: new Headers({ "retry-after": "2.128" }) });
      expect(classifyGraphError(throttled)).to.deep.equal({ retry: true, afterMs: 2128, throttled: true });
      expect(classifyGraphError(new GraphError(503, "busy"))).to.include({ retry: true, throttled: false });
      expect(classifyGraphError(new GraphError(500, "oops")).retry).to.equal(true);
      expect(classifyGraphError(new GraphError(403, "denied")).retry).to.equal(false);
      expect(classifyGraphError(new GraphError(404, "gone")).retry).to.equal(false);
      expect(classifyGraphError(new GraphError(400, "bad")).retry).to.equal(false);
      const reset = (code: string) => Object.assign(new GraphClientError("fetch failed"), { customError: new TypeError("fetch failed", { cause: Object.assign(new Error(code), { code }) }) });
      for (const code of ["ECONNRESET", "UND_ERR_SOCKET", "ETIMEDOUT", "ECONNREFUSED", "UND_ERR_CONNECT_TIMEOUT", "EAI_AGAIN"]) expect(classifyGraphError(reset(code)).retry, code).to.equal(true);
      // The SDK's own flattening of a network error (no cause left) is not mistaken for one.
      expect(classifyGraphError(new GraphError(-1, "fetch failed")).retry).to.equal(false);
      const refused = Object.assign(new GraphClientError("x"), { customError: new ReadOnlyError("Entra", "delete group g1") });
      expect(classifyGraphError(refused).retry).to.equal(false);
    });

    it("costs requests in Graph's resource units, a $batch as the sum of its items", () => {
      expect(graphRequestCost("GET", "/users?$filter=x&$select=id")).to.deep.equal({ units: 1, writes: 0 });
      expect(graphRequestCost("GET", "/groups/1/members?$select=id&$top=999")).to.deep.equal({ units: 2, writes: 0 });
      expect(graphRequestCost("GET", "https://graph.microsoft.com/v1.0/groups/1/members?$skiptoken=x")).to.deep.equal({ units: 3, writes: 0 });
      expect(graphRequestCost("PATCH", "/groups/1")).to.deep.equal({ units: 1, writes: 1 });
      expect(graphRequestCost("POST", "/directoryObjects/getByIds")).to.deep.equal({ units: 3, writes: 0 });
      const batch = { requests: [{ method: "GET", url: "/users?$filter=x" }, { method: "DELETE", url: "/groups/1/members/2/$ref" }, { method: "POST", url: "/groups/1/members/$ref" }] };
      expect(graphCostWithBatch("POST", "/$batch", batch)).to.deep.equal({ units: 4, writes: 2 });
    });
  });

  describe("Google Directory API", () => {
    it("sends a throttled request once per attempt of the shared policy (googleapis' own retries are off), then reports a rate limit", async () => {
      server = await scriptedServer((_req, res) => json(res, 429, { error: { code: 429, message: "Rate Limit Exceeded", errors: [{ reason: "rateLimitExceeded" }] } }, { "Retry-After": "0" }));
      const client = new GoogleDirectoryClient(googleSettings(server.url));
      const error = await rejection(client.getGroup("eng@example.com"));
      expect(error).to.be.instanceOf(RateLimitError);
      expect(error.message).to.match(/Google kept throttling the requests to read group eng@example\.com .*rate limit, not a missing permission/);
      expect(error.message).to.include("groupExport:googleQuotaPerMinute");
      expect(server.seen.length).to.equal(defaultRetryPolicy.attempts);
    });

    it("reports a 403 userRateLimitExceeded that outlasts the retries as a rate limit, never as a missing permission", async () => {
      server = await scriptedServer((_req, res) => googleError(res, 403, "userRateLimitExceeded", "User Rate Limit Exceeded", { "Retry-After": "0" }));
      const client = new GoogleDirectoryClient(googleSettings(server.url));
      const error = await rejection(client.deleteGroup("eng@example.com"));
      expect(error).to.be.instanceOf(RateLimitError);
      expect(error.message).to.include("delete group eng@example.com");
      expect(error.message).to.not.match(/may not|permission is missing/);
    });

    it("retries a connection reset", async () => {
      server = await scriptedServer((_req, res, n) => (n === 1 ? res.socket?.destroy() : json(res, 200, { id: "1", email: "eng@example.com", name: "Eng" })));
      const client = new GoogleDirectoryClient(googleSettings(server.url));
      expect((await client.getGroup("eng@example.com"))?.id).to.equal("1");
      expect(server.seen.length).to.equal(2);
    });

    it("read-only mode refuses every write before any request, naming the operation and the setting", async () => {
      server = await scriptedServer((_req, res) => json(res, 200, {}));
      const client = new GoogleDirectoryClient(googleSettings(server.url, true));
      const refusals = [
        await rejection(client.insertGroup({ email: "eng@example.com", name: "Eng", description: "" })),
        await rejection(client.patchGroup("eng@example.com", { description: "x" })),
        await rejection(client.deleteGroup("eng@example.com")),
        await rejection(client.insertMembers("eng@example.com", ["a@example.com", "b@example.com"])),
      ];
      for (const error of refusals) expect(error).to.be.instanceOf(ReadOnlyError);
      expect(refusals.map((e) => e.message.split(" in Google")[0])).to.deep.equal([
        "read-only mode: refused to create group eng@example.com",
        "read-only mode: refused to update group eng@example.com",
        "read-only mode: refused to delete group eng@example.com",
        "read-only mode: refused to add member a@example.com to group eng@example.com (and 1 more call in the same batch)",
      ]);
      expect(server.seen, "API requests sent").to.deep.equal([]);
    });

    it("turns 403 insufficientPermissions into one message naming the scope, without retrying", async () => {
      server = await scriptedServer((_req, res) => googleError(res, 403, "insufficientPermissions", "Request had insufficient authentication scopes."));
      const settings = googleSettings(server.url);
      const error = await rejection(new GoogleDirectoryClient(settings).insertGroup({ email: "eng@example.com", name: "Eng", description: "" }));
      expect(error).to.be.instanceOf(PermissionError);
      expect(error.message).to.match(new RegExp(`service account sa@project\\.iam\\.gserviceaccount\\.com acting as ${settings.adminEmail} may not create group eng@example\\.com in Google: the access token lacks the scope https://www\\.googleapis\\.com/auth/admin\\.directory\\.group`));
      expect(error.message).to.include('see docs/guides/credentials.md');
      expect(server.seen.length).to.equal(1);
    });

    it("sends calls of a batch that were throttled again, and slows the pace down", async () => {
      const reply = (boundary: string, parts: { status: number; body: unknown }[]) =>
        parts.map((p, i) => `--${boundary}\r\nContent-Type: application/http\r\nContent-ID: <response-item-${i}>\r\n\r\nHTTP/1.1 ${p.status} X\r\nContent-Type: application/json\r\n\r\n${JSON.stringify(p.body)}\r\n`).join("") + `--${boundary}--\r\n`;
      server = await scriptedServer((req, res, n) => {
        const calls = (req.body.match(/Content-ID: <item-/g) ?? []).length;
        const parts = Array.from({ length: calls }, (_, i) =>
          n === 1 && i === 0 ? { status: 403, body: { error: { code: 403, message: "User Rate Limit Exceeded", errors: [{ reason: "userRateLimitExceeded" }] } } } : { status: 200, body: {} },
        );
        res.writeHead(200, { "Content-Type": "multipart/mixed; boundary=resp" });
        res.end(reply("resp", parts));
      });
      const settings = googleSettings(server.url);
      const limiters = new Limiters();
      const client = new GoogleDirectoryClient(settings, { limiters, created: new RunRegistry() });
      const outcomes = await client.insertMembers("eng@example.com", ["a@example.com", "b@example.com"]);
      expect(outcomes.map((o) => o.ok)).to.deep.equal([true, true]);
      expect(server.seen.length, "the throttled call went again in a second batch").to.equal(2);
      const limiter = limiters.get(`google:${settings.serviceAccountEmail} as ${settings.adminEmail}`, { budgets: { queries: { units: settings.quotaPerMinute, windowMs: 60_000 } }, maxConcurrent: 8 });
      expect(limiter.stats().slowdowns).to.equal(1);
      expect(limiter.stats().granted.queries, "quota units: 2 calls, then 1").to.equal(3);
    });

    it("classifies each kind of error", () => {
      const answer = (status: number, reason?: string) => ({ response: { status, headers: new Headers(), data: { error: { errors: reason ? [{ reason }] : [] } } } });
      expect(classifyGoogleError(answer(429))).to.include({ retry: true, throttled: true });
      expect(classifyGoogleError(answer(403, "userRateLimitExceeded"))).to.include({ retry: true, throttled: true });
      expect(classifyGoogleError(answer(403, "quotaExceeded"))).to.include({ retry: true, throttled: true });
      expect(classifyGoogleError(answer(503)).retry).to.equal(true);
      expect(classifyGoogleError(answer(403, "insufficientPermissions")).retry).to.equal(false);
      expect(classifyGoogleError(answer(404, "notFound")).retry).to.equal(false);
      expect(classifyGoogleError(new TypeError("fetch failed", { cause: Object.assign(new Error("x"), { code: "UND_ERR_SOCKET" }) })).retry).to.equal(true);
      expect(classifyGoogleError(new ReadOnlyError("Google", "delete group x")).retry).to.equal(false);
    });

    it("retries a 404 only about a group this run just created (propagation); any other 404 is the answer", () => {
      const answer = (status: number) => ({ response: { status, headers: new Headers(), data: { error: { errors: [{ reason: "notFound" }] } } } });
      expect(classifyAfterCreate(true)(answer(404)).retry, "just created: propagation").to.equal(true);
      expect(classifyAfterCreate(false)(answer(404)).retry, "not created by this run: gone").to.equal(false);
      expect(classifyAfterCreate(false)(answer(503)).retry, "Google's usual rule still applies").to.equal(true);
      expect(classifyAfterCreate(true)(answer(403)).retry).to.equal(false);
      // A batch reply names what was not found: only the group's 404 is propagation, a member's is the answer.
      expect(isCreatePropagation(true, 404, "Resource Not Found: groupKey")).to.equal(true);
      expect(isCreatePropagation(true, 404, "Resource Not Found: memberKey")).to.equal(false);
      expect(isCreatePropagation(true, 404, "")).to.equal(false);
      expect(isCreatePropagation(false, 404, "Resource Not Found: groupKey")).to.equal(false);
    });
  });
});
