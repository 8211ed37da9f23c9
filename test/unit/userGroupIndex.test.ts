import { expect } from "chai";
import { decodeIndex, encodeIndex, formerResourceBase, planRenames, resourceBase, type IndexEntry } from "../../provider/groups/userGroupIndex";

const entry = (base: string, identity: Omit<IndexEntry, "base"> = {}): IndexEntry => ({ base, ...identity });

describe("the user group index: a renamed user group keeps its resources", () => {
  it("reads back what it writes, one user group a line, skipping lines that do not read", () => {
    const entries = [entry("sales", { email: "sales@example.com" }), entry("eng", { key: "k1", entra: "Engineering Team" })];
    const text = encodeIndex(entries);
    expect(text).to.equal('eng {"key":"k1","entra":"Engineering Team"}\nsales {"email":"sales@example.com"}\n');
    expect(decodeIndex(`${text}garbage\n{"x":1}\n`)).to.deep.equal([entries[1], entries[0]]);
    expect(decodeIndex(undefined)).to.deep.equal([]);
  });

  it("matches a new name to an old one by key, else email (any case), else the Entra display name given apart", () => {
    const previous = [entry("engineering", { email: "eng@example.com" }), entry("ops", { entra: "Operations" }), entry("sales", { key: "jc:1" })];
    const current = [entry("product-engineering", { email: "ENG@example.com" }), entry("platform-ops", { entra: "Operations" }), entry("selling", { key: "JC:1", email: "new@example.com" })];
    expect(Object.fromEntries(planRenames(current, previous))).to.deep.equal({ "product-engineering": "engineering", "platform-ops": "ops", selling: "sales" });
  });

  it("an Entra mail nickname (any case) identifies a user group that has nothing stronger", () => {
    const previous = [entry("infra", { nickname: "infra" }), entry("ops", { nickname: "ops", email: "ops@example.com" })];
    const current = [entry("infrastructure", { nickname: "INFRA" }), entry("operations", { nickname: "infra-ops", email: "ops@example.com" })];
    expect(Object.fromEntries(planRenames(current, previous))).to.deep.equal({ infrastructure: "infra", operations: "ops" });
  });

  it("never renames what kept its name, never to a name still in use, and only unique matches", () => {
    const previous = [entry("a", { email: "x@example.com" }), entry("b", { email: "y@example.com" }), entry("c", { entra: "Same" }), entry("d", { entra: "Same" })];
    // `a` keeps its name; `b` left, but its email is now `new1`'s and `new2`'s (ambiguous); two old groups share the Entra name.
    const current = [entry("a", { email: "x@example.com" }), entry("new1", { email: "y@example.com" }), entry("new2", { email: "y@example.com" }), entry("e", { entra: "Same" })];
    expect(planRenames(current, previous).size).to.equal(0);
    // A user group without any identity (exported to Entra by its name only) cannot be told from a new one.
    expect(planRenames([entry("z")], [entry("y")]).size).to.equal(0);
  });

  it("a stronger identity decides first: the key wins over an email that points elsewhere", () => {
    const previous = [entry("old-a", { key: "A", email: "b@example.com" }), entry("old-b", { key: "B" })];
    const current = [entry("new-a", { key: "A" }), entry("new-b", { key: "B", email: "b@example.com" })];
    expect(Object.fromEntries(planRenames(current, previous))).to.deep.equal({ "new-a": "old-a", "new-b": "old-b" });
  });

  it("names in any script make distinct resource bases; accents are dropped from their letters", () => {
    expect(resourceBase("Eng Team")).to.equal("eng-team");
    expect(resourceBase("Équipe Ünïcode")).to.equal("equipe-unicode");
    const sales = resourceBase("営業");
    const dev = resourceBase("開発");
    expect(sales).to.match(/^group-[0-9a-f]{8}$/);
    expect(dev).to.match(/^group-[0-9a-f]{8}$/);
    expect(sales).to.not.equal(dev);
    // Case does not make another resource: the export refuses such pairs instead.
    expect(resourceBase("Отдел продаж")).to.equal(resourceBase("ОТДЕЛ ПРОДАЖ"));
    expect(resourceBase("Straße")).to.match(/^stra-e-[0-9a-f]{8}$/);
    expect(formerResourceBase("Équipe")).to.equal("quipe");
    expect(formerResourceBase("営業")).to.equal("group");
  });

  it("a name whose base changed since 0.1.0 keeps its resources by the former base, even with no other identity", () => {
    const previous = [entry("quipe"), entry("group")];
    const current = [entry("equipe", { formerBase: "quipe" }), entry(resourceBase("営業"), { formerBase: "group" })];
    expect(Object.fromEntries(planRenames(current, previous))).to.deep.equal({ equipe: "quipe", [resourceBase("営業")]: "group" });
    // Never onto a base still in use, nor when two names claim one former base.
    expect(planRenames([entry("group"), entry("group-1a2b3c4d", { formerBase: "group" })], [entry("group")]).size).to.equal(0);
    expect(planRenames([entry("a-1", { formerBase: "group" }), entry("b-2", { formerBase: "group" })], [entry("group")]).size).to.equal(0);
  });
});
