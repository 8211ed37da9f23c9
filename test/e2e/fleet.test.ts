import { expect } from "chai";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { FleetResult, TenantResult } from "../../provider/fleet/runFleet";
import { fleetToText } from "../../provider/fleet/render";
import { TestFleet, tenantGroupsYaml } from "../support/fleet";
import { entraGroupsNamed, entraMembers, googleMembers, writeRequests } from "../support/sandboxViews";

const TENANTS = 8;
const CONCURRENCY = 3;

function byTenant(result: FleetResult): Map<string, TenantResult> {
  return new Map(result.tenants.map((r) => [r.tenant, r]));
}

function figures(label: string, result: FleetResult, writes: Map<string, number>): void {
  const rows = result.tenants.map((r) => `${r.tenant}=${r.status === "failed" ? "FAILED" : r.changed ? `changed(${r.groupsChanged} groups, +${r.membersAdded}/-${r.membersRemoved})` : "no change"} ${(r.durationMs / 1000).toFixed(1)}s writes=${writes.get(r.tenant) ?? 0}`);
  console.log(`      [measure] ${label}: ${TENANTS} tenants at concurrency ${result.concurrency}: ${(result.durationMs / 1000).toFixed(1)} s wall, exit ${result.exitCode}\n        ${rows.join("\n        ")}`);
}

describe(`the fleet driver runs ${TENANTS} tenants, each its own sandbox, through the real CLI (Automation API, concurrency ${CONCURRENCY})`, function () {
  let fleet: TestFleet;
  const writesOf = () => new Map(fleet.tenants.map((t) => [t.name, writeRequests(t.sandbox).reduce((n, k) => n + (t.sandbox.requestCounts()[k] ?? 0), 0)]));
  const resetCounters = () => fleet.tenants.forEach((t) => t.sandbox.resetRequestCounts());

  before(async function () {
    fleet = await TestFleet.start(TENANTS);
    // The last tenant's Entra secret file holds a wrong secret: its run must fail alone.
    const wrong = join(fleet.dir, "wrong-secret");
    writeFileSync(wrong, "not-the-secret");
    fleet.overrides.set(`tenant-${TENANTS}`, { entraClientSecretFile: wrong });
    fleet.writeTenantsFile();
  });
  after(async () => {
    await fleet?.close();
  });

  it("up: every tenant converges but the one with a wrong secret, which fails alone with one clear line (exit 2)", async () => {
    const { result, progress } = await fleet.run("up", CONCURRENCY);
    figures("first up", result, writesOf());
    expect(result.exitCode).to.equal(2);
    const results = byTenant(result);
    const bad = results.get(`tenant-${TENANTS}`)!;
    expect(bad.status).to.equal("failed");
    expect(bad.error, "the failure's line").to.match(/wrong client secret \(AADSTS7000215/).and.match(/Fix: /);
    expect(bad.error!.split("\n")).to.have.length(1);
    for (const t of fleet.tenants.slice(0, -1)) {
      const r = results.get(t.name)!;
      expect(r.status, `${t.name}: ${r.error}`).to.equal("succeeded");
      expect(r.groupsChanged, t.name).to.equal(4);
      expect(r.membersAdded, t.name).to.equal(6);
      expect(googleMembers(t.sandbox, `engineering@${t.domain}`)).to.deep.equal([`alice@${t.domain}`, `bob@${t.domain}`]);
      const [eng] = entraGroupsNamed(t.sandbox, "Engineering");
      expect(entraMembers(t.sandbox, eng!.id)).to.deep.equal([`alice@${t.domain}`, `bob@${t.domain}`]);
    }
    const badSandbox = fleet.tenants[TENANTS - 1]!.sandbox;
    expect(badSandbox.entra.tenant.groups, "nothing made in the tenant whose sign-in failed").to.deep.equal([]);
    // Never more than CONCURRENCY at once: count starts minus ends along the progress.
    let running = 0;
    let peak = 0;
    for (const line of progress) {
      running += line.startsWith("start") ? 1 : line.startsWith("done") ? -1 : 0;
      peak = Math.max(peak, running);
    }
    expect(peak).to.equal(CONCURRENCY);
    const text = fleetToText(result);
    expect(text).to.match(new RegExp(`tenant-${TENANTS}\\s+FAILED .*wrong client secret`));
    expect(text).to.match(/Totals: 8 tenants: 7 succeeded \(7 changed\), 1 failed/);
  });

  it("with the secret fixed and one tenant's groups edited, up touches only those two tenants (0 writes elsewhere)", async () => {
    fleet.overrides.clear();
    fleet.writeTenantsFile();
    const edited = fleet.tenants[2]!;
    writeFileSync(edited.groupsFile, tenantGroupsYaml(edited.domain, ["alice", "bob", "dave"]));
    resetCounters();
    const { result } = await fleet.run("up", CONCURRENCY);
    const writes = writesOf();
    figures("second up (tenant-3 edited, tenant-8 fixed)", result, writes);
    expect(result.exitCode, fleetToText(result)).to.equal(0);
    const results = byTenant(result);
    expect(results.get(edited.name)).to.include({ changed: true, membersAdded: 2, membersRemoved: 0, groupsChanged: 2 });
    expect(googleMembers(edited.sandbox, `engineering@${edited.domain}`)).to.include(`dave@${edited.domain}`);
    const last = fleet.tenants[TENANTS - 1]!;
    expect(results.get(last.name)!.changed).to.equal(true);
    const [eng] = entraGroupsNamed(last.sandbox, "Engineering");
    expect(entraMembers(last.sandbox, eng!.id)).to.deep.equal([`alice@${last.domain}`, `bob@${last.domain}`]);
    for (const t of fleet.tenants.filter((x) => x !== edited && x !== last)) {
      expect(results.get(t.name), t.name).to.include({ status: "succeeded", changed: false });
      expect(writeRequests(t.sandbox), `${t.name} untouched`).to.deep.equal([]);
    }
  });

  it("a second up is a no-op: every tenant unchanged, 0 API writes in every sandbox", async () => {
    resetCounters();
    const { result } = await fleet.run("up", CONCURRENCY);
    const writes = writesOf();
    figures("no-op up", result, writes);
    expect(result.exitCode).to.equal(0);
    for (const t of fleet.tenants) {
      expect(byTenant(result).get(t.name), t.name).to.include({ status: "succeeded", changed: false, groupsChanged: 0 });
      expect(writeRequests(t.sandbox), t.name).to.deep.equal([]);
    }
    expect([...writes.values()].reduce((a, b) => a + b, 0)).to.equal(0);
  });

  it("refresh (the drift check) finds a hand-made change in one tenant only, writes nothing, and exits 1", async () => {
    const drifted = fleet.tenants[4]!;
    const group = drifted.sandbox.google.tenant.groups.find((g) => g.email === `engineering@${drifted.domain}`)!;
    const members = group.members!;
    members.splice(members.findIndex((m) => m.email === `bob@${drifted.domain}`), 1);
    resetCounters();
    const { result } = await fleet.run("refresh", CONCURRENCY);
    figures("refresh", result, writesOf());
    expect(result.exitCode).to.equal(1);
    for (const t of fleet.tenants) {
      expect(byTenant(result).get(t.name), t.name).to.include({ status: "succeeded", changed: t === drifted });
      expect(writeRequests(t.sandbox), t.name).to.deep.equal([]);
    }
    expect(byTenant(result).get(drifted.name)!.membersAdded, "up --refresh would add bob back").to.equal(1);
  });
});
