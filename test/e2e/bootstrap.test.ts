import { expect } from "chai";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startSandbox, type Sandbox } from "../../provider/sandbox";
import { bootstrapSeed, runBootstrap as bootstrap } from "../support/bootstrapCli";
import { RootProjectStack } from "../support/rootProject";
import { entraGroupsNamed, entraMembers, googleGroup, googleMembers, writeRequests } from "../support/sandboxViews";

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

/** Each group resource of the stack's state: its type, URN name and `origin` output. */
async function groupOrigins(stack: RootProjectStack): Promise<{ type: string; name: string; label: string; origin: string }[]> {
  const exported = await stack.workspace.ok(["stack", "export"]);
  const deployment = (JSON.parse(exported.stdout) as { deployment: { resources?: { urn: string; type: string; outputs?: Record<string, unknown> }[] } }).deployment;
  return (deployment.resources ?? [])
    .filter((r) => /:(GoogleDistributionGroup|EntraSecurityGroup)$/.test(r.type))
    .map((r) => ({ type: r.type.replace(/^.*:/, ""), name: r.urn.replace(/^.*::/, ""), label: String(r.outputs?.email ?? r.outputs?.displayName ?? ""), origin: String(r.outputs?.origin) }));
}

describe("bootstrap, then the file's life: a group the stack made stays its own across a rename", function () {
  let sandbox: Sandbox;
  let stack: RootProjectStack;
  const out = join(mkdtempSync(join(tmpdir(), "group-export-bootstrap-life-")), "groups.yaml");
  let bootstrapped = "";
  const withPlatform = (name: string) => `${bootstrapped.trimEnd()}\n  - name: ${name}\n    email: platform@example.com\n    users: [alice@example.com, bob@example.com]\n`;

  before(async function () {
    sandbox = await startSandbox(bootstrapSeed());
    const r = await bootstrap(sandbox, ["--google-customer", "my_customer", "--entra-tenant", sandbox.entra.tenantId, "--out", out]);
    expect(r.code, r.output).to.equal(0);
    bootstrapped = readFileSync(out, "utf8");
    expect(bootstrapped, "the file's groups are a list indented by two").to.match(/^ {2}- name: /m);
    stack = await RootProjectStack.create(sandbox, "test-bootstrap-life", { groupsFile: out, googleDomains: "example.com", entraTenantId: sandbox.entra.tenantId });
    const up = await stack.workspace.up();
    expect(up.code, up.output).to.equal(0);
  });
  after(async () => {
    stack?.close();
    await sandbox?.close();
  });

  it("a user group added to the bootstrapped file is created in both directories (origin created)", async () => {
    writeFileSync(out, withPlatform("Platform"));
    const up = await stack.workspace.up();
    expect(up.code, up.output).to.equal(0);
    const origins = await groupOrigins(stack);
    expect(origins.filter((g) => g.label === "platform@example.com" || g.label === "Platform").map((g) => `${g.type} ${g.label}: ${g.origin}`).sort()).to.deep.equal([
      "EntraSecurityGroup Platform: created",
      "GoogleDistributionGroup platform@example.com: created",
    ]);
    expect(origins.filter((g) => g.origin !== "created").every((g) => g.origin === "adopted"), JSON.stringify(origins)).to.equal(true);
  });

  it("renamed (name:), it keeps origin created and its members in both directories; the bootstrapped groups stay adopted", async () => {
    const entraId = entraGroupsNamed(sandbox, "Platform")[0]!.id;
    writeFileSync(out, withPlatform("Platform Team"));
    const up = await stack.workspace.upWithPreview();
    expect(up.code, up.output).to.equal(0);
    const origins = await groupOrigins(stack);
    const platform = origins.filter((g) => g.label === "platform@example.com" || g.label === "Platform Team" || g.label === "Platform");
    expect(platform.map((g) => `${g.type} ${g.label}: ${g.origin}`).sort(), JSON.stringify(origins)).to.deep.equal([
      "EntraSecurityGroup Platform Team: created",
      "GoogleDistributionGroup platform@example.com: created",
    ]);
    expect(origins.filter((g) => !platform.includes(g)).map((g) => g.origin), "the bootstrapped groups").to.deep.equal(origins.filter((g) => !platform.includes(g)).map(() => "adopted"));
    expect(entraGroupsNamed(sandbox, "Platform Team").map((g) => g.id), "renamed in place").to.deep.equal([entraId]);
    expect(entraMembers(sandbox, entraId)).to.deep.equal(["alice@example.com", "bob@example.com"]);
    expect(googleMembers(sandbox, "platform@example.com")).to.deep.equal(["alice@example.com", "bob@example.com"]);
  });

  it("an Entra-only user group named by its entraMailNickname (no key, as bootstrap writes Entra groups), renamed: renamed in place, still created, members kept", async () => {
    const build = (name: string) => `${withPlatform("Platform Team").trimEnd()}\n  - name: ${name}\n    entraMailNickname: infra\n    exportTo: [entra]\n    users: [carol@example.com]\n`;
    writeFileSync(out, build("Infra"));
    const made = await stack.workspace.up();
    expect(made.code, made.output).to.equal(0);
    const infraId = entraGroupsNamed(sandbox, "Infra")[0]!.id;
    expect((await groupOrigins(stack)).find((g) => g.label === "Infra")?.origin).to.equal("created");

    writeFileSync(out, build("Infrastructure"));
    const preview = await stack.workspace.preview();
    expect(preview.code, preview.output).to.equal(0);
    expect(preview.output, "a rename: nothing created or deleted").to.not.match(/to create|to delete|to replace/);
    const renamed = await stack.workspace.up();
    expect(renamed.code, renamed.output).to.equal(0);
    expect(entraGroupsNamed(sandbox, "Infrastructure").map((g) => g.id), "renamed in place").to.deep.equal([infraId]);
    expect(entraMembers(sandbox, infraId)).to.deep.equal(["carol@example.com"]);
    const origins = await groupOrigins(stack);
    expect(origins.find((g) => g.label === "Infrastructure")?.origin, JSON.stringify(origins)).to.equal("created");
  });

  it("split in two as bootstrap writes a group whose sides differ, and merged back, either side: its group and binding move in place and the group stays created (preview first, then no preview)", async () => {
    const base = withPlatform("Platform Team").trimEnd();
    const whole = `${base}\n  - name: Infrastructure\n    entraMailNickname: infra\n    exportTo: [entra]\n    users: [carol@example.com]\n`;
    const entraId = entraGroupsNamed(sandbox, "Platform Team")[0]!.id;
    const googleId = googleGroup(sandbox, "platform@example.com")!.id;
    const platformOrigins = async () =>
      (await groupOrigins(stack))
        .filter((g) => g.label === "Platform Team" || g.label === "platform@example.com")
        .map((g) => `${g.type} ${g.label}: ${g.origin}`)
        .sort();
    const expectMovedInPlace = async (run: { code: number; output: string }, what: string) => {
      expect(run.code, run.output).to.equal(0);
      expect(run.output, `${what}: nothing created, deleted or replaced`).to.not.match(/\d+ (to create|to delete|to replace|created|deleted|replaced)\b/);
      expect(entraGroupsNamed(sandbox, "Platform Team").map((g) => g.id), `${what}: one Entra group, the same`).to.deep.equal([entraId]);
      expect(googleGroup(sandbox, "platform@example.com")?.id, `${what}: the same Google group`).to.equal(googleId);
      expect(await platformOrigins(), what).to.deep.equal(["EntraSecurityGroup Platform Team: created", "GoogleDistributionGroup platform@example.com: created"]);
      const refreshed = await stack.workspace.preview("--refresh", "--expect-no-changes");
      expect(refreshed.code, `${what}: a refreshing preview is clean\n${refreshed.output}`).to.equal(0);
    };
    const withEntraSplit = whole.replace(
      "  - name: Platform Team\n    email: platform@example.com\n    users: [alice@example.com, bob@example.com]\n",
      "  - name: Platform Team\n    email: platform@example.com\n    exportTo: [google]\n    users: [alice@example.com, bob@example.com]\n" +
        "  - name: Platform Team (Entra)\n    entraDisplayName: Platform Team\n    exportTo: [entra]\n    users: [alice@example.com]\n",
    );
    expect(withEntraSplit).to.not.equal(whole);

    // The Entra side to a user group of its own, preview first: bob leaves the Entra group only, announced.
    writeFileSync(out, withEntraSplit);
    const preview = await stack.workspace.preview();
    expect(preview.code, preview.output).to.equal(0);
    expect(preview.output, "bob's removal from the Entra group is announced").to.match(/removals[\s\S]*bob@example\.com/);
    await expectMovedInPlace(await stack.workspace.upWithPreview(), "Entra side split off");
    expect(entraMembers(sandbox, entraId)).to.deep.equal(["alice@example.com"]);
    expect(googleMembers(sandbox, "platform@example.com")).to.deep.equal(["alice@example.com", "bob@example.com"]);

    // Merged back, with no preview (the Automation API): bob is the Entra group's again.
    writeFileSync(out, whole);
    await expectMovedInPlace(await stack.workspace.automationUp(stack.stack), "merged back");
    expect(entraMembers(sandbox, entraId)).to.deep.equal(["alice@example.com", "bob@example.com"]);

    // The Google side to a user group of its own (same address), no preview, then merged back with one.
    writeFileSync(
      out,
      whole.replace(
        "  - name: Platform Team\n    email: platform@example.com\n    users: [alice@example.com, bob@example.com]\n",
        "  - name: Platform Team\n    exportTo: [entra]\n    users: [alice@example.com, bob@example.com]\n" +
          "  - name: Platform Team (Google)\n    googleName: Platform Team\n    email: platform@example.com\n    exportTo: [google]\n    users: [bob@example.com]\n",
      ),
    );
    await expectMovedInPlace(await stack.workspace.up(), "Google side split off");
    expect(googleMembers(sandbox, "platform@example.com")).to.deep.equal(["bob@example.com"]);
    writeFileSync(out, whole);
    await expectMovedInPlace(await stack.workspace.upWithPreview(), "merged back again");
    expect(googleMembers(sandbox, "platform@example.com")).to.deep.equal(["alice@example.com", "bob@example.com"]);
  });

  it("removed from the file, the groups it made are deleted; a bootstrapped group renamed stays adopted", async () => {
    const opsId = entraGroupsNamed(sandbox, "Ops")[0]!.id;
    expect(bootstrapped).to.match(/- name: Ops\n/);
    writeFileSync(out, bootstrapped.replace(/- name: Ops\n/, "- name: Operations\n"));
    const up = await stack.workspace.upWithPreview();
    expect(up.code, up.output).to.equal(0);
    expect(entraGroupsNamed(sandbox, "Platform Team"), "deleted: this stack made it").to.have.length(0);
    expect(entraGroupsNamed(sandbox, "Infrastructure"), "deleted: this stack made it").to.have.length(0);
    expect(googleGroup(sandbox, "platform@example.com"), "deleted: this stack made it").to.equal(undefined);
    const origins = await groupOrigins(stack);
    expect(origins.length).to.be.greaterThan(0);
    expect(origins.map((g) => g.origin), JSON.stringify(origins)).to.deep.equal(origins.map(() => "adopted"));
    expect(sandbox.entra.tenant.groups.some((g) => g.id === opsId), "the bootstrapped Entra group Ops is kept").to.equal(true);
  });
});
