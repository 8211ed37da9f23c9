import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import type { AccessToken, GetTokenOptions, TokenCredential } from "@azure/identity";
import { SEE_CREDENTIALS } from "../contract/docs";
import type { EntraSettings } from "../settings";

const PUBLIC_AUTHORITY = "https://login.microsoftonline.com";

/**
 * An @azure/identity credential for one tenant, of the kind the settings chose. A failed sign-in
 * is thrown as an {@link EntraSignInError} that says the real cause and its one fix: MSAL
 * reports an unknown tenant as `endpoints_resolution_error` (with no detail) and packs AAD's
 * description behind a timestamp, so both are read back here.
 */
export function entraCredential(tenantId: string, settings: EntraSettings): TokenCredential {
  // The sandbox (or a sovereign cloud) has its own authority; instance discovery would call the public cloud.
  const common = settings.authorityHost ? { authorityHost: settings.authorityHost, disableInstanceDiscovery: true } : {};
  // Loaded at the first Entra sign-in, not with the provider: it is a sixth of the provider
  // process's start, which every Pulumi run pays, and programs that export only to Google need none of it.
  const { ClientCertificateCredential, ClientSecretCredential, DefaultAzureCredential, WorkloadIdentityCredential } = require("@azure/identity") as typeof import("@azure/identity");
  const credential = ((): TokenCredential => {
    switch (settings.kind) {
      case "clientSecret":
        return new ClientSecretCredential(tenantId, settings.clientId!, settings.clientSecret!, common);
      case "clientCertificate":
        return new ClientCertificateCredential(tenantId, settings.clientId!, { certificate: readFileSync(settings.certificatePath!, "utf8") }, common);
      case "workloadIdentity":
        return new WorkloadIdentityCredential({ tenantId, clientId: settings.clientId!, tokenFilePath: settings.federatedTokenFile!, ...common });
      case "default":
        return new DefaultAzureCredential({ tenantId, ...common });
    }
  })();
  return {
    async getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken | null> {
      try {
        return await credential.getToken(scopes, options);
      } catch (error) {
        throw await diagnoseEntraSignIn(error, tenantId, settings);
      }
    },
  };
}

/** Renew a token this long before it expires (or at half its life, for a shorter-lived one). */
const TOKEN_RENEWAL_MARGIN_MS = 5 * 60_000;

/**
 * A credential that asks for a token once per scope and keeps it until it nears expiry; callers
 * asking at the same time share one request. (@azure/identity keeps tokens too, but each client
 * and sign-in check made its own credential, and a burst of concurrent first requests each
 * fetched one.) Failures are not kept: the next call signs in again.
 */
export class TokenKeepingCredential implements TokenCredential {
  private readonly pending = new Map<string, Promise<AccessToken | null>>();
  private readonly held = new Map<string, { token: AccessToken; renewAt: number }>();

  constructor(private readonly inner: TokenCredential) {}

  getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken | null> {
    // A claims challenge (continuous access evaluation) or another tenant asks for a token of its own.
    if (options?.claims || options?.tenantId) return this.inner.getToken(scopes, options);
    const key = [scopes].flat().sort().join(" ");
    const held = this.held.get(key);
    if (held && Date.now() < held.renewAt) return Promise.resolve(held.token);
    let pending = this.pending.get(key);
    if (!pending) {
      const askedAt = Date.now();
      pending = this.inner
        .getToken(scopes, options)
        .then((token) => {
          if (token) this.held.set(key, { token, renewAt: token.expiresOnTimestamp - Math.min(TOKEN_RENEWAL_MARGIN_MS, (token.expiresOnTimestamp - askedAt) / 2) });
          return token;
        })
        .finally(() => this.pending.delete(key));
      this.pending.set(key, pending);
    }
    return pending;
  }
}

/** The process's credentials, one per tenant and credential settings (provider/context.ts makes one client per tenant too). */
const sharedCredentials = new Map<string, TokenCredential>();

/**
 * The credential of a tenant and settings, one per process: every client, the management's
 * verification and the owners' caller lookup share its tokens (one per scope until it nears expiry).
 */
export function sharedEntraCredential(tenantId: string, settings: EntraSettings): TokenCredential {
  const { kind, clientId, clientSecret, certificatePath, federatedTokenFile, authorityHost } = settings;
  // Hashed: the key holds the secret's value, which has no business lying around as text.
  const key = createHash("sha256").update(JSON.stringify([tenantId, kind, clientId, clientSecret, certificatePath, federatedTokenFile, authorityHost])).digest("hex");
  let credential = sharedCredentials.get(key);
  if (!credential) sharedCredentials.set(key, (credential = new TokenKeepingCredential(entraCredential(tenantId, settings))));
  return credential;
}

/** A sign-in that failed, worded with its cause and fix (this package's wording: kept as it is by `explainFailure`). */
export class EntraSignInError extends Error {
  constructor(
    message: string,
    /** The AADSTS code, when AAD gave one. */
    readonly code?: number,
  ) {
    super(message);
    this.name = "EntraSignInError";
  }
}

/** `AADSTS<code>: <description>` without the trace, correlation id and timestamp AAD appends. */
export function aadError(text: string): { code: number; description: string } | undefined {
  const match = /AADSTS(\d+): ([\s\S]*?)(?=\s*(?:\r?\n|Trace ID:|Correlation ID:|Timestamp:|$))/.exec(text);
  return match ? { code: Number(match[1]), description: match[2].trim() } : undefined;
}

/** Where the client id and secret settings come from, for messages. */
const CLIENT_ID_SETTING = "groupExport:entraClientId (or AZURE_CLIENT_ID)";
const SECRET_SETTING = "the file groupExport:entraClientSecretFile names (or AZURE_CLIENT_SECRET)";

function messageOf(error: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = error, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) parts.push(String((e as Error).message ?? e));
  const aggregate = (error as { errors?: unknown[] } | undefined)?.errors;
  if (Array.isArray(aggregate)) parts.push(...aggregate.map((e) => String((e as Error)?.message ?? e)));
  return parts.join("\n");
}

/**
 * The cause of a failed Entra sign-in, as an {@link EntraSignInError}: an unknown tenant
 * (AADSTS90002, found by asking the authority itself when MSAL says only
 * `endpoints_resolution_error`), an application not in the tenant (AADSTS700016), a wrong or
 * expired client secret (AADSTS7000215/7000222), no credential configured at all
 * (DefaultAzureCredential found none), or another AADSTS answer with its description.
 */
export async function diagnoseEntraSignIn(error: unknown, tenantId: string, settings: EntraSettings): Promise<Error> {
  const text = messageOf(error);
  const authority = (settings.authorityHost ?? PUBLIC_AUTHORITY).replace(/\/+$/, "");
  const client = settings.clientId ?? "(none)";
  if (/endpoints_resolution_error/.test(text)) {
    const metadata = await probeTenant(authority, tenantId);
    if (metadata.kind === "unknownTenant") {
      return new EntraSignInError(
        `tenant ${tenantId} does not exist (${authority} answered AADSTS90002: tenant not found). ` +
          `Fix: set entra.tenantId of the DirectoryGroupManagement to your tenant's id (Entra admin center > Overview > Tenant ID) (${SEE_CREDENTIALS})`,
        90002,
      );
    }
    if (metadata.kind === "unreachable") {
      return new EntraSignInError(
        `could not reach the sign-in endpoint ${authority} (${metadata.detail}): nothing was changed. Fix: check the network (DNS, proxy, firewall)` +
          `${settings.authorityHost ? " and groupExport:entraAuthorityHost (or AZURE_AUTHORITY_HOST)" : ""}, then run pulumi again (${SEE_CREDENTIALS})`,
      );
    }
    return new EntraSignInError(
      `${authority} did not answer tenant ${tenantId}'s sign-in metadata as expected (${metadata.detail}). Fix: check groupExport:entraAuthorityHost (or AZURE_AUTHORITY_HOST) if set, and the network, then run pulumi again (${SEE_CREDENTIALS})`,
    );
  }
  const aad = aadError(text);
  if (aad?.code === 700016) {
    return new EntraSignInError(
      `application ${client} is not registered in tenant ${tenantId} (AADSTS700016: application not found in the directory). ` +
        `Fix: set entra.tenantId of the DirectoryGroupManagement to the tenant the application is registered in (App registrations > the application > Overview > Directory (tenant) ID), ` +
        `or ${CLIENT_ID_SETTING} to the Application (client) ID of an application of tenant ${tenantId} (${SEE_CREDENTIALS})`,
      aad.code,
    );
  }
  if (aad?.code === 7000215) {
    return new EntraSignInError(
      `application ${client} was refused: wrong client secret (AADSTS7000215: ${aad.description}). ` +
        `Fix: put the secret's Value (App registrations > the application > Certificates & secrets > Client secrets: the Value column, shown once when the secret is made; not the Secret ID) in ${SECRET_SETTING} (${SEE_CREDENTIALS})`,
      aad.code,
    );
  }
  if (aad?.code === 7000222) {
    return new EntraSignInError(
      `application ${client} was refused: its client secret has expired (AADSTS7000222: ${aad.description}). ` +
        `Fix: add a new client secret (App registrations > the application > Certificates & secrets) and put its Value in ${SECRET_SETTING} (${SEE_CREDENTIALS})`,
      aad.code,
    );
  }
  if (aad) {
    return new EntraSignInError(
      `application ${client} (${settings.kind}) could not sign in to tenant ${tenantId} (AADSTS${aad.code}: ${aad.description}). Fix the credential or its settings (${SEE_CREDENTIALS})`,
      aad.code,
    );
  }
  if (settings.kind === "default" && /ChainedTokenCredential|CredentialUnavailableError|AggregateAuthenticationError/.test(`${(error as Error)?.name} ${text}`)) {
    return new EntraSignInError(
      "no Entra credential is configured: none of groupExport:entraClientSecretFile, groupExport:entraClientCertificatePath and groupExport:entraFederatedTokenFile " +
        "(nor AZURE_CLIENT_SECRET, AZURE_CLIENT_CERTIFICATE_PATH, AZURE_FEDERATED_TOKEN_FILE) is set, and DefaultAzureCredential found none either (environment, managed identity, Azure CLI). " +
        "Fix: run `pulumi config set groupExport:entraClientId <application (client) id>` and `pulumi config set groupExport:entraClientSecretFile <file holding the secret's Value>` " +
        `(or another kind of credential, in the table under Microsoft Entra ID) (${SEE_CREDENTIALS})`,
    );
  }
  return error instanceof Error ? error : new Error(String(error));
}

type TenantProbe = { kind: "unknownTenant"; description: string } | { kind: "unreachable"; detail: string } | { kind: "other"; detail: string };

/** Asks the authority for the tenant's OpenID metadata (what MSAL asked), to learn why it failed. */
async function probeTenant(authority: string, tenantId: string): Promise<TenantProbe> {
  let response: Response;
  try {
    response = await fetch(`${authority}/${encodeURIComponent(tenantId)}/v2.0/.well-known/openid-configuration`, { signal: AbortSignal.timeout(15_000) });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    return { kind: "unreachable", detail: cause?.code ?? cause?.message ?? String((error as Error).message) };
  }
  const body = (await response.json().catch(() => undefined)) as { error?: string; error_description?: string; error_codes?: number[] } | undefined;
  const aad = aadError(body?.error_description ?? "");
  if (body?.error_codes?.includes(90002) || aad?.code === 90002) return { kind: "unknownTenant", description: aad?.description ?? "Tenant not found" };
  return { kind: "other", detail: `HTTP ${response.status}${aad ? ` AADSTS${aad.code}: ${aad.description}` : ""}` };
}
