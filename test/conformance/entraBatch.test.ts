import { expect } from "chai";
import { BatchRequestContent, BatchResponseContent, type Client } from "@microsoft/microsoft-graph-client";
import { type EntraAppSeed, type EntraTenantSeed, type Sandbox } from "../../provider/sandbox";
import { graphClient, graphFailure, sandboxPerSuite, secretCredential } from "../support/entraClients";

const GROUP = "00000003-0000-4000-8000-000000000001";
const MISSING = "3f2504e0-4f89-41d3-9a0c-0305e82c3301";
const READER = { clientId: "0000000a-0000-4000-8000-000000000021", clientSecret: "reader-secret", roles: ["Group.Read.All", "User.Read.All"] } satisfies EntraAppSeed;
const seed: EntraTenantSeed = { apps: [{}, READER], groups: [{ id: GROUP, displayName: "Batch target", mailNickname: "batch-target" }] };

interface BatchItemResponse {
  id: string;
  status: number;
  headers?: Record<string, string>;
  body?: { error?: { code: string; message: string } } & Record<string, unknown>;
}

describe("Entra sandbox: JSON batching ($batch), through @microsoft/microsoft-graph-client", function () {
  let sandbox: Sandbox;
  let graph: Client;
  const batch = (requests: unknown[], client = graph) => client.api("/$batch").post({ requests }) as Promise<{ responses: BatchItemResponse[] }>;
  const byId = (responses: BatchItemResponse[]) => Object.fromEntries(responses.map((r) => [r.id, r]));

  sandboxPerSuite({ entra: seed }, (s) => {
    sandbox = s;
    graph = graphClient(s);
  });
  afterEach(() => sandbox.faults.clear());

  it("runs the requests of a BatchRequestContent through the same routes, each counted as a batch item", async () => {
    const alice = sandbox.entra.tenant.users[0];
    const content = new BatchRequestContent([
      { id: "get", request: new Request(`${sandbox.url}/v1.0/groups/${GROUP}?$select=id,displayName`) },
      { id: "missing", request: new Request(`${sandbox.url}/v1.0/groups/${MISSING}`) },
      {
        id: "create",
        request: new Request(`${sandbox.url}/v1.0/groups`, {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ displayName: "Made in a batch", mailNickname: "batch-made", mailEnabled: false, securityEnabled: true }),
        }),
      },
      {
        id: "add",
        request: new Request(`${sandbox.url}/v1.0/groups/${GROUP}/members/$ref`, {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ "@odata.id": `https://graph.microsoft.com/v1.0/directoryObjects/${alice.id}` }),
        }),
      },
    ]);
    sandbox.resetRequestCounts();
    const raw = (await graph.api("/$batch").post(await content.getContent())) as { responses: BatchItemResponse[] };
    expect(raw.responses.map((r) => r.id).sort()).to.deep.equal(["add", "create", "get", "missing"]);
    const responses = byId(raw.responses);
    expect(responses.get).to.deep.include({ status: 200 });
    expect(responses.get.body).to.deep.include({ id: GROUP, displayName: "Batch target" });
    expect(responses.get.headers?.["Content-Type"]).to.match(/^application\/json/);
    expect(responses.missing.status).to.equal(404);
    expect(responses.missing.body?.error).to.include({ code: "Request_ResourceNotFound" });
    expect(responses.create.status).to.equal(201);
    expect(responses.create.headers?.Location).to.include("/directoryObjects/");
    expect(responses.add).to.deep.include({ status: 204 });
    expect(responses.add).to.not.have.property("body");
    expect(sandbox.entra.tenant.groups.find((g) => g.id === GROUP)!.members).to.deep.equal([alice.id]);

    const parsed = new BatchResponseContent(raw);
    expect(parsed.getResponseById("get").status).to.equal(200);
    expect(await parsed.getResponseById("create").json()).to.include({ mailNickname: "batch-made" });

    expect(sandbox.requestCounts()).to.include({
      "POST /v1.0/$batch": 1,
      "BATCH-ITEM GET /v1.0/groups/:id": 2,
      "BATCH-ITEM POST /v1.0/groups": 1,
      "BATCH-ITEM POST /v1.0/groups/:id/members/$ref": 1,
    });
    expect(sandbox.requestCounts()).to.not.have.property("GET /v1.0/groups/:id");
  });

  it("answers requests whose dependency failed with 424 Failed Dependency, and runs the others", async () => {
    const { responses } = await batch([
      { id: "1", method: "GET", url: `/groups/${MISSING}` },
      { id: "2", method: "PATCH", url: `/groups/${GROUP}`, headers: { "Content-Type": "application/json" }, body: { description: "never" }, dependsOn: ["1"] },
      { id: "3", method: "GET", url: `groups/${GROUP}` },
      { id: "4", method: "PATCH", url: `/v1.0/groups/${GROUP}`, headers: { "Content-Type": "application/json" }, body: { description: "after 3" }, dependsOn: ["3"] },
    ]);
    const r = byId(responses);
    expect(r["1"].status).to.equal(404);
    expect(r["2"].status).to.equal(424);
    expect(r["3"].status).to.equal(200);
    expect(r["4"].status).to.equal(204);
    expect(responses.findIndex((x) => x.id === "4")).to.be.greaterThan(responses.findIndex((x) => x.id === "3"));
    expect(sandbox.entra.tenant.groups.find((g) => g.id === GROUP)!.description).to.equal("after 3");
  });

  it("refuses more than 20 requests, duplicate or missing ids, unknown dependencies and absolute URLs with 400", async () => {
    const get = (id: string) => ({ id, method: "GET", url: `/groups/${GROUP}` });
    const cases: [string, unknown[]][] = [
      ["21 requests", Array.from({ length: 21 }, (_, i) => get(String(i)))],
      ["duplicate ids", [get("1"), get("1")]],
      ["a missing id", [{ method: "GET", url: "/groups" }]],
      ["an unknown dependency", [{ ...get("1"), dependsOn: ["9"] }]],
      ["an absolute URL", [{ id: "1", method: "GET", url: `${sandbox.url}/v1.0/groups` }]],
      ["a body without Content-Type", [{ id: "1", method: "POST", url: "/groups", body: {} }]],
    ];
    for (const [name, requests] of cases) {
      const failure = await graphFailure(batch(requests));
      expect(failure, name).to.deep.include({ status: 400, code: "BadRequest" });
    }
    expect(await graphFailure(batch(Array.from({ length: 21 }, (_, i) => get(String(i)))))).to.deep.include({ message: "Number of requests inside batch exceeds the limit." });
    expect((await batch(Array.from({ length: 20 }, (_, i) => get(String(i))))).responses).to.have.length(20);
  });

  it("checks permissions and injects faults per inner request: a throttled item is that item's 429", async () => {
    const reader = graphClient(sandbox, secretCredential(sandbox, READER));
    const denied = byId(
      (
        await batch(
          [
            { id: "read", method: "GET", url: `/groups/${GROUP}` },
            { id: "write", method: "PATCH", url: `/groups/${GROUP}`, headers: { "Content-Type": "application/json" }, body: { description: "no" } },
          ],
          reader,
        )
      ).responses,
    );
    expect(denied.read.status).to.equal(200);
    expect(denied.write.status).to.equal(403);
    expect(denied.write.body?.error).to.include({ code: "Authorization_RequestDenied", message: "Insufficient privileges to complete the operation." });

    sandbox.faults.add({ api: "entra", kind: "throttle", method: "GET", path: "^/groups/[^/]+$", count: 1, retryAfterSeconds: 2.128 });
    const throttled = byId((await batch([{ id: "a", method: "GET", url: `/groups/${GROUP}` }, { id: "b", method: "GET", url: "/users" }])).responses);
    expect(throttled.a.status).to.equal(429);
    expect(throttled.a.headers?.["Retry-After"]).to.equal("2.128");
    expect(throttled.a.body?.error).to.include({ code: "TooManyRequests", message: "Please retry again later." });
    expect(throttled.b.status).to.equal(200);
  });

  it("fails only the item whose connection is reset (503 with Retry-After); the other items are answered", async () => {
    sandbox.faults.add({ api: "entra", kind: "reset", path: "^/users$", count: 1 });
    const { responses } = await batch([
      { id: "1", method: "GET", url: "/users" },
      { id: "2", method: "GET", url: `/groups/${GROUP}` },
    ]);
    const answers = byId(responses);
    expect(answers["1"]).to.deep.include({ status: 503 });
    expect(answers["1"].headers).to.include({ "Retry-After": "1" });
    expect(answers["1"].body?.error).to.include({ code: "serviceNotAvailable" });
    expect(answers["2"].status).to.equal(200);
  });

  it("dropResponse inside a batch: the write is applied, its item reports 503, and the retry finds it done", async () => {
    const user = sandbox.entra.tenant.users[0].id;
    const add = { id: "add", method: "POST", url: `/groups/${GROUP}/members/$ref`, headers: { "Content-Type": "application/json" }, body: { "@odata.id": `https://graph.microsoft.com/v1.0/directoryObjects/${user}` } };
    sandbox.faults.add({ api: "entra", kind: "dropResponse", method: "POST", path: "/members/\\$ref$", count: 1 });
    expect((await batch([add])).responses[0].status).to.equal(503);
    expect(sandbox.entra.tenant.groups.find((g) => g.id === GROUP)!.members).to.include(user);
    const retried = (await batch([add])).responses[0];
    expect(retried.status).to.equal(400);
    expect(retried.body?.error?.message).to.equal("One or more added object references already exist for the following modified properties: 'members'.");
  });
});
