import { expect } from "chai";
import { fetch as undiciFetch } from "undici";
import { RateLimitError } from "../../provider/clientErrors";
import { JumpCloudApiError, JumpCloudClient, type JumpCloudSettings } from "../../provider/jumpcloud/client";
import { readJumpCloudBindings } from "../../provider/jumpcloud/readGroups";
import type { JumpCloudOrgSeed, Sandbox } from "../../provider/sandbox";
import { readJumpCloudGroups, JumpCloudSourceError } from "../../sdk/jumpcloudSource";
import { sandboxDispatcher, sandboxPerSuite } from "../support/entraClients";

/**
 * The JumpCloud emulator, checked two ways: raw HTTP (what JumpCloud's OpenAPI documents and
 * reports say it answers) and this package's client (paging, retries, errors). JumpCloud has
 * no official Node client, so the package's own client is the one a program uses.
 */

const hex = (n: number, width = 24) => n.toString(16).padStart(width, "0");
const GOOGLE_DIR = hex(0xd1);
const M365_DIR = hex(0xd2);
const LDAP_DIR = hex(0xd3);

function seed(): JumpCloudOrgSeed {
  // 230 users and 250 groups: three pages of each at JumpCloud's limit of 100.
  const users = Array.from({ length: 230 }, (_, i) => ({ id: hex(0x1000 + i), email: `user${i}@example.com` }));
  const filler = Array.from({ length: 246 }, (_, i) => ({ id: hex(0x9000 + i), name: `Team ${String(i).padStart(3, "0")}` }));
  return {
    apiKey: "sandbox-key-0123456789",
    orgId: hex(0xabc),
    directories: [
      { id: GOOGLE_DIR, name: "Acme Google", type: "g_suite", defaultDomain: "example.com" },
      { id: M365_DIR, name: "Acme M365", type: "office_365" },
      { id: LDAP_DIR, name: "JumpCloud LDAP", type: "ldap_server" },
    ],
    users,
    userGroups: [
      { id: hex(0x2001), name: "Engineering", description: "Builders", email: "engineering@example.com", members: users.slice(0, 150).map((u) => u.email), boundTo: ["Acme Google", "Acme M365"] },
      { id: hex(0x2002), name: "Sales", email: "Sales@Example.com", members: ["user200@example.com"], boundTo: [GOOGLE_DIR] },
      { id: hex(0x2003), name: "Support", members: ["user201@example.com", "user202@example.com"], boundTo: ["Acme Google", "Acme M365"] },
      { id: hex(0x2004), name: "Contractors", email: "contractors@example.com", members: ["user210@example.com"], boundTo: ["JumpCloud LDAP"] },
      ...filler,
    ],
  };
}

async function raw(sandbox: Sandbox, path: string, headers: Record<string, string> = { "x-api-key": sandbox.jumpcloud.apiKey }) {
  const res = await undiciFetch(`${sandbox.url}${path}`, { headers, dispatcher: sandboxDispatcher(sandbox) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? (JSON.parse(text) as unknown) : undefined };
}

function client(sandbox: Sandbox, settings: Partial<JumpCloudSettings> = {}): JumpCloudClient {
  // Node's fetch takes undici's `dispatcher` (trust of the sandbox's CA); RequestInit does not list it.
  const dispatcher = sandboxDispatcher(sandbox);
  return new JumpCloudClient(
    { apiKey: sandbox.jumpcloud.apiKey, baseUrl: sandbox.jumpcloud.baseUrl, retry: { attempts: 4, baseDelayMs: 10, maxDelayMs: 50 }, ...settings },
    (url, init) => fetch(url, { ...init, dispatcher } as RequestInit),
  );
}

describe("JumpCloud sandbox: raw HTTP, as JumpCloud's API documents it", function () {
  let sandbox: Sandbox;
  sandboxPerSuite({ jumpcloud: seed() }, (s) => (sandbox = s));

  it("401 without a key or with a wrong one, in JumpCloud's wording; the key file holds the key", async () => {
    for (const headers of [{}, { "x-api-key": "not-the-key" }] as Record<string, string>[]) {
      const res = await raw(sandbox, "/api/v2/usergroups", headers);
      expect(res.status).to.equal(401);
      expect(res.body).to.deep.equal({ error: "Unauthorized", message: "Unauthorized: api key user not found" });
    }
    const { readFileSync, statSync } = await import("node:fs");
    expect(readFileSync(sandbox.jumpcloud.apiKeyPath, "utf8")).to.equal("sandbox-key-0123456789");
    expect(statSync(sandbox.jumpcloud.apiKeyPath).mode & 0o777).to.equal(0o600);
  });

  it("x-org-id: the organisation's id is accepted, a malformed one is 400, another one 404", async () => {
    const key = sandbox.jumpcloud.apiKey;
    expect((await raw(sandbox, "/api/v2/directories", { "x-api-key": key, "x-org-id": hex(0xabc) })).status).to.equal(200);
    expect(await raw(sandbox, "/api/v2/directories", { "x-api-key": key, "x-org-id": "nope" })).to.deep.include({ status: 400, body: { message: "Malformed ID" } });
    expect(await raw(sandbox, "/api/v2/directories", { "x-api-key": key, "x-org-id": hex(0xdef) })).to.deep.include({ status: 404, body: { message: "Organization ID Not Found" } });
  });

  it("v2 lists are bare arrays: 10 by default, `limit` up to 100 (101 is refused), `skip` an offset", async () => {
    const first = await raw(sandbox, "/api/v2/usergroups");
    expect(first.status).to.equal(200);
    expect(first.body).to.be.an("array").with.length(10);
    expect((await raw(sandbox, "/api/v2/usergroups?limit=100")).body).to.have.length(100);
    const last = (await raw(sandbox, "/api/v2/usergroups?limit=100&skip=200")).body as unknown[];
    expect(last).to.have.length(50);
    expect((await raw(sandbox, "/api/v2/usergroups?limit=101")).status).to.equal(400);
    expect((await raw(sandbox, "/api/v2/usergroups?skip=-1")).status).to.equal(400);
  });

  it("a user group carries id, name, description, email and type user_group; one without an email has none", async () => {
    const groups = (await raw(sandbox, "/api/v2/usergroups?limit=4")).body as Record<string, unknown>[];
    expect(groups[0]).to.include({ id: hex(0x2001), name: "Engineering", description: "Builders", email: "engineering@example.com", type: "user_group" });
    expect(groups[2]).to.include({ name: "Support", type: "user_group" });
    expect(groups[2]).to.not.have.property("email");
    expect((await raw(sandbox, `/api/v2/usergroups/${hex(0x2002)}`)).body).to.include({ name: "Sales", email: "Sales@Example.com" });
    expect(await raw(sandbox, `/api/v2/usergroups/${hex(0x7777)}`)).to.deep.include({ status: 404 });
    expect(await raw(sandbox, "/api/v2/usergroups/not-an-id")).to.deep.include({ status: 400, body: { message: "Malformed ID" } });
  });

  it("membership and members: users as graph objects (with paths) and as graph edges", async () => {
    const membership = (await raw(sandbox, `/api/v2/usergroups/${hex(0x2003)}/membership`)).body as Record<string, unknown>[];
    expect(membership.map((m) => [m.type, m.id])).to.deep.equal([["user", hex(0x1000 + 201)], ["user", hex(0x1000 + 202)]]);
    expect(membership[0]).to.have.property("paths").that.is.an("array");
    const members = (await raw(sandbox, `/api/v2/usergroups/${hex(0x2003)}/members`)).body as { to: { id: string; type: string } }[];
    expect(members.map((m) => m.to)).to.deep.equal([{ attributes: null, id: hex(0x1000 + 201), type: "user" }, { attributes: null, id: hex(0x1000 + 202), type: "user" }]);
    expect((await raw(sandbox, `/api/v2/usergroups/${hex(0x2001)}/membership?limit=100&skip=100`)).body).to.have.length(50);
  });

  it("directories, the groups bound to a Google Workspace / Microsoft 365 directory, and a group's associations", async () => {
    const dirs = (await raw(sandbox, "/api/v2/directories")).body as Record<string, unknown>[];
    expect(dirs.map((d) => [d.name, d.type])).to.deep.equal([["Acme Google", "g_suite"], ["Acme M365", "office_365"], ["JumpCloud LDAP", "ldap_server"]]);
    expect(dirs[0]).to.deep.include({ defaultDomain: { id: GOOGLE_DIR, domain: "example.com" } });
    const google = (await raw(sandbox, `/api/v2/gsuites/${GOOGLE_DIR}/usergroups`)).body as Record<string, unknown>[];
    expect(google.map((g) => [g.type, g.id])).to.deep.equal([["user_group", hex(0x2001)], ["user_group", hex(0x2002)], ["user_group", hex(0x2003)]]);
    const m365 = (await raw(sandbox, `/api/v2/office365s/${M365_DIR}/usergroups`)).body as Record<string, unknown>[];
    expect(m365.map((g) => g.id)).to.deep.equal([hex(0x2001), hex(0x2003)]);
    expect((await raw(sandbox, `/api/v2/gsuites/${M365_DIR}/usergroups`)).status, "an office_365 id is no G Suite").to.equal(404);
    const assoc = (await raw(sandbox, `/api/v2/usergroups/${hex(0x2001)}/associations?targets=g_suite`)).body as { to: { id: string; type: string } }[];
    expect(assoc.map((a) => a.to)).to.deep.equal([{ attributes: null, id: GOOGLE_DIR, type: "g_suite" }]);
    expect((await raw(sandbox, `/api/v2/usergroups/${hex(0x2001)}/associations`)).status, "targets is required").to.equal(400);
  });

  it("v1 systemusers: `{ totalCount, results }` with `_id`, `fields` narrowing the records", async () => {
    const res = await raw(sandbox, "/api/systemusers?limit=2&skip=1&fields=email%20state");
    expect(res.body).to.deep.equal({ totalCount: 230, results: [{ _id: hex(0x1001), email: "user1@example.com", state: "ACTIVATED" }, { _id: hex(0x1002), email: "user2@example.com", state: "ACTIVATED" }] });
    const full = (await raw(sandbox, "/api/systemusers?limit=1")).body as { results: Record<string, unknown>[] };
    expect(full.results[0]).to.include({ _id: hex(0x1000), email: "user0@example.com", username: "user0", activated: true, suspended: false });
  });

  it("an injected throttle is JumpCloud's 429 with the Retry-After the rule gives; 5xx likewise", async () => {
    sandbox.faults.add({ api: "jumpcloud", kind: "throttle", count: 1, retryAfterSeconds: 3 });
    const throttled = await raw(sandbox, "/api/v2/usergroups");
    expect(throttled).to.deep.include({ status: 429, body: { message: "Too Many Requests" } });
    expect(throttled.headers.get("retry-after")).to.equal("3");
    sandbox.faults.add({ api: "jumpcloud", kind: "serverError", count: 1 });
    expect((await raw(sandbox, "/api/v2/usergroups")).status).to.equal(503);
    expect((await raw(sandbox, "/api/v2/usergroups")).status, "each rule was for one request").to.equal(200);
  });

  it("is seeded over HTTP like the other services (PUT /__sandbox/jumpcloud), refusing a binding to no directory", async () => {
    const put = (body: unknown) => undiciFetch(`${sandbox.url}/__sandbox/jumpcloud`, { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify(body), dispatcher: sandboxDispatcher(sandbox) });
    try {
      const bad = await put({ directories: [], userGroups: [{ name: "X", boundTo: ["Nowhere"] }] });
      expect(bad.status).to.equal(400);
      expect(((await bad.json()) as { message: string }).message).to.contain('bound to "Nowhere", which is no directory');
      const ok = await put({ apiKey: "k2", users: [{ email: "a@example.com" }], userGroups: [{ name: "Solo", members: ["a@example.com"] }] });
      expect(ok.status).to.equal(200);
      expect(sandbox.jumpcloud.org.userGroups.map((g) => g.name)).to.deep.equal(["Solo"]);
      expect((await raw(sandbox, "/api/v2/usergroups", { "x-api-key": "k2" })).body).to.have.length(1);
    } finally {
      sandbox.seedJumpCloud(seed());
    }
  });

  it("is read-only and names what it does not emulate", async () => {
    const post = await undiciFetch(`${sandbox.url}/api/v2/usergroups`, { method: "POST", headers: { "x-api-key": sandbox.jumpcloud.apiKey, "content-type": "application/json" }, body: "{}", dispatcher: sandboxDispatcher(sandbox) });
    expect(post.status).to.equal(405);
    expect((await raw(sandbox, "/api/v2/systems")).status).to.equal(404);
  });
});

describe("JumpCloud sandbox: through this package's client", function () {
  let sandbox: Sandbox;
  sandboxPerSuite({ jumpcloud: seed() }, (s) => (sandbox = s));
  afterEach(() => sandbox.faults.clear());

  it("pages every list at 100 (3 pages of 250 groups, 3 of 230 users) and reads the bindings of the chosen directories", async () => {
    sandbox.resetRequestCounts();
    const c = client(sandbox);
    const read = await readJumpCloudBindings(c, { google: true, entra: true });
    const counts = sandbox.requestCounts();
    expect(counts["GET /api/v2/usergroups"], "3 pages, read twice (a list of several pages must read the same twice)").to.equal(6);
    expect(counts["GET /api/systemusers"], "3 pages, once: v1 gives the total to check against").to.equal(3);
    expect(counts["GET /api/v2/usergroups/:id/membership"], "one page per bound group; 150 members: two pages, twice").to.equal(6);
    expect(read.googleDirectory?.name).to.equal("Acme Google");
    expect(read.office365Directory?.name).to.equal("Acme M365");
    expect(read.groups.map((g) => [g.name, g.email, g.boundToGoogle, g.boundToEntra, g.users.length])).to.deep.equal([
      ["Engineering", "engineering@example.com", true, true, 150],
      ["Sales", "sales@example.com", true, false, 1],
      ["Support", undefined, true, true, 2],
    ]);
    expect(read.groups[0]!.users.slice(0, 3), "sorted as strings").to.deep.equal(["user0@example.com", "user100@example.com", "user101@example.com"]);
    expect(read.requests).to.equal(Object.values(counts).reduce((a, b) => a + b, 0));
  });

  it("sends x-org-id for a multi-tenant administrator; without it JumpCloud's 401 comes back with the fix", async () => {
    sandbox.seedJumpCloud({ ...seed(), multiTenant: true });
    try {
      const error = await client(sandbox).listDirectories().then(() => undefined, (e: unknown) => e);
      expect(error).to.be.instanceOf(JumpCloudApiError);
      expect((error as Error).message).to.contain("401").and.contain("no organization selected").and.contain("groupExport:jumpcloudOrgId");
      expect(await client(sandbox, { orgId: hex(0xabc) }).listDirectories()).to.have.length(3);
    } finally {
      sandbox.seedJumpCloud(seed());
    }
  });

  it("a wrong key: one 401, not retried, the fix named and the key nowhere in the message", async () => {
    sandbox.resetRequestCounts();
    const error = await client(sandbox, { apiKey: "wrong-key-do-not-print" }).listUserGroups().then(() => undefined, (e: unknown) => e);
    expect(error).to.be.instanceOf(JumpCloudApiError);
    expect((error as JumpCloudApiError).status).to.equal(401);
    expect((error as Error).message).to.contain("Unauthorized: api key user not found").and.contain("JUMPCLOUD_API_KEY").and.not.contain("wrong-key-do-not-print");
    expect(sandbox.requestCounts()["GET /api/v2/usergroups"]).to.equal(1);
  });

  it("429 with Retry-After, 503 and a dropped connection are retried through the shared policy", async () => {
    sandbox.faults.add({ api: "jumpcloud", kind: "throttle", path: "^/v2/directories", count: 1, retryAfterSeconds: 0.2 });
    sandbox.faults.add({ api: "jumpcloud", kind: "serverError", path: "^/systemusers", count: 1 });
    sandbox.faults.add({ api: "jumpcloud", kind: "reset", path: "^/v2/usergroups$", count: 1 });
    sandbox.resetRequestCounts();
    const c = client(sandbox);
    const started = Date.now();
    expect(await c.listDirectories()).to.have.length(3);
    expect(Date.now() - started, "Retry-After 0.2 s honoured").to.be.at.least(190);
    expect(await c.listSystemUsers()).to.have.length(230);
    expect(await c.listUserGroups()).to.have.length(250);
    expect(sandbox.requestCounts()["GET /api/v2/directories"], "the 429 and the retry").to.equal(2);
  });

  it("a 429 that outlasts every retry is a rate limit naming the setting", async () => {
    sandbox.faults.add({ api: "jumpcloud", kind: "throttle", path: "^/v2/directories" });
    const error = await client(sandbox).listDirectories().then(() => undefined, (e: unknown) => e);
    expect(error).to.be.instanceOf(RateLimitError);
    expect((error as Error).message).to.contain("JumpCloud kept throttling").and.contain("jumpcloudRequestsPerMinute");
  });

  it("a 404 of a deleted group is JumpCloud's 404, not retried", async () => {
    const error = await client(sandbox).getUserGroup(hex(0x7777)).then(() => undefined, (e: unknown) => e);
    expect(error).to.be.instanceOf(JumpCloudApiError);
    expect((error as JumpCloudApiError).status).to.equal(404);
  });

  it("several Google Workspace directories: the choice is required, by name or id", async () => {
    sandbox.seedJumpCloud({ ...seed(), directories: [...seed().directories!, { name: "Second Google", type: "g_suite" }] });
    try {
      const error = await readJumpCloudBindings(client(sandbox), { google: true, entra: false }).then(() => undefined, (e: unknown) => e);
      expect(error).to.be.instanceOf(JumpCloudSourceError);
      expect((error as Error).message).to.contain("2 Google Workspace directories").and.contain('"Acme Google"').and.contain("jumpcloudGoogleDirectory");
      const read = await readJumpCloudBindings(client(sandbox), { google: true, entra: false, googleDirectory: "Acme Google" });
      expect(read.groups.map((g) => g.name)).to.deep.equal(["Engineering", "Sales", "Support"]);
    } finally {
      sandbox.seedJumpCloud(seed());
    }
  });

  it("readJumpCloudGroups: a group bound to Google without an email goes to Google without one (the provider releases a group exported before, refuses a new one)", async () => {
    const source = await readJumpCloudGroups({}, { google: true, entra: true }, client(sandbox));
    expect(source.warnings).to.deep.equal([]);
    const support = source.userGroups.find((g) => g.name === "Support")!;
    expect(support).to.deep.include({ email: undefined, exportTo: ["google", "entra"], onMissingEmail: "fail" });
    expect(support.key).to.match(/^jumpcloud:/);
    expect(support.source).to.match(/^JumpCloud /);
  });

  it('readJumpCloudGroups with onMissingEmail "skip": that group waits for an email in Google (with a warning) and goes to Entra; the others as bound', async () => {
    const source = await readJumpCloudGroups({ onMissingEmail: "skip" }, { google: true, entra: true }, client(sandbox));
    expect(source.warnings).to.have.length(1);
    expect(source.warnings[0]).to.contain('"Support"').and.contain("could be suspended").and.contain("stays as it is, no longer synced");
    expect(source.userGroups.map((g) => [g.name, g.email, g.exportTo, g.allowEmpty, g.onMissingEmail])).to.deep.equal([
      ["Engineering", "engineering@example.com", ["google", "entra"], true, "skip"],
      ["Sales", "sales@example.com", ["google"], true, "skip"],
      ["Support", undefined, ["google", "entra"], true, "skip"],
    ]);
    expect(source.userGroups[2]!.users).to.deep.equal(["user201@example.com", "user202@example.com"]);
  });

  it("readJumpCloudGroups: an empty bound group waits for its first user (said as a note), as JumpCloud's guide says", async () => {
    const org = seed();
    org.userGroups![1]!.members = [];
    sandbox.seedJumpCloud(org);
    try {
      const source = await readJumpCloudGroups({ onMissingEmail: "skip" }, { google: true, entra: false }, client(sandbox));
      const sales = source.userGroups.find((g) => g.name === "Sales");
      expect(sales).to.deep.include({ users: [], allowEmpty: true });
      expect(source.notes.join("\n")).to.contain('"Sales"').and.contain("has no users");
    } finally {
      sandbox.seedJumpCloud(seed());
    }
  });
});
