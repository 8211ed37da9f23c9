import { expect } from "chai";
import { startSandbox, type Sandbox } from "../../provider/sandbox";
import { directoryClient, NO_RETRY, outcome } from "../support/googleClients";

/**
 * Group aliases (Directory API `groups.aliases`) through @googleapis/admin: what a
 * GoogleDistributionGroup with declared `aliases` relies on (insert, delete, the group's
 * `aliases` and `nonEditableAliases`, conflicts with other addresses, foreign domains, lag).
 */
describe("Google sandbox conformance: group aliases (@googleapis/admin)", function () {
  let sandbox: Sandbox;
  let directory: ReturnType<typeof directoryClient>;

  before(async () => {
    sandbox = await startSandbox({
      google: {
        domains: ["example.com", "example.org"],
        users: [{ primaryEmail: "alice@example.com", aliases: ["ali@example.com"] }],
        groups: [
          { email: "lists@example.com", name: "Lists", nonEditableAliases: ["lists@example.com.test-google-a.com"] },
          { email: "other@example.com", name: "Other", aliases: ["other-alias@example.com"] },
        ],
      },
    });
    directory = directoryClient(sandbox);
  });
  after(async () => sandbox?.close());

  it("inserts aliases (lowercased, in any of the customer's domains); the group lists them apart from its non-editable ones", async () => {
    const a1 = await directory.groups.aliases.insert({ groupKey: "lists@example.com", requestBody: { alias: "A1@example.com" } });
    expect(a1.data).to.include({ kind: "admin#directory#alias", alias: "a1@example.com", primaryEmail: "lists@example.com" });
    await directory.groups.aliases.insert({ groupKey: "lists@example.com", requestBody: { alias: "a2@example.org" } });
    const group = (await directory.groups.get({ groupKey: "a2@example.org" })).data;
    expect(group).to.deep.include({ email: "lists@example.com", aliases: ["a1@example.com", "a2@example.org"], nonEditableAliases: ["lists@example.com.test-google-a.com"] });
    const listed = (await directory.groups.aliases.list({ groupKey: "lists@example.com" })).data.aliases as { alias: string }[];
    expect(listed.map((a) => a.alias)).to.deep.equal(["a1@example.com", "a2@example.org"]);
  });

  it("refuses an address another group or a user already has (409 duplicate), including the group's own", async () => {
    for (const alias of ["other@example.com", "other-alias@example.com", "alice@example.com", "ali@example.com", "lists@example.com"]) {
      expect(await outcome(directory.groups.aliases.insert({ groupKey: "lists@example.com", requestBody: { alias } }, NO_RETRY)), alias).to.include({ status: 409, reason: "duplicate", message: "Entity already exists." });
    }
  });

  it("refuses an alias in a domain the customer does not have (400 \"Domain not found.\")", async () => {
    expect(await outcome(directory.groups.aliases.insert({ groupKey: "lists@example.com", requestBody: { alias: "lists@elsewhere.net" } }, NO_RETRY))).to.include({ status: 400, message: "Domain not found." });
  });

  it("deletes an alias by address (204); a second delete is 404 notFound; the group no longer answers to it", async () => {
    const removed = await directory.groups.aliases.delete({ groupKey: "lists@example.com", alias: "a1@example.com" });
    expect(removed.status).to.equal(204);
    expect(await outcome(directory.groups.aliases.delete({ groupKey: "lists@example.com", alias: "a1@example.com" }, NO_RETRY))).to.include({ status: 404, reason: "notFound" });
    expect(await outcome(directory.groups.get({ groupKey: "a1@example.com" }, NO_RETRY))).to.include({ status: 404 });
  });

  it("answers 404 for aliases of a group still propagating after its insert", async () => {
    sandbox.google.setPropagationDelay(1000);
    try {
      const made = await directory.groups.insert({ requestBody: { email: "fresh@example.com", name: "Fresh" } });
      expect(await outcome(directory.groups.aliases.insert({ groupKey: made.data.id!, requestBody: { alias: "fresh-alias@example.com" } }, NO_RETRY))).to.include({ status: 404, reason: "notFound" });
      await new Promise((r) => setTimeout(r, 1100));
      expect((await directory.groups.aliases.insert({ groupKey: made.data.id!, requestBody: { alias: "fresh-alias@example.com" } })).data.alias).to.equal("fresh-alias@example.com");
    } finally {
      sandbox.google.setPropagationDelay(0);
    }
  });
});
