import * as pulumi from "@pulumi/pulumi";
import { expect } from "chai";
import type { CheckFailure } from "../../provider/contract/checkInputs";
import type { ObservedMember } from "../../provider/groups/memberDirectory";
import { NestingGraph, nestingKey } from "../../provider/groups/nesting";
import { checkRolesAndNesting, desiredRolesById, RoleClaims } from "../../provider/groups/ownersAndNesting";
import { planOwners } from "../../provider/groups/ownersPlan";
import { planRoles } from "../../provider/groups/rolePlan";
import { DirectoryGroupManagement, GoogleDistributionGroup, GroupBinding, UserGroupExport } from "../../sdk";

/** The pure parts of owners, nesting and the sources at their edges (the CLI side: test/e2e/ownersNestingAndSandboxPackages.test.ts). */

pulumi.runtime.setMocks({
  newResource: (args) => ({ id: `${args.name}-id`, state: args.inputs }),
  call: (args) => args.inputs,
});

const member = (id: string, label: string, role: ObservedMember["role"] = "MEMBER", kind: ObservedMember["kind"] = "user"): ObservedMember => ({ id, label, kind, role });

describe("owners and nested groups at their edges: pure plans", () => {
  // One program run's graph and role claims (the provider keeps them in its context).
  let run = { nesting: new NestingGraph(), roles: new RoleClaims() };
  beforeEach(() => (run = { nesting: new NestingGraph(), roles: new RoleClaims() }));
  const declareNesting = (...args: Parameters<NestingGraph["declare"]>) => run.nesting.declare(...args);

  it("an owner given by alias and the same user in users resolve to one id: the OWNER role wins whatever the key order", () => {
    const inputs = { owners: { "bob.old@x.com": "owner" as const } };
    for (const order of [["bob.old@x.com", "bob@x.com"], ["bob@x.com", "bob.old@x.com"]]) {
      const desired = new Map(order.map((k) => [k, "1"]));
      expect(desiredRolesById(desired, inputs).get("1"), order.join(",")).to.equal("OWNER");
    }
  });

  it("a Google OWNER made MANAGER by hand, with owners declared and managers not: nothing to do (the MANAGER role is not managed)", () => {
    const changes = planRoles({ desiredRoles: new Map([["1", "MEMBER"]]), observed: [member("1", "bob@x.com", "MANAGER")], ownersDeclared: true, managersDeclared: false, removedIds: new Set() });
    expect(changes).to.deep.equal([]);
  });

  it("a MANAGER made by hand whom owners lists is promoted to OWNER even without managers declared (else a diff at every preview)", () => {
    const changes = planRoles({ desiredRoles: new Map([["1", "OWNER"]]), observed: [member("1", "bob@x.com", "MANAGER")], ownersDeclared: true, managersDeclared: false, removedIds: new Set() });
    expect(changes.map((c) => [c.from, c.to])).to.deep.equal([["MANAGER", "OWNER"]]);
    const notDemoted = planRoles({ desiredRoles: new Map([["1", "MANAGER"]]), observed: [member("1", "bob@x.com", "OWNER")], ownersDeclared: false, managersDeclared: true, removedIds: new Set() });
    expect(notDemoted, "an undeclared OWNER is still never demoted").to.deep.equal([]);
  });

  it("an Entra owner that is a service principal given in capitals is accepted and matches the observed owner (no add, no remove)", () => {
    const failures: CheckFailure[] = [];
    const sp = "0F1E2D3C-4B5A-4978-8A9B-AABBCCDDEEFF";
    const out = checkRolesAndNesting({ owners: [sp] }, { service: "entra", label: "Eng", directoryKey: "entra:t", groupId: "g" } as never, "b", failures, run);
    expect(failures).to.deep.equal([]);
    const key = Object.keys((out as { owners: Record<string, string> }).owners)[0]!;
    const plan = planOwners({ desired: new Map([[key, key]]), observed: [member(sp.toLowerCase(), "servicePrincipal:deploy-bot", "MEMBER", "servicePrincipal")], callerId: undefined });
    expect(plan.add).to.deep.equal([]);
    expect(plan.remove).to.deep.equal([]);
  });

  it("a cycle of three is found whichever binding closes it, and a self-nesting group is refused", () => {
    const k = (l: string) => ({ key: nestingKey("google:c", l), label: l });
    expect(declareNesting("ab", k("a@x.com"), [k("b@x.com")])).to.equal(undefined);
    expect(declareNesting("bc", k("b@x.com"), [k("c@x.com")])).to.equal(undefined);
    const cycle = declareNesting("ca", k("c@x.com"), [k("A@X.com")]);
    expect(cycle).to.match(/cycle \(declared by GroupBinding ca, ab, bc\)/);
    const failures: CheckFailure[] = [];
    const target = { service: "google", label: "Eng@x.com", directoryKey: "google:c", groupId: "g1" };
    checkRolesAndNesting({ memberGroups: [{ ...target, label: "eng@x.com" }] }, target as never, "self", failures, run);
    expect(failures.map((f) => f.reason).join()).to.include("the binding's own group");
  });
});

describe("UserGroupExport: names at their edges", () => {
  it("two user groups whose names make one resource name are refused naming both, not a bare duplicate URN", () => {
    expect(
      () =>
        new UserGroupExport("dup", {
          entra: { tenantId: "11111111-2222-4333-8444-555555555555" },
          userGroups: [
            { name: "Eng Team", users: ["a@example.com"] },
            { name: "eng-team", users: ["b@example.com"] },
          ],
        }),
    ).to.throw('UserGroupExport dup: user groups "Eng Team" and "eng-team" have names that differ only in case, accents or punctuation');
  });
});

describe("GroupBinding: a missing group in memberGroups", () => {
  it("an undefined entry (a mistyped name looked up in a map) fails naming the binding and the index, not with a TypeError", () => {
    const management = new DirectoryGroupManagement("m", { google: { domains: ["example.com"] } });
    const target = new GoogleDistributionGroup("g", { management, email: "eng@example.com", name: "Eng" });
    const groups: Record<string, InstanceType<typeof GoogleDistributionGroup>> = { platform: target };
    expect(() => new GroupBinding("b", { target, userGroup: { name: "Eng", users: ["a@example.com"] }, memberGroups: [groups["platfrom"]!] })).to.throw(
      "GroupBinding b: memberGroups[0] is undefined, not a GoogleDistributionGroup, an EntraSecurityGroup or { google | entra, management }",
    );
  });
});
