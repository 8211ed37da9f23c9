import { expect } from "chai";
import { resourceProvider } from "../../provider";
import { decodeKeySet, encodeKeySet } from "../../provider/groups/memberTable";
import { GOOGLE_GROUP_TOKEN, INTERRUPTED_CREATE_KEY, planInterruptedCreates, type ExportedStack } from "../../provider/recovery/interruptedCreates";

const googleDistributionGroupProvider = resourceProvider("GoogleDistributionGroup");

const STACK = "urn:pulumi:prod::people::";
const urn = (type: string, name: string) => `${STACK}${type}::${name}`;
const ENTRA_TOKEN = "pulumi-nodejs:dynamic/groupexport:EntraSecurityGroup";
const BINDING_TOKEN = "pulumi-nodejs:dynamic/groupexport:GroupBinding";

function exported(resources: ExportedStack["deployment"]["resources"], pending: ExportedStack["deployment"]["pending_operations"]): ExportedStack {
  return { version: 3, deployment: { manifest: { version: "v3.274.1" }, resources, pending_operations: pending } };
}

function creating(type: string, name: string, inputs: Record<string, unknown>) {
  return { type: "creating", resource: { urn: urn(type, name), type, custom: true, inputs, parent: `${STACK}pulumi:pulumi:Stack::people-prod` } };
}

describe("recovery of interrupted creates (group-export-recover)", () => {
  const management = { urn: urn("pulumi-nodejs:dynamic/groupexport:DirectoryGroupManagement", "workspace"), type: "pulumi-nodejs:dynamic/groupexport:DirectoryGroupManagement", id: "google:my_customer" };

  it("turns a Google group create whose check found the address free into a state entry marked for refresh, after everything else", () => {
    const plan = planInterruptedCreates(
      exported([management], [creating(GOOGLE_GROUP_TOKEN, "eng", { email: "eng@example.com", adoption: "create", __provider: "p" }), creating(BINDING_TOKEN, "eng-members", { userGroupName: "Eng" })]),
    );
    const resources = plan.edited!.deployment.resources!;
    expect(resources).to.have.length(2);
    expect(resources[0]).to.deep.equal(management);
    expect(resources[1]).to.include({ urn: urn(GOOGLE_GROUP_TOKEN, "eng"), id: "interrupted-create:eng@example.com", custom: true });
    expect(resources[1].outputs).to.deep.equal({ email: "eng@example.com", adoption: "create", __provider: "p", [INTERRUPTED_CREATE_KEY]: true });
    expect(resources[1].inputs).to.deep.equal({ email: "eng@example.com", adoption: "create", __provider: "p" });
    expect(plan.edited!.deployment.pending_operations!.map((op) => op.resource.type), "other pending creates stay for --clear-pending-creates").to.deep.equal([BINDING_TOKEN]);
    expect(plan.edited!.deployment).to.have.property("manifest");
    expect(plan.report.join("\n")).to.include("its run was creating group eng@example.com");
  });

  it("leaves adoptions, Entra groups and other operations alone", () => {
    const plan = planInterruptedCreates(
      exported(
        [management],
        [
          creating(GOOGLE_GROUP_TOKEN, "taken", { email: "taken@example.com", adoption: "adopt existing group 0abc" }),
          creating(GOOGLE_GROUP_TOKEN, "creative", { email: "creative@example.com", adoption: "created-by-hand" }),
          creating(ENTRA_TOKEN, "ops", { displayName: "Ops", adoption: "create" }),
          { type: "updating", resource: { urn: management.urn, type: management.type } },
        ],
      ),
    );
    expect(plan.edited).to.equal(undefined);
    expect(plan.report).to.have.length(3);
    expect(plan.report.join("\n")).to.include("was adopting an existing group").and.to.include("ops: left pending");
  });

  it("a replacement's create (an email change): the replaced entry is marked for deletion, the new one follows it", () => {
    const replaced = { urn: urn(GOOGLE_GROUP_TOKEN, "moved"), type: GOOGLE_GROUP_TOKEN, id: "0old", outputs: { origin: "created" } };
    const input = exported([management, replaced], [creating(GOOGLE_GROUP_TOKEN, "moved", { email: "new@example.com", adoption: "create; replaces the group of old@example.com, which is deleted after the members move if this stack created it, else released (deletionPolicy overrides)" })]);
    const plan = planInterruptedCreates(input);
    const resources = plan.edited!.deployment.resources!;
    expect(resources.map((r) => [r.id, r.delete ?? false])).to.deep.equal([
      ["google:my_customer", false],
      ["0old", true],
      ["interrupted-create:new@example.com", false],
    ]);
    expect(input.deployment.resources![1], "the input is not modified").to.not.have.property("delete");
    expect(plan.edited!.deployment.pending_operations).to.deep.equal([]);
  });

  it("does nothing on a stack without pending operations", () => {
    expect(planInterruptedCreates(exported([management], undefined))).to.deep.equal({ report: [] });
  });
});

describe("an interrupted-create entry before its refresh", () => {
  it("diff and delete refuse it, naming the resource, the group and the command that resolves it", async () => {
    const entry = { email: "eng@example.com", adoption: "create", pulumiName: "eng", [INTERRUPTED_CREATE_KEY]: true };
    const message = /GoogleDistributionGroup "eng": this state entry stands for the interrupted create of group eng@example\.com.*pulumi refresh --yes --clear-pending-creates/;
    await googleDistributionGroupProvider.diff!("interrupted-create:eng@example.com", entry, { email: "eng@example.com" }).then(
      () => expect.fail("diff accepted it"),
      (error: Error) => expect(error.message).to.match(message),
    );
    await googleDistributionGroupProvider.delete!("interrupted-create:eng@example.com", entry).then(
      () => expect.fail("delete accepted it"),
      (error: Error) => expect(error.message).to.match(message),
    );
  });

  it("turns a binding create whose check recorded the members it found into a state entry; one that could not read the group stays pending", () => {
    const target = { directoryKey: "google:my_customer", service: "google", groupId: "03abc", label: "eng@example.com" };
    const checked = { target, members: { "alice@example.com": "member" }, __membersAtCheck: "1:AQA=", __provider: "p" };
    const plan = planInterruptedCreates(
      exported([], [creating(BINDING_TOKEN, "eng-members", checked), creating(BINDING_TOKEN, "ops-members", { target: { ...target, groupId: "" }, __membersAtCheck: "0:AwA=" })]),
    );
    const added = plan.edited!.deployment.resources!.find((r) => r.urn === urn(BINDING_TOKEN, "eng-members"))!;
    expect(added).to.include({ id: "interrupted-create:eng-members", custom: true });
    expect(added.outputs).to.deep.equal({ ...checked, [INTERRUPTED_CREATE_KEY]: true });
    expect(plan.edited!.deployment.pending_operations!.map((op) => op.resource.urn)).to.deep.equal([urn(BINDING_TOKEN, "ops-members")]);
    expect(plan.report.join("\n")).to.include("its run was adding members");
  });

  it("records which users were members at check compactly, and reads them back only for the same list", () => {
    const keys = Array.from({ length: 7000 }, (_, i) => `user${i}@example.com`).sort();
    const present = new Set([keys[0], keys[4999], keys[6999]]);
    const text = encodeKeySet(keys, present);
    expect(text.length, "a few bytes for 7,000 users").to.be.below(60);
    expect(decodeKeySet(text, keys)).to.deep.equal(present);
    expect(() => decodeKeySet(text, keys.slice(1))).to.throw(/made for 7000 keys, given 6999/);
  });
});
