import { expect } from "chai";
import * as sinon from "sinon";
import { DISTRIBUTION_LIST_SETTINGS } from "../../provider/google/settingsSchema";
import { startSandbox, type Sandbox } from "../../provider/sandbox";
import { Quota } from "../../provider/sandbox/google/quota";
import { E2eStack, type ProgramSpec } from "../support/e2eProgram";
import { entraGroupsNamed, entraMembers, googleGroup, googleMembers, writeRequests } from "../support/sandboxViews";

const USERS = ["alice", "bob", "carol"].map((u) => `${u}@example.com`);

function bothDirectories(sandbox: Sandbox, users = USERS, description = ""): ProgramSpec {
  return {
    management: { workspace: { google: { domains: ["example.com"] } }, tenant: { entra: { tenantId: sandbox.entra.tenantId } } },
    googleGroups: { "eng-google": { management: "workspace", email: "eng@example.com", name: "Engineering", description } },
    entraGroups: { "eng-entra": { management: "tenant", displayName: "Engineering", description } },
    bindings: {
      "eng-google-members": { target: "eng-google", userGroup: { name: "Engineering", users } },
      "eng-entra-members": { target: "eng-entra", userGroup: { name: "Engineering", users } },
    },
  };
}

/** Calls the sandbox's quota refused (it keeps no count of them itself); `perMinute`: only those of the quota of that limit. */
function countQuotaRefusals(perMinute?: number): { refused: () => number } {
  // `take` is private to the sandbox's Quota; spying on it is the only way to see refusals from outside.
  const take = sinon.spy(Quota.prototype as unknown as { take: (user: string) => boolean }, "take");
  return { refused: () => take.returnValues.filter((allowed, i) => !allowed && (perMinute === undefined || (take.thisValues[i] as Quota).perMinute === perMinute)).length };
}

const QUOTA_USERS = Array.from({ length: 20 }, (_, i) => `user${i}@example.com`);

/** A stack of `groups` Google groups of the 20 QUOTA_USERS each, declared (a quota-bound apply). */
async function quotaStack(sandbox: Sandbox, name: string, groups: number): Promise<E2eStack> {
  const stack = await E2eStack.create(sandbox, name);
  const spec: ProgramSpec = { management: { workspace: { google: { domains: ["example.com"] } } }, googleGroups: {}, bindings: {} };
  for (let g = 0; g < groups; g++) {
    spec.googleGroups![`team-${g}`] = { management: "workspace", email: `team-${g}@example.com`, name: `Team ${g}` };
    spec.bindings![`team-${g}-members`] = { target: `team-${g}`, userGroup: { name: `Team ${g}`, users: QUOTA_USERS } };
  }
  stack.declare(spec);
  return stack;
}

/** One `up` against the sandbox's Google quota: its result, time, the Directory API calls (quota units) spent and refused, and the quota's own minimum time for those accepted. */
async function upUnderQuota(sandbox: Sandbox, stack: E2eStack, perMinute: number) {
  const quota = countQuotaRefusals();
  sandbox.resetRequestCounts();
  const started = Date.now();
  const up = await stack.workspace.up();
  const seconds = (Date.now() - started) / 1000;
  // Quota units spent: every Directory API call, inside a batch or not (token requests and envelopes are not calls).
  const calls = Object.entries(sandbox.requestCounts())
    .filter(([key]) => /^(BATCH-ITEM )?\w+ \/admin\/directory\/v1/.test(key))
    .reduce((sum, [, n]) => sum + n, 0);
  const refused = quota.refused();
  const accepted = calls - refused;
  // A sliding minute lets `perMinute` calls start at 0 s, 60 s, 120 s...: the last starts after whole windows.
  return { up, seconds, calls, accepted, refused, minimumSeconds: Math.max(0, (Math.ceil(accepted / perMinute) - 1) * 60) };
}

describe("Quota pacing, read-only mode and Graph resets, through the real Pulumi CLI", function () {
  let sandbox: Sandbox;
  afterEach(async () => {
    sinon.restore();
    await sandbox?.close();
  });

  it("read-only mode sends no write on up or destroy with a write-capable principal, and says why (Google and Entra)", async () => {
    sandbox = await startSandbox({
      google: { domains: ["example.com"], users: USERS.map((primaryEmail) => ({ primaryEmail })) },
      entra: { users: USERS.map((userPrincipalName) => ({ userPrincipalName })) },
    });
    const stack = await E2eStack.create(sandbox, "readonly");
    stack.declare(bothDirectories(sandbox));
    const first = await stack.workspace.up();
    expect(first.code, first.output).to.equal(0);

    stack.workspace.setEnv("GROUP_EXPORT_READ_ONLY", "true");
    // Every kind of write is now wanted: group updates and member removals in both directories.
    stack.declare(bothDirectories(sandbox, USERS.slice(0, 2), "changed"));
    sandbox.resetRequestCounts();
    // --continue-on-error: the engine would otherwise skip the other directory's steps after the first refusal.
    const up = await stack.workspace.up("--continue-on-error");
    expect(up.code, up.output).to.not.equal(0);
    expect(writeRequests(sandbox), "write requests during a read-only up").to.deep.equal([]);
    expect(up.output, up.output).to.match(/read-only mode: refused to update group \S+ in Google \(nothing was sent\)/);
    expect(up.output, up.output).to.match(/read-only mode: refused to update group [0-9a-f-]+ in Entra \(nothing was sent\)/);
    expect(up.output).to.include("GROUP_EXPORT_READ_ONLY or groupExport:readOnly is \"true\"");
    expect(up.output).to.include('see docs/guides/credentials.md#read-only-mode');

    const destroy = await stack.workspace.destroy("--continue-on-error");
    expect(destroy.code, destroy.output).to.not.equal(0);
    expect(writeRequests(sandbox), "write requests during a read-only destroy").to.deep.equal([]);
    expect(destroy.output, destroy.output).to.match(/read-only mode: refused to remove member \S+ from group \S+ \(and \d+ more calls? in the same batch\) in Google/);
    expect(destroy.output, destroy.output).to.match(/read-only mode: refused to remove member [0-9a-f-]+ from group [0-9a-f-]+ \(and \d+ more writes? in the same batch\) in Entra/);
    // Nothing changed remotely.
    expect(googleMembers(sandbox, "eng@example.com")).to.deep.equal(USERS);
    const [entraGroup] = entraGroupsNamed(sandbox, "Engineering");
    expect(entraMembers(sandbox, entraGroup.id)).to.deep.equal(USERS);
  });

  it("retries Graph calls whose connection is reset (fetch failed), as it does on Google", async () => {
    sandbox = await startSandbox({ entra: { users: USERS.map((userPrincipalName) => ({ userPrincipalName })) } });
    const stack = await E2eStack.create(sandbox, "graph-reset");
    stack.declare({
      management: { tenant: { entra: { tenantId: sandbox.entra.tenantId } } },
      entraGroups: { "eng-entra": { management: "tenant", displayName: "Engineering" } },
      bindings: { "eng-entra-members": { target: "eng-entra", userGroup: { name: "Engineering", users: USERS } } },
    });
    sandbox.faults.add({ api: "entra", method: "GET", path: "^/groups$", kind: "reset", count: 2 });
    sandbox.faults.add({ api: "entra", method: "POST", path: "^/\\$batch$", kind: "reset", count: 2 });
    const up = await stack.workspace.up();
    expect(up.code, up.output).to.equal(0);
    expect(sandbox.faults.list(), "every reset was met").to.deep.equal([]);
    const [group] = entraGroupsNamed(sandbox, "Engineering");
    expect(entraMembers(sandbox, group.id)).to.deep.equal(USERS);
    const again = await stack.workspace.preview("--refresh", "--expect-no-changes");
    expect(again.code, again.output).to.equal(0);
  });

  it("paces a quota-bound Google apply (20 groups x 20 members at 240 queries/min) so that one up converges", async () => {
    const GROUPS = 20;
    const PER_MINUTE = 240;
    sandbox = await startSandbox({ google: { domains: ["example.com"], users: QUOTA_USERS.map((primaryEmail) => ({ primaryEmail })) } });
    const stack = await quotaStack(sandbox, "quota", GROUPS);
    // Through the environment, as a user whose quota is shared would set it.
    stack.workspace.setEnv("GROUP_EXPORT_GOOGLE_QUOTA_PER_MINUTE", String(PER_MINUTE));
    sandbox.google.setQuota({ perMinute: PER_MINUTE });
    const { up, seconds, calls, accepted, refused, minimumSeconds } = await upUnderQuota(sandbox, stack, PER_MINUTE);
    const incomplete = Array.from({ length: GROUPS }, (_, g) => `team-${g}@example.com`).filter((email) => googleMembers(sandbox, email).length !== QUOTA_USERS.length);
    console.log(
      `      quota-bound apply: exit ${up.code}, ${calls} calls at ${PER_MINUTE}/min, ${refused} refused, ${seconds.toFixed(1)} s ` +
        `(the quota's minimum for the ${accepted} accepted: ${minimumSeconds} s), ${incomplete.length} groups incomplete`,
    );
    expect(up.code, up.output).to.equal(0);
    expect(incomplete, "groups without all their members").to.deep.equal([]);
    for (let g = 0; g < GROUPS; g++) expect(googleMembers(sandbox, `team-${g}@example.com`), `team-${g}`).to.deep.equal([...QUOTA_USERS].sort());
    expect(refused, "calls the quota refused").to.equal(0);
    // Within the quota's own time plus a minute of slack (latency, the engine's own steps).
    expect(seconds).to.be.below(minimumSeconds + 60);
  });

  it("with no quota setting, finds a real Google quota of 120/min (the default is 2,400) and converges in one up, holding the rate found", async () => {
    const GROUPS = 6;
    const PER_MINUTE = 120;
    sandbox = await startSandbox({ google: { domains: ["example.com"], users: QUOTA_USERS.map((primaryEmail) => ({ primaryEmail })) } });
    const stack = await quotaStack(sandbox, "quota-found", GROUPS);
    // No groupExport:googleQuotaPerMinute: the provider starts at Google's default and must find the tenant's lower quota.
    sandbox.google.setQuota({ perMinute: PER_MINUTE });
    const { up, seconds, calls, accepted, refused, minimumSeconds } = await upUnderQuota(sandbox, stack, PER_MINUTE);
    console.log(`      quota found: exit ${up.code}, ${calls} calls, ${refused} refused, ${seconds.toFixed(1)} s (the quota's minimum for the ${accepted} accepted: ${minimumSeconds} s)`);
    expect(up.code, up.output).to.equal(0);
    for (let g = 0; g < GROUPS; g++) expect(googleMembers(sandbox, `team-${g}@example.com`), `team-${g}`).to.deep.equal([...QUOTA_USERS].sort());
    expect(accepted, "the program needs more than one window of this quota").to.be.above(PER_MINUTE);
    expect(refused, "the quota refused calls: the provider had to find it").to.be.above(0);
    // Found once, then held: the refusals are the calls sent before the quota was found, not a loop at the refused rate.
    expect(refused, "calls refused").to.be.below(accepted / 2);
    // Within the quota's own time (at the 0.9x found) plus a minute of slack (latency, the engine's own steps).
    expect(seconds).to.be.below(minimumSeconds / 0.9 + 60);
  });

  it("paces and retries the Groups Settings API under its own quota (no quota setting): one up applies every group's settings", async () => {
    // 56 groups, each a settings GET and PATCH on create: 112 calls against 100 a minute, so the quota must refuse some.
    const GROUPS = 56;
    const SETTINGS_PER_MINUTE = 100;
    sandbox = await startSandbox({ google: { domains: ["example.com"] } });
    const stack = await E2eStack.create(sandbox, "settings-quota");
    const emails = Array.from({ length: GROUPS }, (_, g) => `list-${g}@example.com`);
    const spec: ProgramSpec = { management: { workspace: { google: { domains: ["example.com"] } } }, googleGroups: {} };
    emails.forEach((email, g) => (spec.googleGroups![`list-${g}`] = { management: "workspace", email, name: `List ${g}`, settings: { allowExternalMembers: true } }));
    stack.declare(spec);
    // The Directory API keeps Google's default quota; only the settings API's own is low, and the provider is told neither.
    sandbox.google.setSettingsQuota({ perMinute: SETTINGS_PER_MINUTE });
    const quota = countQuotaRefusals(SETTINGS_PER_MINUTE);
    sandbox.resetRequestCounts();
    const started = Date.now();
    const up = await stack.workspace.up();
    const seconds = (Date.now() - started) / 1000;
    const settingsCalls = Object.entries(sandbox.requestCounts())
      .filter(([key]) => key.includes("/groups/v1/groups"))
      .reduce((sum, [, n]) => sum + n, 0);
    const refused = quota.refused();
    const accepted = settingsCalls - refused;
    const minimumSeconds = Math.max(0, (Math.ceil(accepted / SETTINGS_PER_MINUTE) - 1) * 60);
    console.log(`      settings quota: exit ${up.code}, ${settingsCalls} settings calls at ${SETTINGS_PER_MINUTE}/min, ${refused} refused, ${seconds.toFixed(1)} s (the quota's minimum for the ${accepted} accepted: ${minimumSeconds} s)`);
    expect(up.code, up.output).to.equal(0);
    expect(up.output).to.not.match(/rate limit|RateLimit/i);
    expect(accepted, "the program needs more than one window of the settings quota").to.be.above(SETTINGS_PER_MINUTE);
    expect(refused, "the settings quota refused calls: the provider had to pace and retry them").to.be.above(0);
    expect(refused, "refused settings calls (found once, then held)").to.be.below(accepted / 2);
    for (const email of emails) expect(googleGroup(sandbox, email)?.settings, email).to.include({ ...DISTRIBUTION_LIST_SETTINGS, allowExternalMembers: "true" });
    expect(seconds).to.be.below(minimumSeconds / 0.9 + 60);
    // Still under the settings quota: the refresh's reads are paced too.
    const again = await stack.workspace.preview("--refresh", "--expect-no-changes");
    expect(again.code, again.output).to.equal(0);
  });
});
