import { expect } from "chai";
import { DISTRIBUTION_LIST_SETTINGS } from "../../provider/google/settingsSchema";
import { startSandbox, type Sandbox } from "../../provider/sandbox";
import { E2eStack } from "../support/e2eProgram";
import { directoryClient, groupsSettingsClient } from "../support/googleClients";
import { writesIn } from "../support/sandboxViews";

const WORKSPACE = { workspace: { google: { domains: ["example.com"] } } };

/** The GoogleDistributionGroup steps a `--diff` preview or update shows: operation and resource name. */
function stepsOf(output: string): { op: string; name: string }[] {
  const re = /pulumi-nodejs:dynamic\/groupexport:GoogleDistributionGroup: \((\w[\w-]*)\)\s+(?:\[id=[^\]]*\]\s+)?\[urn=[^\]]*::([^\]:]+)\]/g;
  return [...output.matchAll(re)].map((m) => ({ op: m[1], name: m[2] }));
}

describe("GoogleDistributionGroup settings and aliases through the real Pulumi CLI", function () {
  let sandbox: Sandbox;
  let stack: E2eStack;
  let settingsApi: ReturnType<typeof groupsSettingsClient>;
  let directory: ReturnType<typeof directoryClient>;

  /** A group's settings as the official googleapis client reads them from the sandbox. */
  async function settingsOf(email: string): Promise<Record<string, unknown>> {
    return (await settingsApi.groups.get({ groupUniqueId: email, alt: "json" })).data as Record<string, unknown>;
  }

  before(async function () {
    sandbox = await startSandbox({
      google: {
        domains: ["example.com"],
        admins: ["admin@example.com"],
        users: [{ primaryEmail: "alice@example.com", aliases: ["ali@example.com"] }],
        groups: [
          { email: "taken@example.com", name: "Taken", aliases: ["taken-alias@example.com"] },
          { email: "legacy@example.com", name: "Legacy", settings: { whoCanJoin: "ANYONE_CAN_JOIN", whoCanPostMessage: "ALL_IN_DOMAIN_CAN_POST", whoCanContactOwner: "ALL_IN_DOMAIN_CAN_CONTACT", spamModerationLevel: "REJECT" } },
        ],
      },
    });
    stack = await E2eStack.create(sandbox);
    settingsApi = groupsSettingsClient(sandbox);
    directory = directoryClient(sandbox);
  });
  after(async () => sandbox?.close());

  const lists = { management: "workspace", email: "lists@example.com" };
  const announce = { management: "workspace", email: "announce@example.com", settings: { whoCanPostMessage: "ALL_MEMBERS_CAN_POST", allowExternalMembers: true } };

  it("creates one group with the distribution-list default and one overriding two settings; the preview shows them", async () => {
    stack.declare({ management: WORKSPACE, googleGroups: { lists, announce } });
    sandbox.resetRequestCounts();
    const preview = await stack.workspace.preview();
    expect(preview.code, preview.output).to.equal(0);
    expect(writesIn(sandbox.requestCounts()), "preview must not write").to.deep.equal([]);
    expect(preview.stdout).to.include("whoCanPostMessage").and.to.include('"ALL_IN_DOMAIN_CAN_POST"').and.to.include('"ALL_MEMBERS_CAN_POST"');
    expect(preview.stdout).to.include("whoCanJoin").and.to.include('"INVITED_CAN_JOIN"');

    const up = await stack.workspace.up();
    expect(up.code, up.output).to.equal(0);
    expect(await settingsOf("lists@example.com")).to.include(DISTRIBUTION_LIST_SETTINGS);
    expect(await settingsOf("announce@example.com")).to.include({ ...DISTRIBUTION_LIST_SETTINGS, whoCanPostMessage: "ALL_MEMBERS_CAN_POST", allowExternalMembers: "true" });
    const outputs = JSON.parse((await stack.workspace.ok(["stack", "output", "--json"])).stdout);
    expect(outputs.announce.settings).to.deep.include({ whoCanPostMessage: "ALL_MEMBERS_CAN_POST", allowExternalMembers: "true", whoCanJoin: "INVITED_CAN_JOIN" });
    const clean = await stack.workspace.preview("--refresh", "--expect-no-changes");
    expect(clean.code, clean.output).to.equal(0);
  });

  it("finds a setting changed by hand with preview --refresh --expect-no-changes, and up reverts only that one", async () => {
    await settingsApi.groups.patch({ groupUniqueId: "lists@example.com", requestBody: { whoCanJoin: "ANYONE_CAN_JOIN", spamModerationLevel: "REJECT" } });
    const drift = await stack.workspace.preview("--refresh", "--expect-no-changes");
    expect(drift.code, "drift fails the check").to.not.equal(0);
    expect(drift.output).to.include("whoCanJoin").and.to.include("ANYONE_CAN_JOIN");
    expect(stepsOf(drift.stdout)).to.deep.include({ op: "update", name: "lists" });

    sandbox.resetRequestCounts();
    const up = await stack.workspace.up("--refresh");
    expect(up.code, up.output).to.equal(0);
    const after = await settingsOf("lists@example.com");
    expect(after.whoCanJoin, "the managed setting is reverted").to.equal("INVITED_CAN_JOIN");
    expect(after.spamModerationLevel, "a setting the program does not manage is left as it is").to.equal("REJECT");
    const patches = Object.entries(sandbox.requestCounts()).filter(([k]) => k.startsWith("PATCH") && k.includes("/groups/v1/"));
    expect(patches, "one PATCH of the drifted group's settings").to.have.length(1);
    expect(patches[0][1]).to.equal(1);
    const clean = await stack.workspace.preview("--refresh", "--expect-no-changes");
    expect(clean.code, clean.output).to.equal(0);
  });

  it("changes aliases from {a1, a2} to {a2, a3} in place, and reverts an alias added by hand", async () => {
    stack.declare({ management: WORKSPACE, googleGroups: { lists: { ...lists, aliases: ["a1@example.com", "a2@example.com"] }, announce } });
    const first = await stack.workspace.up();
    expect(first.code, first.output).to.equal(0);
    const group = () => sandbox.google.tenant.groups.find((g) => g.email === "lists@example.com")!;
    const id = group().id;
    expect([...group().aliases].sort()).to.deep.equal(["a1@example.com", "a2@example.com"]);

    stack.declare({ management: WORKSPACE, googleGroups: { lists: { ...lists, aliases: ["A3@example.com", "a2@example.com"] }, announce } });
    const preview = await stack.workspace.preview();
    expect(preview.code, preview.output).to.equal(0);
    expect(stepsOf(preview.stdout)).to.deep.include({ op: "update", name: "lists" });
    expect(preview.stdout).to.not.match(/replace/);
    expect(preview.stdout).to.include("a1@example.com").and.to.include("a3@example.com");
    const up = await stack.workspace.up();
    expect(up.code, up.output).to.equal(0);
    expect(up.stdout).to.match(/1 updated/);
    expect(up.stdout).to.not.match(/replaced|\d+ created/);
    expect(group().id, "the same group (no replacement)").to.equal(id);
    expect([...group().aliases].sort()).to.deep.equal(["a2@example.com", "a3@example.com"]);

    await directory.groups.aliases.insert({ groupKey: "lists@example.com", requestBody: { alias: "sneaky@example.com" } });
    const drift = await stack.workspace.preview("--refresh", "--expect-no-changes");
    expect(drift.code).to.not.equal(0);
    expect(drift.output).to.include("sneaky@example.com");
    const revert = await stack.workspace.up("--refresh");
    expect(revert.code, revert.output).to.equal(0);
    expect([...group().aliases].sort()).to.deep.equal(["a2@example.com", "a3@example.com"]);
    const clean = await stack.workspace.preview("--refresh", "--expect-no-changes");
    expect(clean.code, clean.output).to.equal(0);
  });

  it("applies archiveOnly with the post permission the API requires", async () => {
    stack.declare({ management: WORKSPACE, googleGroups: { lists: { ...lists, aliases: ["a2@example.com", "a3@example.com"] }, announce: { ...announce, settings: { archiveOnly: true } } } });
    const up = await stack.workspace.up();
    expect(up.code, up.output).to.equal(0);
    expect(await settingsOf("announce@example.com")).to.include({ archiveOnly: "true", whoCanPostMessage: "NONE_CAN_POST" });
    const clean = await stack.workspace.preview("--refresh", "--expect-no-changes");
    expect(clean.code, clean.output).to.equal(0);
  });

  it("waits out the settings endpoint's own lag after creating a group, then applies its settings", async () => {
    sandbox.google.setSettingsPropagationDelay(3000);
    try {
      stack.declare({ management: WORKSPACE, googleGroups: { lists: { ...lists, aliases: ["a2@example.com", "a3@example.com"] }, announce: { ...announce, settings: { archiveOnly: true } }, late: { management: "workspace", email: "late@example.com" } } });
      sandbox.resetRequestCounts();
      const up = await stack.workspace.up();
      expect(up.code, up.output).to.equal(0);
      const settingsReads = Object.entries(sandbox.requestCounts()).filter(([k]) => k.startsWith("GET") && k.includes("/groups/v1/"));
      expect(settingsReads.reduce((n, [, c]) => n + c, 0), "the first reads got 404 and were retried").to.be.greaterThan(1);
    } finally {
      sandbox.google.setSettingsPropagationDelay(0);
    }
    expect(await settingsOf("late@example.com")).to.include(DISTRIBUTION_LIST_SETTINGS);
  });

  it("in read-only mode, finds settings drift at refresh but refuses to revert it, sending nothing", async () => {
    await settingsApi.groups.patch({ groupUniqueId: "late@example.com", requestBody: { whoCanViewMembership: "ALL_IN_DOMAIN_CAN_VIEW" } });
    stack.workspace.setEnv("GROUP_EXPORT_READ_ONLY", "true");
    try {
      sandbox.resetRequestCounts();
      const up = await stack.workspace.up("--refresh");
      expect(up.code).to.not.equal(0);
      expect(up.output).to.include("read-only mode: refused to change the settings of group late@example.com");
      expect(writesIn(sandbox.requestCounts())).to.deep.equal([]);
    } finally {
      stack.workspace.setEnv("GROUP_EXPORT_READ_ONLY", "false");
    }
    const up = await stack.workspace.up("--refresh");
    expect(up.code, up.output).to.equal(0);
    expect((await settingsOf("late@example.com")).whoCanViewMembership).to.equal("ALL_MEMBERS_CAN_VIEW");
  });

  it("an adopted group keeps its own settings unless the program asks; asked, the change shows at preview and only it is applied", async () => {
    const base = { lists: { ...lists, aliases: ["a2@example.com", "a3@example.com"] }, announce: { ...announce, settings: { archiveOnly: true } }, late: { management: "workspace", email: "late@example.com" } };
    const legacy = { management: "workspace", email: "legacy@example.com" };
    stack.declare({ management: WORKSPACE, googleGroups: { ...base, legacy } });
    const preview = await stack.workspace.preview();
    expect(preview.code, preview.output).to.equal(0);
    expect(preview.stdout).to.include("adopt existing group");
    const before = await settingsOf("legacy@example.com");
    const up = await stack.workspace.up();
    expect(up.code, up.output).to.equal(0);
    const outputs = JSON.parse((await stack.workspace.ok(["stack", "output", "--json"])).stdout);
    expect(outputs.legacy.adoption, "no settings are managed on an adopted group by default").to.match(/^adopt existing group \S+$/);
    expect(await settingsOf("legacy@example.com"), "taking the group over changed no setting (nor its name)").to.deep.equal(before);
    expect(before).to.include({ whoCanJoin: "ANYONE_CAN_JOIN" });
    const clean = await stack.workspace.run(["preview", "--refresh", "--expect-no-changes"]);
    expect(clean.code, clean.output).to.equal(0);

    // Asked for: the distribution-list default on the adopted group, shown at preview as a settings change.
    stack.declare({ management: WORKSPACE, googleGroups: { ...base, legacy: { ...legacy, settingsDefault: "distributionList" } } });
    const asked = await stack.workspace.run(["preview", "--diff"]);
    expect(asked.code, asked.output).to.equal(0);
    expect(asked.stdout).to.match(/whoCanJoin\s*:\s*"INVITED_CAN_JOIN"/);
    const applied = await stack.workspace.up();
    expect(applied.code, applied.output).to.equal(0);
    expect(await settingsOf("legacy@example.com")).to.include({ whoCanJoin: "INVITED_CAN_JOIN", spamModerationLevel: before.spamModerationLevel });
  });

  it("an alias that is a user's address fails at preview with the users' read-only scope; without it, the apply fails naming it, the group made is recorded, not orphaned, and the next up finishes", async () => {
    const base = { lists: { ...lists, aliases: ["a2@example.com", "a3@example.com"] }, announce: { ...announce, settings: { archiveOnly: true } }, late: { management: "workspace", email: "late@example.com" }, legacy: { management: "workspace", email: "legacy@example.com", settingsDefault: "distributionList" } };
    stack.declare({ management: WORKSPACE, googleGroups: { ...base, clash: { management: "workspace", email: "clash@example.com", aliases: ["ali@example.com"] } } });
    const refused = await stack.workspace.preview();
    expect(refused.code).to.not.equal(0);
    expect(refused.output).to.include("clash").and.to.include("ali@example.com is an alias of the user alice@example.com: an address belongs to one group or user; choose another alias");
    const delegated = sandbox.google.tenant.delegatedScopes;
    sandbox.google.tenant.delegatedScopes = delegated.filter((s) => !s.endsWith("/admin.directory.user.readonly"));
    let up;
    try {
      up = await stack.workspace.up();
    } finally {
      sandbox.google.tenant.delegatedScopes = delegated;
    }
    expect(up.code).to.not.equal(0);
    expect(up.output).to.include("clash").and.to.include("aliases: ali@example.com is already an address of another group or user");
    const made = sandbox.google.tenant.groups.filter((g) => g.email === "clash@example.com");
    expect(made, "the group was made once").to.have.length(1);
    stack.declare({ management: WORKSPACE, googleGroups: { ...base, clash: { management: "workspace", email: "clash@example.com", aliases: ["clash-alias@example.com"] } } });
    const again = await stack.workspace.up();
    expect(again.code, again.output).to.equal(0);
    const clash = sandbox.google.tenant.groups.filter((g) => g.email === "clash@example.com");
    expect(clash.map((g) => g.id), "the same group, not a second one").to.deep.equal(made.map((g) => g.id));
    expect(clash[0].aliases).to.deep.equal(["clash-alias@example.com"]);
    expect(await settingsOf("clash@example.com")).to.include(DISTRIBUTION_LIST_SETTINGS);
  });

  for (const [title, settings, field, fix] of [
    ["NONE_CAN_POST without archiveOnly", { whoCanPostMessage: "NONE_CAN_POST" }, "whoCanPostMessage", 'set archiveOnly "true"'],
    ["archiveOnly with another post permission", { archiveOnly: "true", whoCanPostMessage: "ANYONE_CAN_POST" }, "whoCanPostMessage", "remove whoCanPostMessage"],
    ["REPLY_TO_CUSTOM without customReplyTo", { replyTo: "REPLY_TO_CUSTOM" }, "customReplyTo", "give the address replies go to"],
    ["a value outside the enum", { whoCanJoin: "EVERYONE" }, "whoCanJoin", "must be one of ANYONE_CAN_JOIN"],
    ["a footer over 1,000 characters", { includeCustomFooter: true, customFooterText: "x".repeat(1001) }, "customFooterText", "shorten the footer"],
    ["an unknown setting", { whoCanEatCake: "ALL" }, "whoCanEatCake", "not a group setting this package manages"],
  ] as const) {
    it(`refuses ${title} at preview, naming the resource, the field and the fix`, async () => {
      stack.declare({ management: WORKSPACE, googleGroups: { broken: { management: "workspace", email: "broken@example.com", settings } } });
      sandbox.resetRequestCounts();
      const preview = await stack.workspace.preview();
      expect(preview.code).to.not.equal(0);
      expect(preview.output).to.include("broken").and.to.include("settings").and.to.include(field).and.to.include(fix);
      expect(writesIn(sandbox.requestCounts())).to.deep.equal([]);
    });
  }

  it("refuses at preview an alias outside the domains, and one that is another group's address, naming that group", async () => {
    stack.declare({ management: WORKSPACE, googleGroups: { broken: { management: "workspace", email: "broken@example.com", aliases: ["x@elsewhere.net"] } } });
    const foreign = await stack.workspace.preview();
    expect(foreign.code).to.not.equal(0);
    expect(foreign.output).to.include("broken").and.to.include("aliases").and.to.include("x@elsewhere.net is not in the directory's domains");

    stack.declare({ management: WORKSPACE, googleGroups: { broken: { management: "workspace", email: "broken@example.com", aliases: ["taken-alias@example.com"] } } });
    sandbox.resetRequestCounts();
    const taken = await stack.workspace.preview();
    expect(taken.code).to.not.equal(0);
    expect(taken.output).to.include("aliases").and.to.include("taken-alias@example.com is already an address of another group, taken@example.com");
    expect(writesIn(sandbox.requestCounts())).to.deep.equal([]);
  });
});
