import { auth } from "@googleapis/admin";
import type { ExternalAccountConfig, GoogleSettings, ServiceAccountKey } from "../settings";

/**
 * The auth client behind `admin({ auth })` and the batch sender: a token for the service
 * account acting, through domain-wide delegation, as the configured admin (`sub`).
 *
 * - Service-account key: google-auth-library's JWT client (the library signs the assertion).
 * - Workload identity federation (`external_account`, for CI without keys): an external
 *   account cannot carry `sub`, so the federated identity has the IAM Credentials API sign
 *   the delegation assertion as the service account (`signJwt`), and the signed assertion is
 *   exchanged at the OAuth token endpoint (jwt-bearer grant). google-auth-library does the
 *   federation (STS) and caches tokens; it has no signJwt nor a grant for an assertion signed
 *   elsewhere, so those two requests are made here.
 *
 * Endpoints other than Google's (the sandbox):
 * - `tokenUrl` (groupExport:googleTokenUrl) replaces https://oauth2.googleapis.com/token.
 * - `apiRootUrl` (groupExport:googleApiRootUrl) is the Directory API's root and, for an
 *   external account, also stands in for the roots of https://sts.googleapis.com/ and
 *   https://iamcredentials.googleapis.com/, keeping their paths (`<root>v1/token`,
 *   `<root>v1/projects/-/serviceAccounts/SA:signJwt`): one server emulating every Google
 *   host. A `token_url` on another host than sts.googleapis.com is left as it is.
 */
export type DelegatedAuthClient = InstanceType<typeof auth.OAuth2>;

const GOOGLE_TOKEN_URL = "https://oauth2.googleapis.com/token";
const STS_TOKEN_URL = "https://sts.googleapis.com/v1/token";
const IAM_CREDENTIALS_ROOT = "https://iamcredentials.googleapis.com/";
const CLOUD_PLATFORM_SCOPE = "https://www.googleapis.com/auth/cloud-platform";
const JWT_BEARER_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer";
const ASSERTION_LIFETIME_SECONDS = 3600;

/** Which step of the keyless sign-in failed, for messages that name the fix. */
export type FederationStep = "federation" | "signJwt";

/**
 * A failure of the federated sign-in before domain-wide delegation is asked for. Keeps the
 * HTTP `response` of the failed call, so that retry classification (5xx, 429, resets) still applies.
 */
export class GoogleFederationError extends Error {
  readonly response?: unknown;
  /** A connection error's code (ECONNRESET...), also for retry classification. */
  readonly code?: unknown;
  constructor(
    readonly step: FederationStep,
    message: string,
    cause: unknown,
  ) {
    super(message, { cause });
    this.response = (cause as { response?: unknown } | undefined)?.response;
    this.code = (cause as { code?: unknown } | undefined)?.code;
  }
}

export function delegatedAuth(settings: GoogleSettings, scopes: string[]): DelegatedAuthClient {
  const credentials = settings.credentials;
  return credentials.type === "service_account" ? serviceAccountJwt(settings, credentials, scopes) : externalAccountDelegation(settings, credentials, scopes);
}

/** The service-account JWT client; routes its token request to `tokenUrl` if set. */
function serviceAccountJwt(settings: GoogleSettings, key: ServiceAccountKey, scopes: string[]): DelegatedAuthClient {
  // The JWT class re-exported by the API package, so client and auth share one google-auth-library.
  const jwt = new auth.JWT({ email: key.client_email, key: key.private_key, keyId: key.private_key_id, subject: settings.adminEmail, scopes });
  const tokenUrl = settings.tokenUrl;
  if (tokenUrl) {
    // The token URL is a constant inside gtoken; the transporter is the one place to redirect it.
    jwt.transporter.interceptors.request.add({
      resolved: async (options) => {
        if (new URL(String(options.url)).host === "oauth2.googleapis.com") options.url = new URL(tokenUrl);
        return options;
      },
    });
  }
  return jwt;
}

/**
 * The federated identity itself, from the configuration: google-auth-library's external
 * account client (file, URL, AWS or executable source), with a cloud-platform token for IAM.
 *
 * The configuration's service_account_impersonation_url only names the service account:
 * signJwt is itself the impersonation, made with the federated token, so the pool principal
 * needs roles/iam.serviceAccountTokenCreator on the service account. (Impersonating first
 * would need the service account to hold that role on itself.)
 */
function federatedClient(config: ExternalAccountConfig, apiRootUrl?: string) {
  const { service_account_impersonation_url: _impersonation, ...direct } = config;
  const tokenUrl = config.token_url ?? STS_TOKEN_URL;
  // The STS request does not go through the client's transporter (a fresh Gaxios, see
  // googleapis/google-cloud-node#8292), so it is redirected through the options, not an interceptor.
  const options = { ...direct, token_url: apiRootUrl ? onApiRoot(tokenUrl, apiRootUrl) : tokenUrl, scopes: [CLOUD_PLATFORM_SCOPE] };
  // Cast: the configuration is a loose zod object (unknown credential_source kinds pass through for
  // google-auth-library to read); the library's own option type is a union it checks at run time.
  const client = auth.ExternalAccountClient.fromJSON(options as unknown as Parameters<typeof auth.ExternalAccountClient.fromJSON>[0]);
  if (!client) throw new Error("not an external_account configuration");
  return client;
}

/** A root URL that relative paths resolve under. */
function asRoot(url: string): string {
  return url.endsWith("/") ? url : `${url}/`;
}

/** `url` on `root` instead of on sts.googleapis.com (other hosts are kept). */
function onApiRoot(url: string, root: string): string {
  const parsed = new URL(url);
  if (parsed.host !== new URL(STS_TOKEN_URL).host) return url;
  return new URL(parsed.pathname.replace(/^\//, "") + parsed.search, asRoot(root)).toString();
}

interface SignJwtResponse {
  keyId: string;
  signedJwt: string;
}

interface TokenResponse {
  access_token: string;
  expires_in?: number;
}

/**
 * An OAuth2 client whose tokens come from `refreshHandler`: STS (cached by the federated
 * client), signJwt as the service account with `sub` = the admin, then the jwt-bearer grant.
 * The OAuth2 client keeps the token until it nears expiry; concurrent refreshes share one.
 */
function externalAccountDelegation(settings: GoogleSettings, config: ExternalAccountConfig, scopes: string[]): DelegatedAuthClient {
  const federated = federatedClient(config, settings.apiRootUrl);
  const serviceAccount = settings.serviceAccountEmail;
  const signJwtUrl = `${asRoot(settings.apiRootUrl ?? IAM_CREDENTIALS_ROOT)}v1/projects/-/serviceAccounts/${serviceAccount}:signJwt`;
  const tokenUrl = settings.tokenUrl ?? GOOGLE_TOKEN_URL;
  const client = new auth.OAuth2();

  const mint = async () => {
    try {
      await federated.getAccessToken();
    } catch (error) {
      throw new GoogleFederationError("federation", `workload identity federation failed (${config.audience}): ${(error as Error).message}`, error);
    }
    const iat = Math.floor(Date.now() / 1000);
    const claims = { iss: serviceAccount, sub: settings.adminEmail, scope: scopes.join(" "), aud: GOOGLE_TOKEN_URL, iat, exp: iat + ASSERTION_LIFETIME_SECONDS };
    let assertion: string;
    try {
      const signed = await federated.request<SignJwtResponse>({ url: signJwtUrl, method: "POST", data: { payload: JSON.stringify(claims) } });
      assertion = signed.data.signedJwt;
    } catch (error) {
      const detail = (error as { response?: { data?: { error?: { message?: string } } } }).response?.data?.error?.message ?? (error as Error).message;
      throw new GoogleFederationError("signJwt", `the federated identity could not sign a JWT as ${serviceAccount}: ${detail}`, error);
    }
    try {
      const res = await client.transporter.request<TokenResponse>({ url: tokenUrl, method: "POST", data: new URLSearchParams({ grant_type: JWT_BEARER_GRANT, assertion }) });
      return { access_token: res.data.access_token, expiry_date: Date.now() + (res.data.expires_in ?? ASSERTION_LIFETIME_SECONDS) * 1000 };
    } catch (error) {
      // The wording gtoken gives the same failure ("unauthorized_client: ..."), so callers map it alike.
      const body = (error as { response?: { data?: { error?: string; error_description?: string } } }).response?.data;
      if (body?.error && error instanceof Error) error.message = `${body.error}${body.error_description ? `: ${body.error_description}` : ""}`;
      throw error;
    }
  };
  let pending: ReturnType<typeof mint> | undefined;
  client.refreshHandler = () => (pending ??= mint().finally(() => (pending = undefined)));
  return client;
}
