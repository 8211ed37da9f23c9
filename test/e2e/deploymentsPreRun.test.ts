import { expect } from "chai";
import { execFile } from "node:child_process";
import { copyFileSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { planShares, readTenantsFile, tenantConfig } from "pulumi-group-export";
import { planTenantDeployments } from "../../examples/deployments/tenantDeployments";
import { PulumiWorkspace, REPO_ROOT } from "../support/pulumiCli";

/**
 * A deployment writes its tenant's stack config with the pre-run command examples/deployments
 * declares. Here the real CLI runs that command, as the deployment's shell would, on a stack of
 * the root project (a local backend: its organization is "organization"), and the stack ends up
 * with exactly the config `group-export-fleet` writes for the same tenant.
 */
describe("examples/deployments: the pre-run command writes the config the fleet would (real CLI)", () => {
  it("gives every tenant's stack the fleet's config, its budget share and odd values intact", async () => {
    const tenants = join(mkdtempSync(join(tmpdir(), "deployments-e2e-")), "tenants.yaml");
    writeFileSync(
      tenants,
      [
        `project: ${REPO_ROOT}`,
        "budgets: { graphWritesPer5Minutes: 8000 }",
        "defaults: { settings: { entraClientId: 00000000-0000-0000-0000-00000000aaaa } }",
        "tenants:",
        "  - name: acme",
        `    groupsFile: ${join(REPO_ROOT, "examples/fleet/tenants/acme/groups.yaml")}`,
        "    google: { domains: [acme.example, acme-eu.example], customerId: C01abcde }",
        "    entra: { tenantId: 11111111-1111-1111-1111-111111111111 }",
        "    settings: { googleAdminEmail: \"o'brien admin@acme.example\", googleQuotaPerMinute: 600 }",
        "  - name: globex",
        `    groupsFile: ${join(REPO_ROOT, "examples/fleet/tenants/globex/groups.yaml")}`,
        "    entra: { tenantId: 22222222-2222-2222-2222-222222222222 }",
      ].join("\n"),
    );
    const deployments = planTenantDeployments({ tenantsFile: tenants, organization: "organization", repoUrl: "https://git.example.com/groups.git", maxConcurrentDeployments: 2 }, join(REPO_ROOT, "examples/deployments"));

    // A copy of the root project's Pulumi.yaml: the command writes Pulumi.<stack>.yaml beside it.
    const project = mkdtempSync(join(tmpdir(), "deployments-e2e-project-"));
    copyFileSync(join(REPO_ROOT, "Pulumi.yaml"), join(project, "Pulumi.yaml"));
    const cli = new PulumiWorkspace(project);
    const file = readTenantsFile(tenants);
    const shares = planShares(file.tenants, 2, file.budgets);
    for (const d of deployments) {
      await cli.ok(["stack", "init", `organization/group-export/${d.stack}`]);
      const command = (d.settings.operationContext as { preRunCommands: string[] }).preRunCommands[0]!;
      expect(command).to.match(/^pulumi config set-all /);
      await promisify(execFile)("bash", ["-c", command], { cwd: project, env: cli.environment() });

      const written = JSON.parse((await cli.ok(["config", "--json", "--stack", `organization/group-export/${d.stack}`])).stdout) as Record<string, { value: string }>;
      const tenant = file.tenants.find((t) => t.name === d.tenant)!;
      const fleet = tenantConfig(tenant, { dir: REPO_ROOT, name: "group-export" }, shares.shares.get(tenant.name)!.settings);
      // The root project's defaults (groupsFile, source) show too; what the tenant sets must be exactly the fleet's.
      const own = Object.fromEntries(Object.keys(fleet).map((k) => [k, written[k]?.value]));
      expect(own).to.deep.equal(fleet);
    }
    const acme = JSON.parse((await cli.ok(["config", "--json", "--stack", "organization/group-export/acme"])).stdout) as Record<string, { value: string }>;
    expect(acme["groupExport:googleAdminEmail"]!.value).to.equal("o'brien admin@acme.example");
    expect(acme["group-export:googleDomains"]!.value).to.equal("acme.example,acme-eu.example");
    expect(acme["groupExport:graphWritesPer150Seconds"]!.value).to.equal("2000");
  });
});
