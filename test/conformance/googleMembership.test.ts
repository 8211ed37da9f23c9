import { expect } from "chai";
import type { Sandbox } from "../../provider/sandbox";
import { sandboxPerSuite } from "../support/entraClients";
import { directoryClient, NO_RETRY, outcome } from "../support/googleClients";

/**
 * What membership by identity needs from the Google emulator: members are identities (an alias
 * or a secondary-domain address is the same person), roles, CUSTOMER / GROUP / EXTERNAL
 * members, memberKey as id, primary address or alias, and deletes made in the Admin console.
 */
describe("Google sandbox: members by identity, roles, non-user members, console deletes (@googleapis/admin)", function () {
  let sandbox: Sandbox;
  let directory: ReturnType<typeof directoryClient>;

  sandboxPerSuite(
    {
      google: {
        customerId: "C0identity",
        domains: ["example.com", "example.org"],
        users: [
          { primaryEmail: "alice@example.com", aliases: ["alice.old@example.com", "alice@example.org"] },
          { primaryEmail: "bob@example.org" },
          { primaryEmail: "owner@example.com" },
          { primaryEmail: "manager@example.com" },
          { primaryEmail: "carol@example.com" },
        ],
        groups: [
          { email: "nested@example.com" },
          {
            email: "team@example.com",
            members: [
              { email: "owner@example.com", role: "OWNER", type: "USER" },
              { email: "manager@example.com", role: "MANAGER", type: "USER" },
              "carol@example.com",
              { email: "nested@example.com", type: "GROUP" },
              { type: "CUSTOMER" },
              "partner@gmail.com",
            ],
          },
          { email: "other@example.com", members: ["partner@gmail.com"] },
          { email: "big@example.com", members: Array.from({ length: 250 }, (_, i) => `guest${i}@gmail.com`) },
        ],
      },
    },
    (s) => {
      sandbox = s;
      directory = directoryClient(s);
    },
  );

  const list = async (groupKey: string, roles?: string) => (await directory.members.list({ groupKey, roles, maxResults: 200 })).data.members ?? [];
  const userId = (email: string) => sandbox.google.tenant.users.find((u) => u.primaryEmail === email)!.id;

  it("lists OWNER and MANAGER roles, and USER, GROUP, CUSTOMER (no email, the customer id) and EXTERNAL members", async () => {
    const members = await list("team@example.com");
    expect(members.map((m) => [m.email ?? null, m.role, m.type])).to.deep.equal([
      ["owner@example.com", "OWNER", "USER"],
      ["manager@example.com", "MANAGER", "USER"],
      ["carol@example.com", "MEMBER", "USER"],
      ["nested@example.com", "MEMBER", "GROUP"],
      [null, "MEMBER", "CUSTOMER"],
      ["partner@gmail.com", "MEMBER", "EXTERNAL"],
    ]);
    const customer = members[4];
    expect(customer).to.not.have.property("email");
    expect(customer.id).to.equal("C0identity");
    expect(members[0].id).to.equal(userId("owner@example.com"));
    expect(members[3].id).to.equal(sandbox.google.tenant.groups.find((g) => g.email === "nested@example.com")!.id);
    // An external address has one id across the groups it is in.
    expect(members[5].id).to.equal((await list("other@example.com"))[0].id);
    expect((await list("team@example.com", "OWNER,MANAGER")).map((m) => m.email)).to.deep.equal(["owner@example.com", "manager@example.com"]);
  });

  it("stores a member added by alias or by a secondary-domain address under the user's id and primary address", async () => {
    for (const [key, role] of [
      ["alice.old@example.com", "MEMBER"],
      ["ALICE@example.org", "MEMBER"],
    ] as const) {
      const inserted = await outcome(directory.members.insert({ groupKey: "other@example.com", requestBody: { email: key, role } }, NO_RETRY));
      if (key === "alice.old@example.com") expect(inserted.status).to.equal(200);
      else expect(inserted, "the same person again is a duplicate").to.include({ status: 409, reason: "duplicate", message: "Member already exists." });
    }
    const alice = (await list("other@example.com")).find((m) => m.id === userId("alice@example.com"));
    expect(alice).to.include({ email: "alice@example.com", type: "USER" });
    // A user whose primary address is in the secondary domain is a USER too.
    expect((await directory.members.insert({ groupKey: "other@example.com", requestBody: { email: "bob@example.org" } })).data).to.include({ type: "USER", email: "bob@example.org", id: userId("bob@example.org") });
  });

  it("gets, checks and deletes a member by id, primary address or any alias", async () => {
    const aliceId = userId("alice@example.com");
    for (const key of [aliceId, "alice@example.com", "alice.old@example.com", "alice@example.org"]) {
      expect((await directory.members.get({ groupKey: "other@example.com", memberKey: key })).data, key).to.include({ id: aliceId, email: "alice@example.com" });
    }
    expect((await directory.members.hasMember({ groupKey: "other@example.com", memberKey: "alice@example.org" })).data.isMember).to.equal(true);
    expect((await directory.members.delete({ groupKey: "other@example.com", memberKey: "alice@example.org" })).status).to.equal(204);
    expect(await outcome(directory.members.get({ groupKey: "other@example.com", memberKey: aliceId }, NO_RETRY))).to.include({ status: 404, reason: "notFound", message: "Resource Not Found: memberKey" });
    // The group member and the external member, by id.
    const team = await list("team@example.com");
    const nested = team.find((m) => m.type === "GROUP")!;
    expect((await directory.members.delete({ groupKey: "team@example.com", memberKey: nested.id! })).status).to.equal(204);
    const external = team.find((m) => m.type === "EXTERNAL")!;
    expect((await directory.members.get({ groupKey: "team@example.com", memberKey: external.id! })).data.email).to.equal("partner@gmail.com");
  });

  it("deletes the CUSTOMER member by its id as memberKey, and adds it back with type CUSTOMER", async () => {
    expect((await directory.members.get({ groupKey: "team@example.com", memberKey: "C0identity" })).data).to.include({ type: "CUSTOMER", id: "C0identity" });
    expect((await directory.members.delete({ groupKey: "team@example.com", memberKey: "C0identity" })).status).to.equal(204);
    expect((await list("team@example.com")).some((m) => m.type === "CUSTOMER")).to.equal(false);
    const back = await directory.members.insert({ groupKey: "team@example.com", requestBody: { type: "CUSTOMER", id: "C0identity" } });
    expect(back.data).to.include({ type: "CUSTOMER", id: "C0identity", role: "MEMBER" });
    expect(back.data).to.not.have.property("email");
  });

  it("caps maxResults above 200 to a page of 200 (not a 400)", async () => {
    const first = await directory.members.list({ groupKey: "big@example.com", maxResults: 1000 });
    expect(first.data.members).to.have.length(200);
    const second = await directory.members.list({ groupKey: "big@example.com", maxResults: 1000, pageToken: first.data.nextPageToken! });
    expect(second.data.members).to.have.length(50);
    expect(second.data.nextPageToken).to.equal(undefined);
  });

  it("deletes groups and users as the Admin console does; the API then answers with its real 404 bodies", async () => {
    sandbox.google.deleteUser("carol@example.com");
    expect((await list("team@example.com")).map((m) => m.email)).to.not.include("carol@example.com");
    expect(await outcome(directory.users.get({ userKey: "carol@example.com" }, NO_RETRY))).to.include({ status: 404, message: "Resource Not Found: userKey" });
    sandbox.google.deleteGroup("team@example.com");
    expect(await outcome(directory.groups.get({ groupKey: "team@example.com" }, NO_RETRY))).to.include({ status: 404, reason: "notFound", message: "Resource Not Found: groupKey" });
    expect(await outcome(directory.members.list({ groupKey: "team@example.com" }, NO_RETRY))).to.include({ status: 404, reason: "notFound", message: "Resource Not Found: groupKey" });
    expect(await outcome(directory.members.delete({ groupKey: "team@example.com", memberKey: "owner@example.com" }, NO_RETRY))).to.include({ status: 404, message: "Resource Not Found: groupKey" });
    expect(() => sandbox.google.deleteGroup("team@example.com")).to.throw(/No group/);
  });
});
