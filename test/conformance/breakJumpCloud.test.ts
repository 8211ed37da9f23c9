import { expect } from "chai";
import { RateLimitError } from "../../provider/clientErrors";
import { JumpCloudClient, type JumpCloudSettings } from "../../provider/jumpcloud/client";
import type { JumpCloudOrgSeed, Sandbox } from "../../provider/sandbox";
import { jumpCloudSettings, JumpCloudSourceError, readJumpCloudGroups } from "../../sdk/jumpcloudSource";
import { sandboxDispatcher, sandboxPerSuite } from "../support/entraClients";

/**
 * Trying to break JumpCloud as a source (issue 12 item 2) with what real organisations hold:
 * two user groups of one name, upper-case emails, suspended and staged users, a group bound to
 * both directories, an empty group, lists of exactly one page (100), a 429 storm, and an API
 * key put in the wrong environment variable. Through the package's client against the
 * sandbox's JumpCloud emulation.
 */

const hex = (n: number) => n.toString(16).padStart(24, "0");
const GOOGLE_DIR = hex(0xd1);
const M365_DIR = hex(0xd2);

function seed(): JumpCloudOrgSeed {
  // Exactly 100 users and 100 user groups: one full page each, then an empty one.
  const users = Array.from({ length: 100 }, (_, i) => ({ id: hex(0x1000 + i), email: `user${i}@example.com` }));
  users[0] = { id: hex(0x1000), email: "Alice.Smith@Example.COM" };
  const filler = Array.from({ length: 94 }, (_, i) => ({ id: hex(0x9000 + i), name: `Team ${String(i).padStart(3, "0")}` }));
  return {
    apiKey: "0123456789abcdef0123456789abcdef01234567",
    directories: [
      { id: GOOGLE_DIR, name: "Acme Google", type: "g_suite", defaultDomain: "example.com" },
      { id: M365_DIR, name: "Acme M365", type: "office_365" },
    ],
    users: [...users.slice(0, 98), { id: hex(0x1000 + 98), email: "suspended@example.com", state: "SUSPENDED" }, { id: hex(0x1000 + 99), email: "staged@example.com", state: "STAGED" }],
    userGroups: [
      // Exactly 100 members: one full page of membership, then an empty one.
      { id: hex(0x2001), name: "Everyone", email: "everyone@example.com", members: users.map((u, i) => (i === 98 ? "suspended@example.com" : i === 99 ? "staged@example.com" : u.email)), boundTo: [GOOGLE_DIR, M365_DIR] },
      { id: hex(0x2002), name: "Empty", email: "empty@example.com", members: [], boundTo: [GOOGLE_DIR] },
      { id: hex(0x2003), name: "Platform", email: "platform-a@example.com", members: ["user1@example.com"], boundTo: [M365_DIR] },
      { id: hex(0x2004), name: "Platform", email: "platform-b@example.com", members: ["user2@example.com"], boundTo: [M365_DIR] },
      { id: hex(0x2005), name: "Mixed", email: "MIXED@Example.com", members: ["user3@example.com"], boundTo: [GOOGLE_DIR] },
      ...filler,
    ],
  };
}

function client(sandbox: Sandbox, settings: Partial<JumpCloudSettings> = {}): JumpCloudClient {
  // Node's fetch takes undici's `dispatcher` (trust of the sandbox's CA); RequestInit does not list it.
  const dispatcher = sandboxDispatcher(sandbox);
  return new JumpCloudClient(
    { apiKey: sandbox.jumpcloud.apiKey, baseUrl: sandbox.jumpcloud.baseUrl, retry: { attempts: 3, baseDelayMs: 5, maxDelayMs: 20 }, ...settings },
    (url, init) => fetch(url, { ...init, dispatcher } as RequestInit),
  );
}

describe("Breaking JumpCloud as a source", function () {
  let sandbox: Sandbox;
  sandboxPerSuite({ jumpcloud: seed() }, (s) => (sandbox = s));

  it("two user groups of one name bound to Microsoft 365 are refused, naming both ids (one Entra name, two groups)", async () => {
    const error = await readJumpCloudGroups({}, { google: true, entra: true }, client(sandbox)).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).to.be.instanceOf(JumpCloudSourceError);
    expect((error as Error).message).to.include(hex(0x2003)).and.include(hex(0x2004)).and.include('"Platform"');
  });

  it("exactly 100 users and a group of exactly 100 members are read whole; emails lowercased; both directories; an empty group noted", async () => {
    sandbox.jumpcloud.org.userGroups = sandbox.jumpcloud.org.userGroups.filter((g) => g.id !== hex(0x2004));
    const c = client(sandbox);
    const read = await readJumpCloudGroups({}, { google: true, entra: true }, c);
    const everyone = read.userGroups.find((g) => g.name === "Everyone")!;
    // 100 members read whole; the suspended and the staged one are not exported (docs/sources/jumpcloud.md), and said so.
    expect(everyone.users).to.have.length(98);
    expect(everyone.users).to.include("alice.smith@example.com");
    expect(everyone.exportTo).to.deep.equal(["google", "entra"]);
    expect(read.userGroups.find((g) => g.name === "Mixed")!.email).to.equal("mixed@example.com");
    expect(read.notes.join("\n")).to.include('"Empty"');
    expect(everyone.users).to.not.include("suspended@example.com").and.not.include("staged@example.com");
    expect(read.notes.join("\n")).to.include("suspended@example.com").and.include("staged@example.com");
  });

  it("a 429 storm longer than the retries fails with a rate-limit error naming JumpCloud and the fix, not a raw one", async () => {
    sandbox.faults.add({ api: "jumpcloud", kind: "throttle", count: 20, retryAfterSeconds: 0 });
    try {
      const error = await readJumpCloudGroups({}, { google: true, entra: false }, client(sandbox)).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).to.be.instanceOf(RateLimitError);
      expect((error as Error).message).to.match(/JumpCloud/).and.match(/jumpcloudRequestsPerMinute|JUMPCLOUD_REQUESTS_PER_MINUTE|again/i);
    } finally {
      sandbox.faults.clear();
    }
  });

  it("the key in the wrong variable (JUMPCLOUD_API_KEY_FILE, or JumpCloud PowerShell's JCAPIKEY): the error says so without printing the key", () => {
    const saved = { file: process.env.JUMPCLOUD_API_KEY_FILE, key: process.env.JUMPCLOUD_API_KEY };
    const key = sandbox.jumpcloud.apiKey;
    process.env.JUMPCLOUD_API_KEY_FILE = key;
    delete process.env.JUMPCLOUD_API_KEY;
    try {
      expect(() => jumpCloudSettings()).to.throw(JumpCloudSourceError, /JUMPCLOUD_API_KEY_FILE/);
      try {
        jumpCloudSettings();
      } catch (e) {
        expect((e as Error).message, "the key is not echoed").to.not.include(key);
        expect((e as Error).message).to.include("JUMPCLOUD_API_KEY");
      }
      // The key in JumpCloud PowerShell's variable: the error names it (not its value) and ours.
      delete process.env.JUMPCLOUD_API_KEY_FILE;
      process.env.JCAPIKEY = key;
      expect(() => jumpCloudSettings()).to.throw(JumpCloudSourceError, /JCAPIKEY is set .* this package reads JUMPCLOUD_API_KEY/);
    } finally {
      delete process.env.JCAPIKEY;
      if (saved.file === undefined) delete process.env.JUMPCLOUD_API_KEY_FILE;
      else process.env.JUMPCLOUD_API_KEY_FILE = saved.file;
      if (saved.key !== undefined) process.env.JUMPCLOUD_API_KEY = saved.key;
    }
  });
});
