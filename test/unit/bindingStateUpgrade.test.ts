import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "chai";
import { GROUP_BINDING_STATE_VERSION, upgradeBindingState } from "../../provider/groups/bindingSchema";

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
    expect(upgradeBindingState({ ...upgraded })).to.deep.equal(upgraded);
  });

  it("refuses a state from a newer release, saying what to do", () => {
    expect(() => upgradeBindingState({ ...v1.google, stateVersion: 99 })).to.throw(/newer than this package understands.*upgrade pulumi-group-export/);
  });
});
