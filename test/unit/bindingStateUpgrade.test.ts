import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "chai";
import { randomUUID } from "node:crypto";
import { GROUP_BINDING_STATE_VERSION, toStoredBindingState, upgradeBindingState } from "../../provider/groups/bindingSchema";
import { decodeMemberTable, encodeMemberTable } from "../../provider/groups/memberTable";

/** Saved state documents of release 0.1.0 (state version 1), as its GroupBinding wrote them. */
const v1 = JSON.parse(readFileSync(join(__dirname, "../fixtures/state/groupBinding-v1.json"), "utf8")) as Record<string, Record<string, unknown>>;

describe("GroupBinding state upgrade", () => {
  it("upgrades a version-1 Google state: addresses stored as ids are dropped, to be matched once by address", () => {
    const state = upgradeBindingState(v1.google);
    expect(state.stateVersion).to.equal(GROUP_BINDING_STATE_VERSION);
    expect(state.userIds).to.deep.equal({});
    expect(state.managedMembers).to.deep.equal(v1.google.managedMembers);
    expect(state.members).to.deep.equal(v1.google.members);
    expect(state.nonUserMembers).to.equal("keep");
    expect(state.memberCount).to.equal(2);
  });

  it("upgrades a version-1 Entra state: object ids become the users' identities", () => {
    const state = upgradeBindingState(v1.entra);
    expect(state.userIds).to.deep.equal({ "alice@example.com": "0a1b2c3d-0000-4000-8000-000000000001" });
    expect(state.kept).to.deep.equal({});
  });

  it("reads a state written before versions were stored, and a current one unchanged", () => {
    const upgraded = upgradeBindingState(v1.additiveWithoutVersion);
    expect(upgraded.pending).to.equal(true);
    expect(upgradeBindingState(toStoredBindingState(upgraded))).to.deep.equal(upgraded);
  });

  it("refuses a state from a newer release, saying what to do", () => {
    expect(() => upgradeBindingState({ ...v1.google, stateVersion: 99 })).to.throw(/newer than this package understands.*upgrade pulumi-group-export/);
  });
});

/** Saved state documents of state version 2 (the member maps stored unpacked), as GroupBinding wrote them before version 3. */
const v2 = JSON.parse(readFileSync(join(__dirname, "../fixtures/state/groupBinding-v2-maps.json"), "utf8")) as Record<string, Record<string, unknown>>;

describe("GroupBinding state version 3 (member table)", () => {
  for (const name of ["google", "entraSecret"]) {
    it(`upgrades a version-2 state (${name}) without losing a member, an id or a managed mark, and stores it as version 3`, () => {
      const state = upgradeBindingState(v2[name]);
      expect(state.stateVersion).to.equal(3);
      const { stateVersion: _v2, ...withoutVersion } = v2[name];
      const { stateVersion: _v3, ...upgraded } = state;
      expect(upgraded).to.deep.equal(withoutVersion);
      const stored = toStoredBindingState(state);
      expect(stored).to.not.have.any.keys("members", "userIds", "otherMemberIds", "managedMembers");
      expect(stored.memberTable).to.be.a("string");
      expect(upgradeBindingState({ ...stored, __provider: "ignored" })).to.deep.equal(state);
    });
  }

  it("keeps a version-1 managed address that is not an id (it differs from the user id)", () => {
    const state = upgradeBindingState(v2.google);
    expect(upgradeBindingState(toStoredBindingState(state)).managedMembers).to.deep.equal({ "alice@example.com": "104829375610293847561", "carol@example.com": "carol@example.com" });
  });

  it("stores a 7,000-member Entra binding in under 30 bytes per member of outputs (the inputs hold the addresses once more)", () => {
    const ids = Array.from({ length: 7000 }, () => randomUUID());
    const keys = ids.map((_, i) => `user${String(i).padStart(5, "0")}@example.com`);
    const state = upgradeBindingState(v2.entraSecret);
    state.members = Object.fromEntries(keys.map((k) => [k, "member" as const]));
    state.userIds = Object.fromEntries(keys.map((k, i) => [k, ids[i]]));
    state.managedMembers = { ...state.userIds };
    const bytes = JSON.stringify(toStoredBindingState(state)).length;
    expect(bytes / 7000).to.be.below(30);
    expect(upgradeBindingState(toStoredBindingState(state))).to.deep.equal(state);
  });

  it("refuses a table in an unknown format, naming the field", () => {
    const stored = toStoredBindingState(upgradeBindingState(v2.google));
    expect(() => upgradeBindingState({ ...stored, memberTable: "x9:abc" })).to.throw(/member table: unknown format/);
  });

  it("reads a table whose keys contain no tab or newline, and refuses one that would", () => {
    const state = upgradeBindingState(v2.google);
    expect(() => encodeMemberTable({ ...state, members: { "a\tb@example.com": "member" } })).to.throw(/tab or newline/);
    expect(decodeMemberTable(encodeMemberTable({ members: {}, userIds: {}, otherMemberIds: {}, managedMembers: {} }))).to.deep.equal({ members: {}, userIds: {}, otherMemberIds: {}, managedMembers: {} });
  });
});
