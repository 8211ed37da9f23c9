import { expect } from "chai";
import { startSandbox, type Sandbox } from "../../provider/sandbox";
import { ALL_SCOPES, GOOGLE_SCOPES, outcome, sandboxJwt, sendBatch, type BatchItem } from "../support/googleClients";

const MEMBERS = "/admin/directory/v1/groups/eng@example.com/members";

/** POST /batch/admin/directory_v1, through the JWT client's request() (the Node client has no batch support). */
describe("Google sandbox conformance: Directory API batch", function () {
  let sandbox: Sandbox;
  let jwt: ReturnType<typeof sandboxJwt>;

  before(async () => {
    sandbox = await startSandbox({
      google: {
        domains: ["example.com"],
        users: Array.from({ length: 5 }, (_, i) => ({ primaryEmail: `user${i}@example.com` })),
        groups: [{ email: "eng@example.com" }],
      },
    });
    jwt = sandboxJwt(sandbox, ALL_SCOPES);
  });
  after(async () => sandbox?.close());
  afterEach(() => sandbox.faults.clear());

  it("runs each call in order and answers multipart/mixed, one <response-…> part per call", async () => {
    sandbox.resetRequestCounts();
    const { status, contentType, answers } = await sendBatch(sandbox, jwt, [
      { method: "POST", url: MEMBERS, body: { email: "user0@example.com" } },
      { method: "POST", url: MEMBERS, body: { email: "user1@example.com", role: "MANAGER" } },
      { method: "POST", url: `https://admin.googleapis.com${MEMBERS}`, body: { email: "user2@example.com" } },
      { method: "POST", url: MEMBERS, body: { email: "user0@example.com" } },
      { method: "GET", url: `${MEMBERS}?maxResults=2` },
      { method: "GET", url: "/admin/directory/v1/groups/missing@example.com" },
      { method: "DELETE", url: `${MEMBERS}/user2@example.com` },
    ]);
    expect(status).to.equal(200);
    expect(contentType).to.match(/^multipart\/mixed; boundary=/);
    expect(answers.map((a) => a.contentId)).to.deep.equal(Array.from({ length: 7 }, (_, i) => `<response-item${i}>`));
    expect(answers.map((a) => a.status)).to.deep.equal([200, 200, 200, 409, 200, 404, 204]);
    expect(answers[1].body).to.include({ kind: "admin#directory#member", email: "user1@example.com", role: "MANAGER", type: "USER" });
    expect(answers[1].headers["content-type"]).to.match(/^application\/json/);
    expect(answers[3].body).to.deep.equal({ error: { code: 409, message: "Member already exists.", errors: [{ message: "Member already exists.", domain: "global", reason: "duplicate" }] } });
    expect(answers[4].body).to.deep.include({ kind: "admin#directory#members" });
    expect((answers[4].body as { members: unknown[]; nextPageToken: string }).members).to.have.length(2);
    expect(answers[5].body).to.deep.include({ error: { code: 404, message: "Resource Not Found: groupKey", errors: [{ message: "Resource Not Found: groupKey", domain: "global", reason: "notFound" }] } });
    expect(answers[6].body).to.equal(undefined);
    expect(sandbox.google.tenant.groups[0].members!.map((m) => m.email)).to.deep.equal(["user0@example.com", "user1@example.com"]);

    const counts = sandbox.requestCounts();
    expect(counts["POST /batch/admin/directory_v1"]).to.equal(1);
    expect(counts["BATCH-ITEM POST /admin/directory/v1/groups/:groupKey/members"]).to.equal(4);
    expect(counts["BATCH-ITEM GET /admin/directory/v1/groups/:groupKey"]).to.equal(1);
    expect(counts["BATCH-ITEM DELETE /admin/directory/v1/groups/:groupKey/members/:memberKey"]).to.equal(1);
    expect(counts["POST /admin/directory/v1/groups/:groupKey/members"], "inner calls are not counted as direct calls").to.equal(undefined);
  });

  it("checks each inner call's token and scopes; an inner Authorization header overrides the outer one", async () => {
    const readOnly = sandboxJwt(sandbox, [GOOGLE_SCOPES.groupReadonly]);
    const { answers } = await sendBatch(sandbox, readOnly, [
      { method: "GET", url: "/admin/directory/v1/groups/eng@example.com" },
      { method: "POST", url: MEMBERS, body: { email: "user3@example.com" } },
      { method: "GET", url: "/admin/directory/v1/groups/eng@example.com", headers: { Authorization: "Bearer ya29.forged" } },
    ]);
    expect(answers.map((a) => a.status)).to.deep.equal([200, 403, 401]);
    expect(answers[1].body).to.deep.include({ error: { code: 403, message: "Request had insufficient authentication scopes.", errors: [{ message: "Request had insufficient authentication scopes.", domain: "global", reason: "insufficientPermissions" }] } });
  });

  it("applies injected faults per inner call (with their Retry-After), not to the envelope", async () => {
    sandbox.faults.add({ api: "google", method: "POST", path: "/members$", kind: "throttle", count: 1, retryAfterSeconds: 1.5 });
    sandbox.faults.add({ api: "google", method: "GET", kind: "quota", reason: "quotaExceeded", count: 1 });
    const { status, answers } = await sendBatch(sandbox, jwt, [
      { method: "POST", url: MEMBERS, body: { email: "user3@example.com" } },
      { method: "POST", url: MEMBERS, body: { email: "user3@example.com" } },
      { method: "GET", url: "/admin/directory/v1/groups/eng@example.com" },
      { method: "GET", url: "/admin/directory/v1/groups/eng@example.com" },
    ]);
    expect(status).to.equal(200);
    expect(answers.map((a) => a.status)).to.deep.equal([429, 200, 403, 200]);
    expect(answers[0].headers["retry-after"]).to.equal("1.5");
    expect(answers[0].body).to.deep.include({ error: { code: 429, message: "Rate Limit Exceeded", errors: [{ message: "Rate Limit Exceeded", domain: "global", reason: "rateLimitExceeded" }] } });
    expect(answers[2].body).to.deep.include({ error: { code: 403, message: "Request rate higher than configured.", errors: [{ message: "Request rate higher than configured.", domain: "global", reason: "quotaExceeded" }] } });
  });

  it("fails only the part whose connection is reset (503 backendError); the other parts are answered", async () => {
    sandbox.faults.add({ api: "google", path: "/members/", kind: "reset", count: 1 });
    const { status, answers } = await sendBatch(sandbox, jwt, [
      { method: "GET", url: `${MEMBERS}/user0@example.com` },
      { method: "GET", url: "/admin/directory/v1/groups/eng@example.com" },
    ]);
    expect(status).to.equal(200);
    expect(answers[0].status).to.equal(503);
    expect(answers[0].body).to.deep.include({ error: { code: 503, message: "The service is currently unavailable.", errors: [{ message: "The service is currently unavailable.", domain: "global", reason: "backendError" }] } });
    expect(answers[1].status).to.equal(200);
  });

  it("dropResponse inside a batch: the insert is applied, its part reports 503, and the retry answers 409 duplicate", async () => {
    sandbox.faults.add({ api: "google", method: "POST", path: "/members$", kind: "dropResponse", count: 1 });
    const insert = { method: "POST", url: MEMBERS, body: { email: "user4@example.com" } };
    expect((await sendBatch(sandbox, jwt, [insert])).answers[0].status).to.equal(503);
    expect(sandbox.google.tenant.groups[0].members!.map((m) => m.email)).to.include("user4@example.com");
    expect((await sendBatch(sandbox, jwt, [insert])).answers[0]).to.deep.include({ status: 409 });
  });

  it("serves the Directory API only: a call to another API gets a 400 part", async () => {
    const { answers } = await sendBatch(sandbox, jwt, [{ method: "GET", url: "/groups/v1/groups/eng@example.com?alt=json" }]);
    expect(answers[0].status).to.equal(400);
  });

  it("refuses an empty batch and more than 1000 calls (400)", async () => {
    const empty = await outcome(jwt.request({ url: `${sandbox.google.rootUrl}batch/admin/directory_v1`, method: "POST", headers: { "Content-Type": "multipart/mixed; boundary=x" }, data: "--x--\r\n", retry: false }));
    expect(empty).to.include({ status: 400, message: "Invalid multipart request with 0 mime parts." });
    const items: BatchItem[] = Array.from({ length: 1001 }, () => ({ method: "GET", url: "/admin/directory/v1/groups/eng@example.com" }));
    const tooMany = await outcome(sendBatch(sandbox, jwt, items).then(() => ({ status: 200 })));
    expect(tooMany.status).to.equal(400);
    expect(String(tooMany.data)).to.include("Exceeded the maximum calls(1000) in a single batch request.");
  });

  it("takes 1000 calls in one batch", async function () {
    const items: BatchItem[] = Array.from({ length: 1000 }, () => ({ method: "GET", url: "/admin/directory/v1/groups/eng@example.com" }));
    const started = Date.now();
    const { answers } = await sendBatch(sandbox, jwt, items);
    expect(answers).to.have.length(1000);
    expect(answers.every((a) => a.status === 200)).to.equal(true);
    console.log(`      1000 inner calls in ${Date.now() - started} ms`);
  });
});
