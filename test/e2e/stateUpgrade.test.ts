import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { decodeBindingTarget, decodeManagementRef } from "../../provider/resources/referenceText";
import { startSandbox, type Sandbox } from "../../provider/sandbox";
import { decodeMemberTable } from "../../provider/groups/memberTable";
import { E2eStack } from "../support/e2eProgram";
import { entraMembers, googleMembers, writeRequests } from "../support/sandboxViews";

/**
 * Issue 7, item 7: a stack whose bindings were written by release 0.1.0 (state version 1)
 * keeps working: it is upgraded on read, refresh + preview are clean, and nobody is changed.
 * The version-1 documents are made from today's by the exact inverse of the upgrade, field
 * by field as 0.1.0 wrote them (test/fixtures/state/groupBinding-v1.json is one, for review).
 */

interface StateResource {
  urn: string;
  inputs: Record<string, unknown>;
  outputs: Record<string, unknown>;
}

/** Rewrites a binding's state and inputs into what release 0.1.0 stored. */
function asVersion1(resource: StateResource, service: "google" | "entra"): void {
  const o = resource.outputs;
  // Version 3 packs the member maps into one string.
  const { userIds, members } = decodeMemberTable(o.memberTable as string);
  // 0.1.0 counted every desired member as managed; Google ids were the addresses themselves.
  const managedMembers = Object.fromEntries(Object.keys(members).map((key) => [key, service === "google" ? key : userIds[key]]));
  resource.outputs = {
    stateVersion: 1,
    // 0.1.0 stored the management and the target as objects (today: one line each).
    management: decodeManagementRef(o.management),
    target: decodeBindingTarget(o.target),
    userGroupName: o.userGroupName,
    members,
    managedMembers,
    membershipMode: o.membershipMode,
    maxRemovalPercent: o.maxRemovalPercent,
    allowEmpty: o.allowEmpty,
    pending: o.pending,
    __provider: o.__provider,
  };
  const i = resource.inputs;
  resource.inputs = {
    management: decodeManagementRef(i.management),
    target: decodeBindingTarget(i.target),
    userGroupName: i.userGroupName,
    members: i.members,
    membershipMode: i.membershipMode,
    maxRemovalPercent: i.maxRemovalPercent,
    allowEmpty: i.allowEmpty,
    __provider: i.__provider,
  };
}

/** Rewrites a binding's state into state version 2 (the member maps unpacked, before the member table). */
function asVersion2(resource: StateResource): void {
  const { memberTable, ...rest } = resource.outputs;
  resource.outputs = { ...rest, ...decodeMemberTable(memberTable as string), stateVersion: 2 };
}

async function downgradeBindings(stack: E2eStack, service: "google" | "entra", version: 1 | 2): Promise<void> {
  const exported = JSON.parse((await stack.workspace.ok(["stack", "export"])).stdout) as { deployment: { resources: StateResource[] } };
  for (const r of exported.deployment.resources) {
    if (!r.urn.includes("groupexport:GroupBinding")) continue;
    if (version === 1) asVersion1(r, service);
    else asVersion2(r);
  }
  const file = join(mkdtempSync(join(tmpdir(), "group-export-state-")), "state.json");
  writeFileSync(file, JSON.stringify(exported));
  await stack.workspace.ok(["stack", "import", "--file", file]);
}

describe("State written by release 0.1.0 keeps working, through the real Pulumi CLI", function () {
  let sandbox: Sandbox;

  before(async function () {
    sandbox = await startSandbox({
      google: { domains: ["example.com"], users: ["alice", "bob"].map((n) => ({ primaryEmail: `${n}@example.com` })) },
      entra: { users: ["alice", "bob"].map((n) => ({ userPrincipalName: `${n}@example.com` })) },
    });
  });
  after(async () => sandbox?.close());

  for (const [service, version] of [["google", 1], ["entra", 1], ["google", 2], ["entra", 2]] as const) {
    it(`${service}: a version-${version} binding is upgraded on read; refresh + preview are clean; up changes nobody; destroy removes its members`, async () => {
      const stack = await E2eStack.create(sandbox, `upgrade-${service}-v${version}`);
      const users = ["alice@example.com", "bob@example.com"];
      stack.declare(
        service === "google"
          ? {
              management: { workspace: { google: { domains: ["example.com"] } } },
              googleGroups: { eng: { management: "workspace", email: `upgrade-v${version}@example.com` } },
              bindings: { "eng-members": { target: "eng", userGroup: { name: "Eng", users } } },
            }
          : {
              management: { tenant: { entra: { tenantId: sandbox.entra.tenantId } } },
              entraGroups: { eng: { management: "tenant", displayName: `Upgrade v${version}` } },
              bindings: { "eng-members": { target: "eng", userGroup: { name: "Eng", users } } },
            },
      );
      expect((await stack.workspace.up()).code).to.equal(0);
      const members = () => (service === "google" ? googleMembers(sandbox, `upgrade-v${version}@example.com`) : entraMembers(sandbox, sandbox.entra.tenant.groups.find((g) => g.displayName === `Upgrade v${version}`)!.id));
      expect(members()).to.deep.equal(users);

      await downgradeBindings(stack, service, version);
      const clean = await stack.workspace.preview("--refresh", "--expect-no-changes");
      expect(clean.code, clean.output).to.equal(0);
      sandbox.resetRequestCounts();
      const up = await stack.workspace.up("--refresh");
      expect(up.code, up.output).to.equal(0);
      expect(writeRequests(sandbox), "nobody changed").to.deep.equal([]);
      expect(members()).to.deep.equal(users);
      const destroy = await stack.workspace.destroy();
      expect(destroy.code, destroy.output).to.equal(0);
    });
  }
});
