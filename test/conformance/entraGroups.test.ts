import { expect } from "chai";
import { PageIterator, ResponseType, type Client, type PageCollection } from "@microsoft/microsoft-graph-client";
import { type EntraAppSeed, type EntraTenantSeed, type Sandbox } from "../../provider/sandbox";
import { graphClient, graphFailure, sandboxPerSuite, secretCredential } from "../support/entraClients";

const READER = { clientId: "0000000a-0000-4000-8000-000000000001", clientSecret: "reader-secret", roles: ["Group.Read.All", "GroupMember.Read.All", "User.Read.All"] } satisfies EntraAppSeed;
const CREATOR = { clientId: "0000000a-0000-4000-8000-000000000002", clientSecret: "creator-secret", roles: ["Group.Create"] } satisfies EntraAppSeed;
const USERS_ONLY = { clientId: "0000000a-0000-4000-8000-000000000003", clientSecret: "users-secret", roles: ["User.Read.All"] } satisfies EntraAppSeed;
const MAIL_SECURITY = "0000000b-0000-4000-8000-000000000001";
const DISTRIBUTION = "0000000b-0000-4000-8000-000000000002";

const seed: EntraTenantSeed = {
  apps: [{}, READER, CREATOR, USERS_ONLY],
  groups: [
    { id: MAIL_SECURITY, displayName: "Finance (mail-enabled security)", mailNickname: "finance", mailEnabled: true, securityEnabled: true },
    { id: DISTRIBUTION, displayName: "Newsletter", mailNickname: "newsletter", mailEnabled: true, securityEnabled: false },
  ],
};

const securityGroup = (displayName: string, mailNickname: string, extra: Record<string, unknown> = {}) => ({ displayName, mailNickname, mailEnabled: false, securityEnabled: true, ...extra });

describe("Entra sandbox: groups, through @microsoft/microsoft-graph-client", function () {
  let sandbox: Sandbox;
  let graph: Client;

  sandboxPerSuite({ entra: seed }, (s) => {
    sandbox = s;
    graph = graphClient(s);
  });

  it("creates a security group: 201, a Location and Graph's group JSON", async () => {
    const res = (await graph.api("/groups").responseType(ResponseType.RAW).post(securityGroup("Engineering", "engineering", { description: "All engineers" }))) as Response;
    expect(res.status).to.equal(201);
    const group = (await res.json()) as Record<string, unknown>;
    expect(res.headers.get("location")).to.equal(`${sandbox.url}/v2/${sandbox.entra.tenantId}/directoryObjects/${String(group.id)}/Microsoft.DirectoryServices.Group`);
    expect(group["@odata.context"]).to.equal(`${sandbox.url}/v1.0/$metadata#groups/$entity`);
    expect(group).to.include({ displayName: "Engineering", description: "All engineers", mailNickname: "engineering", mailEnabled: false, securityEnabled: true, mail: null, visibility: null, deletedDateTime: null });
    expect(group.groupTypes).to.deep.equal([]);
    expect(group.id).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(group.securityIdentifier).to.match(/^S-1-12-1-\d+-\d+-\d+-\d+$/);
    expect(group.createdDateTime).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(group).to.include.all.keys("proxyAddresses", "renewedDateTime", "onPremisesSyncEnabled", "membershipRule", "isAssignableToRole");
    expect(sandbox.entra.tenant.groups.map((g) => g.displayName)).to.include("Engineering");
  });

  it("creates a Microsoft 365 group (groupTypes Unified) with its mail address", async () => {
    const group = (await graph.api("/groups").post({ displayName: "Project X", mailNickname: "projectx", mailEnabled: true, securityEnabled: false, groupTypes: ["Unified"], visibility: "Private" })) as Record<string, unknown>;
    expect(group).to.include({ mail: "projectx@example.com", mailEnabled: true, visibility: "Private" });
    expect(group.groupTypes).to.deep.equal(["Unified"]);
    expect(group.proxyAddresses).to.deep.equal(["SMTP:projectx@example.com"]);
  });

  it("refuses to create mail-enabled security groups and distribution lists", async () => {
    for (const securityEnabled of [true, false]) {
      const failure = await graphFailure(graph.api("/groups").post({ displayName: "Mail group", mailNickname: `mail-${String(securityEnabled)}`, mailEnabled: true, securityEnabled }));
      expect(failure).to.deep.include({
        status: 400,
        code: "Request_BadRequest",
        message: "The service does not currently support writes of mail-enabled groups. Please ensure that the mail-enablement property is unset or set to false.",
      });
    }
  });

  it("validates required properties, mailNickname characters and uniqueness, descriptions and unknown properties", async () => {
    const post = (body: Record<string, unknown>) => graphFailure(graph.api("/groups").post(body));
    expect(await post({ mailNickname: "x", mailEnabled: false, securityEnabled: true })).to.deep.include({ status: 400, code: "Request_BadRequest", message: "A value is required for property 'displayName' of resource 'Group'." });
    expect(await post({ displayName: "X", mailEnabled: false, securityEnabled: true })).to.deep.include({ status: 400, message: "A value is required for property 'mailNickname' of resource 'Group'." });
    for (const nickname of ["has space", "a@b", "semi;colon", "ümlaut", "x".repeat(65)]) {
      expect(await post(securityGroup("X", nickname)), nickname).to.deep.include({ status: 400, code: "Request_BadRequest", message: "Invalid value specified for property 'mailNickname' of resource 'Group'." });
    }
    expect(await post(securityGroup("Another engineering", "ENGINEERING"))).to.deep.include({ status: 400, code: "Request_BadRequest", message: "Another object with the same value for property mailNickname already exists." });
    expect(await post(securityGroup("X", "x-desc", { description: "" }))).to.deep.include({ status: 400, message: "Invalid value specified for property 'description' of resource 'Group'." });
    const unknown = await post(securityGroup("X", "x-unknown", { colour: "blue" }));
    expect(unknown).to.deep.include({ status: 400, code: "BadRequest" });
    expect(unknown.message).to.include("The property 'colour' does not exist on type 'microsoft.graph.group'");
    const notJson = await graphFailure(graph.api("/groups").header("Content-Type", "application/json").post("{not json"));
    expect(notJson).to.deep.include({ status: 400, code: "BadRequest" });
  });

  it("gets a group by id (with $select) and answers 404 Request_ResourceNotFound with Graph's error body", async () => {
    const created = (await graph.api("/groups").post(securityGroup("Sales", "sales"))) as { id: string };
    const got = (await graph.api(`/groups/${created.id}`).get()) as Record<string, unknown>;
    expect(got).to.include({ id: created.id, displayName: "Sales" });
    const selected = (await graph.api(`/groups/${created.id}`).select(["id", "displayName"]).get()) as Record<string, unknown>;
    expect(Object.keys(selected)).to.deep.equal(["@odata.context", "id", "displayName"]);
    const badSelect = await graphFailure(graph.api(`/groups/${created.id}`).select("id,colour").get());
    expect(badSelect).to.deep.include({ status: 400, message: "Could not find a property named 'colour' on type 'microsoft.graph.group'." });

    const missing = "3f2504e0-4f89-41d3-9a0c-0305e82c3301";
    const failure = await graphFailure(graph.api(`/groups/${missing}`).header("client-request-id", "my-correlation").get());
    expect(failure).to.deep.include({ status: 404, code: "Request_ResourceNotFound", message: `Resource '${missing}' does not exist or one of its queried reference-property objects are not present.` });
    expect(failure.body).to.have.all.keys("code", "message", "innerError");
    expect(failure.body.innerError).to.have.all.keys("date", "request-id", "client-request-id");
    expect(failure.body.innerError).to.include({ "client-request-id": "my-correlation", "request-id": failure.headers?.get("request-id") });
    expect(failure.body.innerError?.date).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);
  });

  it("lists groups with $filter on displayName (quotes escaped as '') and mailNickname", async () => {
    await graph.api("/groups").post(securityGroup("O'Brien's team", "obrien"));
    const byName = (await graph.api("/groups").filter("displayName eq 'O''Brien''s team'").get()) as PageCollection;
    expect(byName["@odata.context"]).to.equal(`${sandbox.url}/v1.0/$metadata#groups`);
    expect(byName.value.map((g: { mailNickname: string }) => g.mailNickname)).to.deep.equal(["obrien"]);
    // The directory compares strings ignoring case.
    expect(((await graph.api("/groups").filter("displayName eq 'o''brien''s TEAM'").get()) as PageCollection).value).to.have.length(1);
    expect(((await graph.api("/groups").filter("mailNickname eq 'sales'").select("id,mailNickname").get()) as PageCollection).value).to.deep.equal([
      { id: sandbox.entra.tenant.groups.find((g) => g.mailNickname === "sales")!.id, mailNickname: "sales" },
    ]);
    const unified = (await graph.api("/groups").filter("groupTypes/any(c:c eq 'Unified')").get()) as PageCollection;
    expect(unified.value.map((g: { displayName: string }) => g.displayName)).to.deep.equal(["Project X"]);
    const kinds = (await graph.api("/groups").filter("mailEnabled eq false and securityEnabled eq true and startswith(displayName,'S')").get()) as PageCollection;
    expect(kinds.value.map((g: { displayName: string }) => g.displayName)).to.deep.equal(["Sales"]);
    const either = (await graph.api("/groups").filter("mailNickname in ('sales','engineering')").get()) as PageCollection;
    expect(either.value).to.have.length(2);

    const syntax = await graphFailure(graph.api("/groups").filter("displayName eq 'unterminated").get());
    expect(syntax).to.deep.include({ status: 400, code: "BadRequest" });
    expect(syntax.message).to.match(/^Invalid filter clause: Syntax error at position \d+/);
    const property = await graphFailure(graph.api("/groups").filter("colour eq 'blue'").get());
    expect(property).to.deep.include({ status: 400, code: "Request_UnsupportedQuery", message: "Unsupported or invalid query filter clause specified for property 'colour' of resource 'Group'." });
  });

  it("pages at $top with an absolute https @odata.nextLink that PageIterator follows; $top is 1..999", async () => {
    for (let i = 0; i < 25; i++) await graph.api("/groups").post(securityGroup(`Team ${i}`, `team-${i}`));
    const first = (await graph.api("/groups").top(10).get()) as PageCollection;
    expect(first.value).to.have.length(10);
    expect(first["@odata.nextLink"]).to.match(new RegExp(`^${sandbox.url.replace(/\./g, "\\.")}/v1\\.0/groups\\?\\$top=10&\\$skiptoken=[\\w-]+$`));
    const seen: string[] = [];
    await new PageIterator(graph, first, (g: { id: string }) => {
      seen.push(g.id);
      return true;
    }).iterate();
    expect(seen).to.have.length(sandbox.entra.tenant.groups.length);
    expect(new Set(seen).size).to.equal(seen.length);
    // Without $top a page holds 100.
    expect(((await graph.api("/groups").get()) as PageCollection).value).to.have.length(sandbox.entra.tenant.groups.length);
    for (const top of [0, 1000]) {
      const failure = await graphFailure(graph.api("/groups").top(top).get());
      expect(failure).to.deep.include({ status: 400, code: "Request_UnsupportedQuery", message: `Invalid page size specified: '${top}'. Must be between 1 and 999 inclusive.` });
    }
  });

  it("needs ConsistencyLevel: eventual and $count=true for advanced queries", async () => {
    // `$count=true` without the header is ignored, not refused; the `$count` segment is refused.
    const noHeader = (await graph.api("/groups").count(true).get()) as PageCollection;
    expect(noHeader).to.not.have.property("@odata.count");
    expect(noHeader.value.length).to.be.greaterThan(0);
    expect(await graphFailure(graph.api("/groups/$count").get())).to.deep.include({ status: 400, code: "Request_BadRequest", message: "$count is not currently supported." });
    const endsWith = await graphFailure(graph.api("/groups").filter("endswith(mailNickname,'-1')").get());
    expect(endsWith).to.deep.include({
      status: 400,
      code: "Request_UnsupportedQuery",
      message: "Operator 'endsWith' is not supported because the required parameters might be missing. Try adding $count=true query parameter and ConsistencyLevel:eventual header. Refer to https://aka.ms/graph-docs/advanced-queries for more information",
    });
    const headerOnly = await graphFailure(graph.api("/groups").header("ConsistencyLevel", "eventual").filter("displayName ne 'Sales'").get());
    expect(headerOnly.message).to.match(/^Operator 'ne' is not supported/);
    const search = await graphFailure(graph.api("/groups").search('"displayName:team"').get());
    expect(search).to.deep.include({ status: 400, code: "Request_UnsupportedQuery" });

    const advanced = (await graph.api("/groups").header("ConsistencyLevel", "eventual").count(true).filter("endswith(mailNickname,'-1')").get()) as PageCollection;
    expect(advanced["@odata.count"]).to.equal(1);
    expect(advanced.value.map((g: { mailNickname: string }) => g.mailNickname)).to.deep.equal(["team-1"]);
    const searched = (await graph.api("/groups").header("ConsistencyLevel", "eventual").count(true).search('"displayName:team"').top(5).get()) as PageCollection;
    // Search matches word prefixes: the 25 "Team n" groups and "O'Brien's team".
    expect(searched["@odata.count"]).to.equal(26);
    expect(searched.value).to.have.length(5);
    expect(searched["@odata.nextLink"]).to.include("$search=");
    const ordered = (await graph.api("/groups").orderby("displayName desc").select("displayName").top(1).get()) as PageCollection;
    expect(ordered.value).to.deep.equal([{ displayName: "Team 9" }]);
    const counted = (await graph.api("/groups/$count").header("ConsistencyLevel", "eventual").responseType(ResponseType.TEXT).get()) as string;
    expect(Number(counted)).to.equal(sandbox.entra.tenant.groups.length);
  });

  it("updates a group with PATCH (204) and refuses writes to mail-enabled security groups and distribution lists", async () => {
    const sales = sandbox.entra.tenant.groups.find((g) => g.mailNickname === "sales")!;
    const res = (await graph.api(`/groups/${sales.id}`).responseType(ResponseType.RAW).patch({ description: "Sales and pre-sales", displayName: "Sales team" })) as Response;
    expect(res.status).to.equal(204);
    expect(await graph.api(`/groups/${sales.id}`).get()).to.include({ description: "Sales and pre-sales", displayName: "Sales team" });
    expect(await graphFailure(graph.api(`/groups/${sales.id}`).patch({ mailEnabled: true }))).to.deep.include({ status: 400, message: "The service does not currently support writes of mail-enabled groups. Please ensure that the mail-enablement property is unset or set to false." });
    expect(await graphFailure(graph.api(`/groups/${sales.id}`).patch({ mailNickname: "engineering" }))).to.deep.include({ status: 400, message: "Another object with the same value for property mailNickname already exists." });
    for (const id of [MAIL_SECURITY, DISTRIBUTION]) {
      expect(await graphFailure(graph.api(`/groups/${id}`).patch({ description: "changed" }))).to.deep.include({
        status: 400,
        code: "Request_BadRequest",
        message: "Cannot Update a mail-enabled security groups and or distribution list.",
      });
    }
    expect(await graphFailure(graph.api(`/groups/3f2504e0-4f89-41d3-9a0c-0305e82c3301`).patch({ description: "x" }))).to.deep.include({ status: 404, code: "Request_ResourceNotFound" });
  });

  it("deletes into /directory/deletedItems, restores, and purges", async () => {
    const group = (await graph.api("/groups").post(securityGroup("Temporary", "temporary"))) as { id: string };
    const res = (await graph.api(`/groups/${group.id}`).responseType(ResponseType.RAW).delete()) as Response;
    expect(res.status).to.equal(204);
    expect(await graphFailure(graph.api(`/groups/${group.id}`).get())).to.deep.include({ status: 404, code: "Request_ResourceNotFound" });
    const deleted = (await graph.api("/directory/deletedItems/microsoft.graph.group").filter("mailNickname eq 'temporary'").get()) as PageCollection;
    expect(deleted.value).to.have.length(1);
    expect(deleted.value[0]).to.include({ id: group.id, displayName: "Temporary" });
    expect(deleted.value[0].deletedDateTime).to.match(/^\d{4}-\d\d-\d\dT/);

    const restored = (await graph.api(`/directory/deletedItems/${group.id}/restore`).post({})) as Record<string, unknown>;
    expect(restored).to.include({ "@odata.type": "#microsoft.graph.group", id: group.id, deletedDateTime: null });
    expect(await graph.api(`/groups/${group.id}`).get()).to.include({ displayName: "Temporary" });

    await graph.api(`/groups/${group.id}`).delete();
    expect(await graph.api(`/directory/deletedItems/${group.id}`).get()).to.include({ id: group.id });
    await graph.api(`/directory/deletedItems/${group.id}`).delete();
    expect(await graphFailure(graph.api(`/directory/deletedItems/${group.id}`).get())).to.deep.include({ status: 404, code: "Request_ResourceNotFound" });
    expect(await graphFailure(graph.api(`/directory/deletedItems/${group.id}/restore`).post({}))).to.deep.include({ status: 404 });
    expect(await graphFailure(graph.api(`/groups/${DISTRIBUTION}`).delete())).to.deep.include({ status: 400, code: "Request_BadRequest" });
  });

  it("enforces application permissions: read roles allow GETs only, Group.Create allows creating only", async () => {
    const reader = graphClient(sandbox, secretCredential(sandbox, READER));
    expect(((await reader.api("/groups").get()) as PageCollection).value).to.have.length.greaterThan(0);
    const denied = { status: 403, code: "Authorization_RequestDenied", message: "Insufficient privileges to complete the operation." };
    expect(await graphFailure(reader.api("/groups").post(securityGroup("Nope", "nope")))).to.deep.include(denied);
    const sales = sandbox.entra.tenant.groups.find((g) => g.mailNickname === "sales")!;
    expect(await graphFailure(reader.api(`/groups/${sales.id}`).patch({ description: "x" }))).to.deep.include(denied);
    expect(await graphFailure(reader.api(`/groups/${sales.id}`).delete())).to.deep.include(denied);

    const creator = graphClient(sandbox, secretCredential(sandbox, CREATOR));
    const created = (await creator.api("/groups").post(securityGroup("Created by Group.Create", "group-create"))) as { id: string };
    expect(await graphFailure(creator.api(`/groups/${created.id}`).patch({ description: "x" }))).to.deep.include(denied);
    expect(await graphFailure(creator.api(`/groups/${created.id}`).get())).to.deep.include(denied);

    const usersOnly = graphClient(sandbox, secretCredential(sandbox, USERS_ONLY));
    expect(await graphFailure(usersOnly.api("/groups").get())).to.deep.include(denied);
    expect(await graphFailure(usersOnly.api("/directory/deletedItems/microsoft.graph.group").get())).to.deep.include(denied);
  });
});
