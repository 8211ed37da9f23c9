import { expect } from "chai";
import type { ObservedMember } from "../../provider/groups/memberDirectory";
import { planMembership } from "../../provider/groups/membershipPlan";
import { NestingGraph } from "../../provider/groups/nesting";
import { checkRolesAndNesting, refreshGoogleRoles, RoleClaims, rolesKeptAbove } from "../../provider/groups/ownersAndNesting";
import { CALLER_KEPT, planOwners } from "../../provider/groups/ownersPlan";
import { inBothRoles, planRoles } from "../../provider/groups/rolePlan";
import type { CheckFailure } from "../../provider/contract/checkInputs";

const member = (id: string, label: string, role: ObservedMember["role"] = "MEMBER", kind: ObservedMember["kind"] = "user"): ObservedMember => ({ id, label, kind, role });

describe("Google roles, planned in place", () => {
  const observed = [member("1", "a@x.com", "OWNER"), member("2", "b@x.com"), member("3", "c@x.com", "MANAGER"), member("4", "d@x.com", "OWNER")];

  it("promotes and demotes only the roles whose list is declared", () => {
    const changes = planRoles({
      desiredRoles: new Map([["1", "MEMBER"], ["2", "OWNER"], ["3", "MEMBER"]]),
      observed,
      ownersDeclared: true,
      managersDeclared: false,
      removedIds: new Set(["4"]),
    });
    // a demoted, b promoted; c keeps MANAGER (managers not declared); d is being removed.
    expect(changes.map((c) => [c.member.label, c.from, c.to])).to.deep.equal([
      ["a@x.com", "OWNER", "MEMBER"],
      ["b@x.com", "MEMBER", "OWNER"],
    ]);
  });

  it("without owners declared, never demotes an OWNER (not even to a declared MANAGER)", () => {
    const changes = planRoles({ desiredRoles: new Map([["1", "MANAGER"], ["3", "MEMBER"]]), observed, ownersDeclared: false, managersDeclared: true, removedIds: new Set() });
    expect(changes.map((c) => [c.member.label, c.to])).to.deep.equal([["c@x.com", "MEMBER"]]);
  });

  it("an undeclared OWNER is an ordinary member once owners are declared (removed in authoritative mode), kept otherwise", () => {
    const base = { desired: new Map([["b@x.com", "2"]]), observed, managed: new Set<string>(), mode: "authoritative" as const, nonUserMembers: "keep" as const };
    expect(planMembership(base).kept.map((k) => k.member.label)).to.deep.equal(["a@x.com", "c@x.com", "d@x.com"]);
    const declared = planMembership({ ...base, managedRoles: { OWNER: true } });
    expect(declared.remove.map((m) => m.label)).to.deep.equal(["a@x.com", "d@x.com"]);
    expect(declared.kept.map((k) => k.member.label)).to.deep.equal(["c@x.com"]);
  });

  it("a listed manager who is an OWNER, owners not declared, keeps OWNER: said as kept at preview, and holds managers at refresh (no diff at every preview)", () => {
    const desiredRoles = new Map<string, ObservedMember["role"]>([["1", "MANAGER"], ["2", "MEMBER"]]);
    expect(planRoles({ desiredRoles, observed, ownersDeclared: false, managersDeclared: true, removedIds: new Set() }).map((c) => c.member.label)).to.deep.equal(["c@x.com"]);
    const fields = { target: { service: "google" as const, groupId: "g", label: "g@x.com", directoryKey: "google:x" }, managers: { "a@x.com": "manager" as const } };
    expect(rolesKeptAbove(desiredRoles, observed, fields)).to.deep.equal({ "a@x.com": "OWNER: kept (listed in managers; owners are not declared, so an OWNER is never demoted: declare owners to manage that role)" });
    // With owners declared the OWNER is managed: demoted, not kept.
    expect(rolesKeptAbove(desiredRoles, observed, { ...fields, owners: {} })).to.deep.equal({});
    const state = { ...fields, userIds: { "a@x.com": "1", "b@x.com": "2" } } as unknown as Parameters<typeof refreshGoogleRoles>[0];
    expect(refreshGoogleRoles(state, observed)).to.deep.equal({ managers: { "a@x.com": "manager", "c@x.com": "manager" } });
  });

  it("finds addresses listed as owner and manager", () => {
    expect(inBothRoles(["a@x.com", "b@x.com"], ["b@x.com", "c@x.com", "b@x.com"])).to.deep.equal(["b@x.com"]);
  });
});

describe("Entra owners, planned exactly", () => {
  const app = member("sp", "servicePrincipal:group-export (sp)", "MEMBER", "servicePrincipal");

  it("adds the missing, removes the undeclared, and leaves the calling application alone", () => {
    const plan = planOwners({ desired: new Map([["a@x.com", "1"], ["c@x.com", "3"]]), observed: [member("1", "a@x.com"), member("2", "b@x.com"), app], callerId: "sp" });
    expect(plan.add).to.deep.equal(["c@x.com"]);
    expect(plan.remove.map((m) => m.label)).to.deep.equal(["b@x.com"]);
    expect(plan.kept).to.deep.equal([{ member: app, why: CALLER_KEPT }]);
    expect(plan.lastOwnerProblem).to.equal(undefined);
  });

  it("manages the calling application like any owner once it is declared; an unknown caller is no exception", () => {
    const declared = planOwners({ desired: new Map([["a@x.com", "1"], ["group-export", "sp"]]), observed: [app], callerId: "sp" });
    expect([...declared.present]).to.deep.equal([["group-export", "sp"]]);
    expect(declared.kept).to.deep.equal([]);
    const unknownCaller = planOwners({ desired: new Map([["a@x.com", "1"]]), observed: [app], callerId: undefined });
    expect(unknownCaller.remove).to.deep.equal([app]);
    expect(unknownCaller.add).to.deep.equal(["a@x.com"]);
  });

  it("refuses a plan that leaves the group without any owner", () => {
    const plan = planOwners({ desired: new Map(), observed: [member("2", "b@x.com")], callerId: "sp" });
    expect(plan.lastOwnerProblem).to.match(/would remove every owner \(b@x\.com\)/);
  });
});

describe("nested groups: the program's graph and its cycles", () => {
  let run = { nesting: new NestingGraph(), roles: new RoleClaims() };
  beforeEach(() => {
    run = { nesting: new NestingGraph(), roles: new RoleClaims() };
  });
  const declareNesting = (...args: Parameters<NestingGraph["declare"]>) => run.nesting.declare(...args);
  const g = (label: string) => ({ key: `d:${label}`, label });

  it("finds a cycle through several bindings and names them, whatever the order they are checked in", () => {
    expect(declareNesting("a-members", g("a"), [g("b")])).to.equal(undefined);
    expect(declareNesting("b-members", g("b"), [g("c")])).to.equal(undefined);
    const cycle = declareNesting("c-members", g("c"), [g("a")]);
    expect(cycle).to.match(/the nesting c -> a -> b -> c is a cycle \(declared by GroupBinding c-members, a-members, b-members\)/);
  });

  it("a binding's new declaration replaces its old one (no stale edge closes a cycle)", () => {
    declareNesting("a-members", g("a"), [g("b")]);
    declareNesting("a-members", g("a"), []);
    expect(declareNesting("b-members", g("b"), [g("a")])).to.equal(undefined);
  });

  it("lets only one binding of a group declare its owners and managers", () => {
    const target = { directoryKey: "google:y.com", service: "google" as const, groupId: "g1", label: "shared@y.com" };
    const first: CheckFailure[] = [];
    checkRolesAndNesting({ owners: ["a@y.com"] }, target, "first-binding", first, run);
    checkRolesAndNesting({ owners: ["a@y.com"] }, target, "first-binding", first, run);
    expect(first, "the same binding checked again").to.deep.equal([]);
    const second: CheckFailure[] = [];
    checkRolesAndNesting({ managers: ["b@y.com"] }, target, "second-binding", second, run);
    expect(second).to.deep.equal([{ property: "managers", reason: "the owners and managers of shared@y.com are also declared by GroupBinding first-binding: declare them on one binding of the group" }]);
  });

  it("checks memberGroups: one directory, not the group itself, no managers on Entra, one role per member", () => {
    const failures: CheckFailure[] = [];
    const target = { directoryKey: "entra:t", service: "entra" as const, groupId: "g0", label: "Ops" };
    checkRolesAndNesting(
      {
        owners: ["Bob@x.com", "bob@x.com"],
        managers: ["carol@x.com"],
        memberGroups: [
          { directoryKey: "google:x.com", service: "google", groupId: "1", label: "team@x.com" },
          { directoryKey: "entra:t", service: "entra", groupId: "g0", label: "Ops" },
        ],
      },
      target,
      "ops-members",
      failures,
      run,
    );
    const text = failures.map((f) => `${f.property}: ${f.reason}`).join("\n");
    expect(text).to.include('owners: lists "Bob@x.com" and "bob@x.com"');
    expect(text).to.include("managers: is for Google groups only");
    expect(text).to.include("memberGroups: memberGroups.0 (team@x.com) is in directory google:x.com");
    expect(text).to.include("memberGroups: memberGroups.1 is Ops, the binding's own group");
  });
});
