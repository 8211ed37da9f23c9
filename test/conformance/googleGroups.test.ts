import { expect } from "chai";
import { startSandbox, type Sandbox } from "../../provider/sandbox";
import { directoryClient, NO_RETRY, outcome, headerOf } from "../support/googleClients";

/** Directory API groups and aliases, through @googleapis/admin (official client, unchanged but for rootUrl and trust). */
describe("Google sandbox conformance: groups and aliases (@googleapis/admin)", function () {
  let sandbox: Sandbox;
  let directory: ReturnType<typeof directoryClient>;

  before(async () => {
    sandbox = await startSandbox({
      google: {
        customerId: "C0123abc",
        domains: ["example.com", "example.org"],
        users: [{ primaryEmail: "carol@example.com" }],
        groups: [
          { email: "ops@example.org", name: "Ops" },
          { email: "eng@example.com", name: "Engineering team", members: ["carol@example.com"] },
        ],
      },
    });
    directory = directoryClient(sandbox);
  });
  after(async () => sandbox?.close());

  it("inserts a group: lowercased email, Google's shape, directMembersCount as a string", async () => {
    const res = await directory.groups.insert({ requestBody: { email: "Sales@Example.com", name: "Sales", description: "Sales team" } });
    expect(res.status).to.equal(200);
    expect(res.data).to.include({ kind: "admin#directory#group", email: "sales@example.com", name: "Sales", description: "Sales team", directMembersCount: "0", adminCreated: true });
    expect(res.data.id).to.be.a("string").and.not.equal("");
    expect(res.data.etag).to.match(/^".+"$/);
    expect(headerOf(res.headers, "etag")).to.equal(res.data.etag);
  });

  it("refuses a duplicate (409 duplicate), an address outside the customer's domains, a missing email", async () => {
    const dup = await outcome(directory.groups.insert({ requestBody: { email: "sales@example.com" } }, NO_RETRY));
    expect(dup).to.include({ status: 409, reason: "duplicate", message: "Entity already exists." });
    expect(dup.data).to.deep.equal({ error: { code: 409, message: "Entity already exists.", errors: [{ message: "Entity already exists.", domain: "global", reason: "duplicate" }] } });
    expect(await outcome(directory.groups.insert({ requestBody: { email: "x@elsewhere.net" } }, NO_RETRY))).to.include({ status: 400, reason: "notFound", message: "Domain not found." });
    expect(await outcome(directory.groups.insert({ requestBody: { name: "no email" } }, NO_RETRY))).to.include({ status: 400, reason: "required", message: "Missing required field: email" });
    expect(await outcome(directory.groups.insert({ requestBody: { email: "long@example.com", description: "x".repeat(4097) } }, NO_RETRY))).to.include({ status: 400, reason: "invalid" });
  });

  it("gets a group by email (any case), id or alias; 404 for a missing one, 403 outside the customer", async () => {
    const byEmail = await directory.groups.get({ groupKey: "ENG@example.com" });
    expect(byEmail.data).to.include({ email: "eng@example.com", directMembersCount: "1" });
    expect((await directory.groups.get({ groupKey: byEmail.data.id! })).data.email).to.equal("eng@example.com");
    expect(await outcome(directory.groups.get({ groupKey: "nobody@example.com" }, NO_RETRY))).to.include({ status: 404, reason: "notFound", message: "Resource Not Found: groupKey" });
    expect(await outcome(directory.groups.get({ groupKey: "team@other-company.com" }, NO_RETRY))).to.include({ status: 403, reason: "forbidden", message: "Not Authorized to access this resource/api" });
  });

  it("answers 304 to If-None-Match with the current etag, 200 once the group changed", async () => {
    const first = await directory.groups.get({ groupKey: "eng@example.com" });
    const etag = first.data.etag!;
    expect(await outcome(directory.groups.get({ groupKey: "eng@example.com" }, { headers: { "If-None-Match": etag }, ...NO_RETRY }))).to.include({ status: 304 });
    await directory.groups.patch({ groupKey: "eng@example.com", requestBody: { description: "changed" } });
    const after = await directory.groups.get({ groupKey: "eng@example.com" }, { headers: { "If-None-Match": etag } });
    expect(after.status).to.equal(200);
    expect(after.data.etag).to.not.equal(etag);
  });

  it("patches (only the given fields) and updates (PUT resets what is omitted)", async () => {
    const patched = await directory.groups.patch({ groupKey: "sales@example.com", requestBody: { name: "Sales EMEA" } });
    expect(patched.data).to.include({ name: "Sales EMEA", description: "Sales team" });
    const put = await directory.groups.update({ groupKey: "sales@example.com", requestBody: { description: "Only this" } });
    expect(put.data).to.include({ name: "sales", description: "Only this" });
    expect(await outcome(directory.groups.patch({ groupKey: "missing@example.com", requestBody: { name: "x" } }, NO_RETRY))).to.include({ status: 404, reason: "notFound" });
  });

  it("lists by customer (my_customer or the id) and by domain; refuses neither, another customer, a foreign domain", async () => {
    const all = await directory.groups.list({ customer: "my_customer", orderBy: "email" });
    expect(all.data.kind).to.equal("admin#directory#groups");
    expect(all.data.groups!.map((g) => g.email)).to.deep.equal(["eng@example.com", "ops@example.org", "sales@example.com"]);
    expect((await directory.groups.list({ customer: "C0123abc" })).data.groups).to.have.length(3);
    const org = await directory.groups.list({ domain: "example.org" });
    expect(org.data.groups!.map((g) => g.email)).to.deep.equal(["ops@example.org"]);
    expect(await outcome(directory.groups.list({}, NO_RETRY))).to.include({ status: 400, reason: "badRequest" });
    expect(await outcome(directory.groups.list({ customer: "C0other" }, NO_RETRY))).to.include({ status: 403, reason: "forbidden" });
    expect(await outcome(directory.groups.list({ domain: "other-company.com" }, NO_RETRY))).to.include({ status: 403, reason: "forbidden" });
  });

  it("lists the groups of a member (userKey), and filters with query clauses", async () => {
    const carols = await directory.groups.list({ userKey: "carol@example.com" });
    expect(carols.data.groups!.map((g) => g.email)).to.deep.equal(["eng@example.com"]);
    const none = await directory.groups.list({ userKey: "stranger@gmail.com" });
    expect(none.data.groups, "no groups field when empty").to.equal(undefined);
    expect((await directory.groups.list({ customer: "my_customer", query: "email=sales@example.com" })).data.groups!.map((g) => g.email)).to.deep.equal(["sales@example.com"]);
    expect((await directory.groups.list({ customer: "my_customer", query: "email:s*" })).data.groups!.map((g) => g.email)).to.deep.equal(["sales@example.com"]);
    expect((await directory.groups.list({ customer: "my_customer", query: "name='Engineering team'" })).data.groups!.map((g) => g.email)).to.deep.equal(["eng@example.com"]);
    expect(await outcome(directory.groups.list({ customer: "my_customer", query: "color=blue" }, NO_RETRY))).to.include({ status: 400, reason: "invalid" });
  });

  it("pages at most 200 per page with nextPageToken; maxResults over 200 is capped, below 1 a 400", async () => {
    for (let i = 0; i < 5; i++) await directory.groups.insert({ requestBody: { email: `page${i}@example.com` } });
    const seen: string[] = [];
    let pageToken: string | undefined;
    do {
      const page = await directory.groups.list({ customer: "my_customer", maxResults: 3, pageToken, orderBy: "email" });
      expect(page.data.groups!.length).to.be.at.most(3);
      seen.push(...page.data.groups!.map((g) => g.email!));
      pageToken = page.data.nextPageToken ?? undefined;
    } while (pageToken);
    expect(seen).to.have.length(8);
    expect(new Set(seen).size).to.equal(8);
    const capped = await directory.groups.list({ customer: "my_customer", maxResults: 201 });
    expect(capped.data.groups).to.have.length(8);
    const tooSmall = await outcome(directory.groups.list({ customer: "my_customer", maxResults: 0 }, NO_RETRY));
    expect(tooSmall).to.include({ status: 400, reason: "invalid", message: "Invalid value '0'. Values must be within the range: [1, 200]" });
  });

  it("manages aliases through their own endpoints; the group lists them and answers to them", async () => {
    const inserted = await directory.groups.aliases.insert({ groupKey: "sales@example.com", requestBody: { alias: "Revenue@example.com" } });
    expect(inserted.data).to.include({ kind: "admin#directory#alias", primaryEmail: "sales@example.com", alias: "revenue@example.com" });
    const list = await directory.groups.aliases.list({ groupKey: "sales@example.com" });
    expect(list.data).to.include({ kind: "admin#directory#aliases" });
    expect((list.data.aliases as { alias: string }[]).map((a) => a.alias)).to.deep.equal(["revenue@example.com"]);
    expect((await directory.groups.get({ groupKey: "revenue@example.com" })).data).to.deep.include({ email: "sales@example.com", aliases: ["revenue@example.com"] });
    expect(await outcome(directory.groups.aliases.insert({ groupKey: "eng@example.com", requestBody: { alias: "revenue@example.com" } }, NO_RETRY))).to.include({ status: 409, reason: "duplicate" });
    expect(await outcome(directory.groups.aliases.insert({ groupKey: "eng@example.com", requestBody: { alias: "eng@elsewhere.net" } }, NO_RETRY))).to.include({ status: 400 });
    expect(await outcome(directory.groups.aliases.insert({ groupKey: "eng@example.com", requestBody: {} }, NO_RETRY))).to.include({ status: 400, reason: "required" });
    // Aliases in a group body are ignored, as Google ignores them.
    await directory.groups.patch({ groupKey: "eng@example.com", requestBody: { aliases: ["sneaky@example.com"] } });
    expect((await directory.groups.get({ groupKey: "eng@example.com" })).data.aliases).to.equal(undefined);
    const removed = await directory.groups.aliases.delete({ groupKey: "sales@example.com", alias: "revenue@example.com" });
    expect(removed.status).to.equal(204);
    expect((await directory.groups.aliases.list({ groupKey: "sales@example.com" })).data.aliases).to.equal(undefined);
    expect(await outcome(directory.groups.aliases.delete({ groupKey: "sales@example.com", alias: "revenue@example.com" }, NO_RETRY))).to.include({ status: 404, reason: "notFound" });
  });

  it("renames a group: the old address becomes an alias and memberships follow", async () => {
    await directory.members.insert({ groupKey: "ops@example.org", requestBody: { email: "sales@example.com" } });
    await directory.groups.patch({ groupKey: "sales@example.com", requestBody: { email: "sales-team@example.com" } });
    const renamed = await directory.groups.get({ groupKey: "sales@example.com" });
    expect(renamed.data).to.deep.include({ email: "sales-team@example.com", aliases: ["sales@example.com"] });
    const member = (await directory.members.list({ groupKey: "ops@example.org" })).data.members![0];
    expect(member).to.include({ email: "sales-team@example.com", type: "GROUP" });
  });

  it("deletes a group (204, then 404) and removes it from the groups it was a member of", async () => {
    const res = await directory.groups.delete({ groupKey: "sales-team@example.com" });
    expect(res.status).to.equal(204);
    expect(await outcome(directory.groups.get({ groupKey: "sales-team@example.com" }, NO_RETRY))).to.include({ status: 404 });
    expect(await outcome(directory.groups.delete({ groupKey: "sales-team@example.com" }, NO_RETRY))).to.include({ status: 404, reason: "notFound" });
    expect((await directory.groups.get({ groupKey: "ops@example.org" })).data.directMembersCount).to.equal("0");
  });
});
