import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { expect } from "chai";
import { startSandbox, type Sandbox } from "../../provider/sandbox";
import { REPO_ROOT } from "../support/pulumiCli";
import { ALL_SCOPES, directoryClient, groupsSettingsClient, NO_RETRY, outcome, sandboxJwt, sendBatch, headerOf } from "../support/googleClients";

/** Eventual consistency, quotas, faults, seeding, the state file and the CLI, seen through the official clients. */
describe("Google sandbox conformance: behaviours on demand", function () {
  let sandbox: Sandbox;
  let directory: ReturnType<typeof directoryClient>;
  let jwt: ReturnType<typeof sandboxJwt>;

  before(async () => {
    sandbox = await startSandbox({
      google: { domains: ["example.com"], admins: ["admin@example.com", "admin2@example.com"], users: [{ primaryEmail: "dev@example.com" }], groups: [{ email: "eng@example.com", members: ["admin@example.com"] }] },
      googleBehaviour: { propagationDelayMs: 0 },
    });
    jwt = sandboxJwt(sandbox, ALL_SCOPES);
    directory = directoryClient(sandbox, jwt);
  });
  after(async () => sandbox?.close());
  afterEach(() => {
    sandbox.faults.clear();
    sandbox.google.setPropagationDelay(0);
    sandbox.google.setQuota({ perMinute: 2400 });
  });

  /** The sandbox's admin endpoints, over the same trusted transport. */
  const admin = (method: string, path: string, data?: unknown) => jwt.transporter.request({ url: `${sandbox.url}${path}`, method: method as "GET", data, retry: false });

  describe("eventual consistency", () => {
    it("hides a just-inserted group from get, members, settings and lists, but a second insert is 409", async () => {
      sandbox.google.setPropagationDelay(400);
      await directory.groups.insert({ requestBody: { email: "new@example.com" } });
      expect(await outcome(directory.groups.get({ groupKey: "new@example.com" }, NO_RETRY))).to.include({ status: 404, message: "Resource Not Found: groupKey" });
      expect(await outcome(directory.members.list({ groupKey: "new@example.com" }, NO_RETRY))).to.include({ status: 404 });
      expect(await outcome(directory.members.insert({ groupKey: "new@example.com", requestBody: { email: "dev@example.com" } }, NO_RETRY))).to.include({ status: 404 });
      expect(await outcome(groupsSettingsClient(sandbox, jwt).groups.get({ groupUniqueId: "new@example.com", alt: "json" }, NO_RETRY))).to.include({ status: 404 });
      expect((await directory.groups.list({ customer: "my_customer" })).data.groups!.map((g) => g.email)).to.deep.equal(["eng@example.com"]);
      expect(await outcome(directory.groups.insert({ requestBody: { email: "new@example.com" } }, NO_RETRY))).to.include({ status: 409, reason: "duplicate" });
      await sleep(450);
      expect((await directory.groups.get({ groupKey: "new@example.com" })).status).to.equal(200);
    });

    it("hides a just-added member from members.list and get; a retried insert is 409", async () => {
      sandbox.google.setPropagationDelay(400);
      await directory.members.insert({ groupKey: "eng@example.com", requestBody: { email: "dev@example.com" } });
      expect((await directory.members.list({ groupKey: "eng@example.com" })).data.members!.map((m) => m.email)).to.deep.equal(["admin@example.com"]);
      expect(await outcome(directory.members.get({ groupKey: "eng@example.com", memberKey: "dev@example.com" }, NO_RETRY))).to.include({ status: 404 });
      expect(await outcome(directory.members.insert({ groupKey: "eng@example.com", requestBody: { email: "dev@example.com" } }, NO_RETRY))).to.include({ status: 409, message: "Member already exists." });
      await sleep(450);
      expect((await directory.members.list({ groupKey: "eng@example.com" })).data.members!.map((m) => m.email)).to.deep.equal(["admin@example.com", "dev@example.com"]);
    });

    it("is adjustable at run time through the admin endpoint; 0 makes everything visible at once", async () => {
      expect((await admin("PUT", "/__sandbox/google/behaviour", { propagationDelayMs: 60_000 })).data).to.deep.equal({ propagationDelayMs: 60_000, settingsPropagationDelayMs: 0, settingsStaleReadMs: 0, quotaPerMinute: 2400, settingsQuotaPerMinute: 0 });
      await directory.groups.insert({ requestBody: { email: "later@example.com" } });
      expect(await outcome(directory.groups.get({ groupKey: "later@example.com" }, NO_RETRY))).to.include({ status: 404 });
      await admin("PUT", "/__sandbox/google/behaviour", { propagationDelayMs: 0 });
      expect((await directory.groups.get({ groupKey: "later@example.com" })).status).to.equal(200);
      expect(await outcome(admin("PUT", "/__sandbox/google/behaviour", { propagationDelayMs: -1 }))).to.include({ status: 400 });
    });
  });

  describe("quota", () => {
    it("answers 403 userRateLimitExceeded past the per-user limit; another user has their own", async () => {
      sandbox.google.setQuota({ perMinute: 5 });
      for (let i = 0; i < 5; i++) await directory.groups.get({ groupKey: "eng@example.com" });
      const over = await outcome(directory.groups.get({ groupKey: "eng@example.com" }, NO_RETRY));
      expect(over.data).to.deep.equal({ error: { code: 403, message: "User Rate Limit Exceeded", errors: [{ message: "User Rate Limit Exceeded", domain: "global", reason: "userRateLimitExceeded" }] } });
      const other = directoryClient(sandbox, sandboxJwt(sandbox, ALL_SCOPES, "admin2@example.com"));
      expect((await other.groups.get({ groupKey: "eng@example.com" })).status).to.equal(200);
    });

    it("counts each inner call of a batch", async () => {
      sandbox.google.setQuota({ perMinute: 3 });
      const { answers } = await sendBatch(sandbox, jwt, Array.from({ length: 5 }, () => ({ method: "GET", url: "/admin/directory/v1/groups/eng@example.com" })));
      expect(answers.map((a) => a.status)).to.deep.equal([200, 200, 200, 403, 403]);
      expect(answers[3].body).to.deep.include({ error: { code: 403, message: "User Rate Limit Exceeded", errors: [{ message: "User Rate Limit Exceeded", domain: "global", reason: "userRateLimitExceeded" }] } });
    });
  });

  describe("faults on direct calls", () => {
    it("throttles (429 with Retry-After), fails (503 backendError), slows down and resets on demand", async () => {
      sandbox.faults.add({ api: "google", kind: "throttle", count: 1, retryAfterSeconds: 2 });
      const throttled = await directory.groups.get({ groupKey: "eng@example.com" }, NO_RETRY).catch((e: { response: { status: number; headers: unknown } }) => e.response);
      expect(throttled.status).to.equal(429);
      expect(headerOf(throttled.headers, "retry-after")).to.equal("2");
      sandbox.faults.add({ api: "google", kind: "serverError", count: 1 });
      expect(await outcome(directory.groups.get({ groupKey: "eng@example.com" }, NO_RETRY))).to.include({ status: 503, reason: "backendError" });
      sandbox.faults.add({ api: "google", kind: "latency", delayMs: 300, count: 1 });
      const started = Date.now();
      await directory.groups.get({ groupKey: "eng@example.com" });
      expect(Date.now() - started).to.be.at.least(290);
      sandbox.faults.add({ api: "google", kind: "reset", count: 1 });
      const reset = await directory.groups.get({ groupKey: "eng@example.com" }, NO_RETRY).then(() => undefined, (e: Error) => e);
      expect(reset?.message).to.match(/socket hang up|ECONNRESET|terminated|other side closed/i);
    });

    it("dropResponse applies an insert, then drops the connection; the retried insert is 409 duplicate", async () => {
      sandbox.faults.add({ api: "google", kind: "dropResponse", method: "POST", path: "/members$", count: 1 });
      const dropped = await directory.members.insert({ groupKey: "eng@example.com", requestBody: { email: "dropped@gmail.com" } }, NO_RETRY).then(() => undefined, (e: Error) => e);
      expect(dropped?.message).to.match(/socket hang up|ECONNRESET|terminated|other side closed/i);
      expect(sandbox.google.tenant.groups.find((g) => g.email === "eng@example.com")!.members!.map((m) => m.email)).to.include("dropped@gmail.com");
      expect(await outcome(directory.members.insert({ groupKey: "eng@example.com", requestBody: { email: "dropped@gmail.com" } }, NO_RETRY))).to.include({ status: 409, reason: "duplicate" });
    });
  });

  describe("seeding and inspection", () => {
    it("dumps users, members and settings at GET /__sandbox/google and reseeds with PUT (400 for an invalid seed)", async () => {
      await groupsSettingsClient(sandbox, jwt).groups.patch({ groupUniqueId: "eng@example.com", requestBody: { whoCanJoin: "INVITED_CAN_JOIN" } });
      const dump = (await admin("GET", "/__sandbox/google")).data as { users: { primaryEmail: string }[]; groups: { email: string; members: { email: string }[]; settings: { whoCanJoin: string } }[] };
      expect(dump.users.map((u) => u.primaryEmail)).to.include.members(["admin@example.com", "dev@example.com"]);
      const eng = dump.groups.find((g) => g.email === "eng@example.com")!;
      expect(eng.members.map((m) => m.email)).to.include("dev@example.com");
      expect(eng.settings.whoCanJoin).to.equal("INVITED_CAN_JOIN");
      expect(await outcome(admin("PUT", "/__sandbox/google", { domains: [] }))).to.include({ status: 400 });
      await admin("PUT", "/__sandbox/google", dump);
      expect(sandbox.google.tenant.groups.find((g) => g.email === "eng@example.com")!.settings!.whoCanJoin).to.equal("INVITED_CAN_JOIN");
    });
  });

  describe("state file", () => {
    it("writes the tenant on change and on close, and loads it at the next start", async () => {
      const stateFile = join(mkdtempSync(join(tmpdir(), "sandbox-state-")), "state.json");
      const first = await startSandbox({ stateFile, google: { domains: ["example.com"], users: [{ primaryEmail: "dev@example.com" }] } });
      const client = directoryClient(first);
      await client.groups.insert({ requestBody: { email: "kept@example.com", description: "survives restarts" } });
      await client.members.insert({ groupKey: "kept@example.com", requestBody: { email: "dev@example.com", role: "OWNER" } });
      await sleep(400);
      expect(existsSync(stateFile), "written shortly after a change").to.equal(true);
      await first.close();
      const saved = JSON.parse(readFileSync(stateFile, "utf8"));
      expect(saved.google.groups[0]).to.deep.include({ email: "kept@example.com", description: "survives restarts" });
      expect(saved.google.groups[0].settings.whoCanJoin).to.equal("CAN_REQUEST_TO_JOIN");

      const second = await startSandbox({ stateFile, google: { domains: ["ignored.example"] } });
      try {
        const kept = await directoryClient(second).members.get({ groupKey: "kept@example.com", memberKey: "dev@example.com" });
        expect(kept.data).to.include({ role: "OWNER", type: "USER" });
        expect(second.google.tenant.domains).to.deep.equal(["example.com"]);
      } finally {
        await second.close();
      }
    });
  });

  describe("group-export-sandbox command", () => {
    it("prints NODE_EXTRA_CA_CERTS and the pulumi config lines, serves until interrupted, then saves the state", async () => {
      const dir = mkdtempSync(join(tmpdir(), "sandbox-cli-"));
      const seed = join(dir, "seed.json");
      const state = join(dir, "state.json");
      writeFileSync(seed, JSON.stringify({ google: { domains: ["cli.example"], admins: ["root@cli.example"], groups: [{ email: "team@cli.example" }] } }));
      const child = spawn(process.execPath, ["--require", require.resolve("tsx/cjs"), join(REPO_ROOT, "provider/sandbox/cli.ts"), "--seed", seed, "--state", state], { stdio: ["ignore", "pipe", "pipe"] });
      let out = "";
      child.stdout.on("data", (d: Buffer) => (out += d));
      child.stderr.on("data", (d: Buffer) => (out += d));
      const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
      for (let i = 0; i < 200 && !out.includes("googleTokenUrl"); i++) await sleep(50);
      expect(out).to.match(/^export NODE_EXTRA_CA_CERTS=\S+ca\.pem$/m);
      expect(out).to.match(/^pulumi config set --plaintext groupExport:googleCredentialsFile \S+\.json$/m);
      expect(out).to.match(/^pulumi config set --plaintext groupExport:googleAdminEmail root@cli\.example$/m);
      expect(out).to.match(/^pulumi config set --plaintext groupExport:googleApiRootUrl https:\/\/127\.0\.0\.1:\d+\/$/m);
      const caPath = /^export NODE_EXTRA_CA_CERTS=(\S+)$/m.exec(out)![1];
      expect(readFileSync(caPath, "utf8")).to.include("BEGIN CERTIFICATE");
      child.kill("SIGINT");
      expect(await exited).to.equal(0);
      expect(JSON.parse(readFileSync(state, "utf8")).google.groups[0].email).to.equal("team@cli.example");
    });
  });
});
