import { expect } from "chai";
import type { GraphGroup } from "../../provider/entra/client";
import { plannedMailNickname } from "../../provider/entra/schema";
import { describeTakeover, groupKind, planTakeover, plannedNickname } from "../../provider/entra/plan";

function group(id: string, kind: "security" | "m365" | "mailSecurity" | "distribution"): GraphGroup {
  return {
    id,
    displayName: "Engineering",
    description: null,
    mailNickname: id,
    mailEnabled: kind !== "security",
    securityEnabled: kind === "security" || kind === "mailSecurity",
    groupTypes: kind === "m365" ? ["Unified"] : [],
  };
}

describe("Entra takeover rules", () => {
  it("adopts exactly one same-name security group", () => {
    expect(planTakeover("Engineering", [group("s1", "security")], {})).to.deep.equal({ action: "adopt", groupId: "s1" });
  });

  it("creates when there is none", () => {
    expect(planTakeover("Engineering", [], {})).to.deep.equal({ action: "create" });
  });

  it("never takes over Microsoft 365, mail-enabled security or distribution groups, and says so", () => {
    const plan = planTakeover("Engineering", [group("m1", "m365"), group("d1", "distribution"), group("ms1", "mailSecurity")], {});
    expect(plan.action).to.equal("create");
    expect(describeTakeover(plan)).to.equal("create (Microsoft 365 group m1, distribution group d1, mail-enabled security group ms1 has this name but is never taken over)");
  });

  it("stops on several same-name security groups, listing their ids and both fixes", () => {
    const plan = planTakeover("Engineering", [group("s2", "security"), group("s1", "security")], {});
    expect(plan).to.deep.include({ action: "fail" });
    expect((plan as { message: string }).message).to.equal('2 security groups are named "Engineering": s1, s2. Set adoptId to the one to take over, or onAmbiguousName: "create" to create another');
  });

  it("creates another on request, or adopts the pinned id", () => {
    const two = [group("s1", "security"), group("s2", "security")];
    expect(planTakeover("Engineering", two, { onAmbiguousName: "create" }).action).to.equal("create");
    expect(planTakeover("Engineering", two, { adoptId: "s2" })).to.deep.equal({ action: "adopt", groupId: "s2" });
  });

  it("names group kinds as Entra does", () => {
    expect([group("a", "security"), group("b", "m365"), group("c", "mailSecurity"), group("d", "distribution")].map(groupKind)).to.deep.equal([
      "security",
      "Microsoft 365",
      "mail-enabled security",
      "distribution",
    ]);
  });

  it("plans a legal mail nickname unique to one create, and reads it back from the preview's adoption", () => {
    const nick = plannedMailNickname("Sales & Marketing (EMEA)");
    expect(nick).to.match(/^sales-marketing-emea-[0-9a-f]{8}$/);
    expect(plannedMailNickname("Sales & Marketing (EMEA)"), "another create, another nickname").to.not.equal(nick);
    expect(plannedMailNickname("x".repeat(300)).length).to.be.at.most(64);
    const adoption = describeTakeover({ action: "create", note: "onExisting is \"create\": g1 not taken over" }, nick);
    expect(adoption, "the note first: the CLI shortens long strings").to.equal(`create (onExisting is "create": g1 not taken over; mailNickname ${nick})`);
    expect(plannedNickname(adoption)).to.equal(nick);
    expect(plannedNickname(`create (mailNickname ${nick})`)).to.equal(nick);
    expect(plannedNickname(`create (mailNickname ${nick}; onExisting is "create": g1 not taken over)`), "as stored before the note came first").to.equal(nick);
    expect(plannedNickname('create (never taken over, not exactly "A": group g is named "a; mailNickname x)")'), "a display name is not a nickname").to.equal(undefined);
    expect(plannedNickname("adopt existing group g1")).to.equal(undefined);
  });

  it("takes over only an exact name (case and spacing included); near matches are reported, never adopted", () => {
    const near = [
      { ...group("lower", "security"), displayName: "engineering" },
      { ...group("space", "security"), displayName: "Engineering " },
    ];
    const plan = planTakeover("Engineering", near, {});
    expect(plan.action).to.equal("create");
    expect(describeTakeover(plan)).to.equal('create (never taken over, not exactly "Engineering": group lower is named "engineering", group space is named "Engineering ")');
    expect(planTakeover("Engineering", [...near, group("exact", "security")], {})).to.include({ action: "adopt", groupId: "exact" });
  });

  it("onExisting: create refuses takeover, fail stops, adopt is the default", () => {
    const plan = planTakeover("Engineering", [group("s1", "security")], { onExisting: "create" });
    expect(describeTakeover(plan)).to.equal('create (onExisting is "create": s1 not taken over)');
    const failed = planTakeover("Engineering", [group("s1", "security")], { onExisting: "fail" });
    expect(failed.action).to.equal("fail");
    expect(planTakeover("Engineering", [], { onExisting: "fail" })).to.deep.equal({ action: "create" });
    expect(planTakeover("Engineering", [group("s1", "security")], { onExisting: "adopt" })).to.deep.equal({ action: "adopt", groupId: "s1" });
  });
});
