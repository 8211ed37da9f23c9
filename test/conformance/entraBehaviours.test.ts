import { readFileSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { expect } from "chai";
import type { Client, PageCollection } from "@microsoft/microsoft-graph-client";
import { startSandbox, type Sandbox } from "../../provider/sandbox";
import { GRAPH_SCOPE, graphClient, graphFailure, NO_RETRY, sandboxFetch, sandboxPerSuite, secretCredential } from "../support/entraClients";

const securityGroup = (displayName: string, mailNickname: string) => ({ displayName, mailNickname, mailEnabled: false, securityEnabled: true });

describe("Entra sandbox: faults, replication lag, counting and administration", function () {
  let sandbox: Sandbox;
  let graph: Client;

  sandboxPerSuite({}, (s) => {
    sandbox = s;
    graph = graphClient(s);
  });
  afterEach(() => {
    sandbox.faults.clear();
    sandbox.entra.setReplicationDelay(0);
  });

  it("starts with one app (secret, read/write permissions) and three users by default", async () => {
    const tenant = sandbox.entra.tenant;
    expect(tenant.apps).to.have.length(1);
    expect(tenant.apps[0].roles).to.deep.equal(["Group.ReadWrite.All", "GroupMember.ReadWrite.All", "User.Read.All"]);
    expect(sandbox.entra.clientSecret).to.match(/^.{3}8Q~.{34}$/);
    expect(tenant.users.map((u) => u.userPrincipalName)).to.deep.equal(["alice@example.com", "bob@example.com", "carol@example.com"]);
    expect(sandbox.entra).to.include({ authorityHost: sandbox.url, graphBaseUrl: sandbox.url });
  });

  it("throttles with 429 TooManyRequests and a fractional Retry-After, which the Graph client honours", async () => {
    sandbox.faults.add({ api: "entra", kind: "throttle", path: "^/groups$", count: 1, retryAfterSeconds: 0.4 });
    const throttled = await graphFailure(graph.api("/groups").middlewareOptions(NO_RETRY).get());
    expect(throttled).to.deep.include({ status: 429, code: "TooManyRequests", message: "Please retry again later." });
    expect(throttled.headers?.get("retry-after")).to.equal("0.4");
    expect(throttled.body.innerError).to.have.all.keys("date", "request-id", "client-request-id");

    sandbox.faults.add({ api: "entra", kind: "throttle", path: "^/groups$", count: 1, retryAfterSeconds: 0.4 });
    sandbox.resetRequestCounts();
    const started = Date.now();
    await graph.api("/groups").get();
    expect(Date.now() - started).to.be.at.least(400);
    expect(sandbox.requestCounts()["GET /v1.0/groups"]).to.equal(2);
  });

  it("always sends Retry-After with a 429, even when the rule names none", async () => {
    sandbox.faults.add({ api: "entra", kind: "throttle", path: "^/groups$", count: 1 });
    const throttled = await graphFailure(graph.api("/groups").middlewareOptions(NO_RETRY).get());
    expect(throttled.status).to.equal(429);
    expect(throttled.headers?.get("retry-after")).to.equal("1");
  });

  it("dropResponse applies a write and then drops the connection: the client sees a transport error, the group exists", async () => {
    sandbox.faults.add({ api: "entra", kind: "dropResponse", method: "POST", path: "^/groups$", count: 1 });
    let error: unknown;
    await graph
      .api("/groups")
      .middlewareOptions(NO_RETRY)
      .post(securityGroup("Dropped answer", "dropped-answer"))
      .catch((e: unknown) => (error = e));
    expect(error, "no answer reached the client").to.be.instanceOf(Error);
    expect(sandbox.entra.tenant.groups.filter((g) => g.displayName === "Dropped answer")).to.have.length(1);
    expect(await graphFailure(graph.api("/groups").post(securityGroup("Dropped answer", "dropped-answer")))).to.deep.include({
      status: 400,
      message: "Another object with the same value for property mailNickname already exists.",
    });
  });

  it("answers 503, 504 and 500 on demand, drops connections and delays responses", async () => {
    for (const [status, code] of [
      [503, "serviceNotAvailable"],
      [504, "timeout"],
      [500, "generalException"],
    ] as const) {
      sandbox.faults.add({ api: "entra", kind: "serverError", status, path: "^/users$", count: 1 });
      expect(await graphFailure(graph.api("/users").middlewareOptions(NO_RETRY).get())).to.deep.include({ status, code });
    }
    sandbox.faults.add({ api: "entra", kind: "reset", path: "^/users$", count: 1 });
    let reset: unknown;
    await graph.api("/users").get().catch((e: unknown) => (reset = e));
    expect(reset).to.be.instanceOf(Error);
    sandbox.faults.add({ api: "entra", kind: "latency", delayMs: 300, path: "^/users$", count: 1 });
    const started = Date.now();
    expect(((await graph.api("/users").get()) as PageCollection).value).to.have.length(3);
    expect(Date.now() - started).to.be.at.least(300);
    // A Google fault does not touch Graph.
    sandbox.faults.add({ api: "google", kind: "serverError", count: 1 });
    expect(((await graph.api("/users").get()) as PageCollection).value).to.have.length(3);
  });

  it("replication lag: a just-created group is invisible to get, members, updates and lists until it has replicated", async () => {
    sandbox.entra.setReplicationDelay(500);
    const created = (await graph.api("/groups").post(securityGroup("Replicating", "replicating"))) as { id: string };
    expect(created.id).to.be.a("string");
    const notFound = { status: 404, code: "Request_ResourceNotFound", message: `Resource '${created.id}' does not exist or one of its queried reference-property objects are not present.` };
    expect(await graphFailure(graph.api(`/groups/${created.id}`).get())).to.deep.include(notFound);
    expect(await graphFailure(graph.api(`/groups/${created.id}/members`).get())).to.deep.include(notFound);
    expect(await graphFailure(graph.api(`/groups/${created.id}`).patch({ description: "too early" }))).to.deep.include(notFound);
    expect(((await graph.api("/groups").filter("displayName eq 'Replicating'").get()) as PageCollection).value).to.deep.equal([]);

    await new Promise((resolve) => setTimeout(resolve, 550));
    expect(await graph.api(`/groups/${created.id}`).get()).to.include({ displayName: "Replicating" });
    expect(((await graph.api("/groups").filter("displayName eq 'Replicating'").get()) as PageCollection).value).to.have.length(1);

    // The lag can be set at run time through the admin endpoint too; 0 makes everything visible.
    expect((await sandboxFetch(sandbox, "/__sandbox/entra/behaviour", { method: "PUT", body: { replicationDelayMs: 60_000 } })).json).to.deep.equal({ replicationDelayMs: 60_000, memberReplicationDelayMs: 0 });
    const hidden = (await graph.api("/groups").post(securityGroup("Hidden", "hidden"))) as { id: string };
    expect(await graphFailure(graph.api(`/groups/${hidden.id}`).get())).to.deep.include({ status: 404 });
    expect((await sandboxFetch(sandbox, "/__sandbox/entra/behaviour", { method: "PUT", body: { replicationDelayMs: 0 } })).status).to.equal(200);
    expect(sandbox.entra.behaviour()).to.deep.equal({ replicationDelayMs: 0, memberReplicationDelayMs: 0 });
    expect(await graph.api(`/groups/${hidden.id}`).get()).to.include({ displayName: "Hidden" });
    expect((await sandboxFetch(sandbox, "/__sandbox/entra/behaviour", { method: "PUT", body: { replicationDelayMs: -1 } })).status).to.equal(400);
    expect((await sandboxFetch(sandbox, "/__sandbox/entra/behaviour", { method: "PUT", body: { memberReplicationDelayMs: 250 } })).json).to.deep.equal({ replicationDelayMs: 0, memberReplicationDelayMs: 250 });
    sandbox.entra.setMemberReplicationDelay(0);
  });

  it("counts requests by method and route", async () => {
    sandbox.resetRequestCounts();
    const [alice] = sandbox.entra.tenant.users;
    await graph.api(`/users/${alice.id}`).get();
    await graph.api(`/users/${alice.userPrincipalName}`).get();
    await graph.api("/groups").top(1).get();
    expect(sandbox.requestCounts()).to.include({ "GET /v1.0/users/:key": 2, "GET /v1.0/groups": 1 });
    expect((await sandboxFetch(sandbox, "/__sandbox/requests")).json).to.include({ "GET /v1.0/users/:key": 2 });
  });

  it("dumps and seeds the tenant through /__sandbox/entra; the secret file follows the seed", async () => {
    const dumped = await sandboxFetch(sandbox, "/__sandbox/entra");
    expect(dumped.json).to.include({ tenantId: sandbox.entra.tenantId });
    const tenantId = "5e3f0c3a-1111-4222-8333-444455556666";
    const seeded = await sandboxFetch(sandbox, "/__sandbox/entra", {
      method: "PUT",
      body: { tenantId, apps: [{ clientId: "6a1d0c3a-1111-4222-8333-444455556666", clientSecret: "seeded-secret" }], users: [{ userPrincipalName: "dave@example.com" }], groups: [{ displayName: "Seeded" }] },
    });
    expect(seeded.status).to.equal(200);
    expect(sandbox.entra.tenantId).to.equal(tenantId);
    expect(sandbox.entra.tenant.groups[0]).to.include({ displayName: "Seeded", mailNickname: "Seeded", securityEnabled: true, mailEnabled: false });
    expect(readFileSync(sandbox.entra.clientSecretPath, "utf8")).to.equal("seeded-secret");
    expect(statSync(sandbox.entra.clientSecretPath).mode & 0o777).to.equal(0o600);
    const { token } = await secretCredential(sandbox).getToken(GRAPH_SCOPE);
    expect(token).to.be.a("string");
    expect(((await graphClient(sandbox).api("/groups").get()) as PageCollection).value.map((g: { displayName: string }) => g.displayName)).to.deep.equal(["Seeded"]);

    const invalid = await sandboxFetch(sandbox, "/__sandbox/entra", { method: "PUT", body: { groups: [{ displayName: "Bad", members: ["6a1d0c3a-1111-4222-8333-000000000000"] }] } });
    expect(invalid.status).to.equal(400);
    expect(sandbox.entra.tenantId, "an invalid seed changes nothing").to.equal(tenantId);
  });

  it("keeps the tenant across restarts with a state file", async () => {
    const stateFile = join(dirname(sandbox.caPath), "state.json");
    const first = await startSandbox({ stateFile });
    try {
      await graphClient(first).api("/groups").post(securityGroup("Persistent", "persistent"));
    } finally {
      await first.close();
    }
    const second = await startSandbox({ stateFile });
    try {
      expect(second.entra.tenantId).to.equal(first.entra.tenantId);
      expect(second.entra.clientSecret).to.equal(first.entra.clientSecret);
      expect(readFileSync(second.entra.clientSecretPath, "utf8")).to.equal(first.entra.clientSecret);
      const found = (await graphClient(second).api("/groups").filter("mailNickname eq 'persistent'").get()) as PageCollection;
      expect(found.value).to.have.length(1);
    } finally {
      await second.close();
    }
  });

  it("hands a Pulumi program non-secret stack config; the secret stays in its file", () => {
    const config = sandbox.providerConfig();
    expect(config).to.deep.include({
      "groupExport:entraTenantId": { value: sandbox.entra.tenantId, secret: false },
      "groupExport:entraClientId": { value: sandbox.entra.clientId, secret: false },
      "groupExport:entraClientSecretFile": { value: sandbox.entra.clientSecretPath, secret: false },
      "groupExport:entraAuthorityHost": { value: sandbox.url, secret: false },
      "groupExport:graphBaseUrl": { value: sandbox.url, secret: false },
    });
    expect(JSON.stringify(config)).to.not.include(sandbox.entra.clientSecret);
    expect(JSON.stringify(sandbox.env())).to.not.include(sandbox.entra.clientSecret);
  });
});
