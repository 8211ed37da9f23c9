import { expect } from "chai";
import { groupSettingsSchema, resolveSettings } from "../../provider/google/settingsSchema";
import { aliasesSchema } from "../../provider/google/aliasPlan";
import { settingsPatch } from "../../provider/google/settingsPlan";

/** Inputs a new user writes from other tools' examples (GAM, GCDS, Terraform, the API reference). */
describe("GoogleDistributionGroup settings inputs as other tools write them", function () {
  it("takes booleans as true, \"true\" or \"TRUE\" alike, normalized to the API's strings", () => {
    for (const given of [true, "true", "TRUE", "True", " true "]) {
      expect(groupSettingsSchema.parse({ allowExternalMembers: given }), String(given)).to.deep.equal({ allowExternalMembers: "true" });
    }
    expect(groupSettingsSchema.parse({ isArchived: "FALSE" })).to.deep.equal({ isArchived: "false" });
    const bad = groupSettingsSchema.safeParse({ isArchived: "yes" });
    expect(bad.error!.issues[0].message).to.equal('must be true or false (or the API\'s strings "true" / "false")');
    expect(groupSettingsSchema.safeParse({ isArchived: 1 }).error!.issues[0].message).to.match(/must be true or false/);
  });

  it("takes an enum value in lower case in the API's case; a value outside the enum still lists the values", () => {
    expect(groupSettingsSchema.parse({ whoCanJoin: "invited_can_join", replyTo: "Reply_To_Sender" })).to.deep.equal({ whoCanJoin: "INVITED_CAN_JOIN", replyTo: "REPLY_TO_SENDER" });
    const bad = groupSettingsSchema.safeParse({ whoCanJoin: "everyone" });
    expect(bad.error!.issues[0].path).to.deep.equal(["whoCanJoin"]);
    expect(bad.error!.issues[0].message).to.match(/^must be one of ANYONE_CAN_JOIN, .*INVITED_CAN_JOIN/);
    expect(groupSettingsSchema.safeParse({ whoCanJoin: 3 }).error!.issues[0].message).to.match(/^must be one of/);
  });

  it("names the current setting for a deprecated one (whoCanInvite, whoCanAdd, showInGroupDirectory), and refuses a setting it does not manage (allowWebPosting)", () => {
    const message = (settings: Record<string, unknown>) => groupSettingsSchema.safeParse(settings).error!.issues.map((i) => i.message).join(" | ");
    expect(message({ whoCanInvite: "ALL_MANAGERS_CAN_INVITE" })).to.equal("whoCanInvite: deprecated by the Groups Settings API and merged into whoCanModerateMembers: declare whoCanModerateMembers instead");
    expect(message({ whoCanAdd: "ALL_MEMBERS_CAN_ADD" })).to.include("merged into whoCanModerateMembers");
    expect(message({ showInGroupDirectory: true })).to.include("merged into whoCanDiscoverGroup");
    expect(message({ whoCanApproveMessages: "OWNERS_ONLY" })).to.include("merged into whoCanModerateContent");
    expect(message({ allowWebPosting: "true" })).to.match(/^allowWebPosting: not a group setting this package manages \(it manages: whoCanPostMessage/);
    expect(message({ whoCanInvite: "x", allowWebPosting: "true" })).to.include("whoCanInvite: deprecated").and.to.include("allowWebPosting: not a group setting");
  });

  it("archiveOnly true -> false under the default returns whoCanPostMessage to the default's value in the same PATCH", () => {
    const on = resolveSettings(groupSettingsSchema.parse({ archiveOnly: true }), "distributionList").settings;
    const off = resolveSettings(groupSettingsSchema.parse({ archiveOnly: false }), "distributionList").settings;
    expect(on).to.include({ archiveOnly: "true", whoCanPostMessage: "NONE_CAN_POST" });
    expect(settingsPatch(off, on)).to.deep.equal({ whoCanPostMessage: "ALL_IN_DOMAIN_CAN_POST", archiveOnly: "false" });
  });

  it("refuses an alias listed twice in different case, and takes one alias in any case as the lower-case address", () => {
    expect(aliasesSchema.parse(["Team@Example.com"])).to.deep.equal(["team@example.com"]);
    const twice = aliasesSchema.safeParse(["team@example.com", "TEAM@example.com"]);
    expect(twice.success).to.equal(false);
    expect(twice.error!.issues[0].message).to.match(/repeats team@example.com.*list each alias once/);
  });
});
