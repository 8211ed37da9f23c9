import { expect } from "chai";
import { startSandbox, type Sandbox } from "../../provider/sandbox";
import { E2eStack, type ProgramSpec } from "../support/e2eProgram";
import { entraGroupsNamed, entraMembers, googleMembers } from "../support/sandboxViews";

const USERS = ["alice", "bob", "carol"];

function bothDirectories(sandbox: Sandbox): ProgramSpec {
  return {
    management: { workspace: { google: { domains: ["example.com"] } }, tenant: { entra: { tenantId: sandbox.entra.tenantId } } },
    googleGroups: { "eng-google": { management: "workspace", email: "eng@example.com", name: "Engineering" } },
    entraGroups: { "eng-entra": { management: "tenant", displayName: "Engineering" } },
    bindings: {
      "eng-google-members": { target: "eng-google", userGroup: { name: "Engineering", users: USERS.map((u) => `${u}@example.com`) } },
      "eng-entra-members": { target: "eng-entra", userGroup: { name: "Engineering", users: USERS.map((u) => `${u}@example.com`) } },
    },
  };
}

describe("Applying under faults, and authorization, through the real Pulumi CLI", function () {
  let sandbox: Sandbox;

  beforeEach(async function () {
    sandbox = await startSandbox({
      google: { domains: ["example.com"], users: USERS.map((u) => ({ primaryEmail: `${u}@example.com` })) },
      entra: { users: USERS.map((u) => ({ userPrincipalName: `${u}@example.com` })) },
    });
  });
  afterEach(async () => sandbox?.close());

  it("converges despite replication delay, throttling, quota errors, 5xx and dropped connections", async () => {
    const stack = await E2eStack.create(sandbox, "faults");
    stack.declare(bothDirectories(sandbox));
    sandbox.google.setPropagationDelay(2000);
    sandbox.entra.setReplicationDelay(2000);
    sandbox.faults.add({ api: "entra", kind: "throttle", retryAfterSeconds: 0.4, count: 3 });
    sandbox.faults.add({ api: "entra", kind: "serverError", status: 503, count: 2 });
    sandbox.faults.add({ api: "google", kind: "quota", reason: "userRateLimitExceeded", count: 2 });
    sandbox.faults.add({ api: "google", kind: "throttle", retryAfterSeconds: 0.3, count: 2 });
    sandbox.faults.add({ api: "google", kind: "serverError", status: 500, count: 2 });
    sandbox.faults.add({ api: "google", method: "GET", kind: "reset", count: 1 });
    const up = await stack.workspace.up();
    expect(up.code, up.output).to.equal(0);
    expect(sandbox.faults.list(), "every injected fault was met").to.deep.equal([]);
    expect(googleMembers(sandbox, "eng@example.com")).to.deep.equal(USERS.map((u) => `${u}@example.com`));
    const [entraGroup] = entraGroupsNamed(sandbox, "Engineering");
    expect(entraMembers(sandbox, entraGroup.id)).to.deep.equal(USERS.map((u) => `${u}@example.com`));
    // New members become visible to readers only after the propagation delay (as on Google): a
    // drift check runs later than that, never in the same seconds as the apply.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    const again = await stack.workspace.preview("--refresh", "--expect-no-changes");
    expect(again.code, again.output).to.equal(0);
  });

  it("refuses to manage a directory the credentials are not authorized for, naming the principal, the gap and the fix", async () => {
    const stack = await E2eStack.create(sandbox, "unauthorized");
    sandbox.entra.tenant.apps[0].roles = ["Group.Read.All", "User.Read.All"];
    sandbox.google.tenant.delegatedScopes = ["https://www.googleapis.com/auth/admin.directory.group.readonly"];
    // One directory per run: the check of a new management verifies it, and the engine stops at the first resource with problems.
    const management = bothDirectories(sandbox).management!;
    const entraOnly = Object.fromEntries(Object.entries(management).filter(([, args]) => "entra" in args));
    const googleOnly = Object.fromEntries(Object.entries(management).filter(([, args]) => "google" in args));
    stack.declare({ management: entraOnly });
    const entra = await stack.workspace.up();
    expect(entra.code).to.not.equal(0);
    expect(entra.output).to.match(/directory entra:[0-9a-f-]+: application [0-9a-f-]+ \(clientSecret\) lacks the Microsoft Graph application permission Group\.ReadWrite\.All/);
    expect(entra.output).to.include("grant admin consent");
    stack.declare({ management: googleOnly });
    const google = await stack.workspace.up();
    expect(google.code).to.not.equal(0);
    expect(google.output).to.match(/directory google:my_customer: service account group-export@sandbox-project\.iam\.gserviceaccount\.com acting as admin@example\.com is not authorized/);
    expect(google.output).to.include("Domain-wide delegation");
    for (const up of [entra, google]) expect(up.output).to.include('see docs/guides/credentials.md');
  });

  it("previews and refreshes with read-only permissions, and a read-only apply says why it cannot write", async () => {
    const stack = await E2eStack.create(sandbox, "readonly");
    stack.declare(bothDirectories(sandbox));
    expect((await stack.workspace.up()).code).to.equal(0);
    // A pull-request pipeline: read-only delegation in Google, read-only application permissions in Entra.
    sandbox.google.tenant.delegatedScopes = ["https://www.googleapis.com/auth/admin.directory.group.readonly"];
    sandbox.entra.tenant.apps[0].roles = ["Group.Read.All", "GroupMember.Read.All", "User.Read.All"];
    // Through the environment: refresh runs the provider with the config stored at the last up.
    stack.workspace.setEnv("GROUP_EXPORT_READ_ONLY", "true");
    // Group settings are read at refresh, and their API has one scope only: without it, one message names it.
    const noSettingsScope = await stack.workspace.preview("--refresh", "--expect-no-changes");
    expect(noSettingsScope.code).to.not.equal(0);
    expect(noSettingsScope.output).to.include("may not read the settings of group eng@example.com").and.to.include("does not grant the scope https://www.googleapis.com/auth/apps.groups.settings");
    sandbox.google.tenant.delegatedScopes.push("https://www.googleapis.com/auth/apps.groups.settings");
    const clean = await stack.workspace.preview("--refresh", "--expect-no-changes");
    expect(clean.code, clean.output).to.equal(0);
    const changed = bothDirectories(sandbox);
    changed.googleGroups!["eng-google"].description = "changed in a pull request";
    stack.declare(changed);
    const preview = await stack.workspace.preview("--refresh");
    expect(preview.code, preview.output).to.equal(0);
    expect(preview.stdout).to.include("changed in a pull request");
    const up = await stack.workspace.up();
    expect(up.code).to.not.equal(0);
    expect(up.output).to.include("this stack is read-only");
  });
});
