import { expect } from "chai";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startSandbox, type Sandbox } from "../../provider/sandbox";
import { E2eStack, type ProgramSpec } from "../support/e2eProgram";
import { packPackage, PULUMI_SDK_VERSION } from "../support/pulumiCli";
import { googleGroup, writeRequests } from "../support/sandboxViews";

/**
 * Owners, managers and nested groups at their edges, as a new user meets them,
 * through the real Pulumi CLI against one sandbox: address case and aliases in `owners`, an
 * owner who is no member yet, demoting every OWNER, nested groups with `nonUserMembers:
 * "remove"`, roles changed by hand, read-only mode, cycles of three and a group nesting itself;
 * on Entra, owners given by guest UPN, by mail and by a service principal's object id (in
 * capitals), an owner moved between two bindings, and an owner added by hand then `pulumi refresh`.
 */

function googleRoles(sandbox: Sandbox, email: string): Record<string, string> {
  return Object.fromEntries((googleGroup(sandbox, email)?.members ?? []).map((m) => [m.email ?? m.id, m.role]));
}

function memberDeletes(sandbox: Sandbox): string[] {
  return Object.keys(sandbox.requestCounts()).filter((k) => /^(BATCH-ITEM )?DELETE .*members/.test(k));
}

describe("Google owners, managers and nested groups at their edges, through the real Pulumi CLI", function () {
  let sandbox: Sandbox;
  let stack: E2eStack;
  const USERS = [
    { primaryEmail: "alice@example.com" },
    { primaryEmail: "bob@example.com", aliases: ["bob.old@example.com"] },
    { primaryEmail: "carol@example.com" },
    { primaryEmail: "dave@example.com" },
  ];

  function spec(engineering: Record<string, unknown>, more: { platform?: Record<string, unknown>; ops?: Record<string, unknown> } = {}): ProgramSpec {
    return {
      management: { workspace: { google: { domains: ["example.com"] } } },
      googleGroups: {
        engineering: { management: "workspace", email: "engineering@example.com", name: "Engineering" },
        platform: { management: "workspace", email: "platform@example.com", name: "Platform" },
        ops: { management: "workspace", email: "ops@example.com", name: "Ops" },
      },
      bindings: {
        "engineering-members": { target: "engineering", nonUserMembers: "remove", userGroup: { name: "Engineering", users: ["alice@example.com", "bob@example.com"] }, ...engineering },
        "platform-members": { target: "platform", userGroup: { name: "Platform", users: ["dave@example.com"] }, ...more.platform },
        "ops-members": { target: "ops", userGroup: { name: "Ops", users: ["dave@example.com"] }, ...more.ops },
      },
    };
  }

  before(async function () {
    sandbox = await startSandbox({
      google: { domains: ["example.com"], admins: ["admin@example.com"], users: USERS, groups: [{ email: "handmade@example.com", name: "Handmade" }] },
    });
    stack = await E2eStack.create(sandbox, "break-google");
  });
  after(async () => sandbox?.close());

  it("an owner in other case than in users is one OWNER member; an owner not yet a member is added as OWNER; a nested group survives nonUserMembers: remove", async () => {
    stack.declare(spec({ owners: ["ALICE@Example.com", "carol@example.com"], memberGroups: ["platform"] }));
    const up = await stack.workspace.up();
    expect(up.code, up.output).to.equal(0);
    expect(googleRoles(sandbox, "engineering@example.com")).to.deep.equal({
      "alice@example.com": "OWNER",
      "bob@example.com": "MEMBER",
      "carol@example.com": "OWNER",
      "platform@example.com": "MEMBER",
    });
    const clean = await stack.workspace.preview("--refresh", "--expect-no-changes");
    expect(clean.code, clean.output).to.equal(0);
  });

  it("a group member added by hand is removed (shown at preview) but the declared nested group is not; a MANAGER made by hand is kept", async () => {
    const group = googleGroup(sandbox, "engineering@example.com")!;
    const handmade = sandbox.google.tenant.groups.find((g) => g.email === "handmade@example.com")!;
    group.members!.push({ id: handmade.id, email: "handmade@example.com", role: "MEMBER", type: "GROUP", delivery_settings: "ALL_MAIL", etag: '"x"' });
    group.members!.find((m) => m.email === "bob@example.com")!.role = "MANAGER";
    const preview = await stack.workspace.preview("--refresh");
    expect(preview.code, preview.output).to.equal(0);
    expect(preview.stdout).to.include("handmade@example.com");
    expect(preview.stdout, "the nested group is not announced as a removal").to.not.match(/platform@example\.com"?\s*: "remove/);
    const up = await stack.workspace.up("--refresh");
    expect(up.code, up.output).to.equal(0);
    const roles = googleRoles(sandbox, "engineering@example.com");
    expect(roles).to.not.have.property("handmade@example.com");
    expect(roles["platform@example.com"]).to.equal("MEMBER");
    expect(roles["bob@example.com"], "managers are not declared: a MANAGER is never demoted").to.equal("MANAGER");
    const clean = await stack.workspace.preview("--refresh", "--expect-no-changes");
    expect(clean.code, clean.output).to.equal(0);
  });

  it("an owner given by an alias of a user in users is refused at preview naming both lists; the same address then promotes the hand-made MANAGER in place", async () => {
    stack.declare(spec({ owners: ["alice@example.com", "carol@example.com", "bob.old@example.com"], memberGroups: ["platform"] }));
    sandbox.resetRequestCounts();
    const refused = await stack.workspace.preview();
    expect(refused.code).to.not.equal(0);
    expect(refused.output).to.include("bob.old@example.com (in owners) and bob@example.com (a user of user group \"Engineering\") are one user");
    expect(writeRequests(sandbox)).to.deep.equal([]);
    // bob was made MANAGER by hand (managers are not declared): listing him in owners must still promote him, once.
    stack.declare(spec({ owners: ["alice@example.com", "carol@example.com", "bob@example.com"], memberGroups: ["platform"] }));
    const bobId = googleGroup(sandbox, "engineering@example.com")!.members!.find((m) => m.email === "bob@example.com")!.id;
    const up = await stack.workspace.up();
    expect(up.code, up.output).to.equal(0);
    expect(memberDeletes(sandbox)).to.deep.equal([]);
    const bob = googleGroup(sandbox, "engineering@example.com")!.members!.find((m) => m.email === "bob@example.com")!;
    expect(bob.id).to.equal(bobId);
    expect(bob.role).to.equal("OWNER");
    const clean = await stack.workspace.preview("--refresh", "--expect-no-changes");
    expect(clean.code, clean.output).to.equal(0);
  });

  it("read-only mode: a role change previews, the apply is refused naming the fix, and nothing is written", async () => {
    stack.declare(spec({ owners: ["alice@example.com", "bob@example.com"], memberGroups: ["platform"] }));
    stack.workspace.setEnv("GROUP_EXPORT_READ_ONLY", "true");
    try {
      const preview = await stack.workspace.preview();
      expect(preview.code, preview.output).to.equal(0);
      expect(preview.stdout).to.match(/carol@example\.com/);
      sandbox.resetRequestCounts();
      const up = await stack.workspace.up();
      expect(up.code).to.not.equal(0);
      expect(up.output).to.include("read-only mode");
      expect(writeRequests(sandbox)).to.deep.equal([]);
      expect(googleRoles(sandbox, "engineering@example.com")["carol@example.com"]).to.equal("OWNER");
    } finally {
      stack.workspace.setEnv("GROUP_EXPORT_READ_ONLY", "false");
    }
  });

  it("demoting every OWNER (owners: []) is shown at preview and done in place; the owner who is no user leaves, visibly", async () => {
    stack.declare(spec({ owners: [], memberGroups: ["platform"] }));
    const preview = await stack.workspace.preview();
    expect(preview.code, preview.output).to.equal(0);
    expect(preview.stdout).to.match(/alice@example\.com \(OWNER\)"?\s*: "demote to MEMBER/);
    expect(preview.stdout).to.match(/bob@example\.com \(OWNER\)"?\s*: "demote to MEMBER/);
    expect(preview.stdout).to.match(/carol@example\.com"?\s*: "remove from engineering@example\.com/);
    sandbox.resetRequestCounts();
    const up = await stack.workspace.up();
    expect(up.code, up.output).to.equal(0);
    const roles = googleRoles(sandbox, "engineering@example.com");
    expect(roles).to.deep.equal({ "alice@example.com": "MEMBER", "bob@example.com": "MEMBER", "platform@example.com": "MEMBER" });
    expect(memberDeletes(sandbox)).to.have.length(1);
    const clean = await stack.workspace.preview("--refresh", "--expect-no-changes");
    expect(clean.code, clean.output).to.equal(0);
  });

  it("a group nesting itself, then a cycle of three bindings, fail at preview naming the bindings; nothing is written", async () => {
    sandbox.resetRequestCounts();
    stack.declare(spec({ memberGroups: ["platform"] }, { ops: { memberGroups: ["ops"] } }));
    const self = await stack.workspace.preview();
    expect(self.code).to.not.equal(0);
    expect(self.output).to.include("memberGroups.0 is ops@example.com, the binding's own group");
    // The engine stops at the first failed check, so the cycle is reported once the self-nesting is gone.
    stack.declare(spec({ memberGroups: ["platform"] }, { platform: { memberGroups: ["ops"] }, ops: { memberGroups: ["engineering"] } }));
    const cycle = await stack.workspace.preview();
    expect(cycle.code).to.not.equal(0);
    expect(cycle.output, cycle.output).to.match(/is a cycle \(declared by GroupBinding [a-z-]+, [a-z-]+, [a-z-]+\)/);
    expect(writeRequests(sandbox)).to.deep.equal([]);
  });
});

describe("Entra owners at their edges, through the real Pulumi CLI", function () {
  let sandbox: Sandbox;
  let stack: E2eStack;
  const SP_ID = "0f1e2d3c-4b5a-4978-8a9b-aabbccddeeff";

  function spec(engineering: Record<string, unknown>, platform: Record<string, unknown> = {}): ProgramSpec {
    return {
      management: { tenant: { entra: { tenantId: sandbox.entra.tenantId } } },
      entraGroups: { engineering: { management: "tenant", displayName: "Engineering" }, platform: { management: "tenant", displayName: "Platform" } },
      bindings: {
        "engineering-members": { target: "engineering", userGroup: { name: "Engineering", users: ["alice@example.com"] }, ...engineering },
        "platform-members": { target: "platform", userGroup: { name: "Platform", users: ["carol@example.com"] }, ...platform },
      },
    };
  }
  const group = (name: string) => sandbox.entra.tenant.groups.find((g) => g.displayName === name)!;
  const userId = (upn: string) => sandbox.entra.tenant.users.find((u) => u.userPrincipalName === upn)!.id;

  before(async function () {
    sandbox = await startSandbox({
      entra: {
        users: [
          ...["alice", "bob", "carol", "erin"].map((n) => ({ userPrincipalName: `${n}@example.com` })),
          { userPrincipalName: "dave_contoso.com#EXT#@sandbox.onmicrosoft.com" },
          { userPrincipalName: "frank_fabrikam.com#EXT#@sandbox.onmicrosoft.com" },
        ],
        servicePrincipals: [{ id: SP_ID, displayName: "deploy-bot" }],
      },
    });
    stack = await E2eStack.create(sandbox, "break-entra");
  });
  after(async () => sandbox?.close());

  it("owners by guest mail, by guest #EXT# UPN and a service principal by its object id in capitals: exactly these, no diff after", async () => {
    stack.declare(spec({ owners: ["dave@contoso.com", "frank_fabrikam.com#EXT#@sandbox.onmicrosoft.com", SP_ID.toUpperCase(), "bob@example.com"] }));
    const up = await stack.workspace.up();
    expect(up.code, up.output).to.equal(0);
    expect([...group("Engineering").owners].sort()).to.deep.equal(
      [userId("dave_contoso.com#EXT#@sandbox.onmicrosoft.com"), userId("frank_fabrikam.com#EXT#@sandbox.onmicrosoft.com"), SP_ID, userId("bob@example.com")].sort(),
    );
    const clean = await stack.workspace.preview("--refresh", "--expect-no-changes");
    expect(clean.code, clean.output).to.equal(0);
  });

  it("moves an owner from one binding's group to another's in one update", async () => {
    stack.declare(spec({ owners: ["dave@contoso.com", "frank_fabrikam.com#EXT#@sandbox.onmicrosoft.com", SP_ID.toUpperCase()] }, { owners: ["bob@example.com"] }));
    const preview = await stack.workspace.preview();
    expect(preview.code, preview.output).to.equal(0);
    expect(preview.stdout).to.match(/owner bob@example\.com"?\s*: "remove as owner of Engineering/);
    const up = await stack.workspace.up();
    expect(up.code, up.output).to.equal(0);
    expect(group("Engineering").owners).to.not.include(userId("bob@example.com"));
    expect(group("Platform").owners).to.deep.equal([userId("bob@example.com")]);
    const clean = await stack.workspace.preview("--refresh", "--expect-no-changes");
    expect(clean.code, clean.output).to.equal(0);
  });

  it("an owner added by hand, then `pulumi refresh`: the next preview shows its removal, up removes it, members untouched", async () => {
    group("Platform").owners.push(userId("erin@example.com"));
    const refresh = await stack.workspace.refresh();
    expect(refresh.code, refresh.output).to.equal(0);
    const preview = await stack.workspace.preview();
    expect(preview.code, preview.output).to.equal(0);
    expect(preview.stdout).to.match(/erin@example\.com/);
    const membersBefore = [...group("Platform").members].sort();
    const up = await stack.workspace.up();
    expect(up.code, up.output).to.equal(0);
    expect(group("Platform").owners).to.deep.equal([userId("bob@example.com")]);
    expect([...group("Platform").members].sort()).to.deep.equal(membersBefore);
    const clean = await stack.workspace.preview("--refresh", "--expect-no-changes");
    expect(clean.code, clean.output).to.equal(0);
  });

  it("an owner not found in the tenant fails at preview naming owners (not the user group) and the fix", async () => {
    stack.declare(spec({ owners: ["dave@contoso.com", "nobody@example.com"] }, { owners: ["bob@example.com"] }));
    sandbox.resetRequestCounts();
    const preview = await stack.workspace.preview();
    expect(preview.code).to.not.equal(0);
    expect(preview.output).to.include("owners lists 1 address(es) not found");
    expect(preview.output).to.include("nobody@example.com");
    expect(preview.output).to.not.include('user group "Engineering" has 1 user(s) not found');
    expect(writeRequests(sandbox)).to.deep.equal([]);
  });
});

describe("the sandbox's optional packages: the packed package in a fresh project, as a user installs it", function () {
  const SANDBOX_ONLY = ["express", "@peculiar/x509", "reflect-metadata"];
  let project: string;

  function node(code: string) {
    return spawnSync(process.execPath, ["-e", code], { cwd: project, encoding: "utf8" });
  }

  before(function () {
    project = mkdtempSync(join(tmpdir(), "group-export-user-"));
    writeFileSync(join(project, "package.json"), JSON.stringify({ name: "user-project", version: "1.0.0", private: true }));
    execFileSync("npm", ["install", "--no-audit", "--no-fund", "--silent", packPackage(), `@pulumi/pulumi@${PULUMI_SDK_VERSION}`], { cwd: project, stdio: "pipe" });
  });

  it("installs no sandbox-only package; the SDK and the provider load without them", () => {
    for (const name of SANDBOX_ONLY) expect(existsSync(join(project, "node_modules", name)), name).to.equal(false);
    const loaded = node("const s = require('pulumi-group-export'); require('pulumi-group-export/provider'); console.log(typeof s.GroupBinding, typeof s.UserGroupExport)");
    expect(loaded.status, loaded.stderr).to.equal(0);
    expect(loaded.stdout.trim()).to.equal("function function");
  });

  it("startSandbox() and group-export-sandbox stop with a message naming every missing package and the command", () => {
    const started = node("require('pulumi-group-export/sandbox').startSandbox().then(() => process.exit(0), (e) => { console.error(e.message); process.exit(3); })");
    expect(started.status).to.equal(3);
    expect(started.stderr).to.include("the sandbox needs packages that are not installed: express, @peculiar/x509, reflect-metadata");
    expect(started.stderr).to.include("npm install --save-dev express@^5.3.0 @peculiar/x509@^2.2.0 reflect-metadata@^0.2.2");
    const bin = spawnSync(join(project, "node_modules", ".bin", "group-export-sandbox"), ["--port", "0"], { cwd: project, encoding: "utf8" });
    expect(bin.status).to.equal(1);
    expect(bin.stderr).to.include("the sandbox needs packages that are not installed");
    expect(bin.stderr, "no stack trace").to.not.match(/\n\s+at /);
  });

  // Found here: with the sandbox's packages as optional peers, npm refused to install the package
  // into a project on express 4 (ERESOLVE). They are now dev dependencies only, checked at start.
  it("a project with express 4 installs the package (it only exports groups); the sandbox names the version it needs", () => {
    const other = mkdtempSync(join(tmpdir(), "group-export-user-express4-"));
    writeFileSync(join(other, "package.json"), JSON.stringify({ name: "express4-app", version: "1.0.0", private: true, dependencies: { express: "^4.21.0" } }));
    const install = spawnSync("npm", ["install", "--no-audit", "--no-fund", packPackage(), `@pulumi/pulumi@${PULUMI_SDK_VERSION}`], { cwd: other, encoding: "utf8" });
    expect(install.status, install.stderr).to.equal(0);
    const loaded = spawnSync(process.execPath, ["-e", "require('pulumi-group-export'); require('pulumi-group-export/sandbox').startSandbox().then(() => process.exit(0), (e) => { console.error(e.message); process.exit(3); })"], { cwd: other, encoding: "utf8" });
    expect(loaded.status, loaded.stderr).to.equal(3);
    expect(loaded.stderr).to.match(/the sandbox needs newer versions of: express \(found 4\.\d+\.\d+, needs \^5\.3\.0\)/);
  });
});
