import { expect } from "chai";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startSandbox, type Sandbox } from "../../provider/sandbox";
import { RootProjectStack } from "../support/rootProject";
import { entraGroupsNamed, entraMembers, googleMembers, writeRequests } from "../support/sandboxViews";
import { memberLineChanges } from "../support/previewText";

const PEOPLE = ["alice", "bob", "carol", "dave"].map((n) => `${n}@example.com`);

function groupsYaml(engineering: string[]): string {
  return [
    "version: 1",
    "groups:",
    "  - name: Engineering",
    "    email: engineering@example.com",
    "    users:",
    ...engineering.map((u) => `      - ${u}`),
    "  - name: Sales",
    "    email: sales@example.com",
    "    entraDisplayName: Sales Team",
    "    membershipMode: additive",
    "    users: [carol@example.com]",
  ].join("\n");
}

describe("the root project exports a groups file through the real Pulumi CLI", function () {
  let sandbox: Sandbox;
  let stack: RootProjectStack;
  const dir = mkdtempSync(join(tmpdir(), "group-export-groups-file-"));
  const yamlFile = join(dir, "groups.yaml");

  before(async function () {
    sandbox = await startSandbox({
      google: { domains: ["example.com"], admins: ["admin@example.com"], users: PEOPLE.map((primaryEmail) => ({ primaryEmail })) },
      entra: { users: PEOPLE.map((userPrincipalName) => ({ userPrincipalName })) },
    });
    writeFileSync(yamlFile, groupsYaml(["alice@example.com", "bob@example.com"]));
    stack = await RootProjectStack.create(sandbox, "test-groups-file", { groupsFile: yamlFile, googleDomains: "example.com", entraTenantId: sandbox.entra.tenantId });
  });
  after(async () => {
    stack?.close();
    await sandbox?.close();
  });

  it("previews the file's groups (writing nothing), then up exports them", async () => {
    const preview = await stack.workspace.preview();
    expect(preview.code, preview.output).to.equal(0);
    expect(preview.output).to.match(/\+ 13 to create/);
    expect(writeRequests(sandbox), "preview writes nothing").to.deep.equal([]);
    const up = await stack.workspace.up();
    expect(up.code, up.output).to.equal(0);
    expect(googleMembers(sandbox, "engineering@example.com")).to.deep.equal(["alice@example.com", "bob@example.com"]);
    expect(googleMembers(sandbox, "sales@example.com")).to.deep.equal(["carol@example.com"]);
    const [salesTeam] = entraGroupsNamed(sandbox, "Sales Team");
    expect(entraMembers(sandbox, salesTeam!.id)).to.deep.equal(["carol@example.com"]);
  });

  it("an edit of one member in the file previews exactly that member change (and its length is measured)", async () => {
    writeFileSync(yamlFile, groupsYaml(["alice@example.com", "bob@example.com", "dave@example.com"]));
    const before = writeRequests(sandbox).length;
    const preview = await stack.workspace.preview();
    expect(preview.code, preview.output).to.equal(0);
    // One user group exported to two directories: its two bindings change, nothing else.
    expect(memberLineChanges(preview.stdout)).to.deep.equal(["+ dave@example.com", "+ dave@example.com"]);
    expect(preview.output).to.match(/~ 2 to update/);
    expect(preview.output).to.match(/11 unchanged/);
    expect(preview.output).to.not.match(/to create|to delete|to replace/);
    expect(writeRequests(sandbox).length, "preview writes nothing").to.equal(before);
    const plain = await stack.workspace.run(["preview"]);
    expect(plain.code, plain.output).to.equal(0);
    console.log(`      [measure] one-member change: \`pulumi preview --diff\` ${preview.stdout.trimEnd().split("\n").length} lines, \`pulumi preview\` ${plain.stdout.trimEnd().split("\n").length} lines`);
    const up = await stack.workspace.up();
    expect(up.code, up.output).to.equal(0);
    expect(googleMembers(sandbox, "engineering@example.com")).to.deep.equal(["alice@example.com", "bob@example.com", "dave@example.com"]);
    const [engineering] = entraGroupsNamed(sandbox, "Engineering");
    expect(entraMembers(sandbox, engineering!.id)).to.deep.equal(["alice@example.com", "bob@example.com", "dave@example.com"]);
  });

  it("the same groups as a flat CSV export preview no change", async () => {
    const csvFile = join(dir, "groups.csv");
    writeFileSync(
      csvFile,
      [
        "group,user,email,entraDisplayName,membershipMode",
        "Engineering,alice@example.com,engineering@example.com,,",
        "Engineering,bob@example.com,,,",
        "Engineering,dave@example.com,,,",
        "Sales,carol@example.com,sales@example.com,Sales Team,additive",
      ].join("\n"),
    );
    await stack.workspace.setConfig({ "group-export:groupsFile": { value: csvFile, secret: false } });
    const preview = await stack.workspace.run(["preview", "--diff", "--expect-no-changes"]);
    expect(preview.code, preview.output).to.equal(0);
    expect(preview.output).to.match(/13 unchanged/);
    await stack.workspace.setConfig({ "group-export:groupsFile": { value: yamlFile, secret: false } });
  });

  it("a bad groups file fails the preview with file, line, field and fix, and no stack trace", async () => {
    writeFileSync(yamlFile, groupsYaml(["alice@example.com", "bob@"]));
    const preview = await stack.workspace.preview();
    expect(preview.code).to.not.equal(0);
    expect(preview.output).to.include('groups.yaml:7:9: groups[0].users[1]: "bob@" is not an email address. Fix: write the user\'s full address, e.g. bob@example.com');
    expect(preview.output).to.not.match(/at .*\.js:\d+:\d+\)/);
  });

  it("users missing from a directory fail the preview once, at the binding, without the engine's shutdown noise", async () => {
    writeFileSync(yamlFile, groupsYaml(["alice@example.com", "nobody@example.com"]));
    const preview = await stack.workspace.preview();
    expect(preview.code).to.not.equal(0);
    expect(preview.output).to.match(/user\(s\) not found in (google|entra):\S+: nobody@example\.com; fix the user group or create the users/);
    // The stack's outputs wait for every binding: no output registration is left in flight when the engine stops at the failed check.
    expect(preview.output).to.not.match(/failed to deliver log message|Channel has been shut down|UNAVAILABLE/);
    expect(preview.output).to.not.match(/at .*\.(js|ts):\d+:\d+\)/);
  });
});

/**
 * Names the directories compare or limit differently from the file: found at preview, at the
 * file's line, with the fix, before anything is written (also without a preview). Inputs a new
 * user meets: an Entra display name given in another case than a group's name, a long user
 * group name exported to Google (75 characters at most there), names in a non-Latin script.
 */
describe("names the directories compare or limit differently fail at the groups file's line (real Pulumi CLI)", function () {
  let sandbox: Sandbox;
  let stack: RootProjectStack;
  const yamlFile = join(mkdtempSync(join(tmpdir(), "group-export-groups-file-names-")), "groups.yaml");
  const directories = () => JSON.stringify([sandbox.google.tenant.groups.map((g) => [g.email, g.members]), sandbox.entra.tenant.groups.map((g) => [g.displayName, g.members])]);

  before(async function () {
    sandbox = await startSandbox({
      google: { domains: ["example.com"], admins: ["admin@example.com"], users: PEOPLE.map((primaryEmail) => ({ primaryEmail })) },
      entra: { users: PEOPLE.map((userPrincipalName) => ({ userPrincipalName })) },
    });
    stack = await RootProjectStack.create(sandbox, "test-groups-file-names", { groupsFile: yamlFile, googleDomains: "example.com", entraTenantId: sandbox.entra.tenantId });
  });
  after(async () => {
    stack?.close();
    await sandbox?.close();
  });

  it("two user groups whose Entra display names, or mail nicknames, differ only in case fail at the file's lines (Entra compares them case-insensitively), with or without a preview; nothing is written", async () => {
    writeFileSync(yamlFile, [
      "version: 1",
      "groups:",
      "  - name: Alpha",
      "    email: alpha@example.com",
      "    users: [alice@example.com]",
      "  - name: Alpha operations",
      "    entraDisplayName: ALPHA",
      "    exportTo: [entra]",
      "    users: [bob@example.com]",
    ].join("\n"));
    const before = directories();
    const preview = await stack.workspace.preview();
    expect(preview.code).to.not.equal(0);
    expect(preview.output).to.include('user groups "Alpha" (groups.yaml:3) and "Alpha operations" (groups.yaml:6) would both be the Entra group "Alpha"');
    expect(preview.output).to.include("set entraDisplayName");
    expect(preview.output, "said once, not as a binding conflict").to.not.match(/is also bound by GroupBinding/);
    expect(preview.output).to.not.match(/at .*\.(js|ts):\d+:\d+\)/);
    const up = await stack.workspace.up();
    expect(up.code).to.not.equal(0);
    expect(up.output).to.include('would both be the Entra group "Alpha"');
    expect(directories(), "nothing written").to.equal(before);

    // Two mail nicknames that differ only in case: Graph would refuse the second group at apply.
    writeFileSync(yamlFile, [
      "version: 1",
      "groups:",
      "  - name: Alpha",
      "    email: alpha@example.com",
      "    entraMailNickname: alpha",
      "    users: [alice@example.com]",
      "  - name: Beta",
      "    entraMailNickname: ALPHA",
      "    exportTo: [entra]",
      "    users: [bob@example.com]",
    ].join("\n"));
    for (const run of [await stack.workspace.preview(), await stack.workspace.up()]) {
      expect(run.code).to.not.equal(0);
      expect(run.output).to.include('user groups "Alpha" (groups.yaml:3) and "Beta" (groups.yaml:7) have the same entraMailNickname "ALPHA"');
      expect(run.output).to.include("give one of the two a nickname of its own");
    }
    expect(directories(), "nothing written").to.equal(before);
  });

  it("a user group name longer than Google's 75 characters fails at the file's line with the fix (googleName); with googleName it exports, the Entra group keeping the full name", async () => {
    const long = `Customer Success and Technical Account Management for Enterprise Accounts EMEA`;
    expect(long.length).to.be.greaterThan(75);
    const file = (extra: string[]) => ["version: 1", "groups:", `  - name: ${long}`, "    email: csm-emea@example.com", ...extra, "    users: [alice@example.com, bob@example.com]"].join("\n");
    writeFileSync(yamlFile, file([]));
    const before = directories();
    const up = await stack.workspace.up();
    expect(up.code).to.not.equal(0);
    expect(up.output).to.include(`user group "${long}" (groups.yaml:3) has a name of ${long.length} characters, longer than the 75 a Google group's name may have`);
    expect(up.output).to.include("set googleName");
    expect(directories(), "nothing written").to.equal(before);

    writeFileSync(yamlFile, file(["    googleName: Customer Success EMEA"]));
    const exported = await stack.workspace.upWithPreview();
    expect(exported.code, exported.output).to.equal(0);
    expect(sandbox.google.tenant.groups.find((g) => g.email === "csm-emea@example.com")?.name).to.equal("Customer Success EMEA");
    expect(googleMembers(sandbox, "csm-emea@example.com")).to.deep.equal(["alice@example.com", "bob@example.com"]);
    const [entra] = entraGroupsNamed(sandbox, long);
    expect(entraMembers(sandbox, entra!.id)).to.deep.equal(["alice@example.com", "bob@example.com"]);
    const clean = await stack.workspace.preview("--refresh", "--expect-no-changes");
    expect(clean.code, clean.output).to.equal(0);
  });

  it("a group email that is a user's address or alias fails at preview naming the group, the cause and the fix (users' read-only scope), also with no preview; without that scope, at Google's 409; no Google group is made", async () => {
    const dave = sandbox.google.tenant.users.find((u) => u.primaryEmail === "dave@example.com")!;
    dave.aliases = [...new Set([...dave.aliases, "dave.alias@example.com"])];
    const groupAt = (email: string) => ["version: 1", "groups:", "  - name: Dave's team", `    email: ${email}`, "    users: [alice@example.com]"].join("\n");
    // With admin.directory.user.readonly delegated (the sandbox's default, docs/guides/credentials.md), the check looks the address up among users.
    for (const [email, cause] of [
      ["dave@example.com", "dave@example.com is the address of a user in Google Workspace, not a group's: a group cannot take it. Fix: give the group an address of its own"],
      ["Dave.Alias@example.com", "dave.alias@example.com is an alias of the user dave@example.com in Google Workspace, not a group's: a group cannot take it. Fix: give the group an address of its own"],
    ] as const) {
      writeFileSync(yamlFile, groupAt(email));
      sandbox.resetRequestCounts();
      const preview = await stack.workspace.preview();
      expect(preview.code, preview.output).to.not.equal(0);
      expect(preview.output, preview.output).to.include("groups-dave-s-team-google").and.to.include(cause);
      const up = await stack.workspace.up();
      expect(up.code, up.output).to.not.equal(0);
      expect(up.output, "the same answer with no preview").to.include(cause);
      expect(writeRequests(sandbox).filter((w) => /admin\/directory|groups\/v1/.test(w)), "no Google write").to.deep.equal([]);
      expect(sandbox.google.tenant.groups.filter((g) => g.email === email.toLowerCase())).to.have.length(0);
    }
    // Without the optional scope nothing is known at preview: the apply says it at Google's 409.
    writeFileSync(yamlFile, groupAt("dave@example.com"));
    const delegated = sandbox.google.tenant.delegatedScopes;
    sandbox.google.tenant.delegatedScopes = delegated.filter((s) => !s.endsWith("/admin.directory.user.readonly"));
    try {
      const up = await stack.workspace.up();
      expect(up.code).to.not.equal(0);
      expect(up.output).to.include("the address dave@example.com is already taken in Google Workspace, and not by a group: it is a user's address or one of a user's aliases");
      expect(up.output).to.include("Fix: give the group an address of its own");
      expect(up.output, "not the generic refusal").to.not.include("check the inputs the answer names");
      expect(sandbox.google.tenant.groups.filter((g) => g.email === "dave@example.com")).to.have.length(0);
    } finally {
      sandbox.google.tenant.delegatedScopes = delegated;
    }
  });

  // Resource names come from the user group's name (provider/groups/userGroupIndex.ts resourceBase):
  // 0.1.0 dropped every letter outside a-z, so two names in another script were both "group" and
  // the export was refused as "names that differ only in case or punctuation".
  it("two user groups named in a non-Latin script (営業, 開発) are both exported, and one renamed keeps its groups", async () => {
    writeFileSync(yamlFile, [
      "version: 1",
      "groups:",
      "  - name: 営業",
      "    email: sales-jp@example.com",
      "    users: [alice@example.com]",
      "  - name: 開発",
      "    email: dev-jp@example.com",
      "    users: [bob@example.com]",
    ].join("\n"));
    const up = await stack.workspace.upWithPreview();
    expect(up.code, up.output).to.equal(0);
    expect(googleMembers(sandbox, "sales-jp@example.com")).to.deep.equal(["alice@example.com"]);
    expect(googleMembers(sandbox, "dev-jp@example.com")).to.deep.equal(["bob@example.com"]);
    expect(entraGroupsNamed(sandbox, "営業")).to.have.length(1);
    expect(entraGroupsNamed(sandbox, "開発")).to.have.length(1);
    const salesId = entraGroupsNamed(sandbox, "営業")[0]!.id;
    // Renamed in place (its email identifies it): no group made or deleted, the Entra group renamed.
    writeFileSync(yamlFile, readFileSync(yamlFile, "utf8").replace("name: 営業", "name: 営業部"));
    const rename = await stack.workspace.upWithPreview();
    expect(rename.code, rename.output).to.equal(0);
    expect(rename.output, "renamed in place").to.not.match(/\d+ (to )?(create|delete)/);
    expect(entraGroupsNamed(sandbox, "営業部").map((g) => g.id)).to.deep.equal([salesId]);
    expect(googleMembers(sandbox, "sales-jp@example.com")).to.deep.equal(["alice@example.com"]);
    const clean = await stack.workspace.run(["preview", "--refresh", "--expect-no-changes"]);
    expect(clean.code, clean.output).to.equal(0);
  });
});
