import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { startSandbox, type Sandbox } from "../../provider/sandbox";
import { decodeBindingTarget, decodeManagementRef } from "../../provider/resources/referenceText";
import { RootProjectStack } from "../support/rootProject";
import { googleMembers } from "../support/sandboxViews";
import { memberLineChanges } from "../support/previewText";

/**
 * Issue 12, item 7: a pull-request preview of a one-member change fits on a screen, whatever
 * the size of the group and of the organisation. Groups and bindings carry their directory's
 * management, and bindings their target group, as one line each (not a six-to-eight-line block
 * per resource); a binding carries its members as a list of lines, which `--diff` shows as a
 * line diff (the changed member with two neighbours on each side), not as every member of a
 * map. States written before, with the blocks and the member maps, keep working with no change
 * shown.
 */

/**
 * An organisation of a realistic size: Engineering has 150 members, and 20 more small groups
 * sit beside it, so what a preview prints per member or per group shows in the line count.
 */
const ENGINEERING = ["alice", "bob", "carol", ...Array.from({ length: 147 }, (_, i) => `member-${String(i).padStart(3, "0")}`)].map((n) => `${n}@example.com`);
const PEOPLE = [...ENGINEERING, "dave@example.com"];
const TEAMS = Array.from({ length: 20 }, (_, i) => `Team ${String(i).padStart(2, "0")}`);
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
    ...TEAMS.flatMap((team, i) => [`  - name: ${team}`, `    email: team-${i}@example.com`, `    users: [${ENGINEERING[i]}]`]),
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
    writeFileSync(groupsFile, groupsYaml(ENGINEERING));
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
    expect(bindings).to.have.length(2 * (2 + TEAMS.length));
    for (const r of bindings) {
      expect(r.inputs.management).to.be.a("string").and.match(/^(google:my_customer \[example\.com\]|entra:[0-9a-f-]{36})$/);
      expect(r.inputs.target).to.be.a("string").and.match(/^\S.* \((google|entra):\S+ group \S+\)$/);
    }
  });

  it("a one-member change: the member is shown, each binding in a screenful, preview and --diff under their bounds", async () => {
    writeFileSync(groupsFile, groupsYaml([...ENGINEERING, "dave@example.com"]));
    const diff = await stack.workspace.run(["preview", "--diff"]);
    expect(diff.code, diff.output).to.equal(0);
    const plain = await stack.workspace.run(["preview"]);
    expect(plain.code, plain.output).to.equal(0);
    if (process.env.SHOW_PREVIEW) console.log(diff.stdout);
    console.log(`      [measure] one-member change: \`pulumi preview --diff\` ${lines(diff.stdout).length} lines, \`pulumi preview\` ${lines(plain.stdout).length} lines`);

    expect(memberLineChanges(diff.stdout), "dave added to both directories' groups, and no other member line").to.deep.equal(["+ dave@example.com", "+ dave@example.com"]);
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
    expect(googleMembers(sandbox, "engineering@example.com")).to.deep.equal([...PEOPLE].sort());
    const again = await stack.workspace.run(["preview", "--diff", "--expect-no-changes"]);
    expect(again.code, again.output).to.equal(0);
  });

  it("reads states with the management and target blocks and the member maps of earlier releases, shows no change for them, and a refresh rewrites them as lines", async () => {
    const exported = JSON.parse((await stack.workspace.ok(["stack", "export"])).stdout) as { deployment: { resources: StateResource[] } };
    let rewritten = 0;
    let memberMaps = 0;
    for (const r of exported.deployment.resources) {
      for (const props of [r.inputs, r.outputs]) {
        if (typeof props?.management === "string") {
          props.management = decodeManagementRef(props.management);
          rewritten++;
        }
        if (typeof props?.target === "string") props.target = decodeBindingTarget(props.target);
      }
      // Releases up to 0.2 stored a binding's members as a map in its inputs.
      if (typeof r.inputs?.members === "string") {
        r.inputs.members = Object.fromEntries(r.inputs.members.split("\n").filter(Boolean).map((key) => [key, "member"]));
        memberMaps++;
      }
    }
    expect(rewritten).to.equal(2 * 4 * (2 + TEAMS.length)); // groups and bindings in both directories, inputs and outputs
    expect(memberMaps).to.equal(2 * (2 + TEAMS.length));
    const file = join(mkdtempSync(join(tmpdir(), "group-export-state-")), "state.json");
    writeFileSync(file, JSON.stringify(exported));
    await stack.workspace.ok(["stack", "import", "--file", file]);
    const preview = await stack.workspace.run(["preview", "--diff", "--expect-no-changes"]);
    expect(preview.code, preview.output).to.equal(0);
    // The stack, the provider, two managements, the user-group index, groups and bindings.
    expect(preview.stdout).to.match(new RegExp(`${1 + 1 + 2 + 1 + 4 * (2 + TEAMS.length)} unchanged`));
    // A refresh writes them back as lines (so does the next update of each resource).
    expect((await stack.workspace.refresh()).code).to.equal(0);
    const after = JSON.parse((await stack.workspace.ok(["stack", "export"])).stdout) as { deployment: { resources: StateResource[] } };
    for (const r of after.deployment.resources.filter((r) => r.type.endsWith(":GroupBinding"))) {
      expect(r.inputs.management, r.type).to.be.a("string");
      expect(r.inputs.target, r.type).to.be.a("string");
      expect(r.inputs.members, r.type).to.be.a("string");
    }
    const clean = await stack.workspace.run(["preview", "--diff", "--expect-no-changes"]);
    expect(clean.code, clean.output).to.equal(0);
  });
});
