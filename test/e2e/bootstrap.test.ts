import { expect } from "chai";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startSandbox, type Sandbox } from "../../provider/sandbox";
import { GROUP_SETTINGS_DEFAULTS } from "../../provider/sandbox/google/settingsSchema";
import { REPO_ROOT } from "../support/pulumiCli";
import { RootProjectStack } from "../support/rootProject";
import { entraGroupsNamed, entraMembers, googleMembers, writeRequests } from "../support/sandboxViews";

const ID = (n: number) => `00000000-0000-4000-8000-00000000000${n}`;
const PEOPLE = ["alice", "bob", "carol", "dave"];

/** Runs the bootstrap command (asynchronously: the sandbox answers from this process). */
function bootstrap(sandbox: Sandbox, args: string[]): Promise<{ code: number | null; output: string }> {
  const settings = Object.entries(sandbox.providerConfig()).flatMap(([key, { value }]) => ["--setting", `${key}=${value}`]);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(REPO_ROOT, "node_modules/tsx/dist/cli.mjs"), join(REPO_ROOT, "provider/bootstrap/cli.ts"), ...args, ...settings], { env: { ...process.env, ...sandbox.env() } });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d));
    child.stderr.on("data", (d: Buffer) => (output += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, output }));
  });
}

describe("bootstrap: a groups file from the groups that exist, adopted with no change (a round trip that writes nothing)", function () {
  let sandbox: Sandbox;
  let stack: RootProjectStack;
  const out = join(mkdtempSync(join(tmpdir(), "group-export-bootstrap-")), "groups.yaml");

  before(async function () {
    sandbox = await startSandbox({
      google: {
        domains: ["example.com"],
        admins: ["admin@example.com"],
        users: PEOPLE.map((p) => ({ primaryEmail: `${p}@example.com`, ...(p === "dave" ? { aliases: ["david@example.com"] } : {}) })),
        groups: [
          { email: "engineering@example.com", name: "Engineering", members: [{ email: "alice@example.com", role: "OWNER", type: "USER" }, { email: "bob@example.com", role: "MEMBER", type: "USER" }] },
          { email: "sales@example.com", name: "Sales", description: "Account executives", members: [{ email: "carol@example.com", role: "MEMBER", type: "USER" }] },
          // Every kind of member and role bootstrap can meet, an alias and settings of its own.
          {
            email: "partners@example.com",
            name: "Partners",
            description: "People outside",
            aliases: ["friends@example.com"],
            settings: { ...GROUP_SETTINGS_DEFAULTS, whoCanPostMessage: "ANYONE_CAN_POST", allowExternalMembers: "true", whoCanJoin: "CAN_REQUEST_TO_JOIN" },
            members: [
              { email: "partner@gmail.com", type: "EXTERNAL" },
              { email: "dave@example.com", role: "MANAGER", type: "USER" },
              { email: "engineering@example.com", type: "GROUP" },
              { type: "CUSTOMER" },
            ],
          },
          // Two Google groups of one name: user group names are unique, so the second is named by its address too.
          { email: "team@example.com", name: "Team", members: [{ email: "alice@example.com", type: "USER" }] },
          { email: "team2@example.com", name: "Team", members: [{ email: "bob@example.com", type: "USER" }] },
        ],
      },
      entra: {
        users: [
          ...PEOPLE.map((p, i) => ({ id: ID(i + 1), userPrincipalName: `${p}@example.com` })),
          { id: ID(9), userPrincipalName: "guest_partner.org#EXT#@example.onmicrosoft.com", mail: "guest@partner.org" },
        ],
        servicePrincipals: [{ id: ID(8), displayName: "deploy-bot" }],
        groups: [
          { displayName: "Engineering", members: [ID(1), ID(2)] },
          { displayName: "Sales", mailNickname: "sales-team", description: "Sellers", members: [ID(3), ID(4)] },
          { displayName: "Ops", mailNickname: "ops", description: "Operations", members: [ID(4), ID(9), ID(8)] },
        ],
      },
    });
  });
  after(async () => {
    stack?.close();
    await sandbox?.close();
  });

  it("writes a groups file of what exists, reading only", async () => {
    const r = await bootstrap(sandbox, ["--google-customer", "my_customer", "--entra-tenant", sandbox.entra.tenantId, "--out", out]);
    expect(r.code, r.output).to.equal(0);
    expect(r.output).to.include("wrote");
    expect(writeRequests(sandbox), "bootstrap writes nothing").to.deep.equal([]);
    const text = readFileSync(out, "utf8");
    // Engineering is the same group on both sides (name and members): one user group for both.
    expect(text).to.match(/- name: Engineering\n\s+email: engineering@example.com\n\s+users:\n\s+- alice@example.com\n\s+- bob@example.com\n/);
    // Sales differs (members): one user group per side; the Entra one keeps its name.
    expect(text).to.include("name: Sales (Entra)");
    expect(text).to.include("entraDisplayName: Sales");
    expect(text).to.include("name: Ops");
    // An external member is a user of the user group (a person); nested groups and the customer are kept.
    expect(text).to.match(/- name: Partners[\s\S]*- partner@gmail\.com/);
    expect(text).to.include("non-user member(s) (engineering@example.com, CUSTOMER) are kept by the binding");
    // The second "Team" is named by its address and keeps its Google name.
    expect(text).to.match(/- name: Team \(team2@example\.com\)\n\s+googleName: Team\n/);
    // A guest is listed by its user principal name.
    expect(text).to.include("guest_partner.org#ext#@example.onmicrosoft.com");
  });

  for (const way of ["preview first", "no preview"] as const) {
    it(`the first preview adopts every group and changes no member; up (${way}) writes nothing at all; state agrees with the directories`, async () => {
      const stackName = `test-bootstrap-${way === "preview first" ? "p" : "n"}`;
      stack = await RootProjectStack.create(sandbox, stackName, { groupsFile: out, googleDomains: "example.com", entraTenantId: sandbox.entra.tenantId });
      const preview = await stack.workspace.preview();
      expect(preview.code, preview.output).to.equal(0);
      expect(preview.stdout.split("\n").filter((l) => /^\s*[-+]\s+"?[\w.+-]+@[\w.-]+"?\s*:/.test(l)), "no member added or removed").to.deep.equal([]);
      expect(preview.stdout).to.not.match(/remove from|settings to change|aliases to remove/);
      expect(preview.stdout).to.not.match(/adoption\s*:\s*"create/);
      const adoptions = preview.stdout.match(/adoption\s*:\s*"adopt existing group/g) ?? [];
      expect(adoptions.length, preview.stdout).to.equal(8);
      const before = writeRequests(sandbox).length;
      const up = way === "preview first" ? await stack.workspace.upWithPreview() : await stack.workspace.automationUp(stackName);
      expect(up.code, up.output).to.equal(0);
      expect(writeRequests(sandbox).slice(before), "adopting what bootstrap wrote changes nothing: no write at all").to.deep.equal([]);
      expect(googleMembers(sandbox, "partners@example.com")).to.deep.equal(["", "dave@example.com", "engineering@example.com", "partner@gmail.com"]);
      expect(entraMembers(sandbox, entraGroupsNamed(sandbox, "Sales")[0]!.id)).to.deep.equal(["carol@example.com", "dave@example.com"]);
      const clean = await stack.workspace.preview("--refresh", "--expect-no-changes");
      expect(clean.code, clean.output).to.equal(0);
      const again = await stack.workspace.up();
      expect(again.code, again.output).to.equal(0);
      expect(writeRequests(sandbox).slice(before), "a second up writes nothing either").to.deep.equal([]);
      stack.close();
    });
  }
});
