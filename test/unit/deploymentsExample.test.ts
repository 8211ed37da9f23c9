import * as pulumi from "@pulumi/pulumi";
import { expect } from "chai";
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { TenantsFileError } from "pulumi-group-export";
import { declareTenantDeployments, planTenantDeployments, type DeploymentsConfig } from "../../examples/deployments/tenantDeployments";

// examples/deployments is a Pulumi program of pulumiservice resources; there is no Pulumi Cloud
// here, so Pulumi's mocks run it and record every resource's inputs, as the engine would send them.
const ROOT = resolve(__dirname, "../..");
const EXAMPLE = join(ROOT, "examples/deployments");
const ACME_GROUPS = join(ROOT, "examples/fleet/tenants/acme/groups.yaml");

interface Registered {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
}
const registered: Registered[] = [];
const ofType = (type: string) => registered.filter((r) => r.type === `pulumiservice:index:${type}`);
const settled = (r: pulumi.CustomResource) => new Promise((done) => r.urn.apply(done));

function tenantsFile(lines: string[]): string {
  const file = join(mkdtempSync(join(tmpdir(), "deployments-unit-")), "tenants.yaml");
  writeFileSync(file, lines.join("\n"));
  return file;
}

const SOURCE = { repoUrl: "https://git.example.com/groups.git", branch: "main" } satisfies DeploymentsConfig;

async function run(config: DeploymentsConfig) {
  registered.length = 0;
  const { resources, tenants } = declareTenantDeployments(planTenantDeployments(config, EXAMPLE), { createStacks: config.createStacks ?? true });
  await Promise.all(resources.map(settled));
  return tenants;
}

describe("examples/deployments (Pulumi Deployments of every tenant stack, managed as code)", () => {
  before(async () => {
    await pulumi.runtime.setMocks(
      {
        newResource: (args) => {
          registered.push({ type: args.type, name: args.name, inputs: args.inputs as Record<string, unknown> });
          return { id: `${args.name}-id`, state: args.inputs };
        },
        call: (args) => args.inputs,
      },
      "group-export-deployments",
      "fleet",
    );
  });

  // Mocks and config are global to the process: leave no config behind for the next file.
  after(() => pulumi.runtime.setAllConfig({}));

  it("runs index.ts on examples/fleet/tenants.yaml: one stack, deployment settings and drift schedule per tenant, from the repository's root project", async () => {
    registered.length = 0;
    pulumi.runtime.setAllConfig({
      "group-export-deployments:organization": "myorg",
      "group-export-deployments:repoUrl": SOURCE.repoUrl,
      "group-export-deployments:branch": "release",
    });
    require("../../examples/deployments/index.ts");
    // The program declares its resources when loaded; the mocks see them once their inputs resolve.
    for (let waited = 0; ofType("DriftSchedule").length < 2 && waited < 5_000; waited += 20) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 100));

    const settings = ofType("DeploymentSettings");
    expect(settings.map((s) => s.inputs.stack)).to.deep.equal(["acme", "globex"]);
    expect(ofType("DriftSchedule").map((s) => [s.inputs.stack, s.inputs.scheduleCron, s.inputs.autoRemediate])).to.deep.equal([["acme", "0 5 * * *", false], ["globex", "0 5 * * *", false]]);
    expect(ofType("Stack").map((s) => s.inputs)).to.deep.equal([
      { organizationName: "myorg", projectName: "group-export", stackName: "acme" },
      { organizationName: "myorg", projectName: "group-export", stackName: "globex" },
    ]);
    expect(ofType("DeploymentSchedule")).to.have.length(0);
    for (const s of [...settings, ...ofType("DriftSchedule")]) expect(s.inputs).to.include({ organization: "myorg", project: "group-export" });

    const acme = settings[0]!.inputs as { sourceContext: unknown; operationContext: { preRunCommands: string[]; environmentVariables: unknown; options: unknown } };
    // The root project is the repository's root (examples/fleet/tenants.yaml: project: ../..).
    expect(acme.sourceContext).to.deep.equal({ git: { branch: "release", repoDir: ".", repoUrl: SOURCE.repoUrl } });
    expect(acme.operationContext.preRunCommands).to.deep.equal([
      "pulumi config set-all --stack myorg/group-export/acme" +
        " --plaintext group-export:entraTenantId=11111111-1111-1111-1111-111111111111" +
        " --plaintext group-export:googleDomains=acme.example" +
        " --plaintext group-export:groupsFile=examples/fleet/tenants/acme/groups.yaml" +
        " --plaintext groupExport:entraClientId=00000000-0000-0000-0000-00000000aaaa" +
        " --plaintext groupExport:googleAdminEmail=admin@acme.example",
      "pulumi config env add group-export/credentials --stack myorg/group-export/acme --yes",
    ]);
    expect(acme.operationContext.environmentVariables).to.deep.equal({});
    expect(acme.operationContext.options).to.deep.equal({ skipIntermediateDeployments: true });
    const globex = settings[1]!.inputs as { operationContext: { preRunCommands: string[] } };
    expect(globex.operationContext.preRunCommands[0]).to.contain("--plaintext groupExport:graphResourceUnitsPer10Seconds=8000").and.not.contain("googleDomains");
  });

  it("gives each tenant its share of the application's Graph budget for the deployments that may run at once", async () => {
    const file = tenantsFile([
      "project: " + ROOT,
      "stackPrefix: myorg/",
      "budgets: { graphWritesPer5Minutes: 8000 }",
      "defaults: { settings: { entraClientId: 00000000-0000-0000-0000-00000000aaaa } }",
      "tenants:",
      ...["a", "b", "c", "d"].flatMap((n, i) => [`  - name: ${n}`, `    groupsFile: ${ACME_GROUPS}`, `    entra: { tenantId: 1111111${i}-1111-1111-1111-111111111111 }`]),
    ]);
    // Every tenant at once (the default): 8,000 writes per 5 minutes over 4 tenants, each pacing per 150 s.
    const all = await run({ ...SOURCE, tenantsFile: file });
    expect(Object.values(all).map((t) => t.shares.graphWritesPer150Seconds)).to.deep.equal(["1000", "1000", "1000", "1000"]);
    for (const s of ofType("DeploymentSettings")) expect((s.inputs.operationContext as { preRunCommands: string[] }).preRunCommands[0]).to.contain("--plaintext groupExport:graphWritesPer150Seconds=1000");
    const two = await run({ ...SOURCE, tenantsFile: file, maxConcurrentDeployments: 2 });
    expect(Object.values(two).map((t) => t.shares.graphWritesPer150Seconds)).to.deep.equal(["2000", "2000", "2000", "2000"]);
    expect(Object.values(two).map((t) => t.stack)).to.deep.equal(["myorg/group-export/a", "myorg/group-export/b", "myorg/group-export/c", "myorg/group-export/d"]);
  });

  it("puts no secret in any input: credential files outside the repository are left to the tenant's ESC environment", async () => {
    const dir = mkdtempSync(join(tmpdir(), "deployments-secret-"));
    const secret = "s3cr3t-0f-the-entra-app";
    writeFileSync(join(dir, "entra-secret.txt"), secret);
    writeFileSync(join(dir, "google-key.json"), JSON.stringify({ type: "service_account", private_key: "-----BEGIN PRIVATE KEY-----\nMIIEv\n-----END PRIVATE KEY-----\n" }));
    const file = tenantsFile([
      "project: " + ROOT,
      "tenants:",
      "  - name: acme",
      `    groupsFile: ${ACME_GROUPS}`,
      "    google: { domains: [acme.example] }",
      "    entra: { tenantId: 11111111-1111-1111-1111-111111111111 }",
      "    settings:",
      `      entraClientSecretFile: ${join(dir, "entra-secret.txt")}`,
      `      googleCredentialsFile: ${join(dir, "google-key.json")}`,
      "      entraCredential: clientSecret",
    ]);
    const tenants = await run({ ...SOURCE, tenantsFile: file, organization: "myorg", environments: ["group-export/credentials", "group-export/{tenant}"], previewCron: "0 6 * * 1", autoRemediate: true, environmentVariables: { GROUP_EXPORT_READ_ONLY: "false" } });
    const inputs = JSON.stringify(registered.map((r) => r.inputs));
    expect(inputs).to.not.contain(secret).and.not.contain("PRIVATE KEY").and.not.contain(dir);
    expect(tenants.acme!.credentialsFromEnvironment).to.deep.equal({
      "groupExport:entraClientSecretFile": "AZURE_CLIENT_SECRET",
      "groupExport:googleCredentialsFile": "GOOGLE_APPLICATION_CREDENTIALS (a file) or GROUP_EXPORT_GOOGLE_CREDENTIALS (the key JSON)",
    });
    const commands = (ofType("DeploymentSettings")[0]!.inputs.operationContext as { preRunCommands: string[] }).preRunCommands;
    expect(commands[0]).to.contain("--plaintext groupExport:entraCredential=clientSecret");
    expect(commands[1]).to.equal("pulumi config env add group-export/credentials group-export/acme --stack myorg/group-export/acme --yes");
    expect(ofType("DriftSchedule")[0]!.inputs).to.include({ autoRemediate: true });
    expect(ofType("DeploymentSchedule").map((s) => s.inputs)).to.deep.equal([{ organization: "myorg", project: "group-export", stack: "acme", pulumiOperation: "preview", scheduleCron: "0 6 * * 1" }]);
    expect(() => planTenantDeployments({ ...SOURCE, tenantsFile: file, organization: "myorg", environmentVariables: { AZURE_CLIENT_SECRET: secret } }, EXAMPLE)).to.throw(
      "environmentVariables.AZURE_CLIENT_SECRET looks like a secret: deployment settings are no place for one; put it under environmentVariables in an ESC environment listed in environments",
    );
  });

  it("quotes a pre-run command so the shell passes each value as it is", async () => {
    const dir = mkdtempSync(join(tmpdir(), "deployments-quote-"));
    const file = tenantsFile(["project: " + ROOT, "tenants:", "  - name: acme", `    groupsFile: ${ACME_GROUPS}`, "    google: { domains: [acme.example] }", "    settings: { googleAdminEmail: \"o'brien admin@acme.example\" }"]);
    await run({ ...SOURCE, tenantsFile: file, organization: "myorg" });
    const command = (ofType("DeploymentSettings")[0]!.inputs.operationContext as { preRunCommands: string[] }).preRunCommands[0]!;
    expect(command).to.contain(`--plaintext 'groupExport:googleAdminEmail=o'\\''brien admin@acme.example'`);
    // The shell's own reading of the command's words (printf stands in for the CLI).
    const words = await promisify(execFile)("bash", ["-c", command.replace(/^pulumi config set-all/, "printf '%s\\n'")], { cwd: dir });
    expect(words.stdout.split("\n")).to.include("groupExport:googleAdminEmail=o'brien admin@acme.example");
  });

  it("fails naming file:line for a bad tenants file and for a tenant a deployment cannot run, before any resource", () => {
    const bad = tenantsFile(["project: " + ROOT, "tenants:", "  - name: acme", `    groupsFile: ${ACME_GROUPS}`, "    entra: { tenantid: 11111111-1111-1111-1111-111111111111 }"]);
    expect(() => planTenantDeployments({ ...SOURCE, tenantsFile: bad, organization: "myorg" }, EXAMPLE)).to.throw(TenantsFileError, `${bad}:5:14: tenants[0].entra.tenantid: unknown field "tenantid". Fix: did you mean "tenantId"?`);

    const outside = join(mkdtempSync(join(tmpdir(), "deployments-outside-")), "groups.yaml");
    writeFileSync(outside, "groups: []\n");
    const file = tenantsFile(["project: " + ROOT, "tenants:", "  - name: acme", `    groupsFile: ${ACME_GROUPS}`, "    google: { domains: [acme.example] }", "  - name: globex", `    groupsFile: ${outside}`, "    google: { domains: [globex.example] }"]);
    expect(() => planTenantDeployments({ ...SOURCE, tenantsFile: file, organization: "myorg" }, EXAMPLE)).to.throw(
      TenantsFileError,
      `${file}:7:17: tenant "globex": groupsFile: ${outside} is outside the repository ${ROOT}, so a deployment (a fresh clone of it) cannot read it. Fix: keep the tenant's groups file in the repository that holds the root project`,
    );
    // Every problem at once, each at its place.
    let error: unknown;
    try {
      planTenantDeployments({ ...SOURCE, tenantsFile: file }, EXAMPLE);
    } catch (caught) {
      error = caught;
    }
    expect(error).to.be.instanceOf(TenantsFileError);
    expect((error as TenantsFileError).problems.map((p) => `${p.line}:${p.column} ${p.field}`)).to.deep.equal(['3:11 tenant "acme": stack', '6:11 tenant "globex": stack', '7:17 tenant "globex": groupsFile']);
    expect((error as Error).message).to.contain(`${file}:3:11: tenant "acme": stack: "acme" names no Pulumi Cloud organization. Fix: set the organization in this program's config (pulumi config set organization myorg) or stackPrefix: myorg/ in the tenants file`);
    expect(() => planTenantDeployments({ tenantsFile: file, organization: "myorg" }, EXAMPLE)).to.throw("no source: set repoUrl (a git URL) or githubRepository");
  });

  it("push-to-deploy through the GitHub App deploys a tenant only for its own groups file and the root project", async () => {
    const file = tenantsFile(["project: " + ROOT, "tenants:", "  - name: acme", `    groupsFile: ${ACME_GROUPS}`, "    google: { domains: [acme.example] }"]);
    await run({ tenantsFile: file, organization: "myorg", githubRepository: "example/groups", deployCommits: true, installCommands: ["npm ci --no-audit --no-fund", "npm run build"] });
    const inputs = ofType("DeploymentSettings")[0]!.inputs as { sourceContext: unknown; vcs: unknown; operationContext: { preRunCommands: string[]; options: unknown } };
    expect(inputs.sourceContext).to.deep.equal({ git: { branch: "main", repoDir: "." } });
    expect(inputs.vcs).to.deep.include({ provider: "github", repository: "example/groups", deployCommits: true, previewPullRequests: false, paths: ["examples/fleet/tenants/acme/groups.yaml", "Pulumi.yaml", "package.json", "package-lock.json", "*.js"] });
    expect(inputs.operationContext.preRunCommands.slice(0, 2)).to.deep.equal(["npm ci --no-audit --no-fund", "npm run build"]);
    expect(inputs.operationContext.options).to.deep.equal({ skipIntermediateDeployments: true, skipInstallDependencies: true });
  });

  it("typechecks with its own tsconfig against the package's published types", async () => {
    const tsc = await promisify(execFile)(process.execPath, [join(ROOT, "node_modules/typescript/bin/tsc"), "-p", join(EXAMPLE, "tsconfig.json")], { cwd: ROOT }).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? String(error) }));
    expect(tsc.stdout).to.equal("");
  });
});
