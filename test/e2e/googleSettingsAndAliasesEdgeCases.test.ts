import { expect } from "chai";
import { DISTRIBUTION_LIST_SETTINGS } from "../../provider/google/settingsSchema";
import { startSandbox, type Sandbox } from "../../provider/sandbox";
import { E2eStack } from "../support/e2eProgram";
import { groupsSettingsClient } from "../support/googleClients";
import { writesIn } from "../support/sandboxViews";

/**
 * GoogleDistributionGroup settings and aliases at their edges, as a new user meets them, through
 * the real Pulumi CLI against the sandbox. Each scenario names the promise it tests.
 */

const WORKSPACE = { workspace: { google: { domains: ["example.com"] } } };

/** Requests to the Groups Settings API. */
function settingsCalls(counts: Record<string, number>): string[] {
  return Object.keys(counts).filter((k) => k.includes("/groups/v1/"));
}

describe("GoogleDistributionGroup settings and aliases at their edges, through the real Pulumi CLI", function () {
  let sandbox: Sandbox;
  let stack: E2eStack;
  let settingsApi: ReturnType<typeof groupsSettingsClient>;

  const group = (email: string) => sandbox.google.tenant.groups.find((g) => g.email === email);
  async function settingsOf(email: string): Promise<Record<string, unknown>> {
    return (await settingsApi.groups.get({ groupUniqueId: email, alt: "json" })).data as Record<string, unknown>;
  }
  async function clean(): Promise<void> {
    const again = await stack.workspace.preview("--refresh", "--expect-no-changes");
    expect(again.code, `no flip-flop on the next preview:\n${again.output}`).to.equal(0);
  }

  before(async function () {
    sandbox = await startSandbox({
      google: {
        domains: ["example.com"],
        admins: ["admin@example.com"],
        groups: [
          { email: "prim@example.com", name: "Prim", aliases: ["byalias@example.com"] },
          { email: "own@example.com", name: "Own", description: "kept", settings: { whoCanJoin: "ANYONE_CAN_JOIN", spamModerationLevel: "REJECT", whoCanPostMessage: "ANYONE_CAN_POST" } },
          { email: "quiet@example.com", name: "Quiet" },
        ],
      },
    });
    stack = await E2eStack.create(sandbox);
    settingsApi = groupsSettingsClient(sandbox);
  });
  after(async () => sandbox?.close());

  it("refuses at preview, writing nothing, an alias that is the group's primary address when the group is declared by its alias", async () => {
    stack.declare({ management: WORKSPACE, googleGroups: { prim: { management: "workspace", email: "byalias@example.com", aliases: ["prim@example.com"] } } });
    sandbox.resetRequestCounts();
    const preview = await stack.workspace.preview();
    expect(preview.code, preview.output).to.not.equal(0);
    expect(preview.output).to.include("aliases").and.to.include("prim@example.com").and.to.include("primary address");
    expect(writesIn(sandbox.requestCounts())).to.deep.equal([]);
  });

  it("adopting a group with aliases declared names at preview the aliases the apply removes, then removes only those", async () => {
    stack.declare({ management: WORKSPACE, googleGroups: { prim: { management: "workspace", email: "prim@example.com", aliases: ["prim-new@example.com"] } } });
    const preview = await stack.workspace.preview();
    expect(preview.code, preview.output).to.equal(0);
    expect(preview.stdout).to.include("aliases to remove: byalias@example.com");
    const up = await stack.workspace.up();
    expect(up.code, up.output).to.equal(0);
    expect(group("prim@example.com")!.aliases).to.deep.equal(["prim-new@example.com"]);
    await clean();
  });

  it("declaring aliases for the first time on a managed group shows at preview the aliases it removes", async () => {
    const plain = { management: "workspace", email: "plain@example.com" };
    stack.declare({ management: WORKSPACE, googleGroups: { plain } });
    expect((await stack.workspace.up()).code).to.equal(0);
    group("plain@example.com")!.aliases = ["by-hand@example.com"];
    expect((await stack.workspace.run(["refresh", "--yes"])).code).to.equal(0);
    stack.declare({ management: WORKSPACE, googleGroups: { plain: { ...plain, aliases: ["declared@example.com"] } } });
    const preview = await stack.workspace.run(["preview", "--diff"]);
    expect(preview.code, preview.output).to.equal(0);
    expect(preview.stdout, "the removal of by-hand@ is visible").to.include("aliases to remove: by-hand@example.com");
    const up = await stack.workspace.up();
    expect(up.code, up.output).to.equal(0);
    expect(group("plain@example.com")!.aliases).to.deep.equal(["declared@example.com"]);
    await clean();
  });

  it("adopting a group and declaring one setting changes only that setting, keeps name and description; removing it from settings stops managing it (no reset)", async () => {
    const before = await settingsOf("own@example.com");
    stack.declare({ management: WORKSPACE, googleGroups: { own: { management: "workspace", email: "own@example.com", settings: { whoCanJoin: "INVITED_CAN_JOIN" } } } });
    const preview = await stack.workspace.preview();
    expect(preview.code, preview.output).to.equal(0);
    expect(preview.stdout).to.include("settings to change: whoCanJoin ANYONE_CAN_JOIN -> INVITED_CAN_JOIN");
    const up = await stack.workspace.up();
    expect(up.code, up.output).to.equal(0);
    expect(await settingsOf("own@example.com")).to.deep.equal({ ...before, whoCanJoin: "INVITED_CAN_JOIN" });
    expect(group("own@example.com")).to.include({ name: "Own", description: "kept" });
    await clean();

    stack.declare({ management: WORKSPACE, googleGroups: { own: { management: "workspace", email: "own@example.com" } } });
    sandbox.resetRequestCounts();
    const dropped = await stack.workspace.up();
    expect(dropped.code, dropped.output).to.equal(0);
    expect(Object.keys(sandbox.requestCounts()).filter((k) => k.startsWith("PATCH") && k.includes("/groups/v1/")), "no settings PATCH").to.deep.equal([]);
    expect(await settingsOf("own@example.com"), "the setting keeps the value it has").to.deep.equal({ ...before, whoCanJoin: "INVITED_CAN_JOIN" });
    await clean();
    // No longer managed: changed by hand, it is no drift.
    await settingsApi.groups.patch({ groupUniqueId: "own@example.com", requestBody: { whoCanJoin: "ALL_IN_DOMAIN_CAN_JOIN" } });
    await clean();
  });

  it("in read-only mode, an adopted group with no settings makes no settings call at all (preview --refresh and up)", async () => {
    stack.declare({ management: WORKSPACE, googleGroups: { own: { management: "workspace", email: "own@example.com" }, quiet: { management: "workspace", email: "quiet@example.com" } } });
    const up = await stack.workspace.up();
    expect(up.code, up.output).to.equal(0);
    stack.workspace.setEnv("GROUP_EXPORT_READ_ONLY", "true");
    try {
      sandbox.resetRequestCounts();
      const preview = await stack.workspace.preview("--refresh", "--expect-no-changes");
      expect(preview.code, preview.output).to.equal(0);
      const again = await stack.workspace.up("--refresh");
      expect(again.code, again.output).to.equal(0);
      expect(settingsCalls(sandbox.requestCounts())).to.deep.equal([]);
      expect(writesIn(sandbox.requestCounts())).to.deep.equal([]);
    } finally {
      stack.workspace.setEnv("GROUP_EXPORT_READ_ONLY", "false");
    }
  });

  it("settingsDefault none -> distributionList -> none on a created group: the default shows at preview, and dropping it resets nothing", async () => {
    const dl = { management: "workspace", email: "dl@example.com" };
    stack.declare({ management: WORKSPACE, googleGroups: { dl: { ...dl, settingsDefault: "none", settings: { whoCanJoin: "CAN_REQUEST_TO_JOIN" } } } });
    const up = await stack.workspace.up();
    expect(up.code, up.output).to.equal(0);
    const fresh = await settingsOf("dl@example.com");
    expect(fresh.whoCanJoin).to.equal("CAN_REQUEST_TO_JOIN");
    expect(fresh.whoCanContactOwner, "a new group's own default, untouched").to.not.equal(DISTRIBUTION_LIST_SETTINGS.whoCanContactOwner);
    await clean();

    stack.declare({ management: WORKSPACE, googleGroups: { dl: { ...dl, settingsDefault: "distributionList", settings: { whoCanJoin: "CAN_REQUEST_TO_JOIN" } } } });
    const preview = await stack.workspace.run(["preview", "--diff"]);
    expect(preview.code, preview.output).to.equal(0);
    expect(preview.stdout).to.match(/whoCanContactOwner\s*:\s*"ALL_IN_DOMAIN_CAN_CONTACT"/);
    expect((await stack.workspace.up()).code).to.equal(0);
    expect(await settingsOf("dl@example.com")).to.include({ ...DISTRIBUTION_LIST_SETTINGS, whoCanJoin: "CAN_REQUEST_TO_JOIN" });
    await clean();

    const held = await settingsOf("dl@example.com");
    stack.declare({ management: WORKSPACE, googleGroups: { dl: { ...dl, settingsDefault: "none", settings: { whoCanJoin: "CAN_REQUEST_TO_JOIN" } } } });
    sandbox.resetRequestCounts();
    const back = await stack.workspace.up();
    expect(back.code, back.output).to.equal(0);
    expect(Object.keys(sandbox.requestCounts()).filter((k) => k.startsWith("PATCH") && k.includes("/groups/v1/"))).to.deep.equal([]);
    expect(await settingsOf("dl@example.com")).to.deep.equal(held);
    await clean();
  });

  it("archiveOnly true -> false: with the default, posting returns to the default's permission; with none, the API's ALL_MANAGERS_CAN_POST is no flip-flop", async () => {
    const arch = { management: "workspace", email: "arch@example.com" };
    const none = { management: "workspace", email: "arch-none@example.com", settingsDefault: "none" };
    stack.declare({ management: WORKSPACE, googleGroups: { arch: { ...arch, settings: { archiveOnly: true } }, none: { ...none, settings: { archiveOnly: "true" } } } });
    expect((await stack.workspace.up()).code).to.equal(0);
    expect(await settingsOf("arch@example.com")).to.include({ archiveOnly: "true", whoCanPostMessage: "NONE_CAN_POST" });
    expect(await settingsOf("arch-none@example.com")).to.include({ archiveOnly: "true", whoCanPostMessage: "NONE_CAN_POST" });
    await clean();

    stack.declare({ management: WORKSPACE, googleGroups: { arch: { ...arch, settings: { archiveOnly: false } }, none: { ...none, settings: { archiveOnly: "false" } } } });
    const up = await stack.workspace.up();
    expect(up.code, up.output).to.equal(0);
    expect(await settingsOf("arch@example.com")).to.include({ archiveOnly: "false", whoCanPostMessage: DISTRIBUTION_LIST_SETTINGS.whoCanPostMessage });
    expect(await settingsOf("arch-none@example.com")).to.include({ archiveOnly: "false", whoCanPostMessage: "ALL_MANAGERS_CAN_POST" });
    await clean();
  });

  it("a managed field the settings API leaves out is drift: found by preview --refresh and restored by up", async () => {
    const g = group("arch@example.com")!;
    delete (g.settings as Record<string, unknown>).whoCanJoin;
    const drift = await stack.workspace.preview("--refresh", "--expect-no-changes");
    expect(drift.code, drift.output).to.not.equal(0);
    expect(drift.output).to.include("whoCanJoin");
    const up = await stack.workspace.up("--refresh");
    expect(up.code, up.output).to.equal(0);
    expect((await settingsOf("arch@example.com")).whoCanJoin).to.equal("INVITED_CAN_JOIN");
    await clean();
  });

  it('takes "TRUE" and a lower-case enum value through the CLI as the API\'s values, with no flip-flop on the next preview', async () => {
    const spelled = { management: "workspace", email: "spelled@example.com", settings: { allowExternalMembers: "TRUE", whoCanJoin: "can_request_to_join" } };
    stack.declare({ management: WORKSPACE, googleGroups: { spelled } });
    const preview = await stack.workspace.preview();
    expect(preview.code, preview.output).to.equal(0);
    expect(preview.stdout).to.include('"CAN_REQUEST_TO_JOIN"');
    expect((await stack.workspace.up()).code).to.equal(0);
    expect(await settingsOf("spelled@example.com")).to.include({ allowExternalMembers: "true", whoCanJoin: "CAN_REQUEST_TO_JOIN" });
    await clean();
  });

  it("an alias stored by Google in another case than declared is no change (no flip-flop)", async () => {
    stack.declare({ management: WORKSPACE, googleGroups: { cased: { management: "workspace", email: "cased@example.com", aliases: ["Team@Example.com"] } } });
    expect((await stack.workspace.up()).code).to.equal(0);
    expect(group("cased@example.com")!.aliases).to.deep.equal(["team@example.com"]);
    group("cased@example.com")!.aliases = ["Team@example.COM"];
    const preview = await stack.workspace.preview("--refresh", "--expect-no-changes");
    expect(preview.code, preview.output).to.equal(0);
  });

  it("changing the email of a group with aliases (a replacement) moves the aliases to the new group", async () => {
    const spec = (email: string) => ({ management: WORKSPACE, googleGroups: { moving: { management: "workspace", email, aliases: ["moving-alias@example.com"], settings: { whoCanJoin: "CAN_REQUEST_TO_JOIN" } } } });
    stack.declare(spec("old-address@example.com"));
    expect((await stack.workspace.up()).code).to.equal(0);
    stack.declare(spec("new-address@example.com"));
    const preview = await stack.workspace.preview();
    expect(preview.code, preview.output).to.equal(0);
    expect(preview.stdout, "the alias's move is visible at preview").to.include("aliases moved from the replaced group old-address@example.com: moving-alias@example.com");
    const up = await stack.workspace.up();
    expect(up.code, up.output).to.equal(0);
    expect(group("old-address@example.com"), "the old group, made by the stack, is deleted").to.equal(undefined);
    expect(group("new-address@example.com")!.aliases).to.deep.equal(["moving-alias@example.com"]);
    expect((await settingsOf("new-address@example.com")).whoCanJoin).to.equal("CAN_REQUEST_TO_JOIN");
    await clean();
  });

  it("moving an alias from group A to group B in one update is refused at preview with a clear fix, writing nothing; two ups do it", async () => {
    const a = { management: "workspace", email: "mv-a@example.com" };
    const b = { management: "workspace", email: "mv-b@example.com" };
    stack.declare({ management: WORKSPACE, googleGroups: { a: { ...a, aliases: ["mv@example.com"] }, b: { ...b, aliases: [] } } });
    expect((await stack.workspace.up()).code).to.equal(0);
    stack.declare({ management: WORKSPACE, googleGroups: { a: { ...a, aliases: [] }, b: { ...b, aliases: ["mv@example.com"] } } });
    sandbox.resetRequestCounts();
    const preview = await stack.workspace.preview();
    expect(preview.code, preview.output).to.not.equal(0);
    expect(preview.output).to.include("mv@example.com is already an address of another group, mv-a@example.com").and.to.include("first");
    expect(writesIn(sandbox.requestCounts())).to.deep.equal([]);
    stack.declare({ management: WORKSPACE, googleGroups: { a: { ...a, aliases: [] }, b: { ...b, aliases: [] } } });
    expect((await stack.workspace.up()).code).to.equal(0);
    stack.declare({ management: WORKSPACE, googleGroups: { a: { ...a, aliases: [] }, b: { ...b, aliases: ["mv@example.com"] } } });
    const up = await stack.workspace.up();
    expect(up.code, up.output).to.equal(0);
    expect(group("mv-b@example.com")!.aliases).to.deep.equal(["mv@example.com"]);
    expect(group("mv-a@example.com")!.aliases).to.deep.equal([]);
  });
});
