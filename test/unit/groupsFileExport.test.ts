import * as pulumi from "@pulumi/pulumi";
import { expect } from "chai";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GroupsFileError, UserGroupExport } from "../../sdk";

const registered = new Map<string, Record<string, unknown>>();

function settled<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply(resolve));
}

describe("UserGroupExport.fromGroupsFile (one call from a groups file to the resources)", () => {
  before(() => {
    // Program-side wiring only: Pulumi's mocks record what each resource is given.
    pulumi.runtime.setMocks({
      newResource: (args) => {
        registered.set(args.name, args.inputs as Record<string, unknown>);
        return { id: `${args.name}-id`, state: args.inputs };
      },
      call: (args) => args.inputs,
    });
  });

  it("carries the Entra display name and the per-group overrides into the groups and bindings", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "groups-file-unit-")), "groups.yaml");
    writeFileSync(
      file,
      [
        "defaults: { maxRemovalPercent: 20 }",
        "groups:",
        "  - name: Sales",
        "    email: sales@example.com",
        "    entraDisplayName: Sales Team",
        "    membershipMode: additive",
        "    nonUserMembers: remove",
        "    users: [carol@example.com]",
        "  - name: Ops",
        "    exportTo: [entra]",
        "    allowEmpty: true",
        "    users: []",
      ].join("\n"),
    );
    const exported = UserGroupExport.fromGroupsFile("fromfile", { groupsFile: file, google: { domains: ["example.com"] }, entra: { tenantId: "11111111-2222-4333-8444-555555555555" } });
    expect(Object.keys(exported.bindings)).to.deep.equal(["Sales:google", "Sales:entra", "Ops:entra"]);
    await Promise.all(Object.values(exported.bindings).map((b) => settled(b.urn)));
    await settled(exported.entraGroups.Sales!.urn);
    expect(registered.get("fromfile-sales-entra")).to.include({ membershipMode: "additive", maxRemovalPercent: 20, nonUserMembers: "remove" });
    expect(registered.get("fromfile-ops-entra")).to.include({ maxRemovalPercent: 20, allowEmpty: true });
    expect(await settled(exported.entraGroups.Sales!.displayName)).to.equal("Sales Team");
    expect(await settled(exported.googleGroups.Sales!.email)).to.equal("sales@example.com");
  });

  it("fails with the file's problems, before any resource is declared", () => {
    const file = join(mkdtempSync(join(tmpdir(), "groups-file-unit-")), "groups.yaml");
    writeFileSync(file, ["groups:", "  - name: Sales", "    exportTo: [entra]", "    users: [carol@example.com]"].join("\n"));
    expect(() => UserGroupExport.fromGroupsFile("nofile", { groupsFile: file, google: { domains: ["example.com"] } }))
      .to.throw(GroupsFileError, 'groups.yaml:3:1: groups[0].exportTo: "Sales" is exported to Entra ID, but the stack configures no such directory');
    expect([...registered.keys()].some((k) => k.startsWith("nofile"))).to.equal(false);
  });

  it("a group exported to Google without an email is declared released (the provider keeps a group exported before, or refuses a new one naming the line)", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "groups-file-unit-")), "groups.yaml");
    writeFileSync(file, ["groups:", "  - name: Support", "    users: [carol@example.com]"].join("\n"));
    const exported = UserGroupExport.fromGroupsFile("released", { groupsFile: file, google: { domains: ["example.com"] } });
    await settled(exported.bindings["Support:google"]!.urn);
    expect(registered.get("released-support-google")?.management).to.equal('google:my_customer [example.com] (released: user group "Support" (groups.yaml:2) has no email)');
  });
});
