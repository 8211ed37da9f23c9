import { expect } from "chai";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startSandbox, type Sandbox } from "../../provider/sandbox";
import { bootstrapSeed, runBootstrap as bootstrap } from "../support/bootstrapCli";
import { RootProjectStack } from "../support/rootProject";
import { entraGroupsNamed, entraMembers, googleMembers, writeRequests } from "../support/sandboxViews";

describe("bootstrap: a groups file from the groups that exist, adopted with no change (a round trip that writes nothing)", function () {
  let sandbox: Sandbox;
  let stack: RootProjectStack;
  const out = join(mkdtempSync(join(tmpdir(), "group-export-bootstrap-")), "groups.yaml");

  before(async function () {
    const seed = bootstrapSeed();
    // Two Entra groups of one name: bootstrap cannot tell which one a user group means, so it leaves both out.
    seed.entra!.groups!.push({ displayName: "Twin", members: [] }, { displayName: "Twin", members: [] });
    sandbox = await startSandbox(seed);
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
    expect(text).to.match(/- name: Engineering\n\s+key: google:\w+\n\s+email: engineering@example.com\n\s+users:\n\s+- alice@example.com\n\s+- bob@example.com\n/);
    // Every group carries its identity as its key: renaming it in the file keeps its groups.
    expect(text.match(/^\s+key: (google|entra):\S+$/gm)).to.have.length(7);
    // Sales differs (members): one user group per side; the Entra one keeps its name.
    expect(text).to.include("name: Sales (Entra)");
    expect(text).to.include("entraDisplayName: Sales");
    expect(text).to.include("name: Ops");
    // An external member is a user of the user group (a person); nested groups and the customer are kept.
    expect(text).to.match(/- name: Partners[\s\S]*- partner@gmail\.com/);
    expect(text).to.include("non-user member(s) (engineering@example.com, CUSTOMER) are kept by the binding");
    // The second "Team" is named by its address and keeps its Google name.
    expect(text).to.match(/- name: Team \(team2@example\.com\)\n\s+key: google:\w+\n\s+googleName: Team\n/);
    // Groups sharing a name: one note naming their ids (adoptId takes one), on screen and in the file; none in the file's groups.
    const twins = sandbox.entra.tenant.groups.filter((g) => g.displayName === "Twin").map((g) => g.id);
    const note = `Entra "Twin": 2 security groups share this name (${twins.join(", ")}); left out (adopt one with adoptId in a program)`;
    expect(r.output.split(note).length - 1, "said once on screen").to.equal(1);
    expect(text.split(note).length - 1, "noted once in the file").to.equal(1);
    expect(text).to.not.match(/name: Twin/);
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
