import { expect } from "chai";
import { decodeIndex, encodeIndex, formerResourceBase, planMoves, planRenames, resourceBase, type IndexEntry } from "../../provider/groups/userGroupIndex";

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

  describe("a directory's side moved to another user group (a split or a merge) keeps its resources", () => {
    const both = ["google", "entra"] as ("google" | "entra")[];
    const previous = [
      entry("platform", { name: "Platform", email: "platform@example.com", to: both }),
      entry("ops", { name: "Ops", entra: "Operations", to: both }),
      entry("infra", { name: "Infra", nickname: "infra", to: ["entra"] }),
    ];
    const moves = (current: IndexEntry[], before = previous) => Object.fromEntries(planMoves(current, before, planRenames(current, before)));

    it("split: the Entra side found by its display name (the old name, or the one given apart), any case", () => {
      const current = [
        entry("platform", { name: "Platform", email: "platform@example.com", to: ["google"] }),
        entry("platform-entra", { name: "Platform (Entra)", entra: "PLATFORM", to: ["entra"] }),
        entry("ops", { name: "Ops", email: "ops@example.com", to: ["google"] }),
        entry("ops-2", { name: "Ops 2", entra: "Operations", to: ["entra"] }),
        entry("infra", { name: "Infra", nickname: "infra", to: ["entra"] }),
      ];
      expect(moves(current)).to.deep.equal({ "platform-entra:entra": "platform", "ops-2:entra": "ops" });
    });

    it("split the other way and merged back: the Google side by its address; the Entra side by its mail nickname before its display name", () => {
      const split = [entry("platform", { name: "Platform", to: ["entra"] }), entry("platform-google", { name: "Platform (Google)", email: "PLATFORM@example.com", to: ["google"] })];
      expect(moves(split, previous.slice(0, 1))).to.deep.equal({ "platform-google:google": "platform" });
      const merged = [entry("platform", { name: "Platform", email: "platform@example.com", to: both })];
      expect(moves(merged, split)).to.deep.equal({ "platform:google": "platform-google" });
      // A nickname decides before display names: the nickname's group, although another has the display name.
      const before = [entry("a", { name: "A", nickname: "team", to: ["entra"] }), entry("b", { name: "Team", to: ["entra"] }), entry("c", { name: "C", to: ["google"], email: "c@example.com" })];
      expect(moves([entry("c", { name: "C", email: "c@example.com", nickname: "TEAM", entra: "Team", to: both })], before)).to.deep.equal({ "c:entra": "a" });
    });

    it("never from a side still held, never to a side that was there, never ambiguous, never from an index that did not record directories", () => {
      // Platform still exports to Entra: nothing to take.
      expect(moves([...previous, entry("platform-entra", { name: "Platform (Entra)", entra: "Platform", to: ["entra"] })])).to.deep.equal({});
      // Two new sides claim one old one: neither moves.
      const two = [entry("platform", { name: "Platform", email: "platform@example.com", to: ["google"] }), entry("x", { name: "X", entra: "Platform", to: ["entra"] }), entry("y", { name: "Y", entra: "platform", to: ["entra"] }), ...previous.slice(1)];
      expect(moves(two)).to.deep.equal({});
      // A rename is not a move: the renamed user group keeps its sides under its old base.
      expect(moves([entry("platform-team", { name: "Platform Team", email: "platform@example.com", to: both }), ...previous.slice(1)])).to.deep.equal({});
      // An index written before directories were recorded: no move.
      const legacy = previous.map(({ to: _to, ...e }) => e);
      expect(moves([entry("platform", { name: "Platform", email: "platform@example.com", to: ["google"] }), entry("p2", { name: "P2", entra: "Platform", to: ["entra"] })], legacy)).to.deep.equal({});
    });
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
