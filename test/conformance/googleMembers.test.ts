import { expect } from "chai";
import { startSandbox, type Sandbox } from "../../provider/sandbox";
import { directoryClient, NO_RETRY, outcome } from "../support/googleClients";

/** Directory API members, hasMember and users, through @googleapis/admin. */
describe("Google sandbox conformance: members and users (@googleapis/admin)", function () {
  let sandbox: Sandbox;
  let directory: ReturnType<typeof directoryClient>;

  before(async () => {
    sandbox = await startSandbox({
      google: {
        domains: ["example.com"],
        users: [
          { primaryEmail: "alice@example.com", name: { givenName: "Alice", familyName: "Archer" }, aliases: ["ali@example.com"] },
          { primaryEmail: "bob@example.com", suspended: true },
          ...Array.from({ length: 7 }, (_, i) => ({ primaryEmail: `user${i}@example.com` })),
        ],
        groups: [{ email: "eng@example.com" }, { email: "platform@example.com" }, { email: "all@example.com" }],
      },
    });
    directory = directoryClient(sandbox);
  });
  after(async () => sandbox?.close());

  it("inserts a user of the customer as USER, a group as GROUP, any other address as EXTERNAL", async () => {
    const user = await directory.members.insert({ groupKey: "eng@example.com", requestBody: { email: "Alice@Example.com", role: "OWNER" } });
    const aliceId = sandbox.google.tenant.users.find((u) => u.primaryEmail === "alice@example.com")!.id;
    expect(user.data).to.deep.equal({ kind: "admin#directory#member", etag: user.data.etag, id: aliceId, email: "alice@example.com", role: "OWNER", type: "USER", status: "ACTIVE", delivery_settings: "ALL_MAIL" });
    const group = await directory.members.insert({ groupKey: "eng@example.com", requestBody: { email: "platform@example.com" } });
    expect(group.data).to.include({ type: "GROUP", role: "MEMBER", email: "platform@example.com" });
    const external = await directory.members.insert({ groupKey: "eng@example.com", requestBody: { email: "Partner@Gmail.com", role: "MANAGER" } });
    expect(external.data).to.include({ type: "EXTERNAL", role: "MANAGER", email: "partner@gmail.com" });
    const suspended = await directory.members.insert({ groupKey: "eng@example.com", requestBody: { email: "bob@example.com" } });
    expect(suspended.data).to.include({ type: "USER", status: "SUSPENDED" });
    expect((await directory.groups.get({ groupKey: "eng@example.com" })).data.directMembersCount).to.equal("4");
  });

  it("refuses a duplicate (409), an address of the customer with no account (400 required), a bad role, a cycle", async () => {
    const dup = await outcome(directory.members.insert({ groupKey: "eng@example.com", requestBody: { email: "ali@example.com" } }, NO_RETRY));
    expect(dup).to.include({ status: 409, reason: "duplicate", message: "Member already exists." });
    const ghost = await outcome(directory.members.insert({ groupKey: "eng@example.com", requestBody: { email: "ghost@example.com" } }, NO_RETRY));
    expect(ghost).to.include({ status: 400, reason: "required", message: "Missing required field: memberKey" });
    expect(await outcome(directory.members.insert({ groupKey: "eng@example.com", requestBody: { email: "user0@example.com", role: "BOSS" } }, NO_RETRY))).to.include({ status: 400, reason: "invalid" });
    expect(await outcome(directory.members.insert({ groupKey: "platform@example.com", requestBody: { email: "eng@example.com" } }, NO_RETRY))).to.include({ status: 400, reason: "invalid", message: "Cyclic memberships not allowed." });
    expect(await outcome(directory.members.insert({ groupKey: "missing@example.com", requestBody: { email: "user0@example.com" } }, NO_RETRY))).to.include({ status: 404, message: "Resource Not Found: groupKey" });
  });

  it("gets a member by address, alias or id with delivery_settings; 404 memberKey for a non-member", async () => {
    const byAlias = await directory.members.get({ groupKey: "eng@example.com", memberKey: "ali@example.com" });
    expect(byAlias.data).to.include({ email: "alice@example.com", role: "OWNER", delivery_settings: "ALL_MAIL" });
    const byId = await directory.members.get({ groupKey: "eng@example.com", memberKey: byAlias.data.id! });
    expect(byId.data.email).to.equal("alice@example.com");
    expect(await outcome(directory.members.get({ groupKey: "eng@example.com", memberKey: "user3@example.com" }, NO_RETRY))).to.include({ status: 404, reason: "notFound", message: "Resource Not Found: memberKey" });
  });

  it("updates and patches role and delivery_settings; validates both", async () => {
    const patched = await directory.members.patch({ groupKey: "eng@example.com", memberKey: "partner@gmail.com", requestBody: { role: "MEMBER", delivery_settings: "DIGEST" } });
    expect(patched.data).to.include({ role: "MEMBER", delivery_settings: "DIGEST", type: "EXTERNAL" });
    const put = await directory.members.update({ groupKey: "eng@example.com", memberKey: "partner@gmail.com", requestBody: { role: "MANAGER" } });
    expect(put.data).to.include({ role: "MANAGER", delivery_settings: "DIGEST" });
    expect(await outcome(directory.members.patch({ groupKey: "eng@example.com", memberKey: "partner@gmail.com", requestBody: { delivery_settings: "SOMETIMES" } }, NO_RETRY))).to.include({ status: 400, reason: "invalid" });
    expect(await outcome(directory.members.patch({ groupKey: "eng@example.com", memberKey: "user5@example.com", requestBody: { role: "OWNER" } }, NO_RETRY))).to.include({ status: 404, reason: "notFound" });
  });

  it("lists members without delivery_settings, filtered by roles", async () => {
    const list = await directory.members.list({ groupKey: "eng@example.com" });
    expect(list.data.kind).to.equal("admin#directory#members");
    expect(list.data.members!.map((m) => m.email)).to.deep.equal(["alice@example.com", "platform@example.com", "partner@gmail.com", "bob@example.com"]);
    for (const m of list.data.members!) expect(m).to.not.have.property("delivery_settings");
    const managers = await directory.members.list({ groupKey: "eng@example.com", roles: "OWNER,MANAGER" });
    expect(managers.data.members!.map((m) => `${m.email}:${m.role}`)).to.deep.equal(["alice@example.com:OWNER", "partner@gmail.com:MANAGER"]);
    expect(await outcome(directory.members.list({ groupKey: "eng@example.com", roles: "KING" }, NO_RETRY))).to.include({ status: 400 });
  });

  it("pages members (maxResults <= 200, nextPageToken); below 1 is a 400", async () => {
    for (let i = 0; i < 7; i++) await directory.members.insert({ groupKey: "all@example.com", requestBody: { email: `user${i}@example.com` } });
    const emails: string[] = [];
    let pageToken: string | undefined;
    let pages = 0;
    do {
      const page = await directory.members.list({ groupKey: "all@example.com", maxResults: 3, pageToken });
      emails.push(...page.data.members!.map((m) => m.email!));
      pageToken = page.data.nextPageToken ?? undefined;
      pages++;
    } while (pageToken);
    expect(pages).to.equal(3);
    expect(emails).to.deep.equal(Array.from({ length: 7 }, (_, i) => `user${i}@example.com`));
    const tooSmall = await outcome(directory.members.list({ groupKey: "all@example.com", maxResults: 0 }, NO_RETRY));
    expect(tooSmall).to.include({ status: 400, reason: "invalid", message: "Invalid value '0'. Values must be within the range: [1, 200]" });
  });

  it("includes members of nested groups with includeDerivedMembership", async () => {
    await directory.members.insert({ groupKey: "platform@example.com", requestBody: { email: "user6@example.com" } });
    const direct = await directory.members.list({ groupKey: "eng@example.com" });
    expect(direct.data.members!.map((m) => m.email)).to.not.include("user6@example.com");
    const derived = await directory.members.list({ groupKey: "eng@example.com", includeDerivedMembership: true });
    expect(derived.data.members!.map((m) => m.email)).to.include.members(["platform@example.com", "user6@example.com"]);
  });

  it("hasMember answers {isMember} for users, directly or nested; 400 for external addresses", async () => {
    expect((await directory.members.hasMember({ groupKey: "eng@example.com", memberKey: "alice@example.com" })).data).to.deep.equal({ isMember: true });
    expect((await directory.members.hasMember({ groupKey: "eng@example.com", memberKey: "user6@example.com" })).data).to.deep.equal({ isMember: true });
    expect((await directory.members.hasMember({ groupKey: "eng@example.com", memberKey: "user1@example.com" })).data).to.deep.equal({ isMember: false });
    expect(await outcome(directory.members.hasMember({ groupKey: "eng@example.com", memberKey: "partner@gmail.com" }, NO_RETRY))).to.include({ status: 400, message: "Invalid Input: memberKey" });
  });

  it("deletes a member (204), then 404; directMembersCount follows", async () => {
    expect((await directory.members.delete({ groupKey: "eng@example.com", memberKey: "partner@gmail.com" })).status).to.equal(204);
    expect(await outcome(directory.members.delete({ groupKey: "eng@example.com", memberKey: "partner@gmail.com" }, NO_RETRY))).to.include({ status: 404, reason: "notFound", message: "Resource Not Found: memberKey" });
    expect((await directory.groups.get({ groupKey: "eng@example.com" })).data.directMembersCount).to.equal("3");
  });

  it("keeps the members in the tenant dump, and seeds them back (ids included)", async () => {
    await directory.members.insert({ groupKey: "all@example.com", requestBody: { email: "friend@gmail.com" } });
    const dump = JSON.parse(JSON.stringify(sandbox.google.tenant));
    const eng = dump.groups.find((g: { email: string }) => g.email === "eng@example.com");
    expect(eng.members.map((m: { email: string }) => m.email)).to.deep.equal(["alice@example.com", "platform@example.com", "bob@example.com"]);
    expect(() => sandbox.seedGoogle({ domains: ["example.com"], groups: [{ email: "x@example.com", members: ["nobody@example.com"] }] })).to.throw(/no user or group has that address/);
    const reseeded = sandbox.seedGoogle(dump);
    expect(JSON.parse(JSON.stringify(reseeded.groups))).to.deep.equal(dump.groups);
  });

  it("gets a user by address, alias or id; 404 userKey for no account, 403 outside the customer", async () => {
    const alice = await directory.users.get({ userKey: "ali@example.com" });
    expect(alice.data).to.deep.include({ kind: "admin#directory#user", primaryEmail: "alice@example.com", suspended: false, isAdmin: false, name: { givenName: "Alice", familyName: "Archer", fullName: "Alice Archer" } });
    expect((await directory.users.get({ userKey: alice.data.id! })).data.primaryEmail).to.equal("alice@example.com");
    expect((await directory.users.get({ userKey: "admin@example.com" })).data.isAdmin).to.equal(true);
    expect(await outcome(directory.users.get({ userKey: "ghost@example.com" }, NO_RETRY))).to.include({ status: 404, message: "Resource Not Found: userKey" });
    expect(await outcome(directory.users.get({ userKey: "someone@gmail.com" }, NO_RETRY))).to.include({ status: 403, reason: "forbidden" });
  });

  it("lists users of the customer with an email: query, paged", async () => {
    const found = await directory.users.list({ customer: "my_customer", query: "email:ali@example.com" });
    expect(found.data.users!.map((u) => u.primaryEmail)).to.deep.equal(["alice@example.com"]);
    const none = await directory.users.list({ customer: "my_customer", query: "email:ghost@example.com" });
    expect(none.data.users).to.equal(undefined);
    const page = await directory.users.list({ domain: "example.com", maxResults: 4 });
    expect(page.data.users).to.have.length(4);
    expect(page.data.nextPageToken).to.be.a("string");
    expect((await directory.users.list({ customer: "my_customer", maxResults: 501 })).data.users!.length, "capped, not refused").to.be.greaterThan(4);
    expect(await outcome(directory.users.list({ customer: "my_customer", maxResults: 0 }, NO_RETRY))).to.include({ status: 400 });
  });
});
