import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { startSandbox, type Sandbox } from "../../provider/sandbox";
import { decodeBindingTarget, decodeManagementRef } from "../../provider/resources/referenceText";
import { RootProjectStack } from "../support/rootProject";
import { googleMembers } from "../support/sandboxViews";

/**
 * Issue 12, item 7: a pull-request preview of a one-member change fits on a screen. Groups and
 * bindings carry their directory's management, and bindings their target group, as one line
 * each (not a six-to-eight-line block per resource); states written before, with the blocks,
 * keep working with no change shown.
 */

const PEOPLE = ["alice", "bob", "carol", "dave"].map((n) => `${n}@example.com`);
/** What fits on a screen: a 50-line terminal less the prompt and command. */
const MAX_DIFF_LINES = 45;
const MAX_PLAIN_LINES = 20;

function groupsYaml(engineering: string[]): string {
  return [
    "version: 1",
    "groups:",
    "  - name: Engineering",
    "    email: engineering@example.com",
    `    users: [${engineering.join(", ")}]`,
    "  - name: Sales",
    "    email: sales@example.com",
    "    users: [carol@example.com]",
  ].join("\n");
}

interface StateResource {
  type: string;
  inputs: Record<string, unknown>;
  outputs: Record<string, unknown>;
}

const lines = (text: string) => text.trimEnd().split("\n");

describe("Previews of a one-member change fit on a screen, through the real Pulumi CLI", function () {
  let sandbox: Sandbox;
  let stack: RootProjectStack;
  const groupsFile = join(mkdtempSync(join(tmpdir(), "group-export-preview-length-")), "groups.yaml");

  before(async function () {
    sandbox = await startSandbox({
      google: { domains: ["example.com"], admins: ["admin@example.com"], users: PEOPLE.map((primaryEmail) => ({ primaryEmail })) },
      entra: { users: PEOPLE.map((userPrincipalName) => ({ userPrincipalName })) },
    });
    writeFileSync(groupsFile, groupsYaml(["alice@example.com", "bob@example.com"]));
    stack = await RootProjectStack.create(sandbox, "test-preview-length", { groupsFile, googleDomains: "example.com", entraTenantId: sandbox.entra.tenantId });
    const up = await stack.workspace.up();
    expect(up.code, up.output).to.equal(0);
  });
  after(async () => {
    stack?.close();
    await sandbox?.close();
  });

  it("stores management and target as one line each", async () => {
    const state = JSON.parse((await stack.workspace.ok(["stack", "export"])).stdout) as { deployment: { resources: StateResource[] } };
    const bindings = state.deployment.resources.filter((r) => r.type.endsWith(":GroupBinding"));
    expect(bindings).to.have.length(4);
    for (const r of bindings) {
      expect(r.inputs.management).to.be.a("string").and.match(/^(google:my_customer \[example\.com\]|entra:[0-9a-f-]{36})$/);
      expect(r.inputs.target).to.be.a("string").and.match(/^\S.* \((google|entra):\S+ group \S+\)$/);
    }
  });

  it("a one-member change: the member is shown, each binding in a screenful, preview and --diff under their bounds", async () => {
    writeFileSync(groupsFile, groupsYaml(["alice@example.com", "bob@example.com", "dave@example.com"]));
    const diff = await stack.workspace.run(["preview", "--diff"]);
    expect(diff.code, diff.output).to.equal(0);
    const plain = await stack.workspace.run(["preview"]);
    expect(plain.code, plain.output).to.equal(0);
    console.log(`      [measure] one-member change: \`pulumi preview --diff\` ${lines(diff.stdout).length} lines, \`pulumi preview\` ${lines(plain.stdout).length} lines`);

    const added = lines(diff.stdout).filter((l) => /^\s*\+\s+dave@example\.com\s*: "member"$/.test(l));
    expect(added, "dave added to both directories' groups").to.have.length(2);
    expect(diff.stdout).to.match(/~ 2 to update/);
    expect(diff.stdout).to.not.match(/to create|to delete|to replace/);
    // One line each, in a form a reader can follow.
    expect(diff.stdout).to.match(/management\s+: "google:my_customer \[example\.com\]"\n/);
    expect(diff.stdout).to.match(/target\s+: "engineering@example\.com \(google:my_customer group \S+\)"\n/);
    expect(diff.stdout).to.match(/target\s+: "Engineering \(entra:[0-9a-f-]{36} group [0-9a-f-]{36}\)"\n/);
    expect(diff.stdout, "no multi-line management or target block").to.not.match(/^\s+(directoryKey|service)\s*:/m);
    expect(lines(diff.stdout).length).to.be.at.most(MAX_DIFF_LINES);
    expect(lines(plain.stdout).length).to.be.at.most(MAX_PLAIN_LINES);
    expect(plain.stdout).to.match(/GroupBinding groups-engineering-google update \[diff: ~members\]/);

    const up = await stack.workspace.up();
    expect(up.code, up.output).to.equal(0);
    expect(googleMembers(sandbox, "engineering@example.com")).to.deep.equal(["alice@example.com", "bob@example.com", "dave@example.com"]);
    const again = await stack.workspace.run(["preview", "--diff", "--expect-no-changes"]);
    expect(again.code, again.output).to.equal(0);
  });

  it("reads states with the management and target blocks of earlier releases, shows no change for them, and a refresh rewrites them as lines", async () => {
    const exported = JSON.parse((await stack.workspace.ok(["stack", "export"])).stdout) as { deployment: { resources: StateResource[] } };
    let rewritten = 0;
    for (const r of exported.deployment.resources) {
      for (const props of [r.inputs, r.outputs]) {
        if (typeof props?.management === "string") {
          props.management = decodeManagementRef(props.management);
          rewritten++;
        }
        if (typeof props?.target === "string") props.target = decodeBindingTarget(props.target);
      }
    }
    expect(rewritten).to.equal(2 * 8); // 4 groups and 4 bindings, inputs and outputs
    const file = join(mkdtempSync(join(tmpdir(), "group-export-state-")), "state.json");
    writeFileSync(file, JSON.stringify(exported));
    await stack.workspace.ok(["stack", "import", "--file", file]);
    const preview = await stack.workspace.run(["preview", "--diff", "--expect-no-changes"]);
    expect(preview.code, preview.output).to.equal(0);
    expect(preview.stdout).to.match(/12 unchanged/);
    // A refresh writes them back as lines (so does the next update of each resource).
    expect((await stack.workspace.refresh()).code).to.equal(0);
    const after = JSON.parse((await stack.workspace.ok(["stack", "export"])).stdout) as { deployment: { resources: StateResource[] } };
    for (const r of after.deployment.resources.filter((r) => r.type.endsWith(":GroupBinding"))) {
      expect(r.inputs.management, r.type).to.be.a("string");
      expect(r.inputs.target, r.type).to.be.a("string");
    }
    const clean = await stack.workspace.run(["preview", "--diff", "--expect-no-changes"]);
    expect(clean.code, clean.output).to.equal(0);
  });
});
