import { expect } from "chai";
import { decideAdoption, diffGroup, groupFieldChanges, observedState, planGroupCreate } from "../../provider/google/plan";
import { effectiveDeletionPolicy } from "../../provider/groups/lifecycle";
import type { GoogleDistributionGroupState } from "../../provider/google/schema";

const management = { directoryKey: "google:my_customer", service: "google" as const, enabled: true, domains: ["example.com"] };
const desired = { management, email: "team@example.com", name: "Team", description: "The team" };
const state: GoogleDistributionGroupState = { stateVersion: 1, ...desired, groupId: "g1", origin: "created" };

describe("Google group reconciliation", () => {
  it("inserts when no group has the email, adopts (with only the differing fields) when one does", () => {
    expect(planGroupCreate(desired, undefined)).to.deep.equal({ action: "insert" });
    expect(planGroupCreate(desired, { id: "g9", email: desired.email, name: "Old", description: "The team" })).to.deep.equal({
      action: "adopt",
      groupId: "g9",
      patch: { name: "Team" },
    });
  });

  it("updates in place; an address of another group replaces the resource; an alias of the same group is no move", () => {
    expect(diffGroup(state, { ...desired, email: "other@example.com" })).to.deep.equal({ changes: true, replaces: ["email"] });
    const declaredByPrimary = { ...state, email: "eng@example.com", primaryEmail: "eng@example.com", aliases: ["team@example.com"] };
    expect(diffGroup(declaredByPrimary, desired)).to.deep.equal({ changes: true, replaces: [] });
    expect(diffGroup(state, { ...desired, description: "new" })).to.deep.equal({ changes: true, replaces: [] });
    expect(diffGroup(state, desired)).to.deep.equal({ changes: false, replaces: [] });
    expect(diffGroup(state, { ...desired, deletionPolicy: "release" })).to.deep.equal({ changes: true, replaces: [] });
  });

  it("while management is disabled records only the switch; a pending group is made once enabled", () => {
    const disabled = { ...desired, management: { ...management, enabled: false }, description: "changed" };
    expect(diffGroup(state, disabled)).to.deep.equal({ changes: true, replaces: [] });
    expect(diffGroup({ ...state, management: disabled.management }, disabled)).to.deep.equal({ changes: false, replaces: [] });
    expect(diffGroup({ ...state, origin: "pending" }, desired)).to.deep.equal({ changes: true, replaces: ["management"] });
  });

  it("deletes what it created and releases what it adopted unless overridden", () => {
    expect(effectiveDeletionPolicy("created", undefined)).to.equal("delete");
    expect(effectiveDeletionPolicy("adopted", undefined)).to.equal("release");
    expect(effectiveDeletionPolicy("adopted", "delete")).to.equal("delete");
    expect(effectiveDeletionPolicy("created", "release")).to.equal("release");
  });

  it("patches only fields that drifted and refreshes state from what the directory shows", () => {
    expect(groupFieldChanges(desired, { name: "Team", description: "edited" })).to.deep.equal({ description: "The team" });
    const refreshed = observedState(state, { id: "g1", email: "team@example.com", name: "Team", description: "edited" });
    expect(refreshed).to.include({ description: "edited", origin: "created", groupId: "g1" });
  });

  it("adopts a group found by its alias, refuses takeover on request, and checks a pinned id's addresses", () => {
    const found = { id: "g7", email: "eng@example.com", name: "Eng", description: "", aliases: ["team@example.com"] };
    expect(decideAdoption({ email: "team@example.com" }, found)).to.deep.equal({ adoption: "adopt existing group g7 (team@example.com is its alias; primary address eng@example.com)" });
    expect(decideAdoption({ email: "team@example.com" }, undefined)).to.deep.equal({ adoption: "create" });
    const refused = decideAdoption({ email: "team@example.com", onExisting: "fail" }, found);
    expect(refused).to.have.property("fail").that.includes('onExisting is "fail"');
    expect(decideAdoption({ email: "team@example.com", adoptId: "g7" }, found)).to.deep.equal({ adoption: "adopt existing group g7 (adoptId)" });
    expect(decideAdoption({ email: "other@example.com", adoptId: "g7" }, found)).to.have.property("fail").that.includes("is not an address of group g7");
    expect(decideAdoption({ email: "team@example.com", adoptId: "nope" }, undefined)).to.include({ property: "adoptId" });
  });

  it("refresh keeps a declared alias as email (no perpetual diff) and shows the primary when the alias is gone", () => {
    const byAlias = { ...state, email: "team@example.com", primaryEmail: "eng@example.com", aliases: ["team@example.com"] };
    expect(observedState(byAlias, { id: "g1", email: "eng@example.com", name: "Team", description: "The team", aliases: ["team@example.com"] }).email).to.equal("team@example.com");
    expect(observedState(byAlias, { id: "g1", email: "eng@example.com", name: "Team", description: "The team", aliases: [] }).email).to.equal("eng@example.com");
  });
});
