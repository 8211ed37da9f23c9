import { expect } from "chai";
import { mkdtempSync, writeFileSync } from "node:fs";
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
