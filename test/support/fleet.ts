import { copyFileSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { stringify } from "yaml";
import { generateSandboxTls, startSandbox, type Sandbox } from "../../provider/sandbox";
import type { FleetCommand, FleetOptions, FleetResult } from "../../provider/fleet/runFleet";
import { runFleet } from "../../provider/fleet/runFleet";
import { ensureEngine, REPO_ROOT } from "./pulumiCli";

/** One tenant of a test fleet: its own sandbox (a Google customer and an Entra tenant) and groups file. */
export interface FleetTenant {
  name: string;
  domain: string;
  sandbox: Sandbox;
  groupsFile: string;
  people: string[];
}

/** Two user groups of a tenant, exported to both of its directories. */
export function tenantGroupsYaml(domain: string, engineering: string[]): string {
  return stringify({
    version: 1,
    groups: [
      { name: "Engineering", email: `engineering@${domain}`, users: engineering.map((u) => `${u}@${domain}`) },
      { name: "Sales", email: `sales@${domain}`, users: [`carol@${domain}`] },
    ],
  });
}

/**
 * A fleet as a service provider runs it: the root project (Pulumi.yaml, export-groups.js) in a
 * folder of its own with a groups file per tenant and a tenants file, a file backend and one
 * PULUMI_HOME; each tenant a sandbox of its own, all trusting one CA (one NODE_EXTRA_CA_CERTS).
 */
export class TestFleet {
  readonly dir = mkdtempSync(join(tmpdir(), "group-export-fleet-"));
  readonly tenantsFile = join(this.dir, "tenants.yaml");
  readonly tenants: FleetTenant[] = [];
  /** Settings a test gives a tenant instead of its sandbox's (e.g. a wrong secret file). */
  readonly overrides = new Map<string, Record<string, string>>();
  private env: Record<string, string> = {};

  static async start(count: number, people = ["alice", "bob", "carol", "dave"]): Promise<TestFleet> {
    const fleet = new TestFleet();
    const tls = await generateSandboxTls();
    // The root project as a user copies it; its node_modules are this clone's (the package links to its own build).
    for (const f of ["Pulumi.yaml", "export-groups.js"]) copyFileSync(join(REPO_ROOT, f), join(fleet.dir, f));
    writeFileSync(join(fleet.dir, "package.json"), JSON.stringify({ name: "group-export-fleet-test", private: true }));
    symlinkSync(join(REPO_ROOT, "node_modules"), join(fleet.dir, "node_modules"));
    for (let i = 1; i <= count; i++) {
      const name = `tenant-${i}`;
      const domain = `t${i}.example.com`;
      const addresses = people.map((p) => `${p}@${domain}`);
      const sandbox = await startSandbox({
        tls,
        google: { domains: [domain], admins: [`admin@${domain}`], users: addresses.map((primaryEmail) => ({ primaryEmail })) },
        entra: { users: addresses.map((userPrincipalName) => ({ userPrincipalName })) },
      });
      const groupsFile = join(fleet.dir, "tenants", name, "groups.yaml");
      mkdirSync(dirname(groupsFile), { recursive: true });
      writeFileSync(groupsFile, tenantGroupsYaml(domain, ["alice", "bob"]));
      fleet.tenants.push({ name, domain, sandbox, groupsFile, people: addresses });
    }
    const root = mkdtempSync(join(tmpdir(), "group-export-fleet-pulumi-"));
    mkdirSync(join(root, "state"));
    mkdirSync(join(root, "home"));
    fleet.env = {
      PATH: `${ensureEngine()}:${process.env.PATH}`,
      PULUMI_HOME: join(root, "home"),
      PULUMI_BACKEND_URL: `file://${join(root, "state")}`,
      PULUMI_CONFIG_PASSPHRASE: "group-export-test-passphrase",
      PULUMI_SKIP_UPDATE_CHECK: "true",
      NO_COLOR: "1",
      NODE_EXTRA_CA_CERTS: fleet.tenants[0]!.sandbox.caPath,
    };
    fleet.writeTenantsFile();
    return fleet;
  }

  /** Writes tenants.yaml: each tenant's directories and its sandbox's settings (paths and URLs; the secret stays in its file). */
  writeTenantsFile(): void {
    const tenants = this.tenants.map((t) => {
      const settings = Object.fromEntries(
        Object.entries(t.sandbox.providerConfig())
          .filter(([k]) => k !== "groupExport:entraTenantId")
          .map(([k, v]) => [k.replace(/^groupExport:/, ""), v.value]),
      );
      return {
        name: t.name,
        groupsFile: `tenants/${t.name}/groups.yaml`,
        google: { domains: [t.domain] },
        entra: { tenantId: t.sandbox.entra.tenantId },
        settings: { ...settings, ...this.overrides.get(t.name) },
      };
    });
    writeFileSync(this.tenantsFile, stringify({ version: 1, project: ".", tenants }));
  }

  async run(command: FleetCommand, concurrency: number, extra: Partial<FleetOptions> = {}): Promise<{ result: FleetResult; progress: string[] }> {
    const { PulumiCommand } = await import("@pulumi/pulumi/automation/index.js");
    const pulumiCommand = await PulumiCommand.get({ root: dirname(ensureEngine()), skipVersionCheck: true });
    const progress: string[] = [];
    const result = await runFleet({
      command,
      tenants: this.tenantsFile,
      concurrency,
      env: this.env,
      pulumiHome: this.env.PULUMI_HOME,
      pulumiCommand,
      heartbeatMs: 0,
      onProgress: (p) => progress.push(p.kind === "done" ? `done ${p.result.tenant} ${p.result.status}` : `${p.kind} ${p.tenant}`),
      ...extra,
    });
    return { result, progress };
  }

  async close(): Promise<void> {
    for (const t of this.tenants) await t.sandbox.close();
  }
}
