import { expect } from "chai";
import { startSandbox, type Sandbox } from "../../provider/sandbox";
import { E2eStack } from "../support/e2eProgram";
import { entraMembers, googleGroup, googleMembers } from "../support/sandboxViews";
import { createdMemberLists } from "../support/previewText";

/**
 * Issue 10, item 4: a group made by another stack can be bound (a target given by id with its
 * directory's management), and groups and members are read with each class's `get` without
 * being managed, through the real Pulumi CLI.
 */
describe("Groups made elsewhere: bindings by id and get(), through the real Pulumi CLI", function () {
  let sandbox: Sandbox;
  let owner: E2eStack;
  let consumer: E2eStack;
  const ids: Record<string, string> = {};

  before(async function () {
    const people = ["alice", "bob", "carol"].map((n) => `${n}@example.com`);
    sandbox = await startSandbox({
      google: { domains: ["example.com"], admins: ["admin@example.com"], users: people.map((primaryEmail) => ({ primaryEmail })) },
      entra: { users: people.map((userPrincipalName) => ({ userPrincipalName })) },
    });
    owner = await E2eStack.create(sandbox, "owner");
    consumer = await E2eStack.create(sandbox, "consumer");
  });
  after(async () => sandbox?.close());

  const directories = () => ({
    workspace: { google: { domains: ["example.com"] } },
    tenant: { entra: { tenantId: sandbox.entra.tenantId } },
  });

  it("the owning stack makes the groups (no bindings)", async () => {
    owner.declare({
      management: directories(),
      googleGroups: { eng: { management: "workspace", email: "eng@example.com", name: "Engineering" }, ops: { management: "workspace", email: "ops@example.com" } },
      entraGroups: { engEntra: { management: "tenant", displayName: "Engineering" } },
    });
    const up = await owner.workspace.up();
    expect(up.code, up.output).to.equal(0);
    const outputs = JSON.parse((await owner.workspace.ok(["stack", "output", "--json"])).stdout);
    ids.eng = outputs.eng.groupId;
    ids.ops = outputs.ops.groupId;
    ids.engEntra = outputs.engEntra.groupId;
    expect(ids.eng).to.equal(googleGroup(sandbox, "eng@example.com")!.id);
  });

  it("another stack binds them by id (Google also by address), reads them with get(), and preview shows exactly the members it adds", async () => {
    consumer.declare({
      management: directories(),
      gotManagements: { ownerWorkspace: "google:my_customer" },
      gotGoogleGroups: { engRead: { management: "workspace", id: ids.eng } },
      gotEntraGroups: { engEntraRead: { management: "tenant", id: ids.engEntra } },
      bindings: {
        engMembers: { target: { google: ids.eng, management: "workspace" }, userGroup: { name: "Engineering", users: ["alice@example.com"] } },
        opsMembers: { target: { google: "ops@example.com", management: "workspace" }, userGroup: { name: "Ops", users: ["bob@example.com"] } },
        engEntraMembers: { target: { entra: ids.engEntra, management: "tenant" }, userGroup: { name: "Engineering", users: ["alice@example.com", "carol@example.com"] } },
      },
    });
    const preview = await consumer.workspace.preview();
    expect(preview.code, preview.output).to.equal(0);
    // The stack, two managements and three bindings are created; the two groups are only read.
    expect(preview.stdout).to.match(/\+ 6 to create/);
    expect(preview.stdout).to.match(/> pulumi-nodejs:dynamic\/groupexport:GoogleDistributionGroup: \(read\)\s+\[urn=[^\]]*::engRead\]/);
    expect(preview.stdout).to.match(/> pulumi-nodejs:dynamic\/groupexport:EntraSecurityGroup: \(read\)\s+\[urn=[^\]]*::engEntraRead\]/);
    expect(createdMemberLists(preview.stdout).flat()).to.include.members(["alice@example.com", "bob@example.com", "carol@example.com"]);
    expect(googleMembers(sandbox, "eng@example.com"), "preview writes nothing").to.deep.equal([]);

    const up = await consumer.workspace.up();
    expect(up.code, up.output).to.equal(0);
    expect(googleMembers(sandbox, "eng@example.com")).to.deep.equal(["alice@example.com"]);
    expect(googleMembers(sandbox, "ops@example.com")).to.deep.equal(["bob@example.com"]);
    expect(entraMembers(sandbox, ids.engEntra)).to.deep.equal(["alice@example.com", "carol@example.com"]);

    const outputs = JSON.parse((await consumer.workspace.ok(["stack", "output", "--json"])).stdout);
    expect(outputs.engRead).to.include({ email: "eng@example.com", primaryEmail: "eng@example.com", name: "Engineering", groupId: ids.eng, origin: "adopted" });
    expect(outputs.engEntraRead).to.include({ displayName: "Engineering", groupId: ids.engEntra, origin: "adopted" });
    expect(outputs.engEntraRead.mailNickname).to.be.a("string").and.not.equal("");
    expect(outputs.ownerWorkspace).to.deep.equal({ directoryKey: "google:my_customer" });
  });

  it("refresh + preview of both stacks are clean", async () => {
    for (const stack of [consumer, owner]) {
      expect((await stack.workspace.refresh()).code).to.equal(0);
      const preview = await stack.workspace.run(["preview", "--diff", "--expect-no-changes"]);
      expect(preview.code, preview.output).to.equal(0);
    }
  });

  it("GroupBinding.get reads a group's members without managing them", async () => {
    owner.declare({
      management: directories(),
      googleGroups: { eng: { management: "workspace", email: "eng@example.com", name: "Engineering" }, ops: { management: "workspace", email: "ops@example.com" } },
      entraGroups: { engEntra: { management: "tenant", displayName: "Engineering" } },
      gotBindings: { engNow: { target: "eng", id: "members-of-eng" }, engEntraNow: { target: { entra: ids.engEntra, management: "tenant" }, id: "members-of-eng-entra" } },
    });
    const up = await owner.workspace.up();
    expect(up.code, up.output).to.equal(0);
    const outputs = JSON.parse((await owner.workspace.ok(["stack", "output", "--json"])).stdout);
    expect(outputs.engNow).to.deep.include({ members: { "alice@example.com": "member" }, memberCount: 1 });
    expect(outputs.engEntraNow).to.deep.include({ members: { "alice@example.com": "member", "carol@example.com": "member" }, memberCount: 2 });
    // Reading is not managing: removing the reads changes nobody.
    owner.declare({
      management: directories(),
      googleGroups: { eng: { management: "workspace", email: "eng@example.com", name: "Engineering" }, ops: { management: "workspace", email: "ops@example.com" } },
      entraGroups: { engEntra: { management: "tenant", displayName: "Engineering" } },
    });
    expect((await owner.workspace.up()).code).to.equal(0);
    expect(googleMembers(sandbox, "eng@example.com")).to.deep.equal(["alice@example.com"]);
  });

  it("a reference whose management is of the other service fails at preview, naming the binding and the fix", async () => {
    const good = JSON.parse(JSON.stringify({ management: directories() }));
    consumer.declare({
      ...good,
      bindings: { wrong: { target: { google: ids.eng, management: "tenant" }, userGroup: { name: "Engineering", users: ["alice@example.com"] } } },
    });
    const preview = await consumer.workspace.preview();
    expect(preview.code).to.not.equal(0);
    expect(preview.output).to.include("GroupBinding wrong: target { google: … } is a Google Workspace group, but its management is an Entra ID DirectoryGroupManagement");
    expect(preview.output).to.include("give the management of the group's Google Workspace customer");
  });

  it("destroying the other stack removes the members its bindings added and leaves the groups it only read", async () => {
    const destroy = await consumer.workspace.destroy();
    expect(destroy.code, destroy.output).to.equal(0);
    expect(googleMembers(sandbox, "eng@example.com")).to.deep.equal([]);
    expect(googleMembers(sandbox, "ops@example.com")).to.deep.equal([]);
    expect(entraMembers(sandbox, ids.engEntra)).to.deep.equal([]);
    expect(googleGroup(sandbox, "eng@example.com"), "a group read with get is never deleted").to.not.equal(undefined);
    expect(sandbox.entra.tenant.groups.some((g) => g.id === ids.engEntra)).to.equal(true);
  });
});
