import { expect } from "chai";
import type { Client, PageCollection } from "@microsoft/microsoft-graph-client";
import type { EntraTenantSeed, Sandbox } from "../../provider/sandbox";
import { graphClient, graphFailure, sandboxPerSuite, secretCredential } from "../support/entraClients";

/**
 * What owners and nested groups need from the Entra emulator (issue 11): owners as their own
 * relation (`/owners`, `owners/$ref`), the calling application's service principal as a
 * directory object (the token's `oid`), the tenant variant where a group's creator becomes its
 * owner, nested groups in `/members` with their `@odata.type`, and `/transitiveMembers`.
 */
const id = (kind: number, i: number) => `0000000${kind}-0000-4000-8000-${String(i).padStart(12, "0")}`;
const ALICE = id(1, 1);
const BOB = id(1, 2);
const CAROL = id(1, 3);
const OUTER = id(2, 1);
const INNER = id(2, 2);
const LEAF = id(2, 3);

const seed: EntraTenantSeed = {
  users: [
    { id: ALICE, userPrincipalName: "alice@example.com" },
    { id: BOB, userPrincipalName: "bob@example.com" },
    { id: CAROL, userPrincipalName: "carol@example.com" },
  ],
  groups: [
    { id: LEAF, displayName: "Leaf", members: [CAROL] },
    { id: INNER, displayName: "Inner", members: [BOB, LEAF] },
    { id: OUTER, displayName: "Outer", members: [ALICE, INNER], owners: [BOB] },
  ],
};

const ref = (objectId: string, collection = "directoryObjects") => `https://graph.microsoft.com/v1.0/${collection}/${objectId}`;
type DirectoryObjects = { value: { id: string; "@odata.type": string; appId?: string; displayName?: string }[]; "@odata.nextLink"?: string };

describe("Entra sandbox: owners, the calling application, nested groups and transitive members (@microsoft/microsoft-graph-client)", function () {
  let sandbox: Sandbox;
  let graph: Client;
  const group = (groupId: string) => sandbox.entra.tenant.groups.find((g) => g.id === groupId)!;
  const appSp = () => sandbox.entra.tenant.apps[0].servicePrincipalId;
  const create = (displayName: string, extra: Record<string, unknown> = {}) =>
    graph.api("/groups").post({ displayName, mailNickname: displayName.toLowerCase().replace(/\s+/g, "-"), mailEnabled: false, securityEnabled: true, ...extra }) as Promise<{ id: string }>;

  sandboxPerSuite({ entra: seed }, (s) => {
    sandbox = s;
    graph = graphClient(s);
  });
  afterEach(() => (sandbox.entra.tenant.groupCreatorBecomesOwner = false));

  it("lists a nested group in /members with @odata.type #microsoft.graph.group, and owners apart from members", async () => {
    const members = (await graph.api(`/groups/${OUTER}/members`).select("id,displayName").get()) as DirectoryObjects;
    expect(members.value.map((o) => [o.id, o["@odata.type"]])).to.deep.equal([
      [ALICE, "#microsoft.graph.user"],
      [INNER, "#microsoft.graph.group"],
    ]);
    const owners = (await graph.api(`/groups/${OUTER}/owners`).get()) as DirectoryObjects;
    expect(owners.value.map((o) => [o.id, o["@odata.type"]])).to.deep.equal([[BOB, "#microsoft.graph.user"]]);
  });

  it("lists transitive members: direct and nested objects, nested groups included, each once", async () => {
    const all = (await graph.api(`/groups/${OUTER}/transitiveMembers`).select("id").get()) as DirectoryObjects;
    expect(all.value.map((o) => o.id)).to.deep.equal([ALICE, INNER, BOB, LEAF, CAROL]);
    expect(all.value.find((o) => o.id === LEAF)!["@odata.type"]).to.equal("#microsoft.graph.group");
    // A cycle (Leaf contains Outer) is walked once; Entra accepts cyclic nesting.
    await graph.api(`/groups/${LEAF}/members/$ref`).post({ "@odata.id": ref(OUTER, "groups") });
    const cyclic = (await graph.api(`/groups/${OUTER}/transitiveMembers`).select("id").get()) as DirectoryObjects;
    expect(cyclic.value.map((o) => o.id)).to.deep.equal([ALICE, INNER, BOB, LEAF, CAROL]);
    await graph.api(`/groups/${LEAF}/members/${OUTER}/$ref`).delete();
    // A group cannot be its own member.
    expect(await graphFailure(graph.api(`/groups/${OUTER}/members/$ref`).post({ "@odata.id": ref(OUTER) }))).to.deep.include({ status: 400, code: "Request_BadRequest" });
  });

  it("makes the calling application's service principal (the token's oid) a directory object that can own a group", async () => {
    const token = await secretCredential(sandbox).getToken("https://graph.microsoft.com/.default");
    const oid = (JSON.parse(Buffer.from(token!.token.split(".")[1], "base64url").toString()) as { oid: string }).oid;
    expect(oid).to.equal(appSp());
    await graph.api(`/groups/${INNER}/owners/$ref`).post({ "@odata.id": ref(oid, "servicePrincipals") });
    const owners = (await graph.api(`/groups/${INNER}/owners`).select("id,appId,displayName").get()) as DirectoryObjects;
    expect(owners.value).to.have.length(1);
    expect(owners.value[0]).to.include({ id: oid, "@odata.type": "#microsoft.graph.servicePrincipal", appId: sandbox.entra.clientId });
    await graph.api(`/groups/${INNER}/owners/${oid}/$ref`).delete();
    expect(group(INNER).owners).to.deep.equal([]);
  });

  it("gives a new group no owner by default; with groupCreatorBecomesOwner the creating app owns it, unless owners are bound at create", async () => {
    expect(group((await create("No owner")).id).owners).to.deep.equal([]);
    sandbox.entra.tenant.groupCreatorBecomesOwner = true;
    expect(group((await create("Creator owned")).id).owners).to.deep.equal([appSp()]);
    expect(group((await create("Bound owner", { "owners@odata.bind": [ref(ALICE, "users")] })).id).owners).to.deep.equal([ALICE]);
  });

  it("refuses a group as owner, an existing owner again, and removing a non-owner, with Graph's bodies", async () => {
    expect(await graphFailure(graph.api(`/groups/${OUTER}/owners/$ref`).post({ "@odata.id": ref(INNER) }))).to.deep.include({
      status: 400,
      code: "Request_BadRequest",
      message: "Unsupported referenced-object resource identifier for link property 'owners'.",
    });
    expect(await graphFailure(graph.api(`/groups/${OUTER}/owners/$ref`).post({ "@odata.id": ref(BOB) }))).to.deep.include({
      status: 400,
      message: "One or more added object references already exist for the following modified properties: 'owners'.",
    });
    expect(await graphFailure(graph.api(`/groups/${OUTER}/owners/${ALICE}/$ref`).delete())).to.deep.include({
      status: 400,
      message: "One or more removed object references do not exist for the following modified properties: 'owners'.",
    });
    // Replacing the only user owner: add first, then the old one may go (the last one may not).
    expect(await graphFailure(graph.api(`/groups/${OUTER}/owners/${BOB}/$ref`).delete())).to.deep.include({ status: 400, message: "The group must have at least one owner, hence this owner cannot be removed." });
    await graph.api(`/groups/${OUTER}/owners/$ref`).post({ "@odata.id": ref(CAROL) });
    await graph.api(`/groups/${OUTER}/owners/${BOB}/$ref`).delete();
    expect(group(OUTER).owners).to.deep.equal([CAROL]);
    expect(group(OUTER).members, "owners are not members").to.not.include(CAROL);
  });

  it("pages owners and members through @odata.nextLink like every collection", async () => {
    const page = (await graph.api(`/groups/${OUTER}/transitiveMembers`).top(2).get()) as PageCollection;
    expect(page.value).to.have.length(2);
    expect(page["@odata.nextLink"]).to.be.a("string");
  });
});
