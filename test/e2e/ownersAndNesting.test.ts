import { expect } from "chai";
import { startSandbox, type Sandbox } from "../../provider/sandbox";
import { E2eStack, type ProgramSpec } from "../support/e2eProgram";
import { googleGroup, writeRequests } from "../support/sandboxViews";
import { createdMemberLists } from "../support/previewText";

/**
 * Owners and managers, Entra owners and nested groups (issue 11, items 3 and 4), through the
 * real Pulumi CLI against the sandbox.
 */

/** Member address -> role, as the Google sandbox holds the group. */
function googleRoles(sandbox: Sandbox, email: string): Record<string, string> {
  return Object.fromEntries((googleGroup(sandbox, email)?.members ?? []).map((m) => [m.email ?? m.id, m.role]));
}

function googleMemberId(sandbox: Sandbox, group: string, member: string): string | undefined {
  return googleGroup(sandbox, group)?.members?.find((m) => m.email === member)?.id;
}

/** Requests that removed a member of a Google group (a promotion or demotion must make none). */
function memberDeletes(sandbox: Sandbox): string[] {
  return Object.keys(sandbox.requestCounts()).filter((k) => /^(BATCH-ITEM )?DELETE .*members/.test(k));
}

describe("Owners, managers and nested groups in Google Workspace, through the real Pulumi CLI", function () {
  let sandbox: Sandbox;
  let stack: E2eStack;
  const USERS = ["alice", "bob", "carol", "dave", "erin"].map((n) => ({ primaryEmail: `${n}@example.com` }));

  function spec(engineering: Record<string, unknown>, platform: Record<string, unknown> = {}): ProgramSpec {
    return {
      management: { workspace: { google: { domains: ["example.com"] } } },
      googleGroups: {
        engineering: { management: "workspace", email: "engineering@example.com", name: "Engineering" },
        platform: { management: "workspace", email: "platform@example.com", name: "Platform" },
      },
      bindings: {
        "engineering-members": { target: "engineering", userGroup: { name: "Engineering", users: ["alice@example.com", "bob@example.com"] }, ...engineering },
        "platform-members": { target: "platform", userGroup: { name: "Platform", users: ["dave@example.com"] }, ...platform },
      },
    };
  }

  before(async function () {
    sandbox = await startSandbox({ google: { domains: ["example.com"], admins: ["admin@example.com"], users: USERS } });
    stack = await E2eStack.create(sandbox, "google-owners");
  });
  after(async () => sandbox?.close());

  it("exports an owner, a manager and a nested group: previewed by address, one role each, clean refresh", async () => {
    stack.declare(spec({ owners: ["carol@example.com", "bob@example.com"], managers: ["erin@example.com"], memberGroups: ["platform"] }));
    const preview = await stack.workspace.preview("--show-full-output");
    expect(preview.code, preview.output).to.equal(0);
    expect(createdMemberLists(preview.stdout).flat()).to.include("group:platform@example.com");
    expect(preview.stdout).to.match(/"?carol@example\.com"?\s*: "owner"/);
    expect(preview.stdout).to.match(/"?erin@example\.com"?\s*: "manager"/);
    expect(writeRequests(sandbox), "preview writes nothing").to.deep.equal([]);
    const up = await stack.workspace.up();
    expect(up.code, up.output).to.equal(0);
    // bob is in users and owners: one member, role OWNER.
    expect(googleRoles(sandbox, "engineering@example.com")).to.deep.equal({
      "alice@example.com": "MEMBER",
      "bob@example.com": "OWNER",
      "carol@example.com": "OWNER",
      "erin@example.com": "MANAGER",
      "platform@example.com": "MEMBER",
    });
    expect(googleGroup(sandbox, "engineering@example.com")!.members!.find((m) => m.email === "platform@example.com")!.type).to.equal("GROUP");
    const clean = await stack.workspace.preview("--refresh", "--expect-no-changes");
    expect(clean.code, clean.output).to.equal(0);
  });

  it("promotes a member to OWNER in place: same member id, no removal, one patch", async () => {
    const aliceId = googleMemberId(sandbox, "engineering@example.com", "alice@example.com");
    stack.declare(spec({ owners: ["carol@example.com", "bob@example.com", "alice@example.com"], managers: ["erin@example.com"], memberGroups: ["platform"] }));
    sandbox.resetRequestCounts();
    const up = await stack.workspace.up();
    expect(up.code, up.output).to.equal(0);
    expect(googleRoles(sandbox, "engineering@example.com")["alice@example.com"]).to.equal("OWNER");
    expect(googleMemberId(sandbox, "engineering@example.com", "alice@example.com"), "the member id stays").to.equal(aliceId);
    expect(memberDeletes(sandbox), "no member was removed").to.deep.equal([]);
    expect(Object.keys(sandbox.requestCounts()).filter((k) => /PATCH .*members\/:memberKey/.test(k))).to.have.length(1);
    expect(Object.keys(sandbox.requestCounts()).filter((k) => /POST .*\/members$/.test(k)), "nobody added").to.deep.equal([]);
  });

  it("demotes an OWNER to MEMBER in place, shown at preview; no removal", async () => {
    const bobId = googleMemberId(sandbox, "engineering@example.com", "bob@example.com");
    stack.declare(spec({ owners: ["carol@example.com", "alice@example.com"], managers: ["erin@example.com"], memberGroups: ["platform"] }));
    const preview = await stack.workspace.preview("--diff");
    expect(preview.code, preview.output).to.equal(0);
    expect(preview.stdout).to.match(/-\s+"?bob@example\.com"?\s*: "owner"/);
    sandbox.resetRequestCounts();
    const up = await stack.workspace.up();
    expect(up.code, up.output).to.equal(0);
    expect(googleRoles(sandbox, "engineering@example.com")["bob@example.com"]).to.equal("MEMBER");
    expect(googleMemberId(sandbox, "engineering@example.com", "bob@example.com")).to.equal(bobId);
    expect(memberDeletes(sandbox)).to.deep.equal([]);
    const clean = await stack.workspace.preview("--refresh", "--expect-no-changes");
    expect(clean.code, clean.output).to.equal(0);
  });

  it("an owner made by hand is drift: found by refresh, demoted in place by up", async () => {
    const bob = googleGroup(sandbox, "engineering@example.com")!.members!.find((m) => m.email === "bob@example.com")!;
    bob.role = "OWNER";
    const drift = await stack.workspace.preview("--refresh", "--expect-no-changes");
    expect(drift.code, drift.output).to.not.equal(0);
    expect(drift.output).to.include("bob@example.com");
    const up = await stack.workspace.up("--refresh");
    expect(up.code, up.output).to.equal(0);
    expect(googleRoles(sandbox, "engineering@example.com")["bob@example.com"]).to.equal("MEMBER");
  });

  it("refuses a cycle of nested groups at preview, naming both bindings; nothing is written", async () => {
    stack.declare(spec({ owners: ["carol@example.com", "alice@example.com"], managers: ["erin@example.com"], memberGroups: ["platform"] }, { memberGroups: ["engineering"] }));
    sandbox.resetRequestCounts();
    const preview = await stack.workspace.preview();
    expect(preview.code).to.not.equal(0);
    expect(preview.output).to.match(/is a cycle \(declared by GroupBinding (engineering-members, platform-members|platform-members, engineering-members)\)/);
    expect(preview.output).to.include("engineering@example.com -> platform@example.com");
    expect(writeRequests(sandbox)).to.deep.equal([]);
  });
});

describe("Entra owners and nested groups, through the real Pulumi CLI", function () {
  let sandbox: Sandbox;
  let stack: E2eStack;

  function spec(engineering: Record<string, unknown>, extraGroups: ProgramSpec["entraGroups"] = {}, extraBindings: ProgramSpec["bindings"] = {}): ProgramSpec {
    return {
      management: { tenant: { entra: { tenantId: sandbox.entra.tenantId } } },
      entraGroups: { engineering: { management: "tenant", displayName: "Engineering" }, platform: { management: "tenant", displayName: "Platform" }, ...extraGroups },
      bindings: {
        "engineering-members": { target: "engineering", userGroup: { name: "Engineering", users: ["alice@example.com"] }, ...engineering },
        "platform-members": { target: "platform", userGroup: { name: "Platform", users: ["carol@example.com"] } },
        ...extraBindings,
      },
    };
  }
  const group = (name: string) => sandbox.entra.tenant.groups.find((g) => g.displayName === name)!;
  const upnsOf = (ids: string[]) => ids.map((id) => sandbox.entra.tenant.users.find((u) => u.id === id)?.userPrincipalName ?? id).sort();
  const appSp = () => sandbox.entra.tenant.apps[0].servicePrincipalId;

  before(async function () {
    sandbox = await startSandbox({ entra: { users: ["alice", "bob", "carol", "dave"].map((n) => ({ userPrincipalName: `${n}@example.com` })) } });
    stack = await E2eStack.create(sandbox, "entra-owners");
  });
  after(async () => sandbox?.close());

  it("sets exactly the declared owner (the app is not added) and exports a nested group, shown by name", async () => {
    stack.declare(spec({ owners: ["bob@example.com"], memberGroups: ["platform"] }));
    const preview = await stack.workspace.preview("--show-full-output");
    expect(preview.code, preview.output).to.equal(0);
    expect(createdMemberLists(preview.stdout).flat()).to.include("group:Platform");
    expect(preview.stdout).to.match(/"?bob@example\.com"?\s*: "owner"/);
    const up = await stack.workspace.up();
    expect(up.code, up.output).to.equal(0);
    expect(upnsOf(group("Engineering").owners)).to.deep.equal(["bob@example.com"]);
    expect(group("Engineering").owners).to.not.include(appSp());
    expect(group("Engineering").members).to.include(group("Platform").id);
    expect(upnsOf(group("Engineering").members.filter((id) => id !== group("Platform").id))).to.deep.equal(["alice@example.com"]);
    const clean = await stack.workspace.preview("--refresh", "--expect-no-changes");
    expect(clean.code, clean.output).to.equal(0);
  });

  it("adds one owner and removes one, the removal visible at preview", async () => {
    stack.declare(spec({ owners: ["dave@example.com", "carol@example.com"], memberGroups: ["platform"] }));
    const preview = await stack.workspace.preview("--diff");
    expect(preview.code, preview.output).to.equal(0);
    expect(preview.stdout).to.match(/-\s+"?bob@example\.com"?\s*: "owner"/);
    stack.declare(spec({ owners: ["carol@example.com"], memberGroups: ["platform"] }));
    const first = await stack.workspace.preview("--diff");
    expect(first.code, first.output).to.equal(0);
    expect(first.stdout).to.match(/"?owner bob@example\.com"?\s*: "remove as owner of Engineering"/);
    const up = await stack.workspace.up();
    expect(up.code, up.output).to.equal(0);
    expect(upnsOf(group("Engineering").owners)).to.deep.equal(["carol@example.com"]);
    // carol owns the group without being its member: owners are their own relation.
    expect(upnsOf(group("Engineering").members.filter((id) => id !== group("Platform").id))).to.deep.equal(["alice@example.com"]);
  });

  it("refuses at preview to remove every owner (Entra keeps a group's last owner), naming the owner", async () => {
    stack.declare(spec({ owners: [], memberGroups: ["platform"] }));
    sandbox.resetRequestCounts();
    const preview = await stack.workspace.preview();
    expect(preview.code).to.not.equal(0);
    expect(preview.output).to.include("would remove every owner (carol@example.com)");
    expect(writeRequests(sandbox)).to.deep.equal([]);
  });

  it("an owner the directory gave the creating app is kept and makes no diff", async () => {
    sandbox.entra.tenant.groupCreatorBecomesOwner = true;
    stack.declare(
      spec({ owners: ["carol@example.com"], memberGroups: ["platform"] }, { ops: { management: "tenant", displayName: "Ops" } }, { "ops-members": { target: "ops", userGroup: { name: "Ops", users: ["alice@example.com"] }, owners: ["bob@example.com"] } }),
    );
    const up = await stack.workspace.up();
    expect(up.code, up.output).to.equal(0);
    expect([...group("Ops").owners].sort()).to.deep.equal([appSp(), sandbox.entra.tenant.users.find((u) => u.userPrincipalName === "bob@example.com")!.id].sort());
    const clean = await stack.workspace.preview("--refresh", "--expect-no-changes");
    expect(clean.code, clean.output).to.equal(0);
    const outputs = await stack.workspace.ok(["stack", "output", "--json"]);
    expect(JSON.parse(outputs.stdout)["ops-members"].kept).to.have.property(`owner servicePrincipal:group-export (${appSp().slice(0, 8)})`);
  });

  it("manages the calling application as an owner only when asked, by its object id", async () => {
    const opsBinding = (owners: string[]) => ({ "ops-members": { target: "ops", userGroup: { name: "Ops", users: ["alice@example.com"] }, owners } });
    stack.declare(spec({ owners: ["carol@example.com"], memberGroups: ["platform"] }, { ops: { management: "tenant", displayName: "Ops" } }, opsBinding(["bob@example.com", appSp()])));
    const up = await stack.workspace.up();
    expect(up.code, up.output).to.equal(0);
    expect(group("Ops").owners).to.include(appSp());
    const outputs = await stack.workspace.ok(["stack", "output", "--json"]);
    const ops = JSON.parse(outputs.stdout)["ops-members"] as { owners: Record<string, string>; kept: Record<string, string> };
    expect(Object.keys(ops.owners).sort()).to.deep.equal([appSp(), "bob@example.com"].sort());
    expect(Object.keys(ops.kept)).to.deep.equal([]);
    const clean = await stack.workspace.preview("--refresh", "--expect-no-changes");
    expect(clean.code, clean.output).to.equal(0);
  });

  it("refuses a group that contains itself through another binding at preview", async () => {
    stack.declare(spec({ owners: ["carol@example.com"], memberGroups: ["platform"] }, {}, { "platform-members": { target: "platform", userGroup: { name: "Platform", users: ["carol@example.com"] }, memberGroups: ["engineering"] } }));
    const preview = await stack.workspace.preview();
    expect(preview.code).to.not.equal(0);
    expect(preview.output).to.match(/Engineering -> Platform -> Engineering is a cycle|Platform -> Engineering -> Platform is a cycle/);
  });
});
