import { expect } from "chai";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sinon from "sinon";
import { Admission, planShares, writesOf, type Budget } from "../../provider/fleet/budgets";
import { HelpRequested, parseFleetArguments } from "../../provider/fleet/cli";
import { errorLine, fleetExitCode, selectTenants, tenantConfig, type TenantResult } from "../../provider/fleet/runFleet";
import { parseTenantsYaml, TenantsFileError, type Tenant } from "../../provider/fleet/tenantsFile";
import type { Summary } from "../../provider/summary/groupSummary";

const GUID = "11111111-2222-3333-4444-555555555555";

function problemsOf(text: string, file = "/fleet/tenants.yaml"): string[] {
  try {
    parseTenantsYaml(text, file, false);
  } catch (error) {
    expect(error).to.be.instanceOf(TenantsFileError);
    return (error as TenantsFileError).problems.map((p) => `${p.line}:${p.column} ${p.field}: ${p.message}. Fix: ${p.fix}`);
  }
  throw new Error("no problem reported");
}

function tenant(name: string, settings: Tenant["settings"] = {}, entra = true): Tenant {
  return { name, stack: name, source: "groupsFile", groupsFile: `/p/${name}.yaml`, settings: { googleAdminEmail: `admin@${name}.example.com`, ...settings }, line: 1, google: { domains: [`${name}.example.com`] }, ...(entra ? { entra: { tenantId: GUID } } : {}) };
}

describe("fleet: the tenants file", () => {
  it("reports every problem at once, each at its line with the fix (unknown fields, secrets as settings, bad ids, duplicates, no directory)", () => {
    const problems = problemsOf(
      [
        "version: 1", // 1
        "concurency: 3", // 2
        "tenants:", // 3
        "  - name: acme", // 4
        "    groupsFile: acme.yaml", // 5
        "    entra: { tenantId: not-a-guid }", // 6
        "    settings:", // 7
        "      entraClientSecret: hunter2", // 8
        "  - name: acme", // 9
        "    groupsFile: acme2.yaml", // 10
        "    google: { domains: [acme.com] }", // 11
        "  - name: globex", // 12
        "    groupsFile: globex.yaml", // 13
      ].join("\n"),
    );
    expect(problems).to.have.length(3, problems.join("\n"));
    expect(problems[0]).to.match(/^2:1 concurency: unknown field "concurency"\. Fix: did you mean "concurrency"\?/);
    expect(problems[1]).to.match(/^6:\d+ tenants\[0\]\.entra\.tenantId: "not-a-guid" is not in the expected form\. Fix: the Entra tenant's id, a GUID/);
    expect(problems[2]).to.match(/^8:7 tenants\[0\]\.settings\.entraClientSecret: unknown field "entraClientSecret"\. Fix: a secret is never a setting .*entraClientSecretFile/);
    // Parsed as a whole only once the fields are right: the duplicates and missing directories come in the next round.
    expect(problems.join("\n")).to.not.match(/hunter2/);
  });

  it("checks names, stacks, directories and groups files between tenants", () => {
    const problems = problemsOf(
      [
        "tenants:",
        "  - name: acme",
        "    groupsFile: acme.yaml",
        `    entra: { tenantId: ${GUID} }`,
        "  - name: ACME",
        "    groupsFile: acme2.yaml",
        "    google: { domains: [acme.com] }",
        "  - name: globex",
        "    groupsFile: globex.yaml",
        "  - name: initech",
        `    entra: { tenantId: ${GUID} }`,
      ].join("\n"),
    );
    expect(problems.join("\n")).to.match(/5:11 tenants\[1\]\.name: name "ACME" is already used by tenants\[0\] on line 2/);
    expect(problems.join("\n")).to.match(/8:5 tenants\[2\]: tenant "globex" exports to no directory\. Fix: add google/);
    expect(problems.join("\n")).to.match(/10:5 tenants\[3\]\.groupsFile: is required/);
  });

  it("reads a good file: stacks with their prefix, defaults merged, relative paths from the file's folder", () => {
    const file = parseTenantsYaml(
      [
        "project: ../project",
        "stackPrefix: myorg/",
        "budgets: { graphWritesPer5Minutes: 35000 }",
        "defaults:",
        "  settings: { entraClientId: app-1, entraClientSecretFile: secrets/app.txt }",
        "tenants:",
        "  - name: acme",
        "    groupsFile: acme/groups.yaml",
        "    google: { domains: [acme.com], customerId: C0123 }",
        `    entra: { tenantId: ${GUID} }`,
        "    settings: { googleCredentialsFile: /secure/acme.json, googleAdminEmail: admin@acme.com, graphWritesPer150Seconds: 2000 }",
      ].join("\n"),
      "/fleet/tenants.yaml",
      false,
    );
    expect(file.project).to.equal("/project");
    expect(file.budgets).to.deep.equal({ graphWritesPer5Minutes: 35000 });
    expect(file.tenants[0]).to.deep.include({ name: "acme", stack: "myorg/acme", groupsFile: "/fleet/acme/groups.yaml", line: 7 });
    expect(file.tenants[0]!.settings).to.deep.equal({
      entraClientId: "app-1",
      entraClientSecretFile: "/fleet/secrets/app.txt",
      googleCredentialsFile: "/secure/acme.json",
      googleAdminEmail: "admin@acme.com",
      graphWritesPer150Seconds: "2000",
    });
  });

  it("finds a missing project and groups file on disk", () => {
    const dir = mkdtempSync(join(tmpdir(), "fleet-unit-"));
    mkdirSync(join(dir, "t"));
    writeFileSync(join(dir, "t", "a.yaml"), "groups: []");
    try {
      parseTenantsYaml(["tenants:", "  - name: a", "    groupsFile: t/a.yaml", "    google: { domains: [a.com] }", "  - name: b", "    groupsFile: t/b.yaml", "    google: { domains: [b.com] }"].join("\n"), join(dir, "tenants.yaml"));
      expect.fail("no problem reported");
    } catch (error) {
      const text = (error as Error).message;
      expect(text).to.match(/tenants\.yaml:1:1: project: .* holds no Pulumi\.yaml/);
      expect(text).to.match(/tenants\.yaml:6:17: tenants\[1\]\.groupsFile: .*t\/b\.yaml does not exist/);
      expect(text).to.not.match(/a\.yaml does not exist/);
    }
  });
});

describe("fleet: shares of the application-wide budgets", () => {
  it("30 tenants of one Entra application at concurrency 20 get 1,750 writes per 150 s each (70,000 per 5 min among 20)", () => {
    const tenants = Array.from({ length: 30 }, (_, i) => tenant(`t${i}`, { entraClientId: "app-1" }));
    const plan = planShares(tenants, 20);
    expect(plan.shares.get("t0")!.settings).to.deep.equal({ graphWritesPer150Seconds: "1750" });
    expect(plan.shares.get("t0")!.uses).to.deep.include({ budget: "graph-writes:app-1", amount: 3500 });
    expect(plan.budgets.get("graph-writes:app-1")).to.include({ amount: 70000, tenants: 30, windowMs: 300_000, kind: "writes" });
    // Resource units: 150,000 per 20 s among 20 is 3,750 per 10 s, above the tenant's own 3,500: not lowered.
    expect(plan.shares.get("t0")!.settings.graphResourceUnitsPer10Seconds).to.equal(undefined);
  });

  it("at concurrency 3 every tenant keeps its own quota; another application's tenants share nothing with these", () => {
    const tenants = [...Array.from({ length: 8 }, (_, i) => tenant(`a${i}`, { entraClientId: "app-1" })), tenant("b0", { entraClientId: "app-2" })];
    const plan = planShares(tenants, 3);
    expect(plan.shares.get("a0")!.settings).to.deep.equal({});
    expect(plan.budgets.get("graph-writes:app-2")!.tenants).to.equal(1);
    const many = planShares([...tenants, ...Array.from({ length: 40 }, (_, i) => tenant(`c${i}`, { entraClientId: "app-1" }))], 40);
    expect(many.shares.get("b0")!.settings, "app-2 alone keeps its quota").to.deep.equal({});
    expect(many.shares.get("c0")!.settings.graphWritesPer150Seconds).to.equal("875");
  });

  it("a Google project budget is split among its customers; tenants impersonating one admin share that admin's quota", () => {
    const shared = { googleCredentialsFile: "/k.json", googleAdminEmail: "admin@msp.com" };
    const plan = planShares([tenant("g1", shared, false), tenant("g2", shared, false), tenant("g3", { googleCredentialsFile: "/k.json", googleAdminEmail: "admin@g3.com" }, false)], 4, { googleQueriesPerMinutePerProject: 3000 });
    expect(plan.shares.get("g1")!.settings).to.deep.equal({ googleQuotaPerMinute: "1000" });
    expect(plan.shares.get("g3")!.settings).to.deep.equal({ googleQuotaPerMinute: "1000" });
    const noProject = planShares([tenant("g1", shared, false), tenant("g2", shared, false)], 4);
    expect(noProject.shares.get("g1")!.settings).to.deep.equal({ googleQuotaPerMinute: "1200" });
  });

  it("estimates a finished up's writes from its summary, per service", () => {
    const row = (service: "google" | "entra", change: string, added: number) => ({ service, change, added: Array(added).fill("x"), removed: [], leaving: [], roles: [], settings: [], aliasesAdded: [], aliasesRemoved: [], renames: [] });
    const summary = { rows: [row("google", "created", 5), row("entra", "updated", 2), row("entra", "unchanged", 0)] } as unknown as Summary;
    expect(writesOf(summary, "google")).to.equal(8);
    expect(writesOf(summary, "entra")).to.equal(5);
    expect(writesOf(undefined, "entra")).to.equal(undefined);
  });
});

describe("fleet: admission (concurrency and budget windows)", () => {
  let clock: sinon.SinonFakeTimers;
  beforeEach(() => (clock = sinon.useFakeTimers()));
  afterEach(() => clock.restore());

  const budget: Budget = { id: "w", label: "w", amount: 10, windowMs: 300_000, kind: "writes", service: "entra", tenants: 3 };

  it("runs at most N at once, in order", async () => {
    const gate = new Admission(2, new Map());
    const started: string[] = [];
    for (const name of ["a", "b", "c"]) void gate.acquire([]).then(() => started.push(name));
    await clock.tickAsync(0);
    expect(started).to.deep.equal(["a", "b"]);
    gate.release([], []);
    await clock.tickAsync(0);
    expect(started).to.deep.equal(["a", "b", "c"]);
  });

  it("holds a tenant while running shares and recent spending fill its budget, until the spending's window has passed", async () => {
    const gate = new Admission(5, new Map([["w", budget]]));
    const started: string[] = [];
    const use = [{ budget: "w", amount: 6 }];
    void gate.acquire(use).then(() => started.push("a"));
    void gate.acquire(use).then(() => started.push("b"));
    void gate.acquire([]).then(() => started.push("other"));
    await clock.tickAsync(0);
    expect(started, "b waits for room; a tenant of no budget goes ahead").to.deep.equal(["a", "other"]);
    gate.release(use, [{ budget: "w", amount: 5 }]);
    await clock.tickAsync(0);
    expect(started, "a's writes still count for 5 minutes").to.deep.equal(["a", "other"]);
    expect(gate.inUse("w")).to.equal(5);
    await clock.tickAsync(300_001);
    expect(started).to.deep.equal(["a", "other", "b"]);
  });

  it("a finished tenant that wrote nothing frees its share at once", async () => {
    const gate = new Admission(5, new Map([["w", budget]]));
    const started: string[] = [];
    const use = [{ budget: "w", amount: 6 }];
    void gate.acquire(use).then(() => started.push("a"));
    void gate.acquire(use).then(() => started.push("b"));
    await clock.tickAsync(0);
    gate.release(use, [{ budget: "w", amount: 0 }]);
    await clock.tickAsync(0);
    expect(started).to.deep.equal(["a", "b"]);
  });
});

describe("fleet: chunks, config, exit status and the CLI's arguments", () => {
  it("splits 600 tenants into 3 matrix chunks of 200 that cover every tenant once", () => {
    const all = Array.from({ length: 600 }, (_, i) => tenant(`t${i}`));
    const chunks = [0, 1, 2].map((index) => selectTenants(all, undefined, { index, count: 3 }));
    expect(chunks.map((c) => c.length)).to.deep.equal([200, 200, 200]);
    expect(new Set(chunks.flat().map((t) => t.name)).size).to.equal(600);
    expect(selectTenants(all, ["t5", "t7"]).map((t) => t.name)).to.deep.equal(["t5", "t7"]);
    expect(() => selectTenants(all, ["nobody"])).to.throw(/no tenant named "nobody"/);
  });

  it("writes a tenant's stack config: program settings under the project's name, paths inside the project relative to it", () => {
    const t: Tenant = { ...tenant("acme"), settings: { googleCredentialsFile: "/secure/acme.json", entraClientSecretFile: "/proj/secrets/app.txt", entraClientId: "app-1" }, groupsFile: "/proj/tenants/acme/groups.yaml" };
    expect(tenantConfig(t, { dir: "/proj", name: "group-export" }, { graphWritesPer150Seconds: "1750" })).to.deep.equal({
      "group-export:groupsFile": "tenants/acme/groups.yaml",
      "group-export:googleDomains": "acme.example.com",
      "group-export:entraTenantId": GUID,
      "groupExport:googleCredentialsFile": "/secure/acme.json",
      "groupExport:entraClientSecretFile": "secrets/app.txt",
      "groupExport:entraClientId": "app-1",
      "groupExport:graphWritesPer150Seconds": "1750",
    });
  });

  it("exits 2 when a tenant failed, 1 when the drift check found drift, else 0", () => {
    const r = (status: "succeeded" | "failed", changed: boolean) => ({ status, changed }) as TenantResult;
    expect(fleetExitCode("up", [r("succeeded", true), r("failed", false)])).to.equal(2);
    expect(fleetExitCode("refresh", [r("succeeded", true)])).to.equal(1);
    expect(fleetExitCode("up", [r("succeeded", true)])).to.equal(0);
    expect(fleetExitCode("refresh", [r("succeeded", false)])).to.equal(0);
  });

  it("takes one line out of a CLI failure", () => {
    expect(errorLine(new Error("code: 255\n stdout: \n stderr: warning: x\nerror: stack 'acme' is locked by another update\n"))).to.equal("stack 'acme' is locked by another update");
    // A long cause is cut in its details, never in its fix.
    const long = errorLine(new Error(`stderr: error: resource 'tenant' has a problem: wrong client secret (AADSTS7000215: ${"x".repeat(900)}). Fix: put the secret's Value in groupExport:entraClientSecretFile\n`));
    expect(long.length).to.be.at.most(600);
    expect(long).to.match(/^resource 'tenant' has a problem: wrong client secret \(AADSTS7000215: x+… Fix: put the secret's Value in groupExport:entraClientSecretFile$/);
  });

  it("parses its arguments and refuses what it does not know", () => {
    expect(parseFleetArguments(["up", "--tenants", "t.yaml", "--concurrency", "3", "--chunk", "2/5", "--tenant", "acme"], {})).to.deep.equal({
      command: "up", tenants: "t.yaml", concurrency: 3, chunk: { index: 1, count: 5 }, only: ["acme"], format: "text",
    });
    expect(parseFleetArguments(["refresh", "--tenants", "t.yaml"], { CI: "true" }).format).to.equal("markdown");
    expect(() => parseFleetArguments(["destroy", "--tenants", "t.yaml"], {})).to.throw(/unknown command "destroy"/);
    expect(() => parseFleetArguments(["up"], {})).to.throw(/--tenants is required/);
    expect(() => parseFleetArguments(["up", "--tenants", "t", "--chunk", "6/5"], {})).to.throw(/K\/N/);
    expect(() => parseFleetArguments(["up", "--tenants", "t", "--concurrency", "0"], {})).to.throw(/at least 1/);
    // --help is an answer (stdout, exit 0), no command a usage error (stderr, exit 2).
    expect(() => parseFleetArguments(["--help"], {})).to.throw(HelpRequested, /^Usage|usage/);
    expect(() => parseFleetArguments([], {})).to.throw(Error).that.is.not.instanceOf(HelpRequested);
  });
});
