import { expect } from "chai";
import { startSandbox, type Sandbox } from "../../provider/sandbox";
import { E2eStack, type ProgramSpec } from "../support/e2eProgram";
import { entraMembers, googleGroup, googleMembers } from "../support/sandboxViews";
import { createdMemberLists } from "../support/previewText";

/**
 * Issue 7: members are known by who they are (the directory's id), not by the string the
 * program typed; roles and non-user members are respected; every removal shows at preview.
 * Each scenario ends with three rounds of `up --refresh` and a clean
 * `preview --refresh --expect-no-changes`: no flip-flop on scheduled runs.
 */

const ENGINEERS = ["ann", "ben", "cid", "dot"].map((n) => `${n}@example.com`);

function googleRoles(sandbox: Sandbox, email: string): Record<string, string> {
  return Object.fromEntries((googleGroup(sandbox, email)?.members ?? []).map((m) => [m.email ?? `customer:${m.id}`, m.role]));
}

async function stableOverRounds(stack: E2eStack, check: () => void): Promise<void> {
  for (let round = 1; round <= 3; round++) {
    const up = await stack.workspace.up("--refresh");
    expect(up.code, `round ${round}: ${up.output}`).to.equal(0);
    check();
    const clean = await stack.workspace.preview("--refresh", "--expect-no-changes");
    expect(clean.code, `round ${round}: ${clean.output}`).to.equal(0);
  }
}

describe("Membership by identity on Google Workspace, through the real Pulumi CLI", function () {
  let sandbox: Sandbox;
  let stack: E2eStack;
  const workspace = { workspace: { google: { domains: ["example.com", "example.org"] } } };

  before(async function () {
    sandbox = await startSandbox({
      google: {
        domains: ["example.com", "example.org"],
        admins: ["admin@example.com"],
        users: [
          { primaryEmail: "alice@example.com", aliases: ["alice.old@example.com"] },
          // A secondary-domain address is another form of the same kind: one person, two addresses.
          { primaryEmail: "bob@example.com", aliases: ["bob@example.org"] },
          ...["carol", "sam", "owner", "manager", "stranger", ...ENGINEERS.map((e) => e.split("@")[0])].map((n) => ({ primaryEmail: `${n}@example.com` })),
        ],
        groups: [
          { email: "team@example.com", name: "Team", members: [] },
          {
            email: "adopted@example.com",
            name: "Adopted",
            members: [
              { email: "alice@example.com", role: "OWNER" },
              { email: "carol@example.com", role: "MEMBER" },
            ],
          },
          {
            email: "platform@example.com",
            name: "Platform",
            members: [
              { email: "owner@example.com", role: "OWNER" },
              { email: "manager@example.com", role: "MANAGER" },
              ...ENGINEERS.map((email) => ({ email, role: "MEMBER" as const })),
              { email: "stranger@example.com", role: "MEMBER" },
            ],
          },
          {
            email: "everyone@example.com",
            name: "Everyone",
            members: [{ type: "CUSTOMER" as const, role: "MEMBER" as const }, { email: "team@example.com", role: "MEMBER" as const }, { email: "carol@example.com" }],
          },
        ],
      },
    });
    stack = await E2eStack.create(sandbox, "identity-google");
  });
  after(async () => sandbox?.close());

  it("an alias and a secondary-domain address are the member they name: no flip-flop over three refreshed runs", async () => {
    stack.declare({
      management: workspace,
      googleGroups: { team: { management: "workspace", email: "team@example.com" } },
      bindings: { "team-members": { target: "team", userGroup: { name: "Team", users: ["alice.old@example.com", "bob@example.org"] } } },
    });
    const up = await stack.workspace.up();
    expect(up.code, up.output).to.equal(0);
    expect(googleMembers(sandbox, "team@example.com")).to.deep.equal(["alice@example.com", "bob@example.com"]);
    await stableOverRounds(stack, () => expect(googleMembers(sandbox, "team@example.com")).to.deep.equal(["alice@example.com", "bob@example.com"]));
  });

  it("the program switching from an alias to the primary address changes nobody", async () => {
    stack.declare({
      management: workspace,
      googleGroups: { team: { management: "workspace", email: "team@example.com" } },
      bindings: { "team-members": { target: "team", userGroup: { name: "Team", users: ["alice@example.com", "bob@example.org"] } } },
    });
    const preview = await stack.workspace.preview();
    expect(preview.code, preview.output).to.equal(0);
    expect(preview.stdout, "nothing is removed").to.not.match(/removals\s*:\s*\{\s*\+/);
    const before = sandbox.requestCounts();
    const up = await stack.workspace.up();
    expect(up.code, up.output).to.equal(0);
    const writes = Object.entries(sandbox.requestCounts()).filter(([k, n]) => /BATCH-ITEM (POST|DELETE)/.test(k) && n !== (before[k] ?? 0));
    expect(writes, "no member written").to.deep.equal([]);
    await stableOverRounds(stack, () => expect(googleMembers(sandbox, "team@example.com")).to.deep.equal(["alice@example.com", "bob@example.com"]));
  });

  it("first bind to an adopted group: the preview lists removals and kept owners/managers; owners and managers stay", async () => {
    const spec: ProgramSpec = {
      management: workspace,
      googleGroups: { platform: { management: "workspace", email: "platform@example.com" } },
      bindings: { "platform-members": { target: "platform", userGroup: { name: "Platform", users: ENGINEERS } } },
    };
    stack.declare(spec);
    const preview = await stack.workspace.preview();
    expect(preview.code, preview.output).to.equal(0);
    expect(preview.stdout).to.match(/removals\s*:\s*\{\s*"?stranger@example\.com"?\s*:\s*"remove from platform@example\.com"/);
    expect(preview.stdout).to.match(/"?owner@example\.com"?\s*:\s*"OWNER: kept/);
    expect(preview.stdout).to.match(/"?manager@example\.com"?\s*:\s*"MANAGER: kept/);
    const up = await stack.workspace.up();
    expect(up.code, up.output).to.equal(0);
    expect(googleRoles(sandbox, "platform@example.com")).to.deep.equal({
      "owner@example.com": "OWNER",
      "manager@example.com": "MANAGER",
      ...Object.fromEntries(ENGINEERS.map((e) => [e, "MEMBER"])),
    });
    await stableOverRounds(stack, () => expect(googleMembers(sandbox, "platform@example.com")).to.have.length(6));
  });

  it("the mass-removal guard is evaluated at preview, with the figures the apply uses", async () => {
    stack.declare({
      management: workspace,
      googleGroups: { platform: { management: "workspace", email: "platform@example.com" } },
      bindings: { "platform-members": { target: "platform", maxRemovalPercent: 40, removalGuardFloor: 2, userGroup: { name: "Platform", users: ["ann@example.com"] } } },
    });
    const preview = await stack.workspace.preview();
    expect(preview.code).to.not.equal(0);
    expect(preview.output).to.include("platform-members");
    expect(preview.output).to.include("mass-removal guard: would remove 3 of 6 members (50%), more than maxRemovalPercent 40% and more than removalGuardFloor 2 members");
    expect(preview.output).to.include("ben@example.com, cid@example.com, dot@example.com");
  });

  it("additive: members present before the binding are never its own, and unbinding leaves them (the owner stays)", async () => {
    stack.declare({
      management: workspace,
      googleGroups: { adopted: { management: "workspace", email: "adopted@example.com" } },
      bindings: { "adopted-members": { target: "adopted", membershipMode: "additive", userGroup: { name: "Adopted", users: ["alice@example.com", "bob@example.com"] } } },
    });
    const up = await stack.workspace.up();
    expect(up.code, up.output).to.equal(0);
    expect(googleRoles(sandbox, "adopted@example.com")).to.deep.equal({ "alice@example.com": "OWNER", "carol@example.com": "MEMBER", "bob@example.com": "MEMBER" });
    await stableOverRounds(stack, () => expect(googleMembers(sandbox, "adopted@example.com")).to.have.length(3));
    stack.declare({ management: workspace, googleGroups: { adopted: { management: "workspace", email: "adopted@example.com" } } });
    const unbind = await stack.workspace.up();
    expect(unbind.code, unbind.output).to.equal(0);
    expect(googleRoles(sandbox, "adopted@example.com"), "only bob, whom the binding added, is removed").to.deep.equal({ "alice@example.com": "OWNER", "carol@example.com": "MEMBER" });
  });

  it("a CUSTOMER and a GROUP member are kept by default (never an empty key), and removed by id when asked", async () => {
    const spec = (nonUserMembers?: string): ProgramSpec => ({
      management: workspace,
      googleGroups: { everyone: { management: "workspace", email: "everyone@example.com" } },
      bindings: { "everyone-members": { target: "everyone", maxRemovalPercent: 100, ...(nonUserMembers ? { nonUserMembers } : {}), userGroup: { name: "Everyone", users: ["carol@example.com"] } } },
    });
    stack.declare(spec());
    const preview = await stack.workspace.preview();
    expect(preview.code, preview.output).to.equal(0);
    expect(preview.stdout).to.match(/"?customer:[^"]+"?\s*:\s*"customer member: kept/);
    expect(preview.stdout).to.match(/"?group:team@example\.com"?\s*:\s*"group member: kept/);
    await stableOverRounds(stack, () => expect(googleMembers(sandbox, "everyone@example.com")).to.deep.equal(["", "carol@example.com", "team@example.com"]));
    stack.declare(spec("remove"));
    const removing = await stack.workspace.preview();
    expect(removing.code, removing.output).to.equal(0);
    expect(removing.stdout).to.match(/"?customer:[^"]+"?\s*:\s*"remove from everyone@example\.com"/);
    const up = await stack.workspace.up();
    expect(up.code, up.output).to.equal(0);
    expect(googleMembers(sandbox, "everyone@example.com")).to.deep.equal(["carol@example.com"]);
    await stableOverRounds(stack, () => expect(googleMembers(sandbox, "everyone@example.com")).to.deep.equal(["carol@example.com"]));
  });

  it("a group deleted outside Pulumi: refresh succeeds at once, the preview says it is made again, up does it", async () => {
    stack.declare({
      management: workspace,
      googleGroups: { temp: { management: "workspace", email: "temp@example.com" } },
      bindings: { "temp-members": { target: "temp", userGroup: { name: "Temp", users: ["carol@example.com"] } } },
    });
    expect((await stack.workspace.up()).code).to.equal(0);
    sandbox.google.tenant.groups.splice(sandbox.google.tenant.groups.findIndex((g) => g.email === "temp@example.com"), 1);
    const started = Date.now();
    const refresh = await stack.workspace.refresh();
    expect(refresh.code, refresh.output).to.equal(0);
    expect(Date.now() - started, "no waiting for a propagation that is not coming").to.be.below(20_000);
    const preview = await stack.workspace.preview();
    expect(preview.code, preview.output).to.equal(0);
    expect(preview.stdout).to.match(/GoogleDistributionGroup: \(create\)/);
    expect(createdMemberLists(preview.stdout)).to.deep.equal([["carol@example.com"]]);
    expect((await stack.workspace.up()).code).to.equal(0);
    expect(googleMembers(sandbox, "temp@example.com")).to.deep.equal(["carol@example.com"]);
    await stableOverRounds(stack, () => expect(googleMembers(sandbox, "temp@example.com")).to.deep.equal(["carol@example.com"]));
  });

  it("users given as a secret stay secret in previews, outputs and state", async () => {
    stack.declare({
      management: workspace,
      googleGroups: { team: { management: "workspace", email: "team@example.com" } },
      bindings: { "team-members": { target: "team", secretUsers: true, userGroup: { name: "Team", users: ["alice@example.com", "sam@example.com"] } } },
    });
    const up = await stack.workspace.up();
    expect(up.code, up.output).to.equal(0);
    expect(googleMembers(sandbox, "team@example.com")).to.deep.equal(["alice@example.com", "sam@example.com"]);
    expect(up.output, up.output).to.not.include("sam@example.com");
    const exported = await stack.workspace.ok(["stack", "export"]);
    const binding = (JSON.parse(exported.stdout).deployment.resources as { urn: string; outputs: Record<string, unknown>; inputs: Record<string, unknown> }[]).find((r) => r.urn.endsWith("::team-members"))!;
    expect(JSON.stringify(binding), "no member address in plaintext").to.not.include("sam@example.com");
    expect(JSON.stringify(binding.outputs.memberTable)).to.include("ciphertext");
    const clean = await stack.workspace.preview("--refresh", "--expect-no-changes");
    expect(clean.code, clean.output).to.equal(0);
    expect(clean.output).to.not.include("sam@example.com");
  });
});

const SP_ID = "5e000000-0000-4000-8000-000000000001";
const DEVICE_ID = "de000000-0000-4000-8000-000000000001";
const CONTACT_ID = "c0000000-0000-4000-8000-000000000001";
const NESTED_ID = "9e000000-0000-4000-8000-000000000001";
const LEGACY_ID = "1e000000-0000-4000-8000-000000000001";
const ALICE_ID = "a1000000-0000-4000-8000-000000000001";
const ERIN_ID = "e1000000-0000-4000-8000-000000000001";

describe("Membership by identity on Entra ID, through the real Pulumi CLI", function () {
  let sandbox: Sandbox;
  let stack: E2eStack;
  const tenant = () => ({ tenant: { entra: { tenantId: sandbox.entra.tenantId } } });

  before(async function () {
    sandbox = await startSandbox({
      entra: {
        users: [
          { id: ALICE_ID, userPrincipalName: "alice@example.com" },
          // A guest: the UPN is the tenant's, the address people know is the mail.
          { userPrincipalName: "dave_contoso.com#EXT#@example.onmicrosoft.com", mail: "dave@contoso.com" },
          // A user whose mail differs from the UPN.
          { id: ERIN_ID, userPrincipalName: "erin.smith@example.com", mail: "erin@example.com" },
          // A user known by an address that is neither the UPN nor the mail.
          { userPrincipalName: "frank@example.com", otherMails: ["frank@personal.example"], proxyAddresses: ["SMTP:frank@example.com", "smtp:f.jones@example.com"] },
        ],
        servicePrincipals: [{ id: SP_ID, displayName: "deploy-bot" }],
        devices: [{ id: DEVICE_ID, displayName: "KIOSK-01" }],
        contacts: [{ id: CONTACT_ID, mail: "vendor@partner.example" }],
        groups: [
          { id: NESTED_ID, displayName: "Nested" },
          { displayName: "Mixed", members: [SP_ID, DEVICE_ID, CONTACT_ID, NESTED_ID] },
          { id: LEGACY_ID, displayName: "Legacy", members: [ALICE_ID, ERIN_ID] },
        ],
      },
    });
    stack = await E2eStack.create(sandbox, "identity-entra");
  });
  after(async () => sandbox?.close());

  it("a guest named by mail and a user named by a mail that is not the UPN: no flip-flop over three refreshed runs", async () => {
    stack.declare({
      management: tenant(),
      entraGroups: { eng: { management: "tenant", displayName: "Eng" } },
      bindings: { "eng-members": { target: "eng", userGroup: { name: "Eng", users: ["dave@contoso.com", "erin@example.com", "alice@example.com"] } } },
    });
    const up = await stack.workspace.up();
    expect(up.code, up.output).to.equal(0);
    const groupId = () => sandbox.entra.tenant.groups.find((g) => g.displayName === "Eng")!.id;
    const expected = ["alice@example.com", "dave_contoso.com#ext#@example.onmicrosoft.com", "erin.smith@example.com"];
    expect(entraMembers(sandbox, groupId()).map((m) => m.toLowerCase())).to.deep.equal(expected);
    await stableOverRounds(stack, () => expect(entraMembers(sandbox, groupId()).map((m) => m.toLowerCase())).to.deep.equal(expected));
  });

  it("a user named by one of its other addresses (otherMails, proxyAddresses) is that user", async () => {
    stack.declare({
      management: tenant(),
      entraGroups: { eng: { management: "tenant", displayName: "Eng" } },
      bindings: { "eng-members": { target: "eng", userGroup: { name: "Eng", users: ["dave@contoso.com", "erin@example.com", "alice@example.com", "f.jones@example.com"] } } },
    });
    const up = await stack.workspace.up();
    expect(up.code, up.output).to.equal(0);
    const groupId = sandbox.entra.tenant.groups.find((g) => g.displayName === "Eng")!.id;
    expect(entraMembers(sandbox, groupId)).to.include("frank@example.com");
    await stableOverRounds(stack, () => expect(entraMembers(sandbox, groupId)).to.have.length(4));
  });

  it("service principals, devices, contacts and nested groups are kept by default and removed by id when asked", async () => {
    const spec = (nonUserMembers?: string) => ({
      management: tenant(),
      entraGroups: { eng: { management: "tenant", displayName: "Eng" }, mixed: { management: "tenant", displayName: "Mixed" } },
      bindings: {
        "eng-members": { target: "eng", userGroup: { name: "Eng", users: ["dave@contoso.com", "erin@example.com", "alice@example.com", "f.jones@example.com"] } },
        "mixed-members": { target: "mixed", maxRemovalPercent: 100, ...(nonUserMembers ? { nonUserMembers } : {}), userGroup: { name: "Mixed", users: ["alice@example.com"] } },
      },
    });
    stack.declare(spec());
    const preview = await stack.workspace.preview();
    expect(preview.code, preview.output).to.equal(0);
    for (const kind of ["servicePrincipal:deploy-bot (5e000000)", "device:KIOSK-01 (de000000)", "contact:vendor@partner.example (c0000000)", "group:Nested (9e000000)"]) {
      expect(preview.stdout, kind).to.include(kind);
    }
    expect(preview.stdout.match(/(servicePrincipal|device|contact|group) member: kept/g), "each kind is listed as kept").to.have.length.of.at.least(4);
    const mixed = () => sandbox.entra.tenant.groups.find((g) => g.displayName === "Mixed")!;
    await stableOverRounds(stack, () => expect(mixed().members).to.have.length(5));
    stack.declare(spec("remove"));
    const up = await stack.workspace.up();
    expect(up.code, up.output).to.equal(0);
    expect(entraMembers(sandbox, mixed().id)).to.deep.equal(["alice@example.com"]);
    await stableOverRounds(stack, () => expect(entraMembers(sandbox, mixed().id)).to.deep.equal(["alice@example.com"]));
  });

  it("first bind to a group taken over in the same update: the preview lists who will be removed", async () => {
    const stack2 = await E2eStack.create(sandbox, "identity-entra-takeover");
    stack2.declare({
      management: tenant(),
      entraGroups: { legacy: { management: "tenant", displayName: "Legacy" } },
      bindings: { "legacy-members": { target: "legacy", userGroup: { name: "Legacy", users: ["alice@example.com"] } } },
    });
    const preview = await stack2.workspace.preview();
    expect(preview.code, preview.output).to.equal(0);
    expect(preview.stdout).to.include(`adopt existing group ${LEGACY_ID}`);
    expect(preview.stdout).to.match(/removals\s*:\s*\{\s*"?erin\.smith@example\.com"?\s*:\s*"remove from Legacy"/);
    const up = await stack2.workspace.up();
    expect(up.code, up.output).to.equal(0);
    expect(entraMembers(sandbox, LEGACY_ID)).to.deep.equal(["alice@example.com"]);
    const clean = await stack2.workspace.preview("--refresh", "--expect-no-changes");
    expect(clean.code, clean.output).to.equal(0);
  });

  it("a group deleted in the portal: refresh succeeds at once, and the next up makes it and its members again", async () => {
    const group = sandbox.entra.tenant.groups.find((g) => g.displayName === "Eng")!;
    sandbox.entra.tenant.groups.splice(sandbox.entra.tenant.groups.indexOf(group), 1);
    const started = Date.now();
    const refresh = await stack.workspace.refresh();
    expect(refresh.code, refresh.output).to.equal(0);
    expect(Date.now() - started, "no waiting for a replication that is not coming").to.be.below(20_000);
    const preview = await stack.workspace.preview();
    expect(preview.code, preview.output).to.equal(0);
    expect(preview.stdout).to.match(/EntraSecurityGroup: \(create\)/);
    const up = await stack.workspace.up();
    expect(up.code, up.output).to.equal(0);
    const recreated = sandbox.entra.tenant.groups.find((g) => g.displayName === "Eng")!;
    expect(recreated.id).to.not.equal(group.id);
    expect(entraMembers(sandbox, recreated.id)).to.have.length(4);
    const clean = await stack.workspace.preview("--refresh", "--expect-no-changes");
    expect(clean.code, clean.output).to.equal(0);
  });
});
