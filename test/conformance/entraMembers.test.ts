import { expect } from "chai";
import { PageIterator, ResponseType, type Client, type PageCollection } from "@microsoft/microsoft-graph-client";
import { type EntraAppSeed, type EntraTenantSeed, type Sandbox } from "../../provider/sandbox";
import { graphClient, graphFailure, sandboxPerSuite, secretCredential } from "../support/entraClients";

const userId = (i: number) => `00000001-0000-4000-8000-${String(i).padStart(12, "0")}`;
const USERS = Array.from({ length: 250 }, (_, i) => ({ id: userId(i), userPrincipalName: `user${i}@example.com`, displayName: `User ${i}`, accountEnabled: i % 50 !== 7 }));
const ALL_STAFF = "00000002-0000-4000-8000-000000000001";
const NESTED = "00000002-0000-4000-8000-000000000002";
const EMPTY = "00000002-0000-4000-8000-000000000003";
const DISTRIBUTION = "00000002-0000-4000-8000-000000000004";
const READER = { clientId: "0000000a-0000-4000-8000-000000000011", clientSecret: "reader-secret", roles: ["Group.Read.All", "User.Read.All"] } satisfies EntraAppSeed;
const MEMBER_WRITER = { clientId: "0000000a-0000-4000-8000-000000000012", clientSecret: "member-writer", roles: ["GroupMember.ReadWrite.All"] } satisfies EntraAppSeed;

const seed: EntraTenantSeed = {
  apps: [{}, READER, MEMBER_WRITER],
  users: USERS,
  groups: [
    { id: NESTED, displayName: "Nested", mailNickname: "nested" },
    { id: ALL_STAFF, displayName: "All staff", mailNickname: "all-staff", members: [...USERS.map((u) => u.id), NESTED] },
    { id: EMPTY, displayName: "Empty", mailNickname: "empty" },
    { id: DISTRIBUTION, displayName: "Announcements", mailNickname: "announce", mailEnabled: true, securityEnabled: false },
  ],
};

const ref = (id: string) => `https://graph.microsoft.com/v1.0/directoryObjects/${id}`;
const members = (sandbox: Sandbox, groupId: string) => sandbox.entra.tenant.groups.find((g) => g.id === groupId)!.members;

describe("Entra sandbox: members and users, through @microsoft/microsoft-graph-client", function () {
  let sandbox: Sandbox;
  let graph: Client;

  sandboxPerSuite({ entra: seed }, (s) => {
    sandbox = s;
    graph = graphClient(s);
  });

  it("lists members 100 per page by default, up to 999 with $top, following @odata.nextLink", async () => {
    const first = (await graph.api(`/groups/${ALL_STAFF}/members`).get()) as PageCollection;
    expect(first["@odata.context"]).to.equal(`${sandbox.url}/v1.0/$metadata#directoryObjects`);
    expect(first.value).to.have.length(100);
    expect(first["@odata.nextLink"]).to.match(/^https:\/\/127\.0\.0\.1:\d+\/v1\.0\/groups\/[\w-]+\/members\?\$skiptoken=/);
    const user = first.value[0] as Record<string, unknown>;
    expect(user).to.include({ "@odata.type": "#microsoft.graph.user", id: userId(0), userPrincipalName: "user0@example.com", mail: "user0@example.com", displayName: "User 0" });
    expect(user).to.not.have.property("accountEnabled");
    const seen: Record<string, unknown>[] = [];
    await new PageIterator(graph, first, (m: Record<string, unknown>) => {
      seen.push(m);
      return true;
    }).iterate();
    expect(seen).to.have.length(251);
    expect(seen.filter((m) => m["@odata.type"] === "#microsoft.graph.group").map((m) => m.displayName)).to.deep.equal(["Nested"]);

    const whole = (await graph.api(`/groups/${ALL_STAFF}/members`).top(999).select("id,userPrincipalName,mail").get()) as PageCollection;
    expect(whole.value).to.have.length(251);
    expect(whole).to.not.have.property("@odata.nextLink");
    expect(whole.value[0]).to.deep.equal({ "@odata.type": "#microsoft.graph.user", id: userId(0), userPrincipalName: "user0@example.com", mail: "user0@example.com" });
    const tooMany = await graphFailure(graph.api(`/groups/${ALL_STAFF}/members`).top(1000).get());
    expect(tooMany).to.deep.include({ status: 400, code: "Request_UnsupportedQuery", message: "Invalid page size specified: '1000'. Must be between 1 and 999 inclusive." });

    const usersOnly = (await graph.api(`/groups/${ALL_STAFF}/members/microsoft.graph.user`).top(999).get()) as PageCollection;
    expect(usersOnly.value).to.have.length(250);
    expect(((await graph.api(`/groups/${EMPTY}/members`).get()) as PageCollection).value).to.deep.equal([]);
    const missing = await graphFailure(graph.api("/groups/3f2504e0-4f89-41d3-9a0c-0305e82c3301/members").get());
    expect(missing).to.deep.include({ status: 404, code: "Request_ResourceNotFound" });
  });

  it("adds a member with POST members/$ref (204), and refuses an existing, unknown or malformed reference", async () => {
    const res = (await graph.api(`/groups/${EMPTY}/members/$ref`).responseType(ResponseType.RAW).post({ "@odata.id": ref(userId(1)) })) as Response;
    expect(res.status).to.equal(204);
    expect(members(sandbox, EMPTY)).to.deep.equal([userId(1)]);
    expect(await graphFailure(graph.api(`/groups/${EMPTY}/members/$ref`).post({ "@odata.id": ref(userId(1)) }))).to.deep.include({
      status: 400,
      code: "Request_BadRequest",
      message: "One or more added object references already exist for the following modified properties: 'members'.",
    });
    const unknown = "3f2504e0-4f89-41d3-9a0c-0305e82c3301";
    expect(await graphFailure(graph.api(`/groups/${EMPTY}/members/$ref`).post({ "@odata.id": ref(unknown) }))).to.deep.include({
      status: 404,
      code: "Request_ResourceNotFound",
      message: `Resource '${unknown}' does not exist or one of its queried reference-property objects are not present.`,
    });
    expect(await graphFailure(graph.api(`/groups/${EMPTY}/members/$ref`).post({ "@odata.id": "user1@example.com" }))).to.deep.include({ status: 400, message: "Invalid URL format specified in payload." });
    // Users and groups may be referenced through their own collections too; a group can be a member.
    await graph.api(`/groups/${EMPTY}/members/$ref`).post({ "@odata.id": `${sandbox.url}/v1.0/groups/${NESTED}` });
    expect(members(sandbox, EMPTY)).to.deep.equal([userId(1), NESTED]);
  });

  it("removes a member with DELETE members/{id}/$ref (204); a non-member is 400 Request_BadRequest, an unknown id 404", async () => {
    const res = (await graph.api(`/groups/${EMPTY}/members/${NESTED}/$ref`).responseType(ResponseType.RAW).delete()) as Response;
    expect(res.status).to.equal(204);
    expect(members(sandbox, EMPTY)).to.deep.equal([userId(1)]);
    expect(await graphFailure(graph.api(`/groups/${EMPTY}/members/${NESTED}/$ref`).delete())).to.deep.include({
      status: 400,
      code: "Request_BadRequest",
      message: "One or more removed object references do not exist for the following modified properties: 'members'.",
    });
    const unknown = "3f2504e0-4f89-41d3-9a0c-0305e82c3301";
    expect(await graphFailure(graph.api(`/groups/${EMPTY}/members/${unknown}/$ref`).delete())).to.deep.include({
      status: 404,
      code: "Request_ResourceNotFound",
      message: `Resource '${unknown}' does not exist or one of its queried reference-property objects are not present.`,
    });
  });

  it("adds up to 20 members per PATCH members@odata.bind, all or nothing", async () => {
    const bind = (ids: string[]) => graph.api(`/groups/${EMPTY}`).patch({ "members@odata.bind": ids.map(ref) });
    const before = [...members(sandbox, EMPTY)];
    const tooMany = await graphFailure(bind(Array.from({ length: 21 }, (_, i) => userId(100 + i))));
    expect(tooMany).to.deep.include({ status: 400, code: "Request_BadRequest" });
    const oneUnknown = await graphFailure(bind([...Array.from({ length: 19 }, (_, i) => userId(100 + i)), "3f2504e0-4f89-41d3-9a0c-0305e82c3301"]));
    expect(oneUnknown).to.deep.include({ status: 404, code: "Request_ResourceNotFound" });
    const oneExisting = await graphFailure(bind([...Array.from({ length: 19 }, (_, i) => userId(100 + i)), userId(1)]));
    expect(oneExisting).to.deep.include({ status: 400, message: "One or more added object references already exist for the following modified properties: 'members'." });
    expect(members(sandbox, EMPTY), "nothing added by the failed requests").to.deep.equal(before);

    const res = (await graph.api(`/groups/${EMPTY}`).responseType(ResponseType.RAW).patch({ "members@odata.bind": Array.from({ length: 20 }, (_, i) => ref(userId(100 + i))) })) as Response;
    expect(res.status).to.equal(204);
    expect(members(sandbox, EMPTY)).to.have.length(21);
  });

  it("refuses membership changes of mail-enabled security groups and distribution lists", async () => {
    const message = "Cannot Update a mail-enabled security groups and or distribution list.";
    expect(await graphFailure(graph.api(`/groups/${DISTRIBUTION}/members/$ref`).post({ "@odata.id": ref(userId(2)) }))).to.deep.include({ status: 400, message });
    expect(await graphFailure(graph.api(`/groups/${DISTRIBUTION}`).patch({ "members@odata.bind": [ref(userId(2))] }))).to.deep.include({ status: 400, message });
    expect(await graphFailure(graph.api(`/groups/${DISTRIBUTION}/members/${userId(2)}/$ref`).delete())).to.deep.include({ status: 400, message });
  });

  it("membership writes need GroupMember.ReadWrite.All (or Group.ReadWrite.All); it does not allow other updates", async () => {
    const denied = { status: 403, code: "Authorization_RequestDenied", message: "Insufficient privileges to complete the operation." };
    const reader = graphClient(sandbox, secretCredential(sandbox, READER));
    expect(((await reader.api(`/groups/${ALL_STAFF}/members`).top(1).get()) as PageCollection).value).to.have.length(1);
    expect(await graphFailure(reader.api(`/groups/${EMPTY}/members/$ref`).post({ "@odata.id": ref(userId(3)) }))).to.deep.include(denied);
    expect(await graphFailure(reader.api(`/groups/${EMPTY}/members/${userId(1)}/$ref`).delete())).to.deep.include(denied);

    const writer = graphClient(sandbox, secretCredential(sandbox, MEMBER_WRITER));
    await writer.api(`/groups/${EMPTY}/members/$ref`).post({ "@odata.id": ref(userId(3)) });
    await writer.api(`/groups/${EMPTY}`).patch({ "members@odata.bind": [ref(userId(4))] });
    expect(members(sandbox, EMPTY)).to.include.members([userId(3), userId(4)]);
    expect(await graphFailure(writer.api(`/groups/${EMPTY}`).patch({ description: "x" }))).to.deep.include(denied);
    expect(await graphFailure(writer.api("/users").get())).to.deep.include(denied);
  });

  it("gets users by id or userPrincipalName, and answers 404 for others", async () => {
    const byId = (await graph.api(`/users/${userId(5)}`).get()) as Record<string, unknown>;
    expect(byId).to.include({ "@odata.context": `${sandbox.url}/v1.0/$metadata#users/$entity`, id: userId(5), userPrincipalName: "user5@example.com" });
    expect(Object.keys(byId)).to.include.members(["businessPhones", "givenName", "jobTitle", "surname", "preferredLanguage"]);
    expect(await graph.api("/users/USER5@example.com").get()).to.include({ id: userId(5) });
    expect(await graph.api(`/users/${userId(7)}`).select("id,accountEnabled").get()).to.deep.include({ id: userId(7), accountEnabled: false });
    expect(await graphFailure(graph.api("/users/nobody@example.com").get())).to.deep.include({
      status: 404,
      code: "Request_ResourceNotFound",
      message: "Resource 'nobody@example.com' does not exist or one of its queried reference-property objects are not present.",
    });
  });

  it("finds users with $filter on mail and userPrincipalName, `in (...)` and accountEnabled", async () => {
    const byMail = (await graph.api("/users").filter("mail eq 'User9@Example.com'").select("id,mail").get()) as PageCollection;
    expect(byMail.value).to.deep.equal([{ id: userId(9), mail: "user9@example.com" }]);
    const byUpn = (await graph.api("/users").filter("userPrincipalName eq 'user10@example.com'").get()) as PageCollection;
    expect(byUpn.value.map((u: { id: string }) => u.id)).to.deep.equal([userId(10)]);
    const several = (await graph.api("/users").filter("userPrincipalName in ('user1@example.com','user2@example.com','nobody@example.com')").get()) as PageCollection;
    expect(several.value.map((u: { id: string }) => u.id)).to.deep.equal([userId(1), userId(2)]);
    const disabled = (await graph.api("/users").filter("accountEnabled eq false").select("id").top(999).get()) as PageCollection;
    expect(disabled.value).to.have.length(5);
    const all = (await graph.api("/users").get()) as PageCollection;
    expect(all.value).to.have.length(100);
    expect(all["@odata.nextLink"]).to.be.a("string");
    const counted = (await graph.api("/users").header("ConsistencyLevel", "eventual").count(true).filter("endswith(userPrincipalName,'9@example.com')").top(1).get()) as PageCollection;
    expect(counted["@odata.count"]).to.equal(25);
  });

  it("reading users needs User.Read.All (or a Directory role)", async () => {
    sandbox.entra.tenant.apps.push({ ...sandbox.entra.tenant.apps[0], clientId: "0000000a-0000-4000-8000-000000000013", clientSecret: "groups-only", roles: ["Group.ReadWrite.All"] });
    const groupsOnly = graphClient(sandbox, secretCredential(sandbox, { clientId: "0000000a-0000-4000-8000-000000000013", clientSecret: "groups-only" }));
    expect(await graphFailure(groupsOnly.api(`/users/${userId(1)}`).get())).to.deep.include({ status: 403, code: "Authorization_RequestDenied" });
    expect(await graphFailure(groupsOnly.api("/users").filter("mail eq 'user1@example.com'").get())).to.deep.include({ status: 403 });
  });
});
