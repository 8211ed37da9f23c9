import { expect } from "chai";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startSandbox, type Sandbox } from "../../provider/sandbox";
import { RootProjectStack } from "../support/rootProject";
import { entraGroupsNamed, entraMembers, googleGroup, googleMembers } from "../support/sandboxViews";

/**
 * A change of name is not a removal (docs/guides/migrating.md#renaming-a-user-group): renaming a user group in
 * the groups file keeps its groups and members, renamed in place (the Google group's name, the
 * Entra group's display name, same ids); and removing a group's email stops syncing its Google
 * group (released, said at preview) while its Entra side goes on. Both ways a user applies.
 */
const PEOPLE = ["alice", "bob", "carol"].map((n) => `${n}@example.com`);

interface Group {
  name: string;
  email?: string;
  entraDisplayName?: string;
  key?: string;
  exportTo?: string[];
  released?: string[];
  users: string[];
}

function yaml(groups: Group[]): string {
  const lines = ["version: 1", "groups:"];
  for (const g of groups) {
    lines.push(`  - name: ${g.name}`);
    if (g.key) lines.push(`    key: ${g.key}`);
    if (g.email) lines.push(`    email: ${g.email}`);
    if (g.entraDisplayName) lines.push(`    entraDisplayName: ${g.entraDisplayName}`);
    if (g.exportTo) lines.push(`    exportTo: [${g.exportTo.join(", ")}]`);
    if (g.released) lines.push(`    released: [${g.released.join(", ")}]`);
    lines.push(`    users: [${g.users.join(", ")}]`);
  }
  return `${lines.join("\n")}\n`;
}

for (const way of ["preview first", "no preview"] as const) {
  describe(`Renaming a user group, and removing its email (${way}), through the root project and the real Pulumi CLI`, function () {
    let sandbox: Sandbox;
    let stack: RootProjectStack;
    const file = join(mkdtempSync(join(tmpdir(), "group-export-renames-")), "groups.yaml");
    const up = () => (way === "preview first" ? stack.workspace.upWithPreview() : stack.workspace.up());

    before(async function () {
      sandbox = await startSandbox({
        google: { domains: ["example.com"], admins: ["admin@example.com"], users: PEOPLE.map((primaryEmail) => ({ primaryEmail })) },
        entra: { users: PEOPLE.map((userPrincipalName) => ({ userPrincipalName })) },
      });
      writeFileSync(file, yaml([{ name: "Engineering", email: "rename-eng@example.com", users: ["alice@example.com", "bob@example.com"] }]));
      stack = await RootProjectStack.create(sandbox, `renames-${way === "preview first" ? "p" : "n"}`, { groupsFile: file, googleDomains: "example.com", entraTenantId: sandbox.entra.tenantId });
      const first = await up();
      expect(first.code, first.output).to.equal(0);
    });
    after(async () => {
      stack?.close();
      await sandbox?.close();
    });

    it("a renamed user group keeps its groups and members: renamed in place, same ids, nothing deleted", async () => {
      const googleId = googleGroup(sandbox, "rename-eng@example.com")!.id;
      const entraId = entraGroupsNamed(sandbox, "Engineering")[0]!.id;
      writeFileSync(file, yaml([{ name: "Product Engineering", email: "rename-eng@example.com", users: ["alice@example.com", "bob@example.com"] }]));
      const preview = await stack.workspace.preview();
      expect(preview.code, preview.output).to.equal(0);
      expect(preview.output, "nothing created or deleted").to.not.match(/to create|to delete|to replace/);
      expect(preview.output).to.not.match(/remove from/);
      const applied = await up();
      expect(applied.code, applied.output).to.equal(0);
      expect(googleGroup(sandbox, "rename-eng@example.com")).to.include({ id: googleId, name: "Product Engineering" });
      expect(googleMembers(sandbox, "rename-eng@example.com")).to.deep.equal(["alice@example.com", "bob@example.com"]);
      expect(entraGroupsNamed(sandbox, "Engineering")).to.have.length(0);
      const renamed = entraGroupsNamed(sandbox, "Product Engineering");
      expect(renamed.map((g) => g.id), "the Entra group renamed in place").to.deep.equal([entraId]);
      expect(entraMembers(sandbox, entraId)).to.deep.equal(["alice@example.com", "bob@example.com"]);
      const clean = await stack.workspace.preview("--refresh", "--expect-no-changes");
      expect(clean.code, clean.output).to.equal(0);
    });

    it("an Entra-only group renamed with its entraDisplayName kept keeps its group", async () => {
      writeFileSync(file, yaml([
        { name: "Product Engineering", email: "rename-eng@example.com", users: ["alice@example.com", "bob@example.com"] },
        { name: "Ops", entraDisplayName: "Operations", exportTo: ["entra"], users: ["carol@example.com"] },
      ]));
      expect((await up()).code).to.equal(0);
      const opsId = entraGroupsNamed(sandbox, "Operations")[0]!.id;
      writeFileSync(file, yaml([
        { name: "Product Engineering", email: "rename-eng@example.com", users: ["alice@example.com", "bob@example.com"] },
        { name: "Platform Operations", entraDisplayName: "Operations", exportTo: ["entra"], users: ["carol@example.com"] },
      ]));
      const applied = await up();
      expect(applied.code, applied.output).to.equal(0);
      expect(applied.output).to.not.match(/deleted/);
      expect(entraGroupsNamed(sandbox, "Operations").map((g) => g.id)).to.deep.equal([opsId]);
      expect(entraMembers(sandbox, opsId)).to.deep.equal(["carol@example.com"]);
    });

    it("renamed in a run that refreshes first (preview --refresh, up --refresh): the refresh's diff under the old names claims nothing, the groups are renamed in place", async () => {
      // The engine diffs each resource at refresh under the name in the state: before, a renamed
      // group's old name claimed its group there, and its new name was refused as a second owner.
      const googleId = googleGroup(sandbox, "rename-eng@example.com")!.id;
      const entraId = entraGroupsNamed(sandbox, "Product Engineering")[0]!.id;
      const opsId = entraGroupsNamed(sandbox, "Operations")[0]!.id;
      const renamedTo = (eng: string, ops: string) =>
        yaml([
          { name: eng, email: "rename-eng@example.com", users: ["alice@example.com", "bob@example.com"] },
          { name: ops, entraDisplayName: "Operations", exportTo: ["entra"], users: ["carol@example.com"] },
        ]);
      for (const [eng, ops] of [["Core Engineering", "Operations Team"], ["Product Engineering", "Platform Operations"]] as const) {
        writeFileSync(file, renamedTo(eng, ops));
        const preview = await stack.workspace.preview("--refresh");
        expect(preview.code, preview.output).to.equal(0);
        expect(preview.output, "nothing created or deleted").to.not.match(/to create|to delete|to replace|would both manage/);
        const applied = way === "preview first" ? await stack.workspace.upWithPreview("--refresh") : await stack.workspace.up("--refresh");
        expect(applied.code, applied.output).to.equal(0);
        expect(googleGroup(sandbox, "rename-eng@example.com")).to.include({ id: googleId, name: eng });
        expect(googleMembers(sandbox, "rename-eng@example.com")).to.deep.equal(["alice@example.com", "bob@example.com"]);
        expect(entraGroupsNamed(sandbox, eng).map((g) => g.id), "the Entra group renamed in place").to.deep.equal([entraId]);
        expect(entraMembers(sandbox, entraId)).to.deep.equal(["alice@example.com", "bob@example.com"]);
        expect(entraGroupsNamed(sandbox, "Operations").map((g) => g.id)).to.deep.equal([opsId]);
        expect(entraMembers(sandbox, opsId)).to.deep.equal(["carol@example.com"]);
      }
      const clean = await stack.workspace.preview("--refresh", "--expect-no-changes");
      expect(clean.code, clean.output).to.equal(0);
    });

    it("removing a group's email releases its Google group (said at preview: members stay), while its Entra side goes on", async () => {
      const googleId = googleGroup(sandbox, "rename-eng@example.com")!.id;
      writeFileSync(file, yaml([
        { name: "Product Engineering", users: ["alice@example.com", "carol@example.com"] },
        { name: "Platform Operations", entraDisplayName: "Operations", exportTo: ["entra"], users: ["carol@example.com"] },
      ]));
      const preview = await stack.workspace.preview();
      expect(preview.code, preview.output).to.equal(0);
      expect(preview.stdout).to.include('(released: user group \\"Product Engineering\\"');
      expect(preview.output).to.not.match(/to delete|to replace/);
      expect(preview.stdout).to.not.match(/remove from rename-eng/);
      const applied = await up();
      expect(applied.code, applied.output).to.equal(0);
      expect(googleGroup(sandbox, "rename-eng@example.com")!.id, "the Google group stays").to.equal(googleId);
      expect(googleMembers(sandbox, "rename-eng@example.com"), "with its members as they were").to.deep.equal(["alice@example.com", "bob@example.com"]);
      const entra = entraGroupsNamed(sandbox, "Product Engineering")[0]!;
      expect(entraMembers(sandbox, entra.id), "the Entra side goes on").to.deep.equal(["alice@example.com", "carol@example.com"]);
      const clean = await stack.workspace.preview("--refresh", "--expect-no-changes");
      expect(clean.code, clean.output).to.equal(0);

      // Removed from the file altogether: the released Google group is not deleted; the Entra group this stack created is.
      writeFileSync(file, yaml([{ name: "Platform Operations", entraDisplayName: "Operations", exportTo: ["entra"], users: ["carol@example.com"] }]));
      const removed = await up();
      expect(removed.code, removed.output).to.equal(0);
      expect(googleGroup(sandbox, "rename-eng@example.com")!.id).to.equal(googleId);
      expect(googleMembers(sandbox, "rename-eng@example.com")).to.deep.equal(["alice@example.com", "bob@example.com"]);
      expect(entraGroupsNamed(sandbox, "Product Engineering")).to.have.length(0);
    });

    it("released: [entra] leaves the Entra group and its members as they are while Google goes on; removing the group then deletes nothing in Entra", async () => {
      const ops = { name: "Platform Operations", entraDisplayName: "Operations", exportTo: ["entra"], users: ["carol@example.com"] };
      writeFileSync(file, yaml([ops, { name: "Sales", email: "release-sales@example.com", users: ["alice@example.com", "bob@example.com"] }]));
      const made = await up();
      expect(made.code, made.output).to.equal(0);
      const entraId = entraGroupsNamed(sandbox, "Sales")[0]!.id;
      expect(entraMembers(sandbox, entraId)).to.deep.equal(["alice@example.com", "bob@example.com"]);

      writeFileSync(file, yaml([ops, { name: "Sales", email: "release-sales@example.com", released: ["entra"], users: ["alice@example.com"] }]));
      const preview = await stack.workspace.preview("--diff");
      expect(preview.code, preview.output).to.equal(0);
      expect(preview.stdout, "the preview says the Entra side is released").to.include('has released: [entra]');
      expect(preview.output).to.not.match(/to delete|to replace/);
      const released = await up();
      expect(released.code, released.output).to.equal(0);
      expect(entraMembers(sandbox, entraId), "the released Entra group keeps its members").to.deep.equal(["alice@example.com", "bob@example.com"]);
      expect(googleMembers(sandbox, "release-sales@example.com"), "Google goes on").to.deep.equal(["alice@example.com"]);
      const clean = await stack.workspace.preview("--refresh", "--expect-no-changes");
      expect(clean.code, clean.output).to.equal(0);

      writeFileSync(file, yaml([ops]));
      const removed = await up();
      expect(removed.code, removed.output).to.equal(0);
      expect(entraGroupsNamed(sandbox, "Sales").map((g) => g.id), "the released Entra group is not deleted").to.deep.equal([entraId]);
      expect(entraMembers(sandbox, entraId), "nor emptied").to.deep.equal(["alice@example.com", "bob@example.com"]);
      expect(googleGroup(sandbox, "release-sales@example.com"), "the Google group this stack made and still synced is deleted").to.equal(undefined);
    });

    it("a user group renamed while its Google group is released: nothing shows for Google then; when its email comes back the preview shows the rename the up makes", async () => {
      const ops = { name: "Platform Operations", entraDisplayName: "Operations", exportTo: ["entra"], users: ["carol@example.com"] };
      const design = { key: "design", name: "Design", email: "resync-design@example.com", users: ["alice@example.com", "bob@example.com"] };
      const stepOf = (type: string) => (json: string) => {
        const steps = (JSON.parse(json) as { steps?: { urn: string; op: string; oldState?: { inputs?: Record<string, unknown> }; newState?: { inputs?: Record<string, unknown> } }[] }).steps ?? [];
        return steps.find((st) => st.urn.includes(`:${type}::`) && /design/.test(st.urn));
      };
      const googleStep = stepOf("GoogleDistributionGroup");
      const googleBinding = (json: string) => [stepOf("GroupBinding")(json)].find((st) => st && /google/.test(st.urn));
      writeFileSync(file, yaml([ops, design]));
      const made = await up();
      expect(made.code, made.output).to.equal(0);
      const googleId = googleGroup(sandbox, design.email)!.id;
      const { email: _email, ...withoutEmail } = design;
      writeFileSync(file, yaml([ops, withoutEmail]));
      const released = await up();
      expect(released.code, released.output).to.equal(0);

      // Renamed while released: the Google group is not synced, so its preview changes no name.
      writeFileSync(file, yaml([ops, { ...withoutEmail, name: "Design Studio", users: ["alice@example.com", "carol@example.com"] }]));
      const whileReleased = await stack.workspace.run(["preview", "--json"]);
      expect(whileReleased.code, whileReleased.output).to.equal(0);
      const step = googleStep(whileReleased.stdout);
      expect(step?.newState?.inputs?.name ?? "Design", "no rename shown for a released group").to.equal("Design");
      expect(googleBinding(whileReleased.stdout)?.newState?.inputs?.members ?? "alice@example.com\nbob@example.com\n", "no member change shown for a released group").to.equal("alice@example.com\nbob@example.com\n");
      const renamed = await up();
      expect(renamed.code, renamed.output).to.equal(0);
      expect(googleGroup(sandbox, design.email)).to.include({ id: googleId, name: "Design" });
      expect(googleMembers(sandbox, design.email)).to.deep.equal(["alice@example.com", "bob@example.com"]);

      // The email back: the preview shows the rename (and the members) the up then makes.
      writeFileSync(file, yaml([ops, { ...design, name: "Design Studio", users: ["alice@example.com", "carol@example.com"] }]));
      const resync = await stack.workspace.run(["preview", "--json"]);
      expect(resync.code, resync.output).to.equal(0);
      const shown = googleStep(resync.stdout);
      expect([shown?.oldState?.inputs?.name, shown?.newState?.inputs?.name], "the rename is shown against the name the group has").to.deep.equal(["Design", "Design Studio"]);
      const members = googleBinding(resync.stdout);
      expect([members?.oldState?.inputs?.members, members?.newState?.inputs?.members], "and the members, against those the group has").to.deep.equal(["alice@example.com\nbob@example.com\n", "alice@example.com\ncarol@example.com\n"]);
      const synced = await up();
      expect(synced.code, synced.output).to.equal(0);
      expect(googleGroup(sandbox, design.email)).to.include({ id: googleId, name: "Design Studio" });
      expect(googleMembers(sandbox, design.email)).to.deep.equal(["alice@example.com", "carol@example.com"]);
      const clean = await stack.workspace.preview("--refresh", "--expect-no-changes");
      expect(clean.code, clean.output).to.equal(0);
      writeFileSync(file, yaml([ops]));
      const removed = await up();
      expect(removed.code, removed.output).to.equal(0);
    });

    const releases = [
      { how: "its email removed", key: "email" },
      { how: "released: [google]", key: "flag" },
      // A stack released before the group kept its `adoption` input: the restore must still recognise its own group.
      { how: "its email removed by an earlier version (no adoption kept)", key: "legacy" },
    ] as const;
    it("an Entra group released (released: [entra]) and then managed again is the stack's own as before: not adopted anew, deleted when removed", async () => {
      const ops = { name: "Platform Operations", entraDisplayName: "Operations", exportTo: ["entra"], users: ["carol@example.com"] };
      const infra = { name: "Infra Restore", exportTo: ["entra"], users: ["alice@example.com"] };
      writeFileSync(file, yaml([ops, infra]));
      const made = await up();
      expect(made.code, made.output).to.equal(0);
      const id = entraGroupsNamed(sandbox, "Infra Restore")[0]!.id;
      writeFileSync(file, yaml([ops, { ...infra, released: ["entra"] }]));
      const released = await up();
      expect(released.code, released.output).to.equal(0);
      expect(released.output, "releasing keeps what the group was taken on as").to.not.match(/- adoption\s*:/);
      writeFileSync(file, yaml([ops, infra]));
      const preview = await stack.workspace.preview();
      expect(preview.code, preview.output).to.equal(0);
      expect(preview.stdout, "the stack's own group is not taken over anew").to.not.include("adopt existing group");
      const restored = await up();
      expect(restored.code, restored.output).to.equal(0);
      const clean = await stack.workspace.preview("--refresh", "--expect-no-changes");
      expect(clean.code, clean.output).to.equal(0);
      writeFileSync(file, yaml([ops]));
      const removed = await up();
      expect(removed.code, removed.output).to.equal(0);
      expect(sandbox.entra.tenant.groups.some((g) => g.id === id), "created by the stack, so deleted with it").to.equal(false);
    });

    for (const { how, key } of releases) it(`a Google group released (${how}) and then managed again manages its settings again: the preview does not let them go, and a setting changed by hand later is found and reverted`, async () => {
      const ops = { name: "Platform Operations", entraDisplayName: "Operations", exportTo: ["entra"], users: ["carol@example.com"] };
      const support = { name: `Support ${key}`, email: `restore-${key}@example.com`, users: ["alice@example.com"] };
      writeFileSync(file, yaml([ops, support]));
      const made = await up();
      expect(made.code, made.output).to.equal(0);
      const { email: _email, ...withoutEmail } = support;
      writeFileSync(file, yaml([ops, key === "flag" ? { ...support, released: ["google"] } : withoutEmail]));
      const released = await up();
      expect(released.code, released.output).to.equal(0);
      if (key === "legacy") {
        const state = JSON.parse((await stack.workspace.ok(["stack", "export"])).stdout);
        const entries = state.deployment.resources.filter((r: { type: string; inputs?: { email?: string; adoption?: string } }) => r.type.endsWith("GoogleDistributionGroup") && r.inputs?.email === support.email);
        expect(entries.map((r: { inputs: { adoption?: string } }) => r.inputs.adoption), "this version keeps the adoption while released").to.deep.equal(["create"]);
        for (const r of entries) delete r.inputs.adoption;
        const path = join(mkdtempSync(join(tmpdir(), "group-export-state-")), "state.json");
        writeFileSync(path, JSON.stringify(state));
        await stack.workspace.ok(["stack", "import", "--file", path]);
      }

      writeFileSync(file, yaml([ops, support]));
      const preview = await stack.workspace.preview();
      expect(preview.code, preview.output).to.equal(0);
      expect(preview.stdout, "the restoring preview does not let the settings go").to.not.match(/- settings\s*:/);
      expect(preview.stdout, "nor take the stack's own group over as someone else's").to.not.include("adopt existing group");
      if (key === "legacy") expect(preview.stdout).to.include("manage again group");
      const restored = await up();
      expect(restored.code, restored.output).to.equal(0);
      const exported = JSON.parse((await stack.workspace.ok(["stack", "export"])).stdout);
      const entry = exported.deployment.resources.find((r: { type: string; outputs?: { email?: string } }) => r.type.endsWith("GoogleDistributionGroup") && r.outputs?.email === support.email);
      expect(entry?.outputs?.settings, "the state records the managed settings again").to.include({ whoCanPostMessage: googleGroup(sandbox, support.email)!.settings!.whoCanPostMessage });
      const clean = await stack.workspace.preview("--refresh", "--expect-no-changes");
      expect(clean.code, clean.output).to.equal(0);

      const managed = googleGroup(sandbox, support.email)!.settings!.whoCanPostMessage;
      const drifted = managed === "ANYONE_CAN_POST" ? "ALL_MEMBERS_CAN_POST" : "ANYONE_CAN_POST";
      googleGroup(sandbox, support.email)!.settings!.whoCanPostMessage = drifted;
      const drift = await stack.workspace.preview("--refresh", "--expect-no-changes");
      expect(drift.code, "a setting changed by hand is found").to.not.equal(0);
      expect(drift.output).to.include("whoCanPostMessage").and.to.include(drifted);
      const reverted = await stack.workspace.up("--refresh");
      expect(reverted.code, reverted.output).to.equal(0);
      expect(googleGroup(sandbox, support.email)!.settings!.whoCanPostMessage, "and reverted").to.equal(managed);
      // Leave the file as the next test expects it.
      writeFileSync(file, yaml([ops]));
      const removed = await up();
      expect(removed.code, removed.output).to.equal(0);
    });

    it("a group never exported to Google without an email fails naming the file and line; nothing is written in Google", async () => {
      writeFileSync(file, yaml([
        { name: "Platform Operations", entraDisplayName: "Operations", exportTo: ["entra"], users: ["carol@example.com"] },
        { name: "Support", users: ["carol@example.com"] },
      ]));
      const google = () => JSON.stringify(sandbox.google.tenant.groups.map((g) => [g.email, g.members]));
      const entra = () => JSON.stringify(sandbox.entra.tenant.groups.map((g) => [g.displayName, g.members]));
      const [googleBefore, entraBefore] = [google(), entra()];
      const refused = await up();
      expect(refused.code).to.not.equal(0);
      expect(refused.output).to.match(/user group "Support" \(groups\.yaml:\d+\) has no email: a Google group needs the distribution group's address/);
      expect(refused.output).to.include("exportTo: [entra]");
      expect(refused.output, "the rename case and its fix").to.include("renamed after its email was removed, nothing identified the user group across the rename: keep its old name, or give it a key under the old name first");
      expect(google()).to.equal(googleBefore);
      // With a preview first nothing at all is written; without one, the engine may already have made the user group's Entra side (its own resources, fine on their own).
      if (way === "preview first") expect(entra()).to.equal(entraBefore);
    });
  });
}
