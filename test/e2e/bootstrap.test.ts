import { expect } from "chai";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startSandbox, type Sandbox } from "../../provider/sandbox";
import { bootstrapSeed, runBootstrap as bootstrap } from "../support/bootstrapCli";
import { RootProjectStack } from "../support/rootProject";
import { entraGroupsNamed, entraMembers, googleMembers, writeRequests } from "../support/sandboxViews";


describe("bootstrap: a groups file from the groups that exist, adopted with no change", function () {
  let sandbox: Sandbox;
  let stack: RootProjectStack;
  const out = join(mkdtempSync(join(tmpdir(), "group-export-bootstrap-")), "groups.yaml");

  before(async function () {
    sandbox = await startSandbox(bootstrapSeed());
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
    expect(text).to.match(/- name: Engineering\n\s+email: engineering@example.com\n(\s+entraMailNickname: \S+\n)?\s+users:\n\s+- alice@example.com\n\s+- bob@example.com\n/);
    // Sales differs (members): one user group per side; the Entra one keeps its name and alias.
    expect(text).to.include("name: Sales (Entra)");
    expect(text).to.include("entraDisplayName: Sales");
    expect(text).to.include("entraMailNickname: sales-team");
    expect(text).to.include("name: Ops");
  });

  it("the root project's first preview of that file adopts every group and changes no member; up writes no member", async () => {
    stack = await RootProjectStack.create(sandbox, "test-bootstrap", { groupsFile: out, googleDomains: "example.com", entraTenantId: sandbox.entra.tenantId });
    const preview = await stack.workspace.preview();
    expect(preview.code, preview.output).to.equal(0);
    expect(preview.stdout.split("\n").filter((l) => /^\s*[-+]\s+"?[\w.+-]+@[\w.-]+"?\s*:/.test(l)), "no member added or removed").to.deep.equal([]);
    expect(preview.stdout).to.not.match(/remove from/);
    expect(preview.stdout).to.not.match(/adoption\s*:\s*"create/);
    const adoptions = preview.stdout.match(/adoption\s*:\s*"adopt existing group/g) ?? [];
    expect(adoptions.length, preview.stdout).to.equal(5);
    const before = writeRequests(sandbox).length;
    const up = await stack.workspace.up();
    expect(up.code, up.output).to.equal(0);
    expect(writeRequests(sandbox).slice(before).filter((w) => /member/i.test(w)), "no member write").to.deep.equal([]);
    expect(writeRequests(sandbox).slice(before), "adopting changes nothing: no write at all (settings included)").to.deep.equal([]);
    expect(googleMembers(sandbox, "engineering@example.com")).to.deep.equal(["alice@example.com", "bob@example.com"]);
    expect(entraMembers(sandbox, entraGroupsNamed(sandbox, "Sales")[0]!.id)).to.deep.equal(["carol@example.com", "dave@example.com"]);
    const again = await stack.workspace.run(["preview", "--expect-no-changes"]);
    expect(again.code, again.output).to.equal(0);
  });
});
