/**
 * Pulumi Deployments for a fleet, managed as code: per tenant stack of the root project (the same
 * tenants file `group-export-fleet` reads), its deployment settings, a drift schedule and,
 * optionally, a scheduled preview, with the `pulumiservice` provider (README.md beside this file).
 *
 * Nothing here holds a secret: a tenant's stack config is its tenants-file entry (paths, ids,
 * numbers), written by a pre-run command; its credentials come from Pulumi ESC environments the
 * stack imports, opened by the CLI inside the deployment.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as pulumiservice from "@pulumi/pulumiservice";
import { planShares, readTenantsFile, tenantConfig, TenantsFileError, type Tenant, type TenantsFile, type TenantsFileProblem } from "pulumi-group-export";
import { LineCounter, parse as parseYaml, parseDocument } from "yaml";
import { z } from "zod";

/** Settings that name a credential file, and the variable the provider reads instead when the setting is absent (docs/guides/credentials.md). */
export const CREDENTIAL_VARIABLES: Record<string, string> = {
  googleCredentialsFile: "GOOGLE_APPLICATION_CREDENTIALS (a file) or GROUP_EXPORT_GOOGLE_CREDENTIALS (the key JSON)",
  entraClientSecretFile: "AZURE_CLIENT_SECRET",
  entraClientCertificatePath: "AZURE_CLIENT_CERTIFICATE_PATH (a file)",
  entraFederatedTokenFile: "AZURE_FEDERATED_TOKEN_FILE (a file)",
  jumpcloudApiKeyFile: "JUMPCLOUD_API_KEY",
};

/** Variable names that hold a secret: refused as plain deployment variables (put them in an ESC environment). */
const SECRET_NAME = /SECRET|TOKEN|PASSWORD|PASSPHRASE|CREDENTIAL|PRIVATE|API_?KEY|ACCESS_?KEY/i;
const CRON = /^\S+( \S+){4}$/;

/** This program's stack config (namespace `group-export-deployments`), the single source of its defaults. */
export const deploymentsConfigSchema = z.strictObject({
  /** The fleet's tenants file, relative to this folder. */
  tenantsFile: z.string().trim().min(1).default("../fleet/tenants.yaml"),
  /** The Pulumi Cloud organization of the tenant stacks (a stack named `org/name` in the tenants file names its own). */
  organization: z.string().trim().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/).optional(),
  /** Where a deployment clones the root project from: a git URL (`repoUrl`) or a repository of the Pulumi GitHub App (`githubRepository`, `owner/repo`). */
  repoUrl: z.string().trim().min(1).optional(),
  githubRepository: z.string().trim().regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/).optional(),
  branch: z.string().trim().min(1).default("main"),
  /** The root project's folder in the repository (default: found from the local clone's `.git`). */
  repoDir: z.string().trim().optional(),
  /** ESC environments every tenant stack imports (`{tenant}` is replaced by the tenant's name): its credentials. */
  environments: z.array(z.string().trim().regex(/^[A-Za-z0-9{}_.\/-]+$/)).default(["group-export/credentials"]),
  /** Plain, non-secret variables of every deployment (e.g. GROUP_EXPORT_READ_ONLY). */
  environmentVariables: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), z.string()).default({}),
  /** Commands that install and build the root project before the run (then the executor's own install is skipped). */
  installCommands: z.array(z.string().min(1)).optional(),
  /** The drift check of every tenant stack (cron, UTC). */
  driftCron: z.string().trim().regex(CRON).default("0 5 * * *"),
  /** Whether a drift run is followed by `pulumi up --refresh` (off: drift is reported, never reverted unasked). */
  autoRemediate: z.boolean().default(false),
  /** A scheduled `preview` of every tenant stack (cron, UTC); none by default. */
  previewCron: z.string().trim().regex(CRON).optional(),
  /** Push-to-deploy (GitHub App only): `pulumi up` on a commit touching the tenant's groups file or the root project. */
  deployCommits: z.boolean().default(false),
  /** How many tenant deployments may run at once (your organization's deployment concurrency): each tenant's quota settings get 1/this of the application-wide budgets. Default: every tenant. */
  maxConcurrentDeployments: z.number().int().positive().optional(),
  /** Create the tenant stacks (off when the fleet already made them). */
  createStacks: z.boolean().default(true),
});
export type DeploymentsConfig = z.input<typeof deploymentsConfigSchema>;

/** What one tenant stack gets: every input of its resources, computed before any resource is declared. */
export interface TenantDeployment {
  tenant: string;
  organization: string;
  project: string;
  stack: string;
  settings: pulumiservice.DeploymentSettingsArgs;
  drift: pulumiservice.DriftScheduleArgs;
  preview?: pulumiservice.DeploymentScheduleArgs;
  /** Its quota settings lowered to its share of the application-wide budgets. */
  shares: Record<string, string>;
  /** Credential-file settings of the tenants file left out (their files are not in the repository), with the variable its ESC environment must set instead. */
  credentialsFromEnvironment: Record<string, string>;
}

/** The repository holding a folder (the nearest `.git` above it), or the folder itself. */
function repositoryOf(dir: string): string {
  for (let d = dir; ; d = dirname(d)) {
    if (existsSync(join(d, ".git"))) return d;
    if (dirname(d) === d) return dir;
  }
}

function projectName(dir: string): string {
  for (const name of ["Pulumi.yaml", "Pulumi.yml"]) {
    const file = join(dir, name);
    if (!existsSync(file)) continue;
    const doc = parseYaml(readFileSync(file, "utf8")) as { name?: unknown } | null;
    if (typeof doc?.name === "string") return doc.name;
  }
  throw new Error(`${dir} holds no Pulumi.yaml with a project name: set project in the tenants file to the folder of the root project`);
}

/** Where a node of a YAML file starts (line and column, 1-based), to name it in a problem. */
function positions(file: string): (path: (string | number)[]) => { line: number; column: number } | undefined {
  const lineCounter = new LineCounter();
  const doc = parseDocument(readFileSync(file, "utf8"), { lineCounter });
  return (path) => {
    const node = doc.getIn(path, true) as { range?: [number, number, number] } | undefined;
    if (!node?.range) return undefined;
    const { line, col } = lineCounter.linePos(node.range[0]);
    return { line, column: col };
  };
}

/** One shell word: single-quoted unless plainly safe (each pre-run command runs in a shell of its own). */
export function shellWord(word: string): string {
  return /^[A-Za-z0-9_./:@=,+-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

const inside = (root: string, p: string) => p === root || p.startsWith(root.endsWith(sep) ? root : root + sep);
const posix = (p: string) => p.split(sep).join("/");

/**
 * Every tenant's deployment settings and schedules, from the tenants file and this program's
 * config. Throws a TenantsFileError (file:line, the cause and the fix, all problems at once) for a
 * tenant the deployments cannot run as it stands.
 */
export function planTenantDeployments(config: DeploymentsConfig, baseDir: string): TenantDeployment[] {
  const parsed = deploymentsConfigSchema.safeParse(config);
  if (!parsed.success) {
    throw new Error(`group-export-deployments config: ${parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ")}. Fix: set it with \`pulumi config set\` as README.md (examples/deployments) shows`);
  }
  const c = parsed.data;
  if (!c.repoUrl && !c.githubRepository) throw new Error("group-export-deployments config: no source: set repoUrl (a git URL) or githubRepository (owner/repo, through the Pulumi GitHub App) to the repository holding the root project");
  if (c.deployCommits && !c.githubRepository) throw new Error("group-export-deployments config: deployCommits needs githubRepository (push-to-deploy comes through the Pulumi GitHub App)");
  if (c.previewCron !== undefined && c.previewCron === c.driftCron) throw new Error(`group-export-deployments config: previewCron and driftCron are both "${c.driftCron}": a stack runs one deployment at a time, so the second would only queue behind the first; give the preview another time`);
  for (const name of Object.keys(c.environmentVariables)) {
    if (SECRET_NAME.test(name)) throw new Error(`group-export-deployments config: environmentVariables.${name} looks like a secret: deployment settings are no place for one; put it under environmentVariables in an ESC environment listed in environments`);
  }

  const file: TenantsFile = readTenantsFile(resolve(baseDir, c.tenantsFile));
  const project = projectName(file.project);
  const repository = repositoryOf(file.project);
  const repoDir = c.repoDir ?? (posix(relative(repository, file.project)) || ".");
  // Deployments of all tenants may run at once (up to the organization's concurrency): each gets its share.
  const plan = planShares(file.tenants, c.maxConcurrentDeployments ?? file.tenants.length, file.budgets);
  const problems: TenantsFileProblem[] = [];
  const where = positions(file.file);
  const problem = (t: Tenant, field: "stack" | "groupsFile", message: string, fix: string) => {
    const index = file.tenants.indexOf(t);
    // The field's own place when the tenant gives it (a stack may come from stackPrefix + name).
    const at = where(["tenants", index, field]) ?? where(["tenants", index, "name"]) ?? { line: t.line, column: 1 };
    problems.push({ file: file.file, ...at, field: `tenant "${t.name}": ${field}`, message, fix });
  };

  const deployments = file.tenants.map((tenant): TenantDeployment => {
    const parts = tenant.stack.split("/");
    const stack = parts[parts.length - 1]!;
    const organization = (parts.length > 1 ? parts[0] : c.organization) ?? "";
    if (parts.length === 3 && parts[1] !== project) problem(tenant, "stack", `"${tenant.stack}" names project "${parts[1]}", but the root project is "${project}"`, `name the stack org/${stack} or ${stack}`);
    if (!organization) problem(tenant, "stack", `"${tenant.stack}" names no Pulumi Cloud organization`, "set the organization in this program's config (pulumi config set organization myorg) or stackPrefix: myorg/ in the tenants file");
    if (c.organization && parts.length > 1 && organization !== c.organization) problem(tenant, "stack", `"${tenant.stack}" is in organization "${organization}", this program's config says "${c.organization}"`, "keep every tenant stack in the configured organization");

    const shares = plan.shares.get(tenant.name)?.settings ?? {};
    const config = tenantConfig(tenant, { dir: file.project, name: project }, shares);
    const credentialsFromEnvironment: Record<string, string> = {};
    // A deployment runs in a fresh clone: a path works there only when it is inside the repository.
    for (const [key, value] of Object.entries(config)) {
      const setting = key.slice(key.indexOf(":") + 1);
      const isPath = key === `${project}:groupsFile` || setting in CREDENTIAL_VARIABLES;
      if (!isPath) continue;
      const absolute = isAbsolute(value) ? value : resolve(file.project, value);
      if (inside(repository, absolute)) {
        config[key] = posix(relative(file.project, absolute));
        continue;
      }
      if (setting in CREDENTIAL_VARIABLES) {
        // A key kept on the fleet's machine: in Deployments the tenant's ESC environment gives it.
        delete config[key];
        credentialsFromEnvironment[`groupExport:${setting}`] = CREDENTIAL_VARIABLES[setting]!;
      } else {
        problem(tenant, "groupsFile", `${absolute} is outside the repository ${repository}, so a deployment (a fresh clone of it) cannot read it`, "keep the tenant's groups file in the repository that holds the root project");
      }
    }

    const qualified = `${organization}/${project}/${stack}`;
    const environments = c.environments.map((e) => e.replaceAll("{tenant}", tenant.name));
    const setAll = ["pulumi config set-all", "--stack", shellWord(qualified), ...Object.entries(config).sort(([a], [b]) => a.localeCompare(b)).flatMap(([k, v]) => ["--plaintext", shellWord(`${k}=${v}`)])].join(" ");
    const preRunCommands = [
      ...(c.installCommands ?? []),
      setAll,
      ...(environments.length > 0 ? [["pulumi config env add", ...environments.map(shellWord), "--stack", shellWord(qualified), "--yes"].join(" ")] : []),
    ];
    const inRepo = (p: string) => posix(join(repoDir, p)).replace(/^\.\//, "");
    const paths = [
      ...(tenant.groupsFile && inside(repository, tenant.groupsFile) ? [posix(relative(repository, tenant.groupsFile))] : []),
      inRepo("Pulumi.yaml"), inRepo("package.json"), inRepo("package-lock.json"), inRepo("*.js"),
    ];
    const ids = { organization, project, stack };
    return {
      tenant: tenant.name,
      ...ids,
      shares: Object.fromEntries(Object.entries(shares).filter((e): e is [string, string] => e[1] !== undefined)),
      credentialsFromEnvironment,
      settings: {
        ...ids,
        sourceContext: { git: { branch: c.branch, repoDir, ...(c.githubRepository ? {} : { repoUrl: c.repoUrl }) } },
        ...(c.githubRepository ? { vcs: { provider: "github", repository: c.githubRepository, deployCommits: c.deployCommits, previewPullRequests: false, paths } } : {}),
        operationContext: {
          preRunCommands,
          environmentVariables: c.environmentVariables,
          // Pushes that queue behind a running deployment of the stack collapse into the newest.
          options: { skipIntermediateDeployments: true, ...(c.installCommands ? { skipInstallDependencies: true } : {}) },
        },
      },
      drift: { ...ids, scheduleCron: c.driftCron, autoRemediate: c.autoRemediate },
      ...(c.previewCron ? { preview: { ...ids, pulumiOperation: pulumiservice.PulumiOperation.Preview, scheduleCron: c.previewCron } } : {}),
    };
  });
  if (problems.length > 0) throw new TenantsFileError(problems);
  return deployments;
}

export interface TenantSummary {
  stack: string;
  shares: Record<string, string>;
  credentialsFromEnvironment: Record<string, string>;
}

/** Declares each tenant's resources: its stack (optional), deployment settings, drift schedule and preview schedule. */
export function declareTenantDeployments(deployments: readonly TenantDeployment[], options: { createStacks: boolean }): { resources: pulumi.CustomResource[]; tenants: Record<string, TenantSummary> } {
  const resources: pulumi.CustomResource[] = [];
  const tenants: Record<string, TenantSummary> = {};
  for (const d of deployments) {
    // A tenant dropped from the file keeps its stack and history: removing its groups is a decision of its own (`pulumi destroy`).
    const stack = options.createStacks
      ? new pulumiservice.Stack(d.tenant, { organizationName: d.organization, projectName: d.project, stackName: d.stack }, { retainOnDelete: true })
      : undefined;
    const settings = new pulumiservice.DeploymentSettings(d.tenant, d.settings, stack ? { dependsOn: [stack] } : {});
    // Schedules need the settings their deployments run with.
    const drift = new pulumiservice.DriftSchedule(`${d.tenant}-drift`, d.drift, { dependsOn: [settings] });
    const preview = d.preview ? new pulumiservice.DeploymentSchedule(`${d.tenant}-preview`, d.preview, { dependsOn: [settings] }) : undefined;
    for (const r of [stack, settings, drift, preview]) if (r) resources.push(r);
    tenants[d.tenant] = { stack: `${d.organization}/${d.project}/${d.stack}`, shares: d.shares, credentialsFromEnvironment: d.credentialsFromEnvironment };
  }
  return { resources, tenants };
}
