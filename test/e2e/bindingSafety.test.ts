import { expect } from "chai";
import { startSandbox, type Sandbox } from "../../provider/sandbox";
import { E2eStack } from "../support/e2eProgram";
import { entraMembers, googleMembers, writeRequests } from "../support/sandboxViews";

/**
 * Issue 8, the binding's part: one group's membership has one owner (two bindings that would
 * fight over it fail at preview, naming both), and an email move cannot lose anyone (the whole
 * move is planned and guarded before any write; members are added before any is removed).
 */
describe("Binding safety: one owner per group's membership, moves that lose nobody", function () {
  let sandbox: Sandbox;

  before(async function () {
    sandbox = await startSandbox({
      google: {
        domains: ["example.com"],
        users: ["alice", "bob", "carol", "dave"].map((n) => ({ primaryEmail: `${n}@example.com` })),
        groups: [{ email: "engineering@example.com", name: "Engineering", members: [{ email: "dave@example.com" }] }],
      },
      entra: { users: ["alice", "bob", "carol"].map((n) => ({ userPrincipalName: `${n}@example.com` })) },
    });
  });
  after(async () => sandbox?.close());

  it("two authoritative bindings on one Entra group fail at preview naming both; authoritative + additive too; two additive are fine", async () => {
    const stack = await E2eStack.create(sandbox, "two-bindings");
    const spec = (modes: [string, string]) => ({
      management: { tenant: { entra: { tenantId: sandbox.entra.tenantId } } },
      entraGroups: { shared: { management: "tenant", displayName: "Shared" } },
      bindings: {
        "first-binding": { target: "shared", membershipMode: modes[0], userGroup: { name: "First", users: ["alice@example.com"] } },
        "second-binding": { target: "shared", membershipMode: modes[1], userGroup: { name: "Second", users: ["bob@example.com"] } },
      },
    });
    for (const modes of [["authoritative", "authoritative"], ["additive", "authoritative"]] as [string, string][]) {
      stack.declare(spec(modes));
      sandbox.resetRequestCounts();
      const preview = await stack.workspace.preview();
      expect(preview.code, preview.output).to.not.equal(0);
      expect(preview.output).to.match(/also bound by GroupBinding (first|second)-binding/);
      expect(preview.output).to.include("first-binding").and.include("second-binding");
      expect(writeRequests(sandbox)).to.deep.equal([]);
    }
    stack.declare(spec(["additive", "additive"]));
    const up = await stack.workspace.up();
    expect(up.code, up.output).to.equal(0);
    const group = sandbox.entra.tenant.groups.find((g) => g.displayName === "Shared")!;
    expect(entraMembers(sandbox, group.id)).to.deep.equal(["alice@example.com", "bob@example.com"]);
    const clean = await stack.workspace.preview("--refresh", "--expect-no-changes");
    expect(clean.code, clean.output).to.equal(0);
    // Issue 9: a preview of unchanged resources makes no call at all.
    sandbox.resetRequestCounts();
    const noop = await stack.workspace.preview("--expect-no-changes");
    expect(noop.code, noop.output).to.equal(0);
    expect(sandbox.requestCounts(), "no-op preview: 0 requests").to.deep.equal({});
    expect((await stack.workspace.destroy()).code).to.equal(0);
  });

  it("an email move into an existing group is guarded at preview (nothing written), then adds before it removes", async () => {
    const stack = await E2eStack.create(sandbox, "email-move");
    // A floor of 0: the share alone decides (by default removing one stranger never trips the guard; see below).
    const spec = (email: string, maxRemovalPercent = 50, removalGuardFloor: number | undefined = 0) => ({
      management: { workspace: { google: { domains: ["example.com"] } } },
      googleGroups: { eng: { management: "workspace", email } },
      bindings: { "eng-members": { target: "eng", maxRemovalPercent, ...(removalGuardFloor === undefined ? {} : { removalGuardFloor }), userGroup: { name: "Eng", users: ["alice@example.com", "bob@example.com"] } } },
    });
    stack.declare(spec("eng@example.com"));
    expect((await stack.workspace.up()).code).to.equal(0);
    expect(googleMembers(sandbox, "eng@example.com")).to.deep.equal(["alice@example.com", "bob@example.com"]);

    // engineering@ already exists, holding dave: moving there would remove dave (1 of 1).
    stack.declare(spec("engineering@example.com"));
    sandbox.resetRequestCounts();
    const guarded = await stack.workspace.preview();
    expect(guarded.code, guarded.output).to.not.equal(0);
    expect(guarded.output).to.include("mass-removal guard: would remove 1 of 1 members");
    expect(guarded.output).to.include("dave@example.com");
    const blocked = await stack.workspace.up();
    expect(blocked.code).to.not.equal(0);
    expect(googleMembers(sandbox, "eng@example.com"), "nobody lost").to.deep.equal(["alice@example.com", "bob@example.com"]);
    expect(googleMembers(sandbox, "engineering@example.com")).to.deep.equal(["dave@example.com"]);

    // With the default floor (10 members), removing the one stranger is no mass removal: the preview announces it.
    stack.declare(spec("engineering@example.com", 50, undefined));
    const preview = await stack.workspace.preview();
    expect(preview.code, preview.output).to.equal(0);
    expect(preview.stdout).to.match(/"?dave@example\.com"?\s*:\s*"remove from engineering@example\.com"/);
    expect(preview.stdout, preview.stdout).to.match(/"?alice@example\.com \(in eng@example\.com\)"?\s*:\s*"remove from eng@example\.com if this binding added it: the binding moves to engineering@example\.com"/);
    const up = await stack.workspace.up();
    expect(up.code, up.output).to.equal(0);
    expect(googleMembers(sandbox, "engineering@example.com")).to.deep.equal(["alice@example.com", "bob@example.com"]);
    expect(googleMembers(sandbox, "eng@example.com")).to.deep.equal([]);
    const clean = await stack.workspace.preview("--refresh", "--expect-no-changes");
    expect(clean.code, clean.output).to.equal(0);
  });

  it("an empty user group exports nothing (no empty group is made) until it has a user", async () => {
    const stack = await E2eStack.create(sandbox, "empty-waits");
    const spec = (users: string[]) => ({
      management: { tenant: { entra: { tenantId: sandbox.entra.tenantId } }, workspace: { google: { domains: ["example.com"] } } },
      googleGroups: { g: { management: "workspace", email: "waiting@example.com", enabled: users.length > 0 } },
      entraGroups: { e: { management: "tenant", displayName: "Waiting", enabled: users.length > 0 } },
      bindings: {
        "g-members": { target: "g", allowEmpty: true, userGroup: { name: "Waiting", users } },
        "e-members": { target: "e", allowEmpty: true, userGroup: { name: "Waiting", users } },
      },
    });
    stack.declare(spec([]));
    sandbox.resetRequestCounts();
    const up = await stack.workspace.up();
    expect(up.code, up.output).to.equal(0);
    expect(writeRequests(sandbox), "nothing written").to.deep.equal([]);
    expect(googleMembers(sandbox, "waiting@example.com")).to.deep.equal([]);
    expect(sandbox.google.tenant.groups.some((g) => g.email === "waiting@example.com"), "no empty Google group").to.equal(false);
    expect(sandbox.entra.tenant.groups.some((g) => g.displayName === "Waiting"), "no empty Entra group").to.equal(false);
    stack.declare(spec(["alice@example.com"]));
    const filled = await stack.workspace.up();
    expect(filled.code, filled.output).to.equal(0);
    expect(googleMembers(sandbox, "waiting@example.com")).to.deep.equal(["alice@example.com"]);
    expect(entraMembers(sandbox, sandbox.entra.tenant.groups.find((g) => g.displayName === "Waiting")!.id)).to.deep.equal(["alice@example.com"]);
    const clean = await stack.workspace.preview("--refresh", "--expect-no-changes");
    expect(clean.code, clean.output).to.equal(0);
    expect((await stack.workspace.destroy()).code).to.equal(0);
  });

  it("users from another resource's output (unknown at preview) preview and apply", async () => {
    const stack = await E2eStack.create(sandbox, "unknown-users");
    stack.declare({
      management: { workspace: { google: { domains: ["example.com"] } } },
      googleGroups: { later: { management: "workspace", email: "later@example.com" } },
      bindings: { "later-members": { target: "later", usersFrom: "later", userGroup: { name: "Later", users: ["carol@example.com"] } } },
    });
    const preview = await stack.workspace.preview();
    expect(preview.code, preview.output).to.equal(0);
    expect(preview.output).to.not.include("Unexpected struct type");
    const up = await stack.workspace.up();
    expect(up.code, up.output).to.equal(0);
    expect(googleMembers(sandbox, "later@example.com")).to.deep.equal(["carol@example.com"]);
    const clean = await stack.workspace.preview("--refresh", "--expect-no-changes");
    expect(clean.code, clean.output).to.equal(0);
  });

  it("malformed user lists fail at preview naming the resource, the field and the fix", async () => {
    const stack = await E2eStack.create(sandbox, "malformed");
    const base = {
      management: { workspace: { google: { domains: ["example.com"] } } },
      googleGroups: { g: { management: "workspace", email: "malformed@example.com" } },
    };
    const cases: [unknown, RegExp][] = [
      [{ name: "X", users: null }, /property userGroup .*has a problem: users must be a list of email addresses/],
      [{ name: "X", users: "alice@example.com" }, /property userGroup .*has a problem: users must be a list of email addresses/],
      [{ name: "X", users: ["alice@example.com", null] }, /property userGroup .*has a problem: users\.1 must be an email address or user principal name/],
      [{ name: "", users: ["alice@example.com"] }, /property userGroup .*has a problem: name needs a name/],
    ];
    for (const [userGroup, message] of cases) {
      stack.declare({ ...base, bindings: { "bad-binding": { target: "g", userGroup } } });
      const preview = await stack.workspace.preview();
      expect(preview.code, JSON.stringify(userGroup)).to.not.equal(0);
      expect(preview.output, JSON.stringify(userGroup)).to.include("bad-binding");
      expect(preview.output, JSON.stringify(userGroup)).to.match(message);
      expect(preview.output).to.not.include("Unexpected struct type");
    }
  });
});
