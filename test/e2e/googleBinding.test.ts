import { expect } from "chai";
import { startSandbox, type Sandbox } from "../../provider/sandbox";
import { E2eStack, type ProgramSpec } from "../support/e2eProgram";
import { googleGroup, googleMembers, writeRequests } from "../support/sandboxViews";
import { createdMemberLists, memberLineChanges } from "../support/previewText";

const USERS = ["alice", "bob", "carol", "dave", "erin", "frank"].map((n) => ({ primaryEmail: `${n}@example.com` }));

function spec(users: string[], extra: Partial<ProgramSpec> & { enabled?: boolean; email?: string; binding?: Record<string, unknown> } = {}): ProgramSpec {
  const { enabled = true, email = "engineering@example.com", binding = {}, ...rest } = extra;
  return {
    management: { workspace: { google: { domains: ["example.com"] }, enabled } },
    googleGroups: { engineering: { management: "workspace", email, name: "Engineering" } },
    bindings: { "engineering-members": { target: "engineering", userGroup: { name: "Engineering", users }, ...binding } },
    ...rest,
  };
}

describe("GroupBinding to Google Workspace through the real Pulumi CLI", function () {
  let sandbox: Sandbox;
  let stack: E2eStack;

  before(async function () {
    sandbox = await startSandbox({ google: { domains: ["example.com"], admins: ["admin@example.com"], users: USERS } });
    stack = await E2eStack.create(sandbox, "google-binding");
  });
  after(async () => sandbox?.close());

  it("shows members keyed by lowercased email at preview, and exports them on up", async () => {
    stack.declare(spec(["Alice@Example.com", "bob@example.com"]));
    const preview = await stack.workspace.preview();
    expect(preview.code, preview.output).to.equal(0);
    expect(createdMemberLists(preview.stdout)).to.deep.equal([["alice@example.com", "bob@example.com"]]);
    expect(writeRequests(sandbox), "preview writes nothing").to.deep.equal([]);
    const up = await stack.workspace.up();
    expect(up.code, up.output).to.equal(0);
    expect(googleMembers(sandbox, "engineering@example.com")).to.deep.equal(["alice@example.com", "bob@example.com"]);
  });

  it("previews an added and a removed member by key, not as a shifted array", async () => {
    stack.declare(spec(["alice@example.com", "carol@example.com"]));
    const preview = await stack.workspace.preview();
    expect(preview.code, preview.output).to.equal(0);
    expect(memberLineChanges(preview.stdout)).to.deep.equal(["- bob@example.com", "+ carol@example.com"]);
    expect(preview.stdout).to.not.match(/[-+~]\s+"?alice@example\.com"?\s*:/);
    const up = await stack.workspace.up();
    expect(up.code, up.output).to.equal(0);
    expect(googleMembers(sandbox, "engineering@example.com")).to.deep.equal(["alice@example.com", "carol@example.com"]);
  });

  it("authoritative: a member added by hand is found by refresh and removed by the next up", async () => {
    sandbox.google.tenant.groups.find((g) => g.email === "engineering@example.com")!.members!.push({ id: "1999", email: "mallory@example.com", role: "MEMBER", type: "EXTERNAL", delivery_settings: "ALL_MAIL", etag: '"e"' });
    const drift = await stack.workspace.preview("--refresh", "--expect-no-changes");
    expect(drift.code, drift.output).to.not.equal(0);
    expect(drift.output).to.include("mallory@example.com");
    const up = await stack.workspace.up("--refresh");
    expect(up.code, up.output).to.equal(0);
    expect(googleMembers(sandbox, "engineering@example.com")).to.deep.equal(["alice@example.com", "carol@example.com"]);
  });

  it("the mass-removal guard stops an apply that removes too many members, until the limit is raised", async () => {
    stack.declare(spec(["alice@example.com", "carol@example.com", "dave@example.com", "erin@example.com"]));
    expect((await stack.workspace.up()).code).to.equal(0);
    // A floor of 0: the share alone decides (the default floor, 10 members, is tested in bindingSafety).
    stack.declare(spec(["alice@example.com"], { binding: { removalGuardFloor: 0 } }));
    const blocked = await stack.workspace.up();
    expect(blocked.code).to.not.equal(0);
    expect(blocked.output).to.match(/mass-removal guard: would remove 3 of 4 members \(75%\), more than maxRemovalPercent 50% and more than removalGuardFloor 0 members/);
    expect(googleMembers(sandbox, "engineering@example.com")).to.have.length(4);
    stack.declare(spec(["alice@example.com"], { binding: { maxRemovalPercent: 100, removalGuardFloor: 0 } }));
    const allowed = await stack.workspace.up();
    expect(allowed.code, allowed.output).to.equal(0);
    expect(googleMembers(sandbox, "engineering@example.com")).to.deep.equal(["alice@example.com"]);
  });

  it("an empty user group fails at preview with the fix, or stays pending when allowed", async () => {
    stack.declare(spec([]));
    const preview = await stack.workspace.preview();
    expect(preview.code).to.not.equal(0);
    expect(preview.output).to.include("engineering-members");
    expect(preview.output).to.include('user group "Engineering" has no users');
    expect(preview.output).to.include("allowEmpty: true");
    stack.declare(spec([], { binding: { allowEmpty: true } }));
    const up = await stack.workspace.up();
    expect(up.code, up.output).to.equal(0);
    expect(googleMembers(sandbox, "engineering@example.com"), "pending binding changes nothing").to.deep.equal(["alice@example.com"]);
  });

  it("rejects users given twice in different case, and addresses that are no users, naming them all", async () => {
    stack.declare(spec(["alice@example.com", "ALICE@example.com", "not an address"]));
    const preview = await stack.workspace.preview();
    expect(preview.code).to.not.equal(0);
    expect(preview.output).to.include('lists "alice@example.com" and "ALICE@example.com"');
    expect(preview.output).to.include("not an address");
    stack.declare(spec(["alice@example.com", "ghost1@example.com", "ghost2@example.com"]));
    const up = await stack.workspace.up();
    expect(up.code).to.not.equal(0);
    expect(up.output).to.include("ghost1@example.com").and.to.include("ghost2@example.com");
    stack.declare(spec(["alice@example.com", "bob@example.com"]));
    const fixed = await stack.workspace.up();
    expect(fixed.code, fixed.output).to.equal(0);
    expect(googleMembers(sandbox, "engineering@example.com")).to.deep.equal(["alice@example.com", "bob@example.com"]);
  });

  it("while management is disabled nothing changes remotely; enabling it again reconciles", async () => {
    stack.declare(spec(["alice@example.com", "frank@example.com"], { enabled: false }));
    sandbox.resetRequestCounts();
    const up = await stack.workspace.up();
    expect(up.code, up.output).to.equal(0);
    expect(up.output).to.include("management of google:my_customer is disabled: no change");
    expect(writeRequests(sandbox)).to.deep.equal([]);
    expect(googleMembers(sandbox, "engineering@example.com")).to.deep.equal(["alice@example.com", "bob@example.com"]);
    stack.declare(spec(["alice@example.com", "frank@example.com"]));
    const enabled = await stack.workspace.up();
    expect(enabled.code, enabled.output).to.equal(0);
    expect(googleMembers(sandbox, "engineering@example.com")).to.deep.equal(["alice@example.com", "frank@example.com"]);
  });

  it("an email change moves the members to the new address's group; the old group, created by the stack, is deleted (issue 8)", async () => {
    stack.declare(spec(["alice@example.com", "frank@example.com"], { email: "eng@example.com" }));
    const up = await stack.workspace.up();
    expect(up.code, up.output).to.equal(0);
    expect(googleMembers(sandbox, "eng@example.com")).to.deep.equal(["alice@example.com", "frank@example.com"]);
    expect(googleGroup(sandbox, "engineering@example.com"), "the group the stack created is not left behind").to.equal(undefined);
  });

  it("additive mode leaves members others added; destroy removes only what it manages and deletes what it created", async () => {
    sandbox.google.tenant.groups.push({ id: "0shared1", email: "shared@example.com", name: "Shared", description: "", adminCreated: true, aliases: [], etag: '"s"', members: [{ id: "1777", email: "carol@example.com", role: "MEMBER", type: "USER", delivery_settings: "ALL_MAIL", etag: '"m"' }] });
    stack.declare({
      ...spec(["alice@example.com", "frank@example.com"], { email: "eng@example.com" }),
      googleGroups: {
        engineering: { management: "workspace", email: "eng@example.com", name: "Engineering" },
        shared: { management: "workspace", email: "shared@example.com", name: "Shared" },
      },
      bindings: {
        "engineering-members": { target: "engineering", userGroup: { name: "Engineering", users: ["alice@example.com", "frank@example.com"] } },
        "shared-members": { target: "shared", userGroup: { name: "Shared", users: ["dave@example.com"] }, membershipMode: "additive" },
      },
    });
    const up = await stack.workspace.up();
    expect(up.code, up.output).to.equal(0);
    expect(googleMembers(sandbox, "shared@example.com")).to.deep.equal(["carol@example.com", "dave@example.com"]);
    const clean = await stack.workspace.preview("--refresh", "--expect-no-changes");
    expect(clean.code, clean.output).to.equal(0);

    const destroy = await stack.workspace.destroy();
    expect(destroy.code, destroy.output).to.equal(0);
    expect(googleGroup(sandbox, "eng@example.com"), "created group deleted").to.equal(undefined);
    expect(googleMembers(sandbox, "shared@example.com"), "adopted group released with others' members").to.deep.equal(["carol@example.com"]);
  });

  it("a group and binding declared while management is disabled are made once it is enabled", async () => {
    stack.declare(spec(["alice@example.com"], { enabled: false, email: "later@example.com" }));
    sandbox.resetRequestCounts();
    const dormant = await stack.workspace.up();
    expect(dormant.code, dormant.output).to.equal(0);
    expect(writeRequests(sandbox)).to.deep.equal([]);
    expect(googleGroup(sandbox, "later@example.com")).to.equal(undefined);
    stack.declare(spec(["alice@example.com"], { email: "later@example.com" }));
    const enabled = await stack.workspace.up();
    expect(enabled.code, enabled.output).to.equal(0);
    expect(googleMembers(sandbox, "later@example.com")).to.deep.equal(["alice@example.com"]);
    expect((await stack.workspace.destroy()).code).to.equal(0);
  });
});
