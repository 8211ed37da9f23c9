import { expect } from "chai";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { classifyJumpCloudError, JumpCloudApiError, JumpCloudClient } from "../../provider/jumpcloud/client";
import { jumpCloudSettings, JumpCloudSourceError } from "../../sdk/jumpcloudSource";

/** A fetch that answers from a list of [status, body] and records the URLs asked for. */
function scripted(answers: [number, unknown, Record<string, string>?][]) {
  const urls: string[] = [];
  const headers: Record<string, string>[] = [];
  const fetchImpl = async (url: string, init: RequestInit) => {
    urls.push(url);
    headers.push(init.headers as Record<string, string>);
    const [status, body, h] = answers.shift() ?? [500, { message: "script ran out" }];
    return new Response(JSON.stringify(body), { status, headers: h });
  };
  return { urls, headers, fetchImpl };
}

const id = (n: number) => n.toString(16).padStart(24, "0");
const FAST = { attempts: 3, baseDelayMs: 1, maxDelayMs: 2 };

describe("JumpCloud client and settings (unit)", () => {
  it("pages v2 lists with limit 100 and skip until a short page; a list of several pages is read twice and must agree", async () => {
    const page1 = Array.from({ length: 100 }, (_, i) => ({ id: id(i), name: `g${i}` }));
    const page2 = [{ id: id(100), name: "g100" }];
    const s = scripted([[200, page1], [200, page2], [200, page1], [200, page2]]);
    const groups = await new JumpCloudClient({ apiKey: "k", baseUrl: "https://jc.test/", retry: FAST }, s.fetchImpl).listUserGroups();
    expect(groups).to.have.length(101);
    expect(s.urls.slice(0, 2)).to.deep.equal(["https://jc.test/api/v2/usergroups?limit=100&skip=0", "https://jc.test/api/v2/usergroups?limit=100&skip=100"]);
    expect(s.urls).to.have.length(4);
    expect(s.headers[0]).to.include({ "x-api-key": "k" }).and.not.have.property("x-org-id");
  });

  it("a member deleted between two pages shifts the next page: the read that missed someone is not used", async () => {
    const members = Array.from({ length: 102 }, (_, i) => ({ id: id(i), type: "user" }));
    // First read: member 0 is deleted after page 1 was served, so page 2 starts one later and misses member 100.
    const s = scripted([
      [200, members.slice(0, 100)], [200, members.slice(101)],
      [200, members.slice(1, 101)], [200, members.slice(101)],
      [200, members.slice(1, 101)], [200, members.slice(101)],
    ]);
    const ids = await new JumpCloudClient({ apiKey: "k", baseUrl: "https://jc.test", retry: FAST }, s.fetchImpl).userGroupMemberIds(id(999));
    expect(ids).to.have.length(101);
    expect(ids).to.include(id(100)).and.not.include(id(0));
    expect(s.urls).to.have.length(6);
  });

  it("sends x-org-id when an organisation is set", async () => {
    const s = scripted([[200, []]]);
    await new JumpCloudClient({ apiKey: "k", orgId: id(7), baseUrl: "https://jc.test", retry: FAST }, s.fetchImpl).listDirectories();
    expect(s.headers[0]).to.include({ "x-org-id": id(7) });
  });

  it("an answer of an unexpected shape fails naming the request, not silently", async () => {
    const s = scripted([[200, [{ name: "no id" }]]]);
    const error = await new JumpCloudClient({ apiKey: "k", baseUrl: "https://jc.test", retry: FAST }, s.fetchImpl).listUserGroups().then(() => undefined, (e: unknown) => e);
    expect((error as Error).message).to.contain("JumpCloud answered GET /api/v2/usergroups with an unexpected shape");
  });

  it("retries 429 (honouring Retry-After) and 5xx; never 400, 401, 403, 404", () => {
    expect(classifyJumpCloudError(new JumpCloudApiError(429, "GET /x", "", 1500))).to.deep.equal({ retry: true, afterMs: 1500, throttled: true });
    expect(classifyJumpCloudError(new JumpCloudApiError(503, "GET /x", ""))).to.include({ retry: true });
    for (const status of [400, 401, 403, 404]) expect(classifyJumpCloudError(new JumpCloudApiError(status, "GET /x", "")).retry, String(status)).to.equal(false);
    expect(classifyJumpCloudError(Object.assign(new TypeError("fetch failed"), { cause: { code: "ECONNRESET" } })).retry).to.equal(true);
  });

  it("settings: an explicit key wins; a key file is read and trimmed; no key names the three ways to give one", () => {
    const dir = mkdtempSync(join(tmpdir(), "jc-unit-"));
    const file = join(dir, "key");
    writeFileSync(file, "  from-file\n");
    const saved = { ...process.env };
    try {
      delete process.env.JUMPCLOUD_API_KEY;
      delete process.env.JUMPCLOUD_API_KEY_FILE;
      expect(jumpCloudSettings({ apiKey: "explicit", apiKeyFile: file }).apiKey).to.equal("explicit");
      expect(jumpCloudSettings({ apiKeyFile: file }).apiKey).to.equal("from-file");
      process.env.JUMPCLOUD_API_KEY_FILE = file;
      expect(jumpCloudSettings().apiKey).to.equal("from-file");
      delete process.env.JUMPCLOUD_API_KEY_FILE;
      process.env.JUMPCLOUD_API_KEY = "from-env";
      expect(jumpCloudSettings()).to.include({ apiKey: "from-env", baseUrl: "https://console.jumpcloud.com" });
      delete process.env.JUMPCLOUD_API_KEY;
      expect(() => jumpCloudSettings()).to.throw(JumpCloudSourceError, /groupExport:jumpcloudApiKeyFile.*JUMPCLOUD_API_KEY_FILE.*JUMPCLOUD_API_KEY/);
      expect(() => jumpCloudSettings({ apiKeyFile: join(dir, "missing") })).to.throw(JumpCloudSourceError, /cannot read the JumpCloud API key file .*ENOENT/);
      expect(() => jumpCloudSettings({ apiKey: "k", requestsPerMinute: 0 })).to.throw(JumpCloudSourceError, /positive whole number/);
      process.env.JUMPCLOUD_REQUESTS_PER_MINUTE = "lots";
      expect(() => jumpCloudSettings({ apiKey: "k" })).to.throw(JumpCloudSourceError, /"lots". Fix: use a positive whole number/);
      process.env.JUMPCLOUD_REQUESTS_PER_MINUTE = "120";
      expect(jumpCloudSettings({ apiKey: "k" }).requestsPerMinute).to.equal(120);
    } finally {
      process.env = saved;
    }
  });
});
