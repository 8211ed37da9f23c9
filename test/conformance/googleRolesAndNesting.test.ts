import { expect } from "chai";
import type { Sandbox } from "../../provider/sandbox";
import { sandboxPerSuite } from "../support/entraClients";
import { directoryClient, NO_RETRY, outcome } from "../support/googleClients";

/**
 * What owners, managers and nested groups need from the Google emulator (issue 11): one role
 * per member, changed in place with members.patch / members.update (same id, delivery settings
 * kept), a member inserted with a role, a group added as a GROUP member by its address, cycles
 * refused, and nested membership in listings (includeDerivedMembership) and hasMember.
 */
describe("Google sandbox: roles changed in place, nested groups (@googleapis/admin)", function () {
  let sandbox: Sandbox;
  let directory: ReturnType<typeof directoryClient>;

  sandboxPerSuite(
    {
      google: {
        domains: ["example.com"],
        users: ["alice", "bob", "carol", "dave"].map((n) => ({ primaryEmail: `${n}@example.com` })),
        groups: [
          { email: "team@example.com", members: ["alice@example.com", { email: "bob@example.com", role: "OWNER", type: "USER" }] },
          { email: "platform@example.com", members: ["dave@example.com"] },
          { email: "all@example.com" },
        ],
      },
    },
    (s) => {
      sandbox = s;
      directory = directoryClient(s);
    },
  );

  const list = async (groupKey: string, extra: { roles?: string; includeDerivedMembership?: boolean } = {}) => (await directory.members.list({ groupKey, maxResults: 200, ...extra })).data.members ?? [];
  const groupId = (email: string) => sandbox.google.tenant.groups.find((g) => g.email === email)!.id;

  it("promotes with members.patch and demotes with members.update in place: same id, delivery settings kept, one role", async () => {
    const before = (await directory.members.get({ groupKey: "team@example.com", memberKey: "alice@example.com" })).data;
    await directory.members.patch({ groupKey: "team@example.com", memberKey: "alice@example.com", requestBody: { delivery_settings: "DIGEST" } });
    const promoted = (await directory.members.patch({ groupKey: "team@example.com", memberKey: "alice@example.com", requestBody: { role: "OWNER" } })).data;
    expect(promoted).to.include({ id: before.id, email: "alice@example.com", role: "OWNER", type: "USER", delivery_settings: "DIGEST" });
    expect(promoted.etag).to.not.equal(before.etag);
    expect((await list("team@example.com", { roles: "OWNER" })).map((m) => m.email)).to.deep.equal(["alice@example.com", "bob@example.com"]);
    const demoted = (await directory.members.update({ groupKey: "team@example.com", memberKey: before.id!, requestBody: { role: "MEMBER" } })).data;
    expect(demoted).to.include({ id: before.id, role: "MEMBER", delivery_settings: "DIGEST" });
    // Each member appears once, with its one role.
    expect((await list("team@example.com")).map((m) => [m.email, m.role])).to.deep.equal([
      ["alice@example.com", "MEMBER"],
      ["bob@example.com", "OWNER"],
    ]);
  });

  it("refuses an unknown role (400 invalid) and a role change of a non-member (404 memberKey)", async () => {
    const bad = await outcome(directory.members.patch({ groupKey: "team@example.com", memberKey: "alice@example.com", requestBody: { role: "ADMIN" } }, NO_RETRY));
    expect(bad).to.include({ status: 400, reason: "invalid" });
    const absent = await outcome(directory.members.patch({ groupKey: "team@example.com", memberKey: "carol@example.com", requestBody: { role: "OWNER" } }, NO_RETRY));
    expect(absent).to.include({ status: 404, reason: "notFound", message: "Resource Not Found: memberKey" });
  });

  it("inserts a member with its role in one call, and a second insert of the same member is 409 whatever the role", async () => {
    const inserted = (await directory.members.insert({ groupKey: "team@example.com", requestBody: { email: "carol@example.com", role: "MANAGER" } })).data;
    expect(inserted).to.include({ email: "carol@example.com", role: "MANAGER", type: "USER" });
    const again = await outcome(directory.members.insert({ groupKey: "team@example.com", requestBody: { email: "carol@example.com", role: "OWNER" } }, NO_RETRY));
    expect(again).to.include({ status: 409, reason: "duplicate", message: "Member already exists." });
    expect((await directory.members.get({ groupKey: "team@example.com", memberKey: "carol@example.com" })).data.role, "the 409 changed nothing").to.equal("MANAGER");
  });

  it("adds a group by its address as a GROUP member with the group's id, listed with type GROUP", async () => {
    const nested = (await directory.members.insert({ groupKey: "all@example.com", requestBody: { email: "platform@example.com", role: "MEMBER" } })).data;
    expect(nested).to.include({ email: "platform@example.com", type: "GROUP", id: groupId("platform@example.com"), role: "MEMBER" });
    expect((await list("all@example.com")).map((m) => [m.email, m.type])).to.deep.equal([["platform@example.com", "GROUP"]]);
    // A group member has no status; a user member is ACTIVE.
    expect((await list("all@example.com"))[0]).to.not.have.property("delivery_settings");
  });

  it("lists nested members with includeDerivedMembership, and hasMember sees a user through a nested group", async () => {
    await directory.members.insert({ groupKey: "team@example.com", requestBody: { email: "all@example.com" } });
    const derived = (await list("team@example.com", { includeDerivedMembership: true })).map((m) => m.email);
    expect(derived).to.include.members(["all@example.com", "platform@example.com", "dave@example.com"]);
    expect((await list("team@example.com")).map((m) => m.email), "direct members only by default").to.not.include("dave@example.com");
    expect((await directory.members.hasMember({ groupKey: "team@example.com", memberKey: "dave@example.com" })).data.isMember).to.equal(true);
    expect((await directory.members.hasMember({ groupKey: "platform@example.com", memberKey: "alice@example.com" })).data.isMember).to.equal(false);
  });

  it("refuses a nesting that would close a cycle, directly or through another group (400 'Cyclic memberships not allowed.')", async () => {
    // team contains all, which contains platform: platform cannot contain team, nor all contain team.
    for (const [group, member] of [
      ["platform@example.com", "team@example.com"],
      ["all@example.com", "team@example.com"],
      ["team@example.com", "team@example.com"],
    ]) {
      const refused = await outcome(directory.members.insert({ groupKey: group, requestBody: { email: member } }, NO_RETRY));
      expect(refused, `${member} in ${group}`).to.include({ status: 400, message: "Cyclic memberships not allowed." });
    }
  });
});
