import { readFileSync } from "node:fs";
import { expect } from "chai";
import { startSandbox, type Sandbox } from "../../provider/sandbox";
import { E2eStack, type ProgramSpec } from "../support/e2eProgram";
import { entraGroupsNamed, entraMembers, writeRequests } from "../support/sandboxViews";

const SALES_ID = "5a1e5000-0000-4000-8000-000000000001";
const OPS_1 = "0b500000-0000-4000-8000-000000000001";
const OPS_2 = "0b500000-0000-4000-8000-000000000002";
const MARKETING_M365 = "3a4e0000-0000-4000-8000-000000000365";

describe("EntraSecurityGroup and its bindings through the real Pulumi CLI", function () {
  let sandbox: Sandbox;
  let stack: E2eStack;
  let declared: ProgramSpec;

  const management = () => ({ tenant: { entra: { tenantId: sandbox.entra.tenantId } } });

  before(async function () {
    sandbox = await startSandbox({
      entra: {
        users: ["alice", "bob", "carol", "dave"].map((n) => ({ userPrincipalName: `${n}@example.com` })),
        groups: [
          { id: SALES_ID, displayName: "Sales", members: [] },
          { id: OPS_1, displayName: "Ops", mailNickname: "ops-1" },
          { id: OPS_2, displayName: "Ops", mailNickname: "ops-2" },
          { id: MARKETING_M365, displayName: "Marketing", groupTypes: ["Unified"], mailEnabled: true, securityEnabled: false },
        ],
      },
    });
    stack = await E2eStack.create(sandbox, "entra");
  });
  after(async () => sandbox?.close());

  it("previews create, takeover and a refused takeover of a Microsoft 365 group, writing nothing", async () => {
    declared = {
      management: management(),
      entraGroups: {
        engineering: { management: "tenant", displayName: "Engineering", description: "Builders" },
        sales: { management: "tenant", displayName: "Sales" },
        marketing: { management: "tenant", displayName: "Marketing" },
      },
      bindings: {
        "engineering-members": { target: "engineering", userGroup: { name: "Engineering", users: ["alice@example.com", "Bob@example.com"] } },
        "sales-members": { target: "sales", userGroup: { name: "Sales", users: ["carol@example.com"] } },
      },
    };
    stack.declare(declared);
    sandbox.resetRequestCounts();
    const preview = await stack.workspace.preview();
    expect(preview.code, preview.output).to.equal(0);
    expect(preview.stdout).to.include(`adoption   : "adopt existing group ${SALES_ID}"`);
    // A create also names the mail nickname it will give the group (its evidence, should the answer be lost).
    expect(preview.stdout).to.include(`adoption   : "create (Microsoft 365 group ${MARKETING_M365} has this name but is never taken over; mailNickname marketing-`);
    expect(preview.stdout).to.match(/adoption\s*: "create \(mailNickname engineering-[0-9a-f]{8}\)"/);
    expect(writeRequests(sandbox), "preview writes nothing").to.deep.equal([]);
  });

  it("creates, adopts and binds members on up", async () => {
    const up = await stack.workspace.up();
    expect(up.code, up.output).to.equal(0);
    const [engineering] = entraGroupsNamed(sandbox, "Engineering");
    expect(engineering).to.include({ securityEnabled: true, mailEnabled: false, description: "Builders" });
    expect(entraMembers(sandbox, engineering.id)).to.deep.equal(["alice@example.com", "bob@example.com"]);
    expect(entraGroupsNamed(sandbox, "Sales").map((g) => g.id)).to.deep.equal([SALES_ID]);
    expect(entraMembers(sandbox, SALES_ID)).to.deep.equal(["carol@example.com"]);
    const marketing = entraGroupsNamed(sandbox, "Marketing");
    expect(marketing).to.have.length(2);
    expect(marketing.find((g) => g.id !== MARKETING_M365)).to.include({ securityEnabled: true, mailEnabled: false });
    const outputs = JSON.parse((await stack.workspace.ok(["stack", "output", "--json"])).stdout);
    expect(outputs.sales.origin).to.equal("adopted");
    expect(outputs.engineering.origin).to.equal("created");
  });

  it("stops at preview when several security groups share the name, listing them; adoptId settles it", async () => {
    stack.declare({ ...declared, entraGroups: { ...declared.entraGroups, ops: { management: "tenant", displayName: "Ops" } } });
    const ambiguous = await stack.workspace.preview();
    expect(ambiguous.code).to.not.equal(0);
    expect(ambiguous.output).to.include(`2 security groups are named "Ops": ${OPS_1}, ${OPS_2}`);
    expect(ambiguous.output).to.include('Set adoptId to the one to take over, or onAmbiguousName: "create"');
    stack.declare({ ...declared, entraGroups: { ...declared.entraGroups, ops: { management: "tenant", displayName: "Ops", adoptId: OPS_2 } } });
    const pinned = await stack.workspace.up();
    expect(pinned.code, pinned.output).to.equal(0);
    expect(entraGroupsNamed(sandbox, "Ops")).to.have.length(2);
    declared = { ...declared, entraGroups: { ...declared.entraGroups, ops: { management: "tenant", displayName: "Ops", adoptId: OPS_2 } } };
  });

  it("lists every user that does not exist in the tenant in one preview error", async () => {
    stack.declare({
      ...declared,
      bindings: { ...declared.bindings, "engineering-members": { target: "engineering", userGroup: { name: "Engineering", users: ["alice@example.com", "ghost@example.com", "nobody@example.com"] } } },
    });
    sandbox.resetRequestCounts();
    const preview = await stack.workspace.preview();
    expect(preview.code).to.not.equal(0);
    expect(preview.output).to.include("2 user(s) not found in entra:").and.to.include("ghost@example.com, nobody@example.com");
    expect(writeRequests(sandbox)).to.deep.equal([]);
  });

  it("finds a member removed by hand and restores it", async () => {
    stack.declare(declared);
    const [engineering] = entraGroupsNamed(sandbox, "Engineering");
    const bob = sandbox.entra.tenant.users.find((u) => u.userPrincipalName === "bob@example.com")!;
    engineering.members = engineering.members.filter((id) => id !== bob.id);
    const drift = await stack.workspace.preview("--refresh", "--expect-no-changes");
    expect(drift.code, drift.output).to.not.equal(0);
    expect(drift.output).to.include("bob@example.com");
    const up = await stack.workspace.up("--refresh");
    expect(up.code, up.output).to.equal(0);
    expect(entraMembers(sandbox, engineering.id)).to.deep.equal(["alice@example.com", "bob@example.com"]);
  });

  it("keeps every credential out of state, exports and CLI output", async () => {
    const exported = (await stack.workspace.ok(["stack", "export", "--show-secrets"])).stdout;
    const secrets = [sandbox.entra.clientSecret, sandbox.google.serviceAccountKey.private_key.split("\n")[1]];
    for (const secret of secrets) {
      expect(exported).to.not.include(secret);
      for (const file of stack.workspace.stateFiles()) expect(readFileSync(file, "utf8"), file).to.not.include(secret);
    }
    const resources = JSON.parse(exported).deployment.resources as { type: string; outputs?: { __provider?: string } }[];
    const providers = resources.filter((r) => r.outputs?.__provider).map((r) => r.outputs!.__provider!);
    // Installed under node_modules, each provider is written as a require of its module (also on Node 22 with the newest @pulumi/pulumi: test/node22/run.sh).
    for (const text of providers) expect(text).to.match(/require\("pulumi-group-export\/providers\/(DirectoryGroupManagement|EntraSecurityGroup|GroupBinding)"\)/);
    expect(Math.max(...providers.map((text) => Buffer.byteLength(text)))).to.be.lessThan(512);
  });

  it("destroy deletes what it created, releases what it adopted, and unbinds its members", async () => {
    const destroy = await stack.workspace.destroy();
    expect(destroy.code, destroy.output).to.equal(0);
    expect(entraGroupsNamed(sandbox, "Engineering")).to.have.length(0);
    expect(entraGroupsNamed(sandbox, "Marketing").map((g) => g.id)).to.deep.equal([MARKETING_M365]);
    expect(entraGroupsNamed(sandbox, "Sales").map((g) => g.id)).to.deep.equal([SALES_ID]);
    expect(entraMembers(sandbox, SALES_ID)).to.deep.equal([]);
    expect(entraGroupsNamed(sandbox, "Ops")).to.have.length(2);
  });
});
