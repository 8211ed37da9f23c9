import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { z } from "zod";
import { SEE_CREDENTIALS, SEE_READ_ONLY, SEE_SCALE } from "./contract/docs";

/**
 * Provider settings: credentials and endpoints, read when the provider runs from the stack
 * config that Pulumi hands to `configure` (namespace `groupExport:`) or from the
 * environment. They are never resource inputs or outputs, so they never reach state.
 */

/** The stack-config view the dynamic-provider host passes to `configure`. */
export interface StackConfig {
  get(key: string): string | undefined;
}

const serviceAccountKeySchema = z.object({
  type: z.literal("service_account"),
  client_email: z.string().email(),
  private_key: z.string().min(1),
  private_key_id: z.string().optional(),
});
export type ServiceAccountKey = z.infer<typeof serviceAccountKeySchema>;

/**
 * A workload identity federation configuration (`gcloud iam workload-identity-pools
 * create-cred-config`). Loose: every other field (credential_source formats, universe_domain,
 * workforce_pool_user_project...) is kept for google-auth-library, which reads it.
 */
const externalAccountSchema = z.looseObject({
  type: z.literal("external_account"),
  audience: z.string().min(1),
  subject_token_type: z.string().min(1),
  token_url: z.string().url().optional(),
  credential_source: z.record(z.string(), z.unknown()),
  service_account_impersonation_url: z.string().url().optional(),
});
export type ExternalAccountConfig = z.infer<typeof externalAccountSchema>;

const googleCredentialsSchema = z.discriminatedUnion("type", [serviceAccountKeySchema, externalAccountSchema]);
export type GoogleCredentials = z.infer<typeof googleCredentialsSchema>;

export interface GoogleSettings {
  /** A service-account key, or a workload identity federation configuration (no key: for CI). */
  credentials: GoogleCredentials;
  /**
   * The service account whose identity carries the domain-wide delegation: the key's
   * `client_email`, or for an external account the one it may sign JWTs as.
   */
  serviceAccountEmail: string;
  /** The admin the service account impersonates through domain-wide delegation. */
  adminEmail: string;
  /**
   * Root URL of the Google APIs (the sandbox's, in tests); undefined means Google's. For an
   * external account it also stands in for https://sts.googleapis.com/ and
   * https://iamcredentials.googleapis.com/ (see provider/google/auth.ts).
   */
  apiRootUrl?: string;
  /** Token endpoint to send the JWT grant to instead of https://oauth2.googleapis.com/token. */
  tokenUrl?: string;
  /**
   * Read-only mode: the client refuses every write before sending it, and asks for read-only
   * scopes (pull-request previews and drift checks with read-only delegation).
   */
  readOnly: boolean;
  /**
   * The Directory API quota this provider paces itself to, in queries per minute for the
   * impersonated admin (every call inside a batch is one query). Google's default is 2,400;
   * lower it when other tools share the admin's quota (groupExport:googleQuotaPerMinute).
   */
  quotaPerMinute: number;
}

/** How the provider signs in to Entra ID; chosen by `groupExport:entraCredential` or by what is configured. */
export type EntraCredentialKind = "clientSecret" | "clientCertificate" | "workloadIdentity" | "default";

export interface EntraSettings {
  kind: EntraCredentialKind;
  clientId?: string;
  clientSecret?: string;
  certificatePath?: string;
  federatedTokenFile?: string;
  /** Authority host (the sandbox's URL in tests); undefined means login.microsoftonline.com. */
  authorityHost?: string;
  /** Graph base URL (the sandbox's URL in tests); undefined means graph.microsoft.com. */
  graphBaseUrl?: string;
  /** Read-only mode: the client refuses every write before sending it. */
  readOnly: boolean;
  /**
   * Graph's identity-and-access budget this provider paces itself to, in resource units per
   * 10 seconds for this application in the tenant (groupExport:graphResourceUnitsPer10Seconds).
   * Default 3,500: Microsoft's figure for the smallest tenants (under 50 users; 5,000 up to 500
   * users, 8,000 above), shared with any other use of the same application.
   */
  resourceUnitsPer10Seconds: number;
  /** Graph's write budget per application and tenant: 3,000 writes per 150 seconds. */
  writesPer150Seconds: number;
}

/** Google's documented default quota: 2,400 queries per minute per user. */
export const GOOGLE_DEFAULT_QUOTA_PER_MINUTE = 2400;
/** Graph identity-and-access limits per application and tenant (smallest tenant size). */
export const GRAPH_DEFAULT_RESOURCE_UNITS_PER_10_SECONDS = 3500;
export const GRAPH_DEFAULT_WRITES_PER_150_SECONDS = 3000;

/**
 * The settings of one provider configuration, each read on first use and then kept, so that
 * every resource in the provider process shares one client per directory (and so one rate
 * limit); a setting that is wrong fails only the resources of the service that needs it.
 */
export class ProviderSettings {
  private cachedGoogle: GoogleSettings | undefined;
  private cachedEntra: EntraSettings | undefined;

  constructor(private readonly config: StackConfig = { get: () => undefined }) {}

  /** The Google settings; throws SettingsError naming the fix. */
  google(): GoogleSettings {
    this.cachedGoogle ??= readGoogleSettings(this.config);
    return this.cachedGoogle;
  }

  /**
   * The Entra settings. Secrets come from files or the environment (AZURE_CLIENT_SECRET,
   * AZURE_CLIENT_CERTIFICATE_PATH, AZURE_FEDERATED_TOKEN_FILE), never from stack-config values.
   */
  entra(): EntraSettings {
    this.cachedEntra ??= readEntraSettings(this.config);
    return this.cachedEntra;
  }
}

export function readEntraSettings(config: StackConfig): EntraSettings {
  const setting = settingOf(config);
  const clientId = setting("entraClientId", "AZURE_CLIENT_ID");
  const secretFile = setting("entraClientSecretFile", "GROUP_EXPORT_ENTRA_CLIENT_SECRET_FILE");
  const clientSecret = secretFile !== undefined ? readSecretFile(secretFile, "groupExport:entraClientSecretFile") : process.env.AZURE_CLIENT_SECRET || undefined;
  const certificatePath = setting("entraClientCertificatePath", "AZURE_CLIENT_CERTIFICATE_PATH");
  const federatedTokenFile = setting("entraFederatedTokenFile", "AZURE_FEDERATED_TOKEN_FILE");
  const chosen = setting("entraCredential", "GROUP_EXPORT_ENTRA_CREDENTIAL");
  const kinds: EntraCredentialKind[] = ["clientSecret", "clientCertificate", "workloadIdentity", "default"];
  if (chosen !== undefined && !kinds.includes(chosen as EntraCredentialKind)) {
    throw new SettingsError(`groupExport:entraCredential is "${chosen}": use one of ${kinds.join(", ")} (${SEE_CREDENTIALS})`);
  }
  const kind: EntraCredentialKind =
    (chosen as EntraCredentialKind | undefined) ?? (clientSecret ? "clientSecret" : certificatePath ? "clientCertificate" : federatedTokenFile ? "workloadIdentity" : "default");
  if (kind !== "default" && !clientId) {
    throw new SettingsError(`the Entra application's client id is not set: run \`pulumi config set groupExport:entraClientId <application (client) id>\` or set AZURE_CLIENT_ID (${SEE_CREDENTIALS})`);
  }
  const missing =
    (kind === "clientSecret" && !clientSecret && "a client secret: set groupExport:entraClientSecretFile to a file holding it, or AZURE_CLIENT_SECRET") ||
    (kind === "clientCertificate" && !certificatePath && "a certificate: set groupExport:entraClientCertificatePath (PEM with the private key) or AZURE_CLIENT_CERTIFICATE_PATH") ||
    (kind === "workloadIdentity" && !federatedTokenFile && "a federated token: set groupExport:entraFederatedTokenFile or AZURE_FEDERATED_TOKEN_FILE");
  if (missing) throw new SettingsError(`Entra credential "${kind}" needs ${missing} (${SEE_CREDENTIALS})`);
  return {
    kind,
    clientId,
    clientSecret,
    certificatePath,
    federatedTokenFile,
    authorityHost: setting("entraAuthorityHost", "AZURE_AUTHORITY_HOST"),
    graphBaseUrl: setting("graphBaseUrl", "GROUP_EXPORT_GRAPH_BASE_URL"),
    readOnly: readOnlySetting(setting),
    resourceUnitsPer10Seconds: positiveInteger(setting, "graphResourceUnitsPer10Seconds", "GROUP_EXPORT_GRAPH_RESOURCE_UNITS_PER_10_SECONDS", GRAPH_DEFAULT_RESOURCE_UNITS_PER_10_SECONDS),
    writesPer150Seconds: positiveInteger(setting, "graphWritesPer150Seconds", "GROUP_EXPORT_GRAPH_WRITES_PER_150_SECONDS", GRAPH_DEFAULT_WRITES_PER_150_SECONDS),
  };
}

/**
 * `groupExport:readOnly` (or GROUP_EXPORT_READ_ONLY) = "true": the stack only previews and
 * refreshes. Both clients refuse every write before sending it, and Google is asked for
 * read-only scopes, which read-only delegation grants.
 */
function readOnlySetting(setting: Setting): boolean {
  const value = setting("readOnly", "GROUP_EXPORT_READ_ONLY")?.trim().toLowerCase();
  if (value !== undefined && value !== "true" && value !== "false") {
    throw new SettingsError(`groupExport:readOnly (or GROUP_EXPORT_READ_ONLY) is "${value}": use "true" or "false" (${SEE_READ_ONLY})`);
  }
  return value === "true";
}

/** A positive whole number from stack config or the environment, or the default. */
function positiveInteger(setting: Setting, configKey: string, envKey: string, fallback: number): number {
  const value = setting(configKey, envKey);
  if (value === undefined) return fallback;
  const parsed = z.coerce.number().int().positive().safeParse(value.trim());
  if (!parsed.success) throw new SettingsError(`groupExport:${configKey} (or ${envKey}) is "${value}": use a positive whole number (${SEE_SCALE})`);
  return parsed.data;
}

function readSecretFile(path: string, key: string): string {
  try {
    return readFileSync(path, "utf8").trim();
  } catch (error) {
    throw new SettingsError(`cannot read ${path} (${(error as NodeJS.ErrnoException).code}): check ${key} (${SEE_CREDENTIALS})`);
  }
}

function readKeyFile(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    throw new SettingsError(`cannot read the Google credentials file ${path} (${(error as NodeJS.ErrnoException).code}): check groupExport:googleCredentialsFile or GOOGLE_APPLICATION_CREDENTIALS (${SEE_CREDENTIALS})`);
  }
}

/** A setting by its stack-config key (namespace groupExport:) or else its environment variable; empty counts as unset. */
type Setting = (configKey: string, envKey: string) => string | undefined;

function settingOf(config: StackConfig): Setting {
  return (configKey, envKey) => {
    const fromConfig = config.get(`groupExport:${configKey}`);
    if (fromConfig !== undefined && fromConfig !== "") return fromConfig;
    const fromEnv = process.env[envKey];
    return fromEnv === "" ? undefined : fromEnv;
  };
}

/** Why Google settings are unusable, phrased as a fix; undefined when they are fine. */
export class SettingsError extends Error {}


export function readGoogleSettings(config: StackConfig): GoogleSettings {
  const setting = settingOf(config);
  // Key material is read from a file or the environment, never from a stack-config value:
  // the engine copies every stack-config value into the state of the dynamic provider.
  const file = setting("googleCredentialsFile", "GOOGLE_APPLICATION_CREDENTIALS");
  const raw = file !== undefined ? readKeyFile(file) : process.env.GROUP_EXPORT_GOOGLE_CREDENTIALS || undefined;
  if (raw === undefined) {
    throw new SettingsError(
      "Google credentials are not configured: run `pulumi config set groupExport:googleCredentialsFile /path/to/credentials.json` " +
        "(a service-account key with domain-wide delegation, or a workload identity federation configuration of type external_account), " +
        `or set GOOGLE_APPLICATION_CREDENTIALS (${SEE_CREDENTIALS})`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new SettingsError(`the Google credentials are not JSON: point groupExport:googleCredentialsFile at the credentials file as downloaded or generated (${SEE_CREDENTIALS})`);
  }
  const credentials = parseGoogleCredentials(parsed);
  const adminEmail = setting("googleAdminEmail", "GROUP_EXPORT_GOOGLE_ADMIN_EMAIL");
  if (!adminEmail) {
    throw new SettingsError(
      `groupExport:googleAdminEmail is not set: run \`pulumi config set groupExport:googleAdminEmail admin@your-domain\` with a super admin the service account may impersonate (${SEE_CREDENTIALS})`,
    );
  }
  return {
    credentials,
    serviceAccountEmail: credentials.type === "service_account" ? credentials.client_email : impersonatedServiceAccount(credentials, setting),
    adminEmail,
    apiRootUrl: setting("googleApiRootUrl", "GROUP_EXPORT_GOOGLE_API_ROOT_URL"),
    tokenUrl: setting("googleTokenUrl", "GROUP_EXPORT_GOOGLE_TOKEN_URL"),
    readOnly: readOnlySetting(setting),
    quotaPerMinute: positiveInteger(setting, "googleQuotaPerMinute", "GROUP_EXPORT_GOOGLE_QUOTA_PER_MINUTE", GOOGLE_DEFAULT_QUOTA_PER_MINUTE),
  };
}

const CREDENTIAL_KINDS = 'a service-account key (type "service_account") or a workload identity federation configuration (type "external_account", from `gcloud iam workload-identity-pools create-cred-config`)';

/** Which of the two supported credential files this is; SettingsError naming what is missing otherwise. */
function parseGoogleCredentials(parsed: unknown): GoogleCredentials {
  const type = (parsed as { type?: unknown } | null)?.type;
  if (type !== "service_account" && type !== "external_account") {
    throw new SettingsError(`the Google credentials have type ${JSON.stringify(type ?? null)}: use ${CREDENTIAL_KINDS} (${SEE_CREDENTIALS})`);
  }
  const result = googleCredentialsSchema.safeParse(parsed);
  if (result.success) return result.data;
  const fields = result.error.issues.map((i) => i.path.join(".")).join(", ");
  throw new SettingsError(
    type === "service_account"
      ? `the Google credentials are not a usable service-account key (needs client_email and private_key): ${fields} (${SEE_CREDENTIALS})`
      : `the Google credentials are not a usable external_account configuration (needs audience, subject_token_type and credential_source; URLs must be absolute): ${fields}. ` +
          `Regenerate it with \`gcloud iam workload-identity-pools create-cred-config\` (${SEE_CREDENTIALS})`,
  );
}

/** The impersonation URL's form, as google-auth-library parses it. */
const IMPERSONATION_URL = /\/serviceAccounts\/([^/:]+):generateAccessToken$/;

/**
 * The service account an external account acts as: the target of its
 * service_account_impersonation_url, or groupExport:googleServiceAccountEmail. Domain-wide
 * delegation belongs to a service account, so one of the two is required.
 */
function impersonatedServiceAccount(credentials: ExternalAccountConfig, setting: Setting): string {
  const impersonationUrl = credentials.service_account_impersonation_url;
  const fromFile = impersonationUrl ? IMPERSONATION_URL.exec(impersonationUrl)?.[1] : undefined;
  if (impersonationUrl && !fromFile) {
    throw new SettingsError(`the external_account configuration's service_account_impersonation_url (${impersonationUrl}) names no service account: expected .../serviceAccounts/EMAIL:generateAccessToken (${SEE_CREDENTIALS})`);
  }
  const configured = setting("googleServiceAccountEmail", "GROUP_EXPORT_GOOGLE_SERVICE_ACCOUNT_EMAIL");
  if (configured && fromFile && decodeURIComponent(fromFile).toLowerCase() !== configured.toLowerCase()) {
    throw new SettingsError(
      `groupExport:googleServiceAccountEmail is ${configured} but the external_account configuration impersonates ${decodeURIComponent(fromFile)}: unset one, or make them name the same service account (${SEE_CREDENTIALS})`,
    );
  }
  const email = configured ?? (fromFile && decodeURIComponent(fromFile));
  if (!email) {
    throw new SettingsError(
      "the external_account configuration names no service account, and domain-wide delegation needs one: run " +
        "`pulumi config set groupExport:googleServiceAccountEmail <name>@<project>.iam.gserviceaccount.com` (the service account whose client id has domain-wide delegation), " +
        `set GROUP_EXPORT_GOOGLE_SERVICE_ACCOUNT_EMAIL, or generate the configuration with --service-account (${SEE_CREDENTIALS})`,
    );
  }
  return email;
}

/** Settings by value, hashed (they hold key material): equal settings share one client, so one token per scope. */
export function settingsKey(settings: GoogleSettings | EntraSettings): string {
  return createHash("sha256").update(JSON.stringify(settings)).digest("hex");
}
