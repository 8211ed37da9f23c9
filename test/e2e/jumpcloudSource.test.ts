import { expect } from "chai";
import { readFileSync } from "node:fs";
import { startSandbox, type JumpCloudOrgSeed, type Sandbox } from "../../provider/sandbox";
import { RootProjectStack } from "../support/rootProject";
import { entraGroupsNamed, entraMembers, googleGroup, googleMembers, writeRequests } from "../support/sandboxViews";
import { memberLineChanges } from "../support/previewText";

/**
 * JumpCloud as the source, end to end: the root project with `group-export:source jumpcloud`
 * reads the sandbox's JumpCloud organisation (the program runs it at preview and up) and
 * exports the user groups bound to its Google Workspace and Microsoft 365 directories through
 * the real Pulumi CLI.
 */

const PEOPLE = ["alice", "bob", "carol", "dave", "erin"].map((n) => `${n}@example.com`);

const ORG: JumpCloudOrgSeed = {
  apiKey: "jc-e2e-key-5f1a9c0d7e3b4a2c",
  directories: [
    { name: "Acme Google", type: "g_suite", defaultDomain: "example.com" },
    { name: "Acme M365", type: "office_365" },
    { name: "JumpCloud LDAP", type: "ldap_server" },
  ],
  users: PEOPLE.map((email) => ({ email })),
  userGroups: [
    { name: "Engineering", description: "Everyone who builds the product", email: "engineering@example.com", members: ["alice@example.com", "bob@example.com"], boundTo: ["Acme Google", "Acme M365"] },
    { name: "Sales", email: "sales@example.com", members: ["carol@example.com"], boundTo: ["Acme Google"] },
    // Bound to Google without an email: the case JumpCloud's guide warns about.
    { name: "Support", members: ["dave@example.com"], boundTo: ["Acme Google", "Acme M365"] },
    // Bound to no exported directory: not exported.
    { name: "Contractors", email: "contractors@example.com", members: ["erin@example.com"], boundTo: ["JumpCloud LDAP"] },
  ],
};

/** Lines of a preview's `removals` maps: `+ bob@example.com : "remove from Engineering"` and the like. */
function removalLines(output: string): string[] {
  return output.split("\n").filter((l) => /^\s*[-+~]\s+"?[\w.+-]+@[\w.-]+"?\s*:/.test(l)).map((l) => l.trim().replace(/\s+/g, " ").replace(" :", ":"));
}

describe("JumpCloud as the source: the root project through the real Pulumi CLI", function () {
  let sandbox: Sandbox;
  let stack: RootProjectStack;

  before(async function () {
    sandbox = await startSandbox({
      google: { domains: ["example.com"], admins: ["admin@example.com"], users: PEOPLE.map((primaryEmail) => ({ primaryEmail })) },
      entra: { users: PEOPLE.map((userPrincipalName) => ({ userPrincipalName })) },
      jumpcloud: ORG,
    });
    stack = await RootProjectStack.create(sandbox, "test-jumpcloud", { googleDomains: "example.com", entraTenantId: sandbox.entra.tenantId });
    await stack.workspace.setConfig({ "group-export:source": { value: "jumpcloud", secret: false }, ...sandbox.jumpcloud.programConfig() });
  });
  after(async () => {
    stack?.close();
    await sandbox?.close();
  });

  it("a user group bound to Google without an email fails the preview, naming it, JumpCloud's warning and the fix; nothing is written", async () => {
    const preview = await stack.workspace.preview();
    expect(preview.code, preview.output).to.not.equal(0);
    expect(preview.output).to.match(/user group "Support" \(JumpCloud [0-9a-f]{24}\) has no email: a Google group needs the distribution group's address, and this one was never exported/);
    expect(preview.output).to.contain("users of a group bound without an address can be suspended");
    expect(preview.output).to.contain("the Email Address attribute in JumpCloud");
    expect(preview.output, "only the problem, no stack trace").to.not.match(/at .*\.js:\d+:\d+\)/);
    expect(writeRequests(sandbox)).to.deep.equal([]);
  });

  it('with onMissingEmail skip, the preview warns about that group and plans the bound groups; up exports them', async () => {
    await stack.workspace.setConfig({ "group-export:jumpcloudOnMissingEmail": { value: "skip", secret: false } });
    const preview = await stack.workspace.preview();
    expect(preview.code, preview.output).to.equal(0);
    expect(preview.output).to.match(/warning: JumpCloud user group "Support" \([0-9a-f]{24}\) is bound to the Google Workspace directory "Acme Google" but has no email address/);
    // Engineering to both, Sales to Google, Support to Entra and waiting for its email in Google; Contractors (LDAP) nowhere:
    // 2 directories + 5 groups + 5 bindings + the component, its index and the stack.
    expect(preview.output).to.match(/\+ 15 to create/);
    expect(preview.stdout).to.match(/groups-support-google[\s\S]*\(waiting: [^)]*\) \(released: user group \\"Support\\" \(JumpClou/);
    expect(preview.output).to.not.contain("contractors");
    expect(writeRequests(sandbox), "preview writes nothing").to.deep.equal([]);

    const up = await stack.workspace.up();
    expect(up.code, up.output).to.equal(0);
    expect(googleMembers(sandbox, "engineering@example.com")).to.deep.equal(["alice@example.com", "bob@example.com"]);
    expect(googleGroup(sandbox, "engineering@example.com")?.description).to.equal("Everyone who builds the product");
    expect(googleMembers(sandbox, "sales@example.com")).to.deep.equal(["carol@example.com"]);
    expect(googleGroup(sandbox, "contractors@example.com")).to.equal(undefined);
    const [engineering] = entraGroupsNamed(sandbox, "Engineering");
    expect(entraMembers(sandbox, engineering!.id)).to.deep.equal(["alice@example.com", "bob@example.com"]);
    const [support] = entraGroupsNamed(sandbox, "Support");
    expect(entraMembers(sandbox, support!.id)).to.deep.equal(["dave@example.com"]);
    expect(entraGroupsNamed(sandbox, "Sales"), "Sales is bound to Google only").to.deep.equal([]);
  });

  it("a membership change made in JumpCloud previews as exactly that change; up applies it; the next preview is clean", async () => {
    sandbox.jumpcloud.userGroup("Engineering").members.push("erin@example.com");
    sandbox.resetRequestCounts();
    const before = writeRequests(sandbox).length;
    const preview = await stack.workspace.preview();
    expect(preview.code, preview.output).to.equal(0);
    // The read: directories, the groups bound to each of the two, the user groups, the users,
    // and the membership of each of the 3 bound groups: one request each (all under 100).
    const jumpcloudRequests = Object.entries(sandbox.requestCounts()).filter(([k]) => k.startsWith("GET /api/"));
    expect(Object.fromEntries(jumpcloudRequests)).to.deep.equal({
      "GET /api/v2/directories": 1,
      "GET /api/v2/gsuites/:id/usergroups": 1,
      "GET /api/v2/office365s/:id/usergroups": 1,
      "GET /api/v2/usergroups": 1,
      "GET /api/systemusers": 1,
      "GET /api/v2/usergroups/:id/membership": 3,
    });
    console.log(`      [measure] JumpCloud-side one-member change: \`pulumi preview --diff\` ${preview.stdout.trimEnd().split("\n").length} lines; ${jumpcloudRequests.reduce((n, [, c]) => n + c, 0)} JumpCloud requests per program run`);
    // One user group bound to two directories: its two bindings change, nothing else.
    expect(memberLineChanges(preview.stdout)).to.deep.equal(["+ erin@example.com", "+ erin@example.com"]);
    expect(preview.output).to.match(/~ 2 to update/);
    expect(preview.output).to.not.match(/to create|to delete|to replace/);
    expect(writeRequests(sandbox).length, "preview writes nothing").to.equal(before);

    const up = await stack.workspace.up();
    expect(up.code, up.output).to.equal(0);
    expect(googleMembers(sandbox, "engineering@example.com")).to.deep.equal(["alice@example.com", "bob@example.com", "erin@example.com"]);
    const [engineering] = entraGroupsNamed(sandbox, "Engineering");
    expect(entraMembers(sandbox, engineering!.id)).to.deep.equal(["alice@example.com", "bob@example.com", "erin@example.com"]);

    const clean = await stack.workspace.run(["preview", "--expect-no-changes"]);
    expect(clean.code, clean.output).to.equal(0);
  });

  it("a removal in JumpCloud is a visible removal at preview, applied by up", async () => {
    const sales = sandbox.jumpcloud.userGroup("Sales");
    sales.members.push("dave@example.com");
    const engineering = sandbox.jumpcloud.userGroup("Engineering");
    engineering.members.splice(engineering.members.indexOf("bob@example.com"), 1);
    const preview = await stack.workspace.preview();
    expect(preview.code, preview.output).to.equal(0);
    // The removal shows twice per binding: as a `-` member and in `removals` (who the apply will remove, and from where).
    expect(memberLineChanges(preview.stdout).sort()).to.deep.equal(["+ dave@example.com", "- bob@example.com", "- bob@example.com"].sort());
    expect(removalLines(preview.stdout).sort()).to.deep.equal(['+ bob@example.com: "remove from Engineering"', '+ bob@example.com: "remove from engineering@example.com"'].sort());
    const up = await stack.workspace.up();
    expect(up.code, up.output).to.equal(0);
    expect(googleMembers(sandbox, "engineering@example.com")).to.deep.equal(["alice@example.com", "erin@example.com"]);
    expect(googleMembers(sandbox, "sales@example.com")).to.deep.equal(["carol@example.com", "dave@example.com"]);
    expect((await stack.workspace.run(["preview", "--expect-no-changes"])).code).to.equal(0);
  });

  it("the fix the refusal names (an email attribute added in JumpCloud) exports the group to Google; the default mode then passes", async () => {
    sandbox.jumpcloud.userGroup("Support").email = "support@example.com";
    await stack.workspace.run(["config", "rm", "group-export:jumpcloudOnMissingEmail"]);
    const preview = await stack.workspace.preview();
    expect(preview.code, preview.output).to.equal(0);
    expect(preview.output).to.not.contain("has no email address");
    // Its distribution group, waiting until now, is made (a replacement of the placeholder), its binding and the index follow; nothing else changes.
    expect(preview.output).to.match(/\+-1 to replace/);
    expect(preview.output).to.match(/~ 2 to update/);
    expect(preview.output).to.not.match(/to create|to delete/);
    const up = await stack.workspace.up();
    expect(up.code, up.output).to.equal(0);
    expect(googleMembers(sandbox, "support@example.com")).to.deep.equal(["dave@example.com"]);
    expect((await stack.workspace.run(["preview", "--expect-no-changes"])).code).to.equal(0);
  });

  it("the API key is in no state file, stack export or CLI output", async () => {
    const exported = await stack.workspace.ok(["stack", "export", "--show-secrets"]);
    expect(exported.stdout).to.not.contain(ORG.apiKey);
    for (const file of stack.workspace.stateFiles()) expect(readFileSync(file, "utf8"), file).to.not.contain(ORG.apiKey);
    const preview = await stack.workspace.preview();
    expect(preview.output).to.not.contain(ORG.apiKey);
  });

  it("a wrong API key fails the preview with JumpCloud's 401 and the fix, without the key", async () => {
    const org = sandbox.jumpcloud.org;
    sandbox.seedJumpCloud({ ...org, apiKey: "a-rotated-key-000000" });
    // The key file now holds the new key; point the stack at a stale copy, as after a rotation.
    const { writeFileSync } = await import("node:fs");
    const { join, dirname } = await import("node:path");
    const stale = join(dirname(sandbox.jumpcloud.apiKeyPath), "stale-jumpcloud-key");
    writeFileSync(stale, ORG.apiKey!, { mode: 0o600 });
    await stack.workspace.setConfig({ "groupExport:jumpcloudApiKeyFile": { value: stale, secret: false } });
    try {
      const preview = await stack.workspace.preview();
      expect(preview.code).to.not.equal(0);
      expect(preview.output).to.contain("JumpCloud answered 401 to GET /api/v2/directories (Unauthorized: api key user not found)");
      expect(preview.output).to.contain("Fix: the API key is wrong, expired or reset");
      expect(preview.output).to.not.contain(ORG.apiKey).and.not.contain("a-rotated-key-000000");
    } finally {
      await stack.workspace.setConfig(sandbox.jumpcloud.programConfig());
    }
  });
});
