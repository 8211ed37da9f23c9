import { readFileSync } from "node:fs";
import { z } from "zod";

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

export interface GoogleSettings {
  credentials: ServiceAccountKey;
  /** The admin the service account impersonates through domain-wide delegation. */
  adminEmail: string;
  /** Root URL of the Google APIs (the sandbox's, in tests); undefined means Google's. */
  apiRootUrl?: string;
  /** Token endpoint to send the JWT grant to instead of oauth2.googleapis.com. */
  tokenUrl?: string;
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
}

let stackConfig: StackConfig = { get: () => undefined };
let cachedGoogle: GoogleSettings | undefined;
let cachedEntra: EntraSettings | undefined;

/** Called from the dynamic provider's `configure`. */
export function setStackConfig(config: StackConfig): void {
  stackConfig = config;
  cachedGoogle = undefined;
  cachedEntra = undefined;
}

/**
 * The Entra settings, read once per configuration. Secrets come from files or the
 * environment (AZURE_CLIENT_SECRET, AZURE_CLIENT_CERTIFICATE_PATH, AZURE_FEDERATED_TOKEN_FILE),
 * never from stack-config values.
 */
export function entraSettings(): EntraSettings {
  cachedEntra ??= readEntraSettings();
  return cachedEntra;
}

function readEntraSettings(): EntraSettings {
  const clientId = setting("entraClientId", "AZURE_CLIENT_ID");
  const secretFile = setting("entraClientSecretFile", "GROUP_EXPORT_ENTRA_CLIENT_SECRET_FILE");
  const clientSecret = secretFile !== undefined ? readSecretFile(secretFile, "groupExport:entraClientSecretFile") : process.env.AZURE_CLIENT_SECRET || undefined;
  const certificatePath = setting("entraClientCertificatePath", "AZURE_CLIENT_CERTIFICATE_PATH");
  const federatedTokenFile = setting("entraFederatedTokenFile", "AZURE_FEDERATED_TOKEN_FILE");
  const chosen = setting("entraCredential", "GROUP_EXPORT_ENTRA_CREDENTIAL");
  const kinds: EntraCredentialKind[] = ["clientSecret", "clientCertificate", "workloadIdentity", "default"];
  if (chosen !== undefined && !kinds.includes(chosen as EntraCredentialKind)) {
    throw new SettingsError(`groupExport:entraCredential is "${chosen}": use one of ${kinds.join(", ")} (${README_CREDENTIALS})`);
  }
  const kind: EntraCredentialKind =
    (chosen as EntraCredentialKind | undefined) ?? (clientSecret ? "clientSecret" : certificatePath ? "clientCertificate" : federatedTokenFile ? "workloadIdentity" : "default");
  if (kind !== "default" && !clientId) {
    throw new SettingsError(`the Entra application's client id is not set: run \`pulumi config set groupExport:entraClientId <application (client) id>\` or set AZURE_CLIENT_ID (${README_CREDENTIALS})`);
  }
  const missing =
    (kind === "clientSecret" && !clientSecret && "a client secret: set groupExport:entraClientSecretFile to a file holding it, or AZURE_CLIENT_SECRET") ||
    (kind === "clientCertificate" && !certificatePath && "a certificate: set groupExport:entraClientCertificatePath (PEM with the private key) or AZURE_CLIENT_CERTIFICATE_PATH") ||
    (kind === "workloadIdentity" && !federatedTokenFile && "a federated token: set groupExport:entraFederatedTokenFile or AZURE_FEDERATED_TOKEN_FILE");
  if (missing) throw new SettingsError(`Entra credential "${kind}" needs ${missing} (${README_CREDENTIALS})`);
  return {
    kind,
    clientId,
    clientSecret,
    certificatePath,
    federatedTokenFile,
    authorityHost: setting("entraAuthorityHost", "AZURE_AUTHORITY_HOST"),
    graphBaseUrl: setting("graphBaseUrl", "GROUP_EXPORT_GRAPH_BASE_URL"),
  };
}

function readSecretFile(path: string, key: string): string {
  try {
    return readFileSync(path, "utf8").trim();
  } catch (error) {
    throw new SettingsError(`cannot read ${path} (${(error as NodeJS.ErrnoException).code}): check ${key} (${README_CREDENTIALS})`);
  }
}

function readKeyFile(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    throw new SettingsError(`cannot read the Google key file ${path} (${(error as NodeJS.ErrnoException).code}): check groupExport:googleCredentialsFile or GOOGLE_APPLICATION_CREDENTIALS (${README_CREDENTIALS})`);
  }
}

function setting(configKey: string, envKey: string): string | undefined {
  const fromConfig = stackConfig.get(`groupExport:${configKey}`);
  if (fromConfig !== undefined && fromConfig !== "") return fromConfig;
  const fromEnv = process.env[envKey];
  return fromEnv === "" ? undefined : fromEnv;
}

/** Why Google settings are unusable, phrased as a fix; undefined when they are fine. */
export class SettingsError extends Error {}

export const README_CREDENTIALS = "see README.md, section \"Credentials\"";

/**
 * The Google settings, read once per configuration so that every resource in the provider
 * process shares one client (and so one rate limit); throws SettingsError naming the fix.
 */
export function googleSettings(): GoogleSettings {
  cachedGoogle ??= readGoogleSettings();
  return cachedGoogle;
}

function readGoogleSettings(): GoogleSettings {
  // Key material is read from a file or the environment, never from a stack-config value:
  // the engine copies every stack-config value into the state of the dynamic provider.
  const file = setting("googleCredentialsFile", "GOOGLE_APPLICATION_CREDENTIALS");
  const raw = file !== undefined ? readKeyFile(file) : process.env.GROUP_EXPORT_GOOGLE_CREDENTIALS || undefined;
  if (raw === undefined) {
    throw new SettingsError(
      "Google credentials are not configured: run `pulumi config set groupExport:googleCredentialsFile /path/to/key.json` " +
        `(a service-account key with domain-wide delegation), or set GOOGLE_APPLICATION_CREDENTIALS (${README_CREDENTIALS})`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new SettingsError(`the Google credentials are not JSON: point groupExport:googleCredentialsFile at the service-account key file as downloaded (${README_CREDENTIALS})`);
  }
  const key = serviceAccountKeySchema.safeParse(parsed);
  if (!key.success) {
    throw new SettingsError(
      `the Google credentials are not a service-account key (needs type "service_account", client_email and private_key): ${key.error.issues.map((i) => i.path.join(".")).join(", ")} (${README_CREDENTIALS})`,
    );
  }
  const adminEmail = setting("googleAdminEmail", "GROUP_EXPORT_GOOGLE_ADMIN_EMAIL");
  if (!adminEmail) {
    throw new SettingsError(
      `groupExport:googleAdminEmail is not set: run \`pulumi config set groupExport:googleAdminEmail admin@your-domain\` with a super admin the service account may impersonate (${README_CREDENTIALS})`,
    );
  }
  return {
    credentials: key.data,
    adminEmail,
    apiRootUrl: setting("googleApiRootUrl", "GROUP_EXPORT_GOOGLE_API_ROOT_URL"),
    tokenUrl: setting("googleTokenUrl", "GROUP_EXPORT_GOOGLE_TOKEN_URL"),
  };
}
