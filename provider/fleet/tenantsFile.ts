/**
 * The tenants file of a fleet: one stack per Google customer or Entra tenant, each with its own
 * groups, directories and credentials (files, never secrets), read with positions so that every
 * problem names the file, the line, the field and the fix, all of them at once.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";
import { z } from "zod";
import { see } from "../contract/docs";
import { closest, describeIssue, type FileProblem, pathText, readYaml, valueAt } from "../contract/fileProblems";

/**
 * The provider settings a tenant may give (stack config `groupExport:<key>`, docs/guides/credentials.md
 * and docs/guides/scale.md). Every one is a path, an id, an address, a URL or a
 * number: a secret is never a setting, because the engine copies stack config into state.
 */
export const TENANT_SETTING_KEYS = [
  "googleCredentialsFile", "googleAdminEmail", "googleServiceAccountEmail", "googleApiRootUrl", "googleTokenUrl", "googleQuotaPerMinute",
  "entraCredential", "entraClientId", "entraClientSecretFile", "entraClientCertificatePath", "entraFederatedTokenFile", "entraAuthorityHost", "graphBaseUrl",
  "graphResourceUnitsPer10Seconds", "graphWritesPer150Seconds", "readOnly",
  "jumpcloudApiKeyFile", "jumpcloudOrgId", "jumpcloudBaseUrl", "jumpcloudRequestsPerMinute",
] as const;
export type TenantSettingKey = (typeof TENANT_SETTING_KEYS)[number];

/** Settings that name a file: a relative path is relative to the tenants file. */
export const PATH_SETTINGS: ReadonlySet<string> = new Set(["googleCredentialsFile", "entraClientSecretFile", "entraClientCertificatePath", "entraFederatedTokenFile", "jumpcloudApiKeyFile"]);

/** Names people reach for that would put a secret into stack config, and what to write instead. */
const SECRET_SETTINGS: Record<string, string> = {
  entraClientSecret: "entraClientSecretFile (a file holding the secret)",
  clientSecret: "entraClientSecretFile (a file holding the secret)",
  googleCredentials: "googleCredentialsFile (the key file's path)",
  googlePrivateKey: "googleCredentialsFile (the key file's path)",
  jumpcloudApiKey: "jumpcloudApiKeyFile (a file holding the key)",
};

const settingValue = z.union([z.string().trim().min(1), z.number(), z.boolean()]).transform(String);
const settingsSchema = z.partialRecord(z.enum(TENANT_SETTING_KEYS), settingValue);

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DOMAIN = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/i;

const tenantSchema = z.strictObject({
  /** The tenant's name: the stack's name unless `stack` says otherwise. */
  name: z.string().trim().regex(NAME),
  /** The stack (default: stackPrefix + name); `org/name` on Pulumi Cloud. */
  stack: z.string().trim().regex(/^[A-Za-z0-9][A-Za-z0-9._/-]{0,199}$/).optional(),
  /** The tenant's groups file, relative to the tenants file (default: none; then `source: jumpcloud`). */
  groupsFile: z.string().trim().min(1).optional(),
  /** Where the user groups come from (default groupsFile). */
  source: z.enum(["groupsFile", "jumpcloud"]).optional(),
  jumpcloud: z.strictObject({
    googleDirectory: z.string().trim().min(1).optional(),
    office365Directory: z.string().trim().min(1).optional(),
    onMissingEmail: z.enum(["fail", "skip"]).optional(),
  }).optional(),
  google: z.strictObject({
    domains: z.array(z.string().trim().regex(DOMAIN)).min(1),
    customerId: z.string().trim().min(1).optional(),
  }).optional(),
  entra: z.strictObject({ tenantId: z.string().trim().regex(UUID) }).optional(),
  settings: settingsSchema.optional(),
});
export type TenantEntry = z.infer<typeof tenantSchema>;

/** What one application or project may spend across all its tenants (docs/guides/fleet.md#the-tenants-file). */
const budgetsSchema = z.strictObject({
  /** Graph writes per application across its tenants in any 5 minutes (Microsoft: 70,000). */
  graphWritesPer5Minutes: z.number().int().positive().optional(),
  /** Graph identity-and-access resource units per application across its tenants in any 20 seconds (Microsoft: 150,000). */
  graphResourceUnitsPer20Seconds: z.number().int().positive().optional(),
  /** Directory API queries per minute of one Google Cloud project across its customers (no default: your project's quota page). */
  googleQueriesPerMinutePerProject: z.number().int().positive().optional(),
});
export type FleetBudgets = z.infer<typeof budgetsSchema>;

export const tenantsFileSchema = z.strictObject({
  version: z.literal(1).optional(),
  /** The Pulumi project every tenant's stack belongs to, relative to this file (default: this file's folder). */
  project: z.string().trim().min(1).optional(),
  /** Prefixed to each tenant's name to make its stack's (e.g. `myorg/`). */
  stackPrefix: z.string().trim().regex(/^[A-Za-z0-9._/-]*$/).optional(),
  /** How many tenants run at once (the CLI's --concurrency overrides it). */
  concurrency: z.number().int().min(1).max(64).optional(),
  budgets: budgetsSchema.optional(),
  /** Settings every tenant gets unless it gives its own. */
  defaults: z.strictObject({ settings: settingsSchema.optional() }).optional(),
  tenants: z.array(tenantSchema).min(1),
});

/** One tenant, ready to run: absolute paths, its stack and its settings with the defaults. */
export interface Tenant {
  name: string;
  stack: string;
  /** Absolute path of its groups file (source groupsFile). */
  groupsFile?: string;
  source: "groupsFile" | "jumpcloud";
  jumpcloud?: NonNullable<TenantEntry["jumpcloud"]>;
  google?: NonNullable<TenantEntry["google"]>;
  entra?: NonNullable<TenantEntry["entra"]>;
  /** `groupExport:*` settings, defaults merged in, file paths absolute. */
  settings: Partial<Record<TenantSettingKey, string>>;
  /** The line of its entry in the tenants file. */
  line: number;
}

export interface TenantsFile {
  file: string;
  /** The Pulumi project's directory (absolute). */
  project: string;
  concurrency?: number;
  budgets: FleetBudgets;
  tenants: Tenant[];
}

export type TenantsFileProblem = FileProblem;

/** Every problem of a tenants file, each with its place and fix (`file:line:column: field: message. Fix: ...`). */
export class TenantsFileError extends Error {
  declare readonly problems: TenantsFileProblem[];

  constructor(problems: TenantsFileProblem[]) {
    problems = [...problems].sort((a, b) => a.line - b.line || a.column - b.column);
    super(`${problems.length === 1 ? "1 problem" : `${problems.length} problems`} in ${problems[0]?.file ?? "the tenants file"}:\n${problems.map(formatTenantsProblem).join("\n")}`);
    this.name = "TenantsFileError";
    Object.defineProperty(this, "problems", { value: problems, enumerable: false });
  }
}

export function formatTenantsProblem(p: TenantsFileProblem): string {
  return `${p.file}:${p.line}:${p.column}: ${p.field ? `${p.field}: ` : ""}${p.message}. Fix: ${p.fix}`;
}

const FIELD_HELP: Record<string, string> = {
  name: "a name of letters, digits, '.', '_' and '-' (up to 100), unique in the file, e.g. name: acme",
  stack: "the stack's name, e.g. stack: acme or stack: myorg/acme",
  groupsFile: "the tenant's groups file, relative to this file, e.g. groupsFile: tenants/acme/groups.yaml",
  source: 'use "groupsFile" (default) or "jumpcloud"',
  domains: "a non-empty list of the customer's domains, e.g. domains: [acme.com]",
  tenantId: "the Entra tenant's id, a GUID such as 00000000-0000-0000-0000-000000000000",
  customerId: "the Google customer id, e.g. C01abcde (or leave it out)",
  onMissingEmail: 'use "fail" or "skip"',
  project: "the folder of the Pulumi project (Pulumi.yaml), relative to this file",
  stackPrefix: "letters, digits, '.', '_', '-' and '/', e.g. stackPrefix: myorg/",
  concurrency: "a whole number from 1 to 64",
  tenants: "a non-empty list of tenants, each with at least name and google and/or entra",
  version: "write version: 1, or leave it out",
};

const ALLOWED: Record<string, readonly string[]> = {
  "": Object.keys(tenantsFileSchema.shape),
  tenant: Object.keys(tenantSchema.shape),
  settings: TENANT_SETTING_KEYS,
  budgets: Object.keys(budgetsSchema.shape),
  defaults: ["settings"],
  google: ["domains", "customerId"],
  entra: ["tenantId"],
  jumpcloud: ["googleDirectory", "office365Directory", "onMissingEmail"],
};

/** Which list of allowed keys applies at a path (`tenants.3.settings` -> settings). */
function allowedAt(path: readonly PropertyKey[]): readonly string[] {
  const named = path.filter((p) => typeof p === "string") as string[];
  const last = named[named.length - 1];
  if (last === undefined) return ALLOWED[""]!;
  if (last === "tenants") return ALLOWED.tenant!;
  return ALLOWED[last] ?? [];
}

function unknownKeyFix(key: string, path: readonly PropertyKey[]): string {
  if (SECRET_SETTINGS[key]) return `a secret is never a setting (the engine copies stack config into state): use ${SECRET_SETTINGS[key]}`;
  const allowed = allowedAt(path);
  const near = closest(key, allowed);
  return `${near ? `did you mean "${near}"? Otherwise remove it` : "remove it or correct its spelling"}; allowed here: ${allowed.join(", ")}`;
}

function describe(issue: z.core.$ZodIssue, value: unknown): string {
  return describeIssue(issue, value, (shown) => `${shown} is not in the expected form`);
}

/** Reads and checks a tenants file; throws TenantsFileError listing every problem. */
export function readTenantsFile(file: string): TenantsFile {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new TenantsFileError([{ file, line: 1, column: 1, field: "", message: `cannot read the file (${(error as NodeJS.ErrnoException).code ?? String(error)})`, fix: "give the path of the tenants file (YAML), e.g. --tenants tenants.yaml" }]);
  }
  return parseTenantsYaml(text, file);
}

/** Parses a tenants file's text; `file` names it in problems and anchors its relative paths. */
export function parseTenantsYaml(text: string, file: string, checkFiles = true): TenantsFile {
  const { doc, syntax, locate } = readYaml(text);
  const problems: TenantsFileProblem[] = syntax.map((e) => ({
    file, line: e.line, column: e.column, field: "",
    message: `YAML syntax: ${e.message}`,
    fix: e.code === "DUPLICATE_KEY" ? "keep one of the two keys" : "correct the YAML syntax (indentation, quotes, colons) at that place",
  }));
  if (problems.length > 0) throw new TenantsFileError(problems);
  const data: unknown = doc.toJS();

  const parsed = tenantsFileSchema.safeParse(data ?? {});
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      if (issue.code === "unrecognized_keys") {
        for (const key of issue.keys) problems.push({ file, ...locate(issue.path, key), field: pathText([...issue.path, key]), message: `unknown field "${key}"`, fix: unknownKeyFix(key, issue.path) });
        continue;
      }
      const value = valueAt(data, issue.path);
      const last = [...issue.path].reverse().find((p) => typeof p === "string") as string | undefined;
      problems.push({ file, ...locate(issue.path), field: pathText(issue.path), message: describe(issue, value), fix: (last && FIELD_HELP[last]) || `${see("tenantsFile")} for the format` });
    }
    throw new TenantsFileError(problems);
  }

  const base = dirname(resolve(file));
  const fromFile = (p: string) => (isAbsolute(p) ? p : resolve(base, p));
  const project = fromFile(parsed.data.project ?? ".");
  if (checkFiles && !existsSync(resolve(project, "Pulumi.yaml")) && !existsSync(resolve(project, "Pulumi.yml"))) {
    problems.push({ file, ...locate(parsed.data.project ? ["project"] : []), field: "project", message: `${project} holds no Pulumi.yaml`, fix: "give the folder of the Pulumi project (the root project: Pulumi.yaml and export-groups.js, shipped in node_modules/pulumi-group-export/ to copy), relative to this file" });
  }
  const prefix = parsed.data.stackPrefix ?? "";
  const defaults = parsed.data.defaults?.settings ?? {};
  const seen = { name: new Map<string, number>(), stack: new Map<string, number>() };
  const tenants: Tenant[] = parsed.data.tenants.map((t, i) => {
    const at = (...p: (string | number)[]) => locate(["tenants", i, ...p]);
    const field = (...p: (string | number)[]) => pathText(["tenants", i, ...p]);
    const stack = t.stack ?? `${prefix}${t.name}`;
    for (const [kind, value] of [["name", t.name], ["stack", stack]] as const) {
      const first = seen[kind].get(value.toLowerCase());
      if (first === undefined) seen[kind].set(value.toLowerCase(), i);
      else problems.push({ file, ...at(kind === "stack" && !t.stack ? "name" : kind), field: field(kind), message: `${kind} "${value}" is already used by tenants[${first}] on line ${locate(["tenants", first]).line}`, fix: kind === "name" ? "give each tenant its own name" : "give each tenant its own stack" });
    }
    const source = t.source ?? "groupsFile";
    if (!t.google && !t.entra) problems.push({ file, ...at(), field: field(), message: `tenant "${t.name}" exports to no directory`, fix: "add google: { domains: [...] } and/or entra: { tenantId: ... }" });
    if (source === "groupsFile" && !t.groupsFile) problems.push({ file, ...at(), field: field("groupsFile"), message: "is required (the tenant's user groups)", fix: FIELD_HELP.groupsFile! });
    if (source === "groupsFile" && t.groupsFile && checkFiles && !existsSync(fromFile(t.groupsFile))) {
      problems.push({ file, ...at("groupsFile"), field: field("groupsFile"), message: `${fromFile(t.groupsFile)} does not exist`, fix: "give the path of the tenant's groups file, relative to the tenants file" });
    }
    if (source === "groupsFile" && t.jumpcloud) problems.push({ file, ...at("jumpcloud"), field: field("jumpcloud"), message: "is only read with source: jumpcloud", fix: "add source: jumpcloud, or remove jumpcloud" });
    const settings: Partial<Record<TenantSettingKey, string>> = {};
    for (const [key, value] of Object.entries({ ...defaults, ...t.settings }) as [TenantSettingKey, string][]) settings[key] = PATH_SETTINGS.has(key) ? fromFile(value) : value;
    return {
      name: t.name, stack, source, settings, line: at().line,
      ...(t.groupsFile && source === "groupsFile" ? { groupsFile: fromFile(t.groupsFile) } : {}),
      ...(t.jumpcloud ? { jumpcloud: t.jumpcloud } : {}),
      ...(t.google ? { google: t.google } : {}),
      ...(t.entra ? { entra: t.entra } : {}),
    };
  });
  if (problems.length > 0) throw new TenantsFileError(problems);
  return { file, project, ...(parsed.data.concurrency ? { concurrency: parsed.data.concurrency } : {}), budgets: parsed.data.budgets ?? {}, tenants };
}
