import { expect } from "chai";
import { execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startSandbox, type Sandbox } from "../../provider/sandbox";
import type { ProgramSpec } from "../support/e2eProgram";
import { pendingCreates, upKilledWhen, type InterruptedRun } from "../support/interruption";
import { OwnershipStack } from "../support/ownershipProgram";
import { entraGroupsNamed, entraMembers, googleMembers } from "../support/sandboxViews";

/**
 * A `pulumi up` killed (SIGKILL of the CLI, as a CI runner's timeout does) at chosen points,
 * made deterministic with sandbox faults, then recovered with exactly the README's commands
 * ("If an apply is interrupted"): the result is a clean preview, no orphan, no duplicate, and
 * no group the stack made recorded as adopted (destroy deletes all of them).
 */

const USERS = ["alice", "bob", "carol", "dave"];
const GOOGLE_USERS = USERS.map((n) => ({ primaryEmail: `${n}@example.com` }));
const ENTRA_USERS = USERS.map((n) => ({ userPrincipalName: `${n}@example.com` }));
const GOOGLE = { workspace: { google: { domains: ["example.com"] } } };

/** How long after a kill the stack's provider processes may live (the watchdog checks its parent every 100 ms and the engine every second). */
const EXIT_WITHIN_MS = 3000;

function googleSpec(names: string[]): ProgramSpec {
  return {
    management: GOOGLE,
    googleGroups: Object.fromEntries(names.map((n) => [n, { management: "workspace", email: `${n}@example.com` }])),
    bindings: Object.fromEntries(names.map((n) => [`${n}-members`, { target: n, userGroup: { name: n, users: ["alice@example.com", "bob@example.com"] } }])),
  };
}

/** The README's recovery, command by command; returns each command's output for the record. */
async function recover(stack: OwnershipStack): Promise<string> {
  const log: string[] = [];
  const cancel = await stack.workspace.run(["cancel", "--yes"]);
  log.push(cancel.output);
  // npx group-export-recover, as the program's installed package provides it.
  const bin = join(stack.workspace.programDir, "node_modules", ".bin", "group-export-recover");
  log.push(execFileSync(bin, [], { cwd: stack.workspace.programDir, env: stack.workspace.environment(), encoding: "utf8" }));
  const refresh = await stack.workspace.refresh("--clear-pending-creates");
  expect(refresh.code, refresh.output).to.equal(0);
  log.push(refresh.output);
  const up = await stack.workspace.up();
  expect(up.code, up.output).to.equal(0);
  log.push(up.output);
  expect(await pendingCreates(stack.workspace), "no pending operation is left").to.deep.equal([]);
  const clean = await stack.workspace.preview("--refresh", "--expect-no-changes");
  expect(clean.code, clean.output).to.equal(0);
  return log.join("\n");
}

function expectWatchdog(run: InterruptedRun, what: string) {
  expect(run.providersAtKill, `${what}: a provider process was running at the kill`).to.have.length.greaterThan(0);
  expect(run.providerExitMs, `${what}: the provider process stopped after the kill`).to.not.equal(undefined);
  expect(run.providerExitMs!, `${what}: time to exit`).to.be.below(EXIT_WITHIN_MS);
}

describe("Interrupted applies: a killed pulumi up recovers to a clean state with the README's commands", function () {
  let sandbox: Sandbox;
  const measured: Record<string, unknown> = {};

  before(async () => {
    sandbox = await startSandbox({
      google: { domains: ["example.com"], admins: ["admin@example.com"], users: GOOGLE_USERS },
      entra: { users: ENTRA_USERS },
    });
  });
  beforeEach(() => sandbox.faults.clear());
  after(async () => {
    console.log(`      measured: ${JSON.stringify(measured)}`);
    await sandbox?.close();
  });

  it("Google, killed while a group insert is in flight (it lands after the kill): recovered as created, not adopted; destroy deletes it", async () => {
    const stack = await OwnershipStack.create(sandbox, "killed-insert");
    const names = ["ins-a", "ins-b", "ins-c"];
    stack.declare(googleSpec(names));
    // The first group insert is held 3 s by the sandbox: the kill lands while it is under way, and it lands afterwards.
    sandbox.faults.add({ api: "google", method: "POST", path: "^/groups$", kind: "latency", delayMs: 3000, count: 1 });
    const run = await upKilledWhen(stack.workspace, sandbox, stack.marker, () => sandbox.faults.list().length === 0, { watchMs: 5000 });
    measured.killedInsert = { providerExitMs: run.providerExitMs, writesAfterKill: run.writesAfterKill };
    expectWatchdog(run, "killed insert");
    const pending = await pendingCreates(stack.workspace);
    const pendingGroup = pending.find((p) => p.type.endsWith(":GoogleDistributionGroup"));
    expect(pendingGroup, "the killed run left a pending group create").to.not.equal(undefined);
    expect(pendingGroup!.inputs.adoption, "its check had found the address free").to.equal("create");
    const landed = sandbox.google.tenant.groups.find((g) => g.email === pendingGroup!.inputs.email);
    expect(landed, "the insert landed after the kill").to.not.equal(undefined);

    const log = await recover(stack);
    expect(log).to.include(`its run was creating group ${String(pendingGroup!.inputs.email)}`);
    const outputs = await stack.outputs();
    for (const n of names) {
      expect(sandbox.google.tenant.groups.filter((g) => g.email === `${n}@example.com`), `one group at ${n}@`).to.have.length(1);
      expect(outputs[n], n).to.include({ origin: "created" });
      expect(googleMembers(sandbox, `${n}@example.com`), n).to.deep.equal(["alice@example.com", "bob@example.com"]);
    }
    expect(outputs[landed!.email.split("@")[0]]).to.include({ groupId: landed!.id });

    const destroy = await stack.workspace.destroy();
    expect(destroy.code, destroy.output).to.equal(0);
    expect(sandbox.google.tenant.groups.filter((g) => g.email.startsWith("ins-")), "destroy deletes every group the stack made").to.deep.equal([]);
  });

  it("Google, killed after the insert and before the settings: the drift check reports the settings the group lacks, and the next up gives them", async () => {
    const stack = await OwnershipStack.create(sandbox, "killed-settings");
    stack.declare({ management: GOOGLE, googleGroups: { "set-a": { management: "workspace", email: "set-a@example.com" } } });
    // Requests under .../groups/set-a@…: the check's lookup (the create shares it: one read per process), then the settings read after the insert (held 4 s: the kill lands there).
    sandbox.faults.add({ api: "google", method: "GET", path: "^/groups/set-a(@|%40)", kind: "latency", delayMs: 4000, skip: 1, count: 1 });
    const run = await upKilledWhen(stack.workspace, sandbox, stack.marker, () => sandbox.faults.list().length === 0, { watchMs: 5000 });
    expectWatchdog(run, "killed before the settings");
    const made = sandbox.google.tenant.groups.find((g) => g.email === "set-a@example.com")!;
    expect(made, "the insert had landed").to.not.equal(undefined);
    expect(made.settings?.whoCanPostMessage ?? "ANYONE_CAN_POST", "no settings yet").to.not.equal("ALL_IN_DOMAIN_CAN_POST");

    expect((await stack.workspace.run(["cancel", "--yes"])).code).to.equal(0);
    const bin = join(stack.workspace.programDir, "node_modules", ".bin", "group-export-recover");
    execFileSync(bin, [], { cwd: stack.workspace.programDir, env: stack.workspace.environment(), encoding: "utf8" });
    const refresh = await stack.workspace.refresh("--clear-pending-creates");
    expect(refresh.code, refresh.output).to.equal(0);
    const drift = await stack.workspace.preview("--expect-no-changes");
    expect(drift.code, "the settings the group lacks are a change to make").to.not.equal(0);
    expect(drift.stdout).to.include("ALL_IN_DOMAIN_CAN_POST");
    const up = await stack.workspace.up();
    expect(up.code, up.output).to.equal(0);
    expect(made.settings).to.include({ whoCanPostMessage: "ALL_IN_DOMAIN_CAN_POST", whoCanJoin: "INVITED_CAN_JOIN" });
    expect((await stack.outputs())["set-a"]).to.include({ origin: "created", groupId: made.id });
    const clean = await stack.workspace.preview("--refresh", "--expect-no-changes");
    expect(clean.code, clean.output).to.equal(0);
    expect((await stack.workspace.destroy()).code).to.equal(0);
  });

  it("with the released plugin script (node run by a shell, not exec'd), the provider stops just as fast (it looks through that shell)", async () => {
    const stack = await OwnershipStack.create(sandbox, "killed-shell-plugin");
    // Pulumi's released pulumi-resource-pulumi-nodejs runs node as a child of sh: the CLI's death does not change node's parent.
    const bin = mkdtempSync(join(tmpdir(), "official-plugin-"));
    writeFileSync(join(bin, "pulumi-resource-pulumi-nodejs"), '#!/bin/sh\nnode "$PWD/node_modules/@pulumi/pulumi/cmd/dynamic-provider" "$@"\n');
    chmodSync(join(bin, "pulumi-resource-pulumi-nodejs"), 0o755);
    stack.workspace.setEnv("PATH", `${bin}:${stack.workspace.environment().PATH}`);
    stack.declare(googleSpec(["sh-a"]));
    sandbox.faults.add({ api: "google", method: "POST", path: "^/groups$", kind: "latency", delayMs: 3000, count: 1 });
    const run = await upKilledWhen(stack.workspace, sandbox, stack.marker, () => sandbox.faults.list().length === 0, { watchMs: 6000 });
    measured.shellPlugin = { providerExitMs: run.providerExitMs, writesAfterKill: run.writesAfterKill };
    expect(run.output, "the shell-run plugin was used").to.include(`using pulumi-resource-pulumi-nodejs from $PATH at ${bin}`);
    expectWatchdog(run, "shell-run plugin");
    await recover(stack);
    expect((await stack.outputs())["sh-a"]).to.include({ origin: "created" });
    const destroy = await stack.workspace.destroy();
    expect(destroy.code, destroy.output).to.equal(0);
    expect(sandbox.google.tenant.groups.filter((g) => g.email === "sh-a@example.com")).to.have.length(0);
  });

  it("Google, killed while a group insert is held before it lands (it never lands): the pending entry is dropped and up creates the group once", async () => {
    const stack = await OwnershipStack.create(sandbox, "killed-before-insert");
    stack.declare(googleSpec(["pre-a"]));
    // The insert is held for a minute: at the kill (and at recovery) the group does not exist yet.
    sandbox.faults.add({ api: "google", method: "POST", path: "^/groups$", kind: "latency", delayMs: 60_000, count: 1 });
    const run = await upKilledWhen(stack.workspace, sandbox, stack.marker, () => sandbox.faults.list().length === 0, { watchMs: 3000 });
    expectWatchdog(run, "insert held");
    expect(sandbox.google.tenant.groups.filter((g) => g.email === "pre-a@example.com"), "not landed yet").to.have.length(0);
    sandbox.faults.clear();
    // The held insert lands later in the sandbox as a 409 (the address is taken by then): never a second group.
    await recover(stack);
    expect(sandbox.google.tenant.groups.filter((g) => g.email === "pre-a@example.com")).to.have.length(1);
    expect((await stack.outputs())["pre-a"]).to.include({ origin: "created" });
    const destroy = await stack.workspace.destroy();
    expect(destroy.code, destroy.output).to.equal(0);
    expect(sandbox.google.tenant.groups.filter((g) => g.email === "pre-a@example.com")).to.have.length(0);
  });

  it("Google, killed while an email change creates the new group: the new group is recorded as created, the old one the stack made is deleted, the members moved", async () => {
    const stack = await OwnershipStack.create(sandbox, "killed-move");
    const spec = googleSpec(["mv"]);
    stack.declare(spec);
    const first = await stack.workspace.up();
    expect(first.code, first.output).to.equal(0);
    spec.googleGroups!.mv.email = "mv-new@example.com";
    stack.declare(spec);
    sandbox.faults.add({ api: "google", method: "POST", path: "^/groups$", kind: "latency", delayMs: 3000, count: 1 });
    const run = await upKilledWhen(stack.workspace, sandbox, stack.marker, () => sandbox.faults.list().length === 0, { watchMs: 5000 });
    expectWatchdog(run, "email move");
    const landed = sandbox.google.tenant.groups.find((g) => g.email === "mv-new@example.com");
    expect(landed, "the new group's insert landed after the kill").to.not.equal(undefined);
    const log = await recover(stack);
    expect(log).to.include("the replaced one is marked for deletion");
    expect((await stack.outputs()).mv).to.include({ email: "mv-new@example.com", origin: "created", groupId: landed!.id });
    expect(sandbox.google.tenant.groups.filter((g) => g.email.startsWith("mv")).map((g) => g.email), "the old group the stack made is deleted; one new group").to.deep.equal(["mv-new@example.com"]);
    expect(googleMembers(sandbox, "mv-new@example.com")).to.deep.equal(["alice@example.com", "bob@example.com"]);
    const destroy = await stack.workspace.destroy();
    expect(destroy.code, destroy.output).to.equal(0);
    expect(sandbox.google.tenant.groups.filter((g) => g.email.startsWith("mv"))).to.deep.equal([]);
  });

  it("Google, killed during member adds retried under throttling: the provider stops within seconds and writes nothing more; recovery completes the members", async () => {
    const stack = await OwnershipStack.create(sandbox, "killed-members");
    const names = ["mem-a", "mem-b"];
    stack.declare(googleSpec(names));
    // Every member write is throttled for a while: the binding keeps retrying, as under a real quota.
    sandbox.faults.add({ api: "google", method: "POST", path: "/members$", kind: "throttle", retryAfterSeconds: 0.3, count: 1000 });
    sandbox.resetRequestCounts();
    const memberWrites = () => Object.entries(sandbox.requestCounts()).filter(([k]) => /members/.test(k) && !/GET/.test(k)).reduce((s, [, v]) => s + v, 0);
    const run = await upKilledWhen(stack.workspace, sandbox, stack.marker, () => memberWrites() >= 2, { watchMs: 8000 });
    measured.killedMembers = { providerExitMs: run.providerExitMs, writesAfterKill: run.writesAfterKill, byEndpoint: run.writesAfterKillByEndpoint, baseline: process.env.GROUP_EXPORT_ENGINE_WATCHDOG === "off" };
    expectWatchdog(run, "member adds");
    // At most what was already on the wire when the CLI died (one attempt per binding); the retries stop.
    expect(run.writesAfterKill, "writes after the kill").to.be.at.most(names.length);
    sandbox.faults.clear();
    await recover(stack);
    const outputs = await stack.outputs();
    for (const n of names) {
      expect(sandbox.google.tenant.groups.filter((g) => g.email === `${n}@example.com`)).to.have.length(1);
      expect(outputs[n]).to.include({ origin: "created" });
      expect(googleMembers(sandbox, `${n}@example.com`)).to.deep.equal(["alice@example.com", "bob@example.com"]);
    }
    const destroy = await stack.workspace.destroy();
    expect(destroy.code, destroy.output).to.equal(0);
    expect(sandbox.google.tenant.groups.filter((g) => g.email.startsWith("mem-"))).to.deep.equal([]);
  });

  it("Google, killed after a binding added some members to an adopted group: recovery counts them as the binding's own (unbinding removes them), not the members that were there before", async () => {
    const userId = (email: string) => sandbox.google.tenant.users.find((u) => u.primaryEmail === email)!.id;
    const member = (email: string) => ({ id: userId(email), email, role: "MEMBER" as const, type: "USER" as const, delivery_settings: "ALL_MAIL" as const, etag: '"m"' });
    // An existing group: carol (also a user of the user group) and dave were members before the binding.
    sandbox.google.tenant.groups.push({ id: "0kadd1", email: "kadd@example.com", name: "Kadd", description: "", adminCreated: true, aliases: [], etag: '"k"', members: [member("carol@example.com"), member("dave@example.com")] });
    const stack = await OwnershipStack.create(sandbox, "killed-adds");
    const declared = (withBinding: boolean): ProgramSpec => ({
      management: GOOGLE,
      googleGroups: { kadd: { management: "workspace", email: "kadd@example.com" } },
      bindings: withBinding ? { "kadd-members": { target: "kadd", membershipMode: "additive", userGroup: { name: "Kadd", users: ["alice@example.com", "bob@example.com", "carol@example.com"] } } } : {},
    });
    stack.declare(declared(true));
    // The first member insert lands; every later one is throttled and retried: the kill comes between the two.
    sandbox.faults.add({ api: "google", method: "POST", path: "/members$", kind: "throttle", retryAfterSeconds: 0.3, skip: 1, count: 1000 });
    const run = await upKilledWhen(stack.workspace, sandbox, stack.marker, () => googleMembers(sandbox, "kadd@example.com").length >= 3, { watchMs: 4000 });
    expectWatchdog(run, "binding member adds");
    const addedByKilledRun = googleMembers(sandbox, "kadd@example.com").filter((m) => m === "alice@example.com" || m === "bob@example.com");
    expect(addedByKilledRun, "the killed run added one member").to.have.length(1);
    const pending = (await pendingCreates(stack.workspace)).filter((p) => p.type.endsWith(":GroupBinding"));
    expect(pending, "the binding's create is pending").to.have.length(1);
    expect(pending[0].inputs.__membersAtCheck, "its check recorded who was there").to.be.a("string")
    sandbox.faults.clear();
    measured.killedBindingAdds = { log: (await recover(stack)).split("\n").filter((l) => /GroupBinding/.test(l) && /members/.test(l)) };
    const outputs = await stack.outputs();
    expect(outputs.kadd).to.include({ origin: "adopted" });
    expect(Object.keys(outputs["kadd-members"].managedMembers as Record<string, string>).sort(), "managed: what the binding added, before and after the kill").to.deep.equal(["alice@example.com", "bob@example.com"]);
    expect(googleMembers(sandbox, "kadd@example.com")).to.deep.equal(["alice@example.com", "bob@example.com", "carol@example.com", "dave@example.com"]);
    // Unbinding removes what the binding added (including the killed run's member), never what was there before.
    stack.declare(declared(false));
    const unbind = await stack.workspace.up();
    expect(unbind.code, unbind.output).to.equal(0);
    expect(googleMembers(sandbox, "kadd@example.com")).to.deep.equal(["carol@example.com", "dave@example.com"]);
    const destroy = await stack.workspace.destroy();
    expect(destroy.code, destroy.output).to.equal(0);
    expect(googleMembers(sandbox, "kadd@example.com"), "the adopted group is released with its members").to.deep.equal(["carol@example.com", "dave@example.com"]);
  });

  it("Google, a killed destroy: the same commands, then destroy again, leave nothing behind", async () => {
    const stack = await OwnershipStack.create(sandbox, "killed-destroy");
    stack.declare(googleSpec(["del-a", "del-b"]));
    const first = await stack.workspace.up();
    expect(first.code, first.output).to.equal(0);
    sandbox.faults.add({ api: "google", method: "DELETE", path: "^/groups/[^/]+$", kind: "latency", delayMs: 3000, count: 1 });
    const run = await upKilledWhen(stack.workspace, sandbox, stack.marker, () => sandbox.faults.list().length === 0, { watchMs: 5000, command: ["destroy", "--yes", "--skip-preview"] });
    expectWatchdog(run, "destroy");
    const cancel = await stack.workspace.run(["cancel", "--yes"]);
    expect(cancel.code, cancel.output).to.equal(0);
    const refresh = await stack.workspace.refresh("--clear-pending-creates");
    expect(refresh.code, refresh.output).to.equal(0);
    const destroy = await stack.workspace.destroy();
    expect(destroy.code, destroy.output).to.equal(0);
    expect(sandbox.google.tenant.groups.filter((g) => g.email.startsWith("del-")), "every group the stack made is gone").to.deep.equal([]);
    const state = JSON.parse((await stack.workspace.ok(["stack", "export"])).stdout) as { deployment: { resources?: unknown[] } };
    expect(state.deployment.resources ?? [], "the stack is empty").to.have.length(0);
  });

  it("Entra, killed while a group create is in flight and during member adds: recovered as created (the mailNickname its check planned), one group per name", async () => {
    const stack = await OwnershipStack.create(sandbox, "killed-entra");
    const management = { tenant: { entra: { tenantId: sandbox.entra.tenantId } } };
    const names = ["Kill One", "Kill Two"];
    stack.declare({
      management,
      entraGroups: Object.fromEntries(names.map((n, i) => [`e${i}`, { management: "tenant", displayName: n }])),
      bindings: Object.fromEntries(names.map((_n, i) => [`e${i}-members`, { target: `e${i}`, userGroup: { name: `E${i}`, users: ["alice@example.com", "carol@example.com"] } }])),
    });
    sandbox.faults.add({ api: "entra", method: "POST", path: "^/groups$", kind: "latency", delayMs: 3000, count: 1 });
    const run = await upKilledWhen(stack.workspace, sandbox, stack.marker, () => sandbox.faults.list().length === 0, { watchMs: 5000 });
    expectWatchdog(run, "Entra create");
    await recover(stack);
    const outputs = await stack.outputs();
    names.forEach((n, i) => {
      expect(entraGroupsNamed(sandbox, n), n).to.have.length(1);
      expect(outputs[`e${i}`], n).to.include({ origin: "created", groupId: entraGroupsNamed(sandbox, n)[0].id });
      expect(entraMembers(sandbox, entraGroupsNamed(sandbox, n)[0].id)).to.deep.equal(["alice@example.com", "carol@example.com"]);
    });

    // Second kill point: during member adds (a member change throttled and retried).
    stack.declare({
      management,
      entraGroups: Object.fromEntries(names.map((n, i) => [`e${i}`, { management: "tenant", displayName: n }])),
      bindings: Object.fromEntries(names.map((_n, i) => [`e${i}-members`, { target: `e${i}`, userGroup: { name: `E${i}`, users: ["alice@example.com", "carol@example.com", "dave@example.com"] } }])),
    });
    // Member writes (members@odata.bind PATCHes and $ref POSTs, inside $batch or not) throttled and retried.
    sandbox.faults.add({ api: "entra", method: "PATCH", path: "^/groups/[^/]+$", kind: "throttle", retryAfterSeconds: 0.3, count: 1000 });
    sandbox.faults.add({ api: "entra", method: "POST", path: "/members", kind: "throttle", retryAfterSeconds: 0.3, count: 1000 });
    sandbox.resetRequestCounts();
    const writes = () => Object.entries(sandbox.requestCounts()).filter(([k]) => /(PATCH|POST) .*groups\//.test(k)).reduce((s, [, v]) => s + v, 0);
    const second = await upKilledWhen(stack.workspace, sandbox, stack.marker, () => writes() >= 2, { watchMs: 6000 });
    measured.entraMembers = { providerExitMs: second.providerExitMs, writesAfterKill: second.writesAfterKill };
    expectWatchdog(second, "Entra member adds");
    sandbox.faults.clear();
    await recover(stack);
    for (const n of names) expect(entraMembers(sandbox, entraGroupsNamed(sandbox, n)[0].id)).to.deep.equal(["alice@example.com", "carol@example.com", "dave@example.com"]);

    const destroy = await stack.workspace.destroy();
    expect(destroy.code, destroy.output).to.equal(0);
    for (const n of names) expect(entraGroupsNamed(sandbox, n), `destroy deletes ${n}`).to.have.length(0);
  });
});
