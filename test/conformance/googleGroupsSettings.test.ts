import { expect } from "chai";
import { startSandbox, type Sandbox } from "../../provider/sandbox";
import { directoryClient, GOOGLE_SCOPES, groupsSettingsClient, headerOf, NO_RETRY, outcome, sandboxJwt } from "../support/googleClients";

/** The Groups Settings API through googleapis' groupssettings client (googleapis@178, the newest for Node 20). */
describe("Google sandbox conformance: Groups Settings API (googleapis)", function () {
  let sandbox: Sandbox;
  let settings: ReturnType<typeof groupsSettingsClient>;

  before(async () => {
    sandbox = await startSandbox({
      google: { domains: ["example.com"], groups: [{ email: "seeded@example.com", name: "Seeded", settings: { whoCanJoin: "INVITED_CAN_JOIN", allowExternalMembers: true } }] },
    });
    settings = groupsSettingsClient(sandbox);
    await directoryClient(sandbox).groups.insert({ requestBody: { email: "new@example.com", name: "New group", description: "fresh" } });
  });
  after(async () => sandbox?.close());

  it("gives a new group the defaults, every boolean as the string \"true\"/\"false\"", async () => {
    const res = await settings.groups.get({ groupUniqueId: "new@example.com", alt: "json" });
    expect(res.data).to.include({
      kind: "groupsSettings#groups",
      email: "new@example.com",
      name: "New group",
      description: "fresh",
      whoCanJoin: "CAN_REQUEST_TO_JOIN",
      whoCanViewMembership: "ALL_MEMBERS_CAN_VIEW",
      whoCanPostMessage: "ANYONE_CAN_POST",
      allowExternalMembers: "false",
      isArchived: "false",
      archiveOnly: "false",
      includeInGlobalAddressList: "true",
      messageModerationLevel: "MODERATE_NONE",
      whoCanDiscoverGroup: "ALL_IN_DOMAIN_CAN_DISCOVER",
    });
    for (const [field, value] of Object.entries(res.data)) {
      if (typeof value === "boolean") expect.fail(`${field} is a JSON boolean; the API sends strings`);
    }
  });

  it("keeps seeded settings (booleans in a seed become strings)", async () => {
    const res = await settings.groups.get({ groupUniqueId: "seeded@example.com", alt: "json" });
    expect(res.data).to.include({ whoCanJoin: "INVITED_CAN_JOIN", allowExternalMembers: "true", whoCanPostMessage: "ANYONE_CAN_POST" });
  });

  it("answers Atom XML, not JSON, to a GET without alt=json (the API's default format)", async () => {
    const res = await settings.groups.get({ groupUniqueId: "new@example.com" }, { responseType: "text" });
    expect(headerOf(res.headers, "content-type")).to.match(/^application\/atom\+xml/);
    expect(String(res.data)).to.include("<apps:whoCanJoin>CAN_REQUEST_TO_JOIN</apps:whoCanJoin>");
  });

  it("patches only the given fields and answers the whole resource; PUT keeps omitted fields", async () => {
    const patched = await settings.groups.patch({ groupUniqueId: "new@example.com", requestBody: { whoCanPostMessage: "ALL_MEMBERS_CAN_POST", allowExternalMembers: "true" } });
    expect(patched.data).to.include({ kind: "groupsSettings#groups", whoCanPostMessage: "ALL_MEMBERS_CAN_POST", allowExternalMembers: "true", whoCanJoin: "CAN_REQUEST_TO_JOIN" });
    const put = await settings.groups.update({ groupUniqueId: "new@example.com", requestBody: { whoCanViewMembership: "ALL_MANAGERS_CAN_VIEW" } });
    expect(put.data).to.include({ whoCanViewMembership: "ALL_MANAGERS_CAN_VIEW", allowExternalMembers: "true" });
    expect(sandbox.google.tenant.groups.find((g) => g.email === "new@example.com")!.settings).to.include({ whoCanViewMembership: "ALL_MANAGERS_CAN_VIEW" });
  });

  it("refuses values outside an enum, and booleans that are not \"true\"/\"false\" (400 invalid)", async () => {
    expect(await outcome(settings.groups.patch({ groupUniqueId: "new@example.com", requestBody: { whoCanJoin: "EVERYONE" } }, NO_RETRY))).to.include({ status: 400, reason: "invalid" });
    expect(await outcome(settings.groups.patch({ groupUniqueId: "new@example.com", requestBody: { isArchived: "yes" } }, NO_RETRY))).to.include({ status: 400, reason: "invalid" });
  });

  it("archiveOnly: \"true\" sets whoCanPostMessage NONE_CAN_POST; a conflict is a 400; reverting resets it", async () => {
    expect(await outcome(settings.groups.patch({ groupUniqueId: "new@example.com", requestBody: { whoCanPostMessage: "NONE_CAN_POST" } }, NO_RETRY))).to.include({
      status: 400,
      reason: "invalid",
      message: "Invalid attribute value: whoCanPostMessages=NONE_CAN_POST. To set PostPermissions to NONE_CAN_POST, please use enable ArchiveOnly mode.",
    });
    expect(await outcome(settings.groups.patch({ groupUniqueId: "new@example.com", requestBody: { archiveOnly: "true", whoCanPostMessage: "ANYONE_CAN_POST" } }, NO_RETRY))).to.include({
      status: 400,
      reason: "invalid",
      message: "Inconsistent Input: If archiveOnly is true then PostPermission can only be NONE_CAN_POST",
    });
    const archived = await settings.groups.patch({ groupUniqueId: "new@example.com", requestBody: { archiveOnly: "true" } });
    expect(archived.data).to.include({ archiveOnly: "true", whoCanPostMessage: "NONE_CAN_POST" });
    const reverted = await settings.groups.patch({ groupUniqueId: "new@example.com", requestBody: { archiveOnly: "false" } });
    expect(reverted.data).to.include({ archiveOnly: "false", whoCanPostMessage: "ALL_MANAGERS_CAN_POST" });
  });

  it("writes name and description through to the group", async () => {
    await settings.groups.patch({ groupUniqueId: "new@example.com", requestBody: { description: "via settings" } });
    expect((await directoryClient(sandbox).groups.get({ groupKey: "new@example.com" })).data.description).to.equal("via settings");
  });

  it("refuses REPLY_TO_CUSTOM without customReplyTo and a footer over 1,000 characters (400)", async () => {
    expect(await outcome(settings.groups.patch({ groupUniqueId: "new@example.com", requestBody: { replyTo: "REPLY_TO_CUSTOM" } }, NO_RETRY))).to.include({ status: 400, reason: "invalid" });
    const custom = await settings.groups.patch({ groupUniqueId: "new@example.com", requestBody: { replyTo: "REPLY_TO_CUSTOM", customReplyTo: "replies@example.com" } });
    expect(custom.data).to.include({ replyTo: "REPLY_TO_CUSTOM", customReplyTo: "replies@example.com" });
    expect(await outcome(settings.groups.patch({ groupUniqueId: "new@example.com", requestBody: { customFooterText: "x".repeat(1001) } }, NO_RETRY))).to.include({ status: 400, reason: "invalid" });
    expect((await settings.groups.patch({ groupUniqueId: "new@example.com", requestBody: { includeCustomFooter: "true", customFooterText: "x".repeat(1000) } })).data).to.include({ includeCustomFooter: "true" });
  });

  it("keys groups by address only: the Directory id is no groupUniqueId (404)", async () => {
    const id = (await directoryClient(sandbox).groups.get({ groupKey: "new@example.com" })).data.id!;
    expect(await outcome(settings.groups.get({ groupUniqueId: id, alt: "json" }, NO_RETRY))).to.include({ status: 404, reason: "notFound", message: "Resource Not Found: groupUniqueId" });
  });

  it("lags the Directory API after an insert: the group is readable there while its settings still 404", async () => {
    sandbox.google.setSettingsPropagationDelay(1500);
    try {
      await directoryClient(sandbox).groups.insert({ requestBody: { email: "lagging@example.com", name: "Lagging" } });
      expect((await directoryClient(sandbox).groups.get({ groupKey: "lagging@example.com" })).data.email).to.equal("lagging@example.com");
      expect(await outcome(settings.groups.get({ groupUniqueId: "lagging@example.com", alt: "json" }, NO_RETRY))).to.include({ status: 404, reason: "notFound" });
      await new Promise((r) => setTimeout(r, 1600));
      expect((await settings.groups.get({ groupUniqueId: "lagging@example.com", alt: "json" })).data).to.include({ email: "lagging@example.com" });
    } finally {
      sandbox.google.setSettingsPropagationDelay(0);
    }
  });

  it("needs the apps.groups.settings scope: a Directory-only token gets 403 insufficientPermissions", async () => {
    const directoryOnly = groupsSettingsClient(sandbox, sandboxJwt(sandbox, [GOOGLE_SCOPES.group]));
    expect(await outcome(directoryOnly.groups.get({ groupUniqueId: "new@example.com", alt: "json" }, NO_RETRY))).to.include({ status: 403, reason: "insufficientPermissions" });
  });

  it("answers 404 for an unknown group, 403 outside the customer", async () => {
    expect(await outcome(settings.groups.get({ groupUniqueId: "missing@example.com", alt: "json" }, NO_RETRY))).to.include({ status: 404, reason: "notFound" });
    expect(await outcome(settings.groups.get({ groupUniqueId: "team@other-company.com", alt: "json" }, NO_RETRY))).to.include({ status: 403 });
  });
});
