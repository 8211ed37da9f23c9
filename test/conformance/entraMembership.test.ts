import { expect } from "chai";
import { ResponseType, type Client, type PageCollection } from "@microsoft/microsoft-graph-client";
import type { EntraTenantSeed, Sandbox } from "../../provider/sandbox";
import { graphClient, graphFailure, sandboxPerSuite } from "../support/entraClients";

/**
 * What membership by identity needs from the Entra emulator: guests and users with several
 * addresses, found by any of them; every kind of directory object as a member; owners;
 * deletes made in the admin center; the member-level replication lag.
 */
const id = (kind: number, i: number) => `0000000${kind}-0000-4000-8000-${String(i).padStart(12, "0")}`;
const ALICE = id(1, 1);
const GUEST = id(1, 2);
const BOB = id(1, 3);
const CAROL = id(1, 4);
const SP = id(3, 1);
const DEVICE = id(4, 1);
const CONTACT = id(5, 1);
const MIXED = id(2, 1);
const NESTED = id(2, 2);
const OWNED = id(2, 3);
const TARGET = id(2, 4);
const DISTRIBUTION = id(2, 5);
const APP_ID = "11111111-2222-4333-8444-555555555555";
const DEVICE_ID = "66666666-7777-4888-8999-aaaaaaaaaaaa";

const seed: EntraTenantSeed = {
  domains: ["example.com", "example.onmicrosoft.com"],
  users: [
    { id: ALICE, userPrincipalName: "alice@example.com", otherMails: ["alice.private@gmail.com"], proxyAddresses: ["SMTP:alice@example.com", "smtp:alice.old@example.com"] },
    { id: GUEST, userPrincipalName: "guest_contoso.com#EXT#@example.onmicrosoft.com", otherMails: ["guest@contoso.com"] },
    { id: BOB, userPrincipalName: "bob@example.com", mail: "robert@example.com" },
    { id: CAROL, userPrincipalName: "carol@example.com", mail: null },
  ],
  servicePrincipals: [{ id: SP, appId: APP_ID, displayName: "Deploy bot" }],
  devices: [{ id: DEVICE, deviceId: DEVICE_ID, displayName: "LAPTOP-42" }],
  contacts: [{ id: CONTACT, mail: "vendor@partner.example", displayName: "Vendor" }],
  groups: [
    { id: NESTED, displayName: "Nested", mailNickname: "nested" },
    { id: MIXED, displayName: "Mixed", mailNickname: "mixed", members: [ALICE, GUEST, NESTED, SP, DEVICE, CONTACT], owners: [BOB] },
    { id: OWNED, displayName: "Owned", mailNickname: "owned", owners: [ALICE, SP] },
    { id: TARGET, displayName: "Target", mailNickname: "target" },
    { id: DISTRIBUTION, displayName: "Announcements", mailNickname: "announce", mailEnabled: true, securityEnabled: false, members: [ALICE] },
  ],
};

const ref = (objectId: string, collection = "directoryObjects") => `https://graph.microsoft.com/v1.0/${collection}/${objectId}`;
const group = (sandbox: Sandbox, groupId: string) => sandbox.entra.tenant.groups.find((g) => g.id === groupId)!;
const ids = (page: PageCollection) => (page.value as { id: string }[]).map((o) => o.id);

describe("Entra sandbox: members by identity, every kind of member, owners, portal deletes", function () {
  let sandbox: Sandbox;
  let graph: Client;

  sandboxPerSuite({ entra: seed }, (s) => {
    sandbox = s;
    graph = graphClient(s);
  });
  afterEach(() => sandbox.entra.setMemberReplicationDelay(0));

  it("models guests (#EXT# UPN, mail = their own address, userType Guest) and returns otherMails and proxyAddresses on $select", async () => {
    const guest = (await graph.api(`/users/${GUEST}`).select("id,userPrincipalName,mail,otherMails,proxyAddresses,userType").get()) as Record<string, unknown>;
    expect(guest).to.deep.include({
      userPrincipalName: "guest_contoso.com#EXT#@example.onmicrosoft.com",
      mail: "guest@contoso.com",
      otherMails: ["guest@contoso.com"],
      proxyAddresses: ["SMTP:guest@contoso.com"],
      userType: "Guest",
    });
    const alice = (await graph.api(`/users/${ALICE}`).select("otherMails,proxyAddresses,userType").get()) as Record<string, unknown>;
    expect(alice).to.deep.include({ otherMails: ["alice.private@gmail.com"], proxyAddresses: ["SMTP:alice@example.com", "smtp:alice.old@example.com"], userType: "Member" });
    // Without $select, v1.0 returns only the default user properties.
    expect(await graph.api(`/users/${ALICE}`).get()).to.not.have.any.keys("otherMails", "proxyAddresses", "userType");
    expect(await graph.api("/users/guest_contoso.com%23EXT%23@example.onmicrosoft.com").get()).to.include({ id: GUEST });
  });

  it("finds users by UPN, mail, otherMails or proxyAddresses with default (non-advanced) $filter queries, alone or joined by `or`", async () => {
    const find = async (filter: string) => ids((await graph.api("/users").filter(filter).select("id").get()) as PageCollection).sort();
    // The Graph client sends $filter as written: a guest UPN's '#' must be written %23, or it starts the URL's fragment.
    expect(await find("userPrincipalName in ('alice@example.com','guest_contoso.com%23EXT%23@example.onmicrosoft.com','nobody@example.com')")).to.deep.equal([ALICE, GUEST]);
    expect(await find("mail in ('ROBERT@example.com','guest@contoso.com')")).to.deep.equal([GUEST, BOB]);
    expect(await find("otherMails/any(x:x eq 'alice.private@gmail.com')")).to.deep.equal([ALICE]);
    expect(await find("proxyAddresses/any(x:x eq 'smtp:alice.old@example.com')")).to.deep.equal([ALICE]);
    expect(await find("proxyAddresses/any(x:x eq 'SMTP:ALICE.OLD@EXAMPLE.COM')"), "compared ignoring case, prefix included").to.deep.equal([ALICE]);
    expect(await find("mail in ('robert@example.com') or otherMails/any(x:x eq 'guest@contoso.com') or proxyAddresses/any(x:x eq 'smtp:alice.old@example.com')")).to.deep.equal([ALICE, GUEST, BOB]);
    expect(await find("userPrincipalName eq 'carol@example.com' and mail eq null")).to.deep.equal([CAROL]);
    // At most 15 clauses joined by `or`, each value of `in (...)` counting as one.
    const values = (n: number) => Array.from({ length: n }, (_, i) => `'u${i}@example.com'`).join(",");
    expect(await find(`userPrincipalName in (${values(14)}) or mail eq 'robert@example.com'`)).to.deep.equal([BOB]);
    for (const filter of [`userPrincipalName in (${values(16)})`, `userPrincipalName in (${values(8)}) or mail in (${values(8)})`]) {
      expect(await graphFailure(graph.api("/users").filter(filter).get()), filter).to.deep.include({
        status: 400,
        code: "Request_UnsupportedQuery",
        message: "Too many child clauses specified in search filter expression containing 'OR' operators: 16. Max allowed: 15.",
      });
    }
    // endsWith stays an advanced query.
    expect(await graphFailure(graph.api("/users").filter("endswith(mail,'@contoso.com')").get())).to.deep.include({ status: 400, code: "Request_UnsupportedQuery" });
  });

  it("lists members of every kind with their @odata.type and their own type's properties, honouring $select", async () => {
    const all = (await graph.api(`/groups/${MIXED}/members`).select("id,userPrincipalName,mail,appId,deviceId,displayName").get()) as PageCollection;
    expect(all.value).to.deep.equal([
      { "@odata.type": "#microsoft.graph.user", id: ALICE, userPrincipalName: "alice@example.com", mail: "alice@example.com", displayName: "alice" },
      { "@odata.type": "#microsoft.graph.user", id: GUEST, userPrincipalName: "guest_contoso.com#EXT#@example.onmicrosoft.com", mail: "guest@contoso.com", displayName: "guest_contoso.com#EXT#" },
      { "@odata.type": "#microsoft.graph.group", id: NESTED, mail: null, displayName: "Nested" },
      { "@odata.type": "#microsoft.graph.servicePrincipal", id: SP, appId: APP_ID, displayName: "Deploy bot" },
      { "@odata.type": "#microsoft.graph.device", id: DEVICE, deviceId: DEVICE_ID, displayName: "LAPTOP-42" },
      { "@odata.type": "#microsoft.graph.orgContact", id: CONTACT, mail: "vendor@partner.example", displayName: "Vendor" },
    ]);
    const count = (await graph.api(`/groups/${MIXED}/members/$count`).header("ConsistencyLevel", "eventual").responseType(ResponseType.TEXT).get()) as string;
    expect(Number(count)).to.equal(6);
    expect(await graphFailure(graph.api(`/groups/${MIXED}/members/$count`).get())).to.deep.include({ status: 400, code: "Request_BadRequest" });
    const narrow = (await graph.api(`/groups/${MIXED}/members`).select("id").get()) as PageCollection;
    expect(narrow.value.map((o: Record<string, unknown>) => Object.keys(o).sort())).to.deep.equal(Array.from({ length: 6 }, () => ["@odata.type", "id"]));
    const defaults = (await graph.api(`/groups/${MIXED}/members`).get()) as PageCollection;
    expect(defaults.value[3]).to.include({ appId: APP_ID, servicePrincipalType: "Application" });
    expect(defaults.value[4]).to.include({ deviceId: DEVICE_ID, operatingSystem: "Windows" });
    for (const [cast, expected] of [
      ["microsoft.graph.servicePrincipal", [SP]],
      ["microsoft.graph.device", [DEVICE]],
      ["microsoft.graph.orgContact", [CONTACT]],
      ["microsoft.graph.group", [NESTED]],
      ["microsoft.graph.user", [ALICE, GUEST]],
    ] as const) {
      expect(ids((await graph.api(`/groups/${MIXED}/members/${cast}`).get()) as PageCollection), cast).to.deep.equal(expected);
    }
  });

  it("adds and removes non-user members by $ref and members@odata.bind, through their own collections too", async () => {
    const raw = (call: Promise<unknown>) => call.then((r) => (r as Response).status);
    expect(await raw(graph.api(`/groups/${TARGET}/members/$ref`).responseType(ResponseType.RAW).post({ "@odata.id": ref(SP, "servicePrincipals") }))).to.equal(204);
    expect(await raw(graph.api(`/groups/${TARGET}`).responseType(ResponseType.RAW).patch({ "members@odata.bind": [ref(DEVICE, "devices"), ref(CONTACT, "contacts"), ref(GUEST)] }))).to.equal(204);
    expect(group(sandbox, TARGET).members).to.deep.equal([SP, DEVICE, CONTACT, GUEST]);
    expect(await graphFailure(graph.api(`/groups/${TARGET}/members/$ref`).post({ "@odata.id": ref(DEVICE) }))).to.deep.include({
      status: 400,
      code: "Request_BadRequest",
      message: "One or more added object references already exist for the following modified properties: 'members'.",
    });
    for (const member of [SP, DEVICE, CONTACT]) expect(await raw(graph.api(`/groups/${TARGET}/members/${member}/$ref`).responseType(ResponseType.RAW).delete())).to.equal(204);
    expect(group(sandbox, TARGET).members).to.deep.equal([GUEST]);
    expect(await graphFailure(graph.api(`/groups/${TARGET}/members/${SP}/$ref`).delete())).to.deep.include({
      status: 400,
      code: "Request_BadRequest",
      message: "One or more removed object references do not exist for the following modified properties: 'members'.",
    });
  });

  it("lists, adds and removes owners, with Graph's errors for existing, missing, last and unsupported owners", async () => {
    const owners = async (groupId: string) => (await graph.api(`/groups/${groupId}/owners`).select("id,userPrincipalName,appId").get()) as PageCollection;
    expect((await owners(OWNED)).value).to.deep.equal([
      { "@odata.type": "#microsoft.graph.user", id: ALICE, userPrincipalName: "alice@example.com" },
      { "@odata.type": "#microsoft.graph.servicePrincipal", id: SP, appId: APP_ID },
    ]);
    expect((await owners(TARGET)).value, "a group made with application permissions has no owner").to.deep.equal([]);
    await graph.api(`/groups/${TARGET}/owners/$ref`).post({ "@odata.id": ref(BOB) });
    expect(ids(await owners(TARGET))).to.deep.equal([BOB]);
    expect(group(sandbox, TARGET).members, "an owner is not made a member").to.deep.equal([GUEST]);
    expect(await graphFailure(graph.api(`/groups/${TARGET}/owners/$ref`).post({ "@odata.id": ref(BOB) }))).to.deep.include({
      status: 400,
      code: "Request_BadRequest",
      message: "One or more added object references already exist for the following modified properties: 'owners'.",
    });
    expect(await graphFailure(graph.api(`/groups/${TARGET}/owners/$ref`).post({ "@odata.id": ref(DEVICE) }))).to.deep.include({ status: 400, code: "Request_BadRequest" });
    expect(await graphFailure(graph.api(`/groups/${TARGET}/owners/${CAROL}/$ref`).delete())).to.deep.include({
      status: 400,
      code: "Request_BadRequest",
      message: "One or more removed object references do not exist for the following modified properties: 'owners'.",
    });
    expect(await graphFailure(graph.api(`/groups/${TARGET}/owners/${BOB}/$ref`).delete())).to.deep.include({
      status: 400,
      code: "Request_BadRequest",
      message: "The group must have at least one owner, hence this owner cannot be removed.",
    });
    await graph.api(`/groups/${OWNED}/owners/${ALICE}/$ref`).delete();
    expect(ids(await owners(OWNED))).to.deep.equal([SP]);
  });

  it("creates a group with owners@odata.bind and members@odata.bind, at most 20 links in all", async () => {
    const created = (await graph.api("/groups").post({
      displayName: "With owners",
      mailNickname: "with-owners",
      mailEnabled: false,
      securityEnabled: true,
      "owners@odata.bind": [ref(ALICE, "users"), ref(SP, "servicePrincipals")],
      "members@odata.bind": [ref(BOB), ref(DEVICE)],
    })) as { id: string };
    expect(group(sandbox, created.id)).to.deep.include({ owners: [ALICE, SP], members: [BOB, DEVICE] });
    const tooMany = await graphFailure(
      graph.api("/groups").post({
        displayName: "Too many",
        mailNickname: "too-many",
        mailEnabled: false,
        securityEnabled: true,
        "owners@odata.bind": [ref(ALICE)],
        "members@odata.bind": Array.from({ length: 20 }, () => ref(BOB)),
      }),
    );
    expect(tooMany).to.deep.include({ status: 400, code: "Request_BadRequest" });
    expect(sandbox.entra.tenant.groups.some((g) => g.displayName === "Too many")).to.equal(false);
  });

  it("hides a member added through Graph from member lists during the replication lag, and shows it after", async () => {
    sandbox.entra.setMemberReplicationDelay(400);
    await graph.api(`/groups/${TARGET}/members/$ref`).post({ "@odata.id": ref(CAROL) });
    expect(group(sandbox, TARGET).members, "the write is stored").to.include(CAROL);
    expect(ids((await graph.api(`/groups/${TARGET}/members`).get()) as PageCollection)).to.not.include(CAROL);
    expect(await graphFailure(graph.api(`/groups/${TARGET}/members/$ref`).post({ "@odata.id": ref(CAROL) })), "the write path knows it already").to.deep.include({ status: 400 });
    await new Promise((r) => setTimeout(r, 450));
    expect(ids((await graph.api(`/groups/${TARGET}/members`).get()) as PageCollection)).to.include(CAROL);
  });

  it("sees changes made directly to the tenant (as tests make them by hand) in every lookup", async () => {
    const t = sandbox.entra.tenant;
    const dave = id(1, 9);
    t.users.push({ ...t.users[0], id: dave, userPrincipalName: "dave@example.com", mail: "dave@example.com", otherMails: [], proxyAddresses: ["SMTP:dave@example.com"] });
    group(sandbox, TARGET).members.push(dave);
    expect(ids((await graph.api(`/groups/${TARGET}/members`).get()) as PageCollection)).to.include(dave);
    expect(await graph.api("/users/dave@example.com").get()).to.include({ id: dave });
    // A group pushed by hand, without an owners list: no owners, and one can be added. (The cast
    // writes the shape of hand-made groups of older tests, which the type no longer allows.)
    const handMade = id(2, 9);
    t.groups.push({ ...group(sandbox, TARGET), id: handMade, displayName: "Hand made", mailNickname: "hand-made", members: [dave], owners: undefined as unknown as string[] });
    expect(((await graph.api(`/groups/${handMade}/owners`).get()) as PageCollection).value).to.deep.equal([]);
    await graph.api(`/groups/${handMade}/owners/$ref`).post({ "@odata.id": ref(dave) });
    expect(group(sandbox, handMade).owners).to.deep.equal([dave]);
    // Removed by hand: gone from lists and lookups at once.
    t.users.splice(t.users.findIndex((u) => u.id === dave), 1);
    expect(ids((await graph.api(`/groups/${TARGET}/members`).get()) as PageCollection)).to.not.include(dave);
    expect(await graphFailure(graph.api(`/users/${dave}`).get())).to.deep.include({ status: 404 });
  });

  it("deletes groups and users as the admin center does; Graph then answers with its real 404 bodies", async () => {
    sandbox.entra.deleteGroup(NESTED);
    expect(await graphFailure(graph.api(`/groups/${NESTED}`).get())).to.deep.include({
      status: 404,
      code: "Request_ResourceNotFound",
      message: `Resource '${NESTED}' does not exist or one of its queried reference-property objects are not present.`,
    });
    expect(await graphFailure(graph.api(`/groups/${NESTED}/members`).get())).to.deep.include({ status: 404, code: "Request_ResourceNotFound" });
    expect(group(sandbox, MIXED).members, "it left the groups it was in").to.not.include(NESTED);
    expect(sandbox.entra.tenant.deletedItems.map((g) => g.id)).to.include(NESTED);
    // The admin center deletes mail-enabled groups too, which Graph refuses.
    sandbox.entra.deleteGroup(DISTRIBUTION);
    expect(await graphFailure(graph.api(`/groups/${DISTRIBUTION}`).get())).to.deep.include({ status: 404 });
    sandbox.entra.deleteUser("alice@example.com");
    expect(await graphFailure(graph.api(`/users/${ALICE}`).get())).to.deep.include({ status: 404, code: "Request_ResourceNotFound" });
    expect(group(sandbox, MIXED).members).to.not.include(ALICE);
    expect(() => sandbox.entra.deleteGroup(NESTED)).to.throw(/No group/);
  });
});
