import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import {
  ClientAssertionCredential,
  ClientCertificateCredential,
  ClientSecretCredential,
  WorkloadIdentityCredential,
  type TokenCredential,
} from "@azure/identity";
import { Client, GraphError, RetryHandlerOptions, type AuthenticationProvider } from "@microsoft/microsoft-graph-client";
import { TokenCredentialAuthenticationProvider } from "@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials";
import { Agent, fetch as undiciFetch, type Dispatcher } from "undici";
import { startSandbox, type Sandbox, type SandboxOptions } from "../../provider/sandbox";

/**
 * The official Entra clients, pointed at a sandbox started in this process.
 *
 * Trust: NODE_EXTRA_CA_CERTS is read only when a process starts, so a test that starts the
 * sandbox in-process cannot use it; each client is given the sandbox's CA explicitly instead,
 * and nothing else in the process trusts it:
 * - @azure/identity sends MSAL's requests (OIDC metadata, token) through its core-rest-pipeline
 *   HTTP client, whose `tlsOptions` become the options of the https.Agent it creates;
 * - @microsoft/microsoft-graph-client calls Node's global fetch (undici) with `fetchOptions`,
 *   and undici takes the TLS trust from a `dispatcher` (an undici Agent with `connect.ca`);
 *   node-fetch's `agent`, which the client's typings mention, is ignored by Node's fetch.
 */
export const GRAPH_SCOPE = "https://graph.microsoft.com/.default";

function trust(sandbox: Sandbox) {
  return { authorityHost: sandbox.url, disableInstanceDiscovery: true, tlsOptions: { ca: sandbox.caPem } };
}

const dispatchers = new Map<string, Dispatcher>();

/** One undici Agent per sandbox CA, trusting that CA. */
export function sandboxDispatcher(sandbox: Sandbox): Dispatcher {
  let d = dispatchers.get(sandbox.caPem);
  if (!d) dispatchers.set(sandbox.caPem, (d = new Agent({ connect: { ca: sandbox.caPem } })));
  return d;
}

export function secretCredential(sandbox: Sandbox, app: { tenantId?: string; clientId?: string; clientSecret?: string } = {}): ClientSecretCredential {
  return new ClientSecretCredential(app.tenantId ?? sandbox.entra.tenantId, app.clientId ?? sandbox.entra.clientId, app.clientSecret ?? sandbox.entra.clientSecret, trust(sandbox));
}

export function certificateCredential(sandbox: Sandbox, certificatePath: string, clientId = sandbox.entra.clientId): ClientCertificateCredential {
  return new ClientCertificateCredential(sandbox.entra.tenantId, clientId, certificatePath, trust(sandbox));
}

/** Workload identity as in CI or Kubernetes: the federated token comes from a file. */
export function workloadIdentityCredential(sandbox: Sandbox, federatedToken: string): WorkloadIdentityCredential {
  // The sandbox's temporary directory (next to its CA) is removed with it... or with the OS's tmp.
  const tokenFilePath = join(dirname(sandbox.caPath), `federated-token-${Date.now()}-${Math.random().toString(36).slice(2)}.jwt`);
  writeFileSync(tokenFilePath, federatedToken, { mode: 0o600 });
  return new WorkloadIdentityCredential({ tenantId: sandbox.entra.tenantId, clientId: sandbox.entra.clientId, tokenFilePath, ...trust(sandbox) });
}

export function assertionCredential(sandbox: Sandbox, getAssertion: () => Promise<string>): ClientAssertionCredential {
  return new ClientAssertionCredential(sandbox.entra.tenantId, sandbox.entra.clientId, getAssertion, trust(sandbox));
}

/** The Graph client on the sandbox, authenticated by `credential` (or by a raw auth provider). */
export function graphClient(sandbox: Sandbox, auth: TokenCredential | AuthenticationProvider = secretCredential(sandbox)): Client {
  const authProvider = "getToken" in auth ? new TokenCredentialAuthenticationProvider(auth, { scopes: [GRAPH_SCOPE] }) : auth;
  return Client.initWithMiddleware({
    baseUrl: sandbox.url,
    customHosts: new Set([new URL(sandbox.url).hostname]),
    authProvider,
    // `dispatcher` is an undici option of Node's fetch; the client's FetchOptions type does not list it.
    fetchOptions: { dispatcher: sandboxDispatcher(sandbox) } as Record<string, unknown>,
  });
}

/** Starts a sandbox before the enclosing suite's tests (handing it to `ready`) and closes it after them. */
export function sandboxPerSuite(options: SandboxOptions, ready: (sandbox: Sandbox) => void): void {
  let sandbox: Sandbox | undefined;
  before(async () => ready((sandbox = await startSandbox(options))));
  after(async () => sandbox?.close());
}

/** Middleware options for one request that turn the Graph client's retries off (to see a 429 or 503 as sent). */
export const NO_RETRY = [new RetryHandlerOptions(0, 0)];

export interface GraphFailure {
  status: number;
  code: string;
  message: string;
  /** The error object of the body: `{ code, message, innerError }`. */
  body: { code: string; message: string; innerError?: Record<string, string> };
  headers?: Headers;
}

/** Runs a Graph call expected to fail and returns its status and error body. */
export async function graphFailure(call: Promise<unknown>): Promise<GraphFailure> {
  try {
    await call;
  } catch (e) {
    if (!(e instanceof GraphError)) throw e;
    return { status: e.statusCode, code: e.code ?? "", message: e.message, body: JSON.parse(e.body as string) as GraphFailure["body"], headers: e.headers };
  }
  throw new Error("the Graph call succeeded, but a failure was expected");
}

/**
 * Runs a token request expected to fail and returns the error. @azure/identity 4 reports
 * AAD's answer as an AuthenticationRequiredError whose message carries the OAuth error,
 * the AADSTS codes and the description ("invalid_client: Error(s): 7000215 - ...").
 */
export async function tokenFailure(credential: TokenCredential, scope = GRAPH_SCOPE): Promise<Error> {
  try {
    await credential.getToken(scope);
  } catch (e) {
    if (e instanceof Error) return e;
    throw e;
  }
  throw new Error("a token was issued, but a failure was expected");
}

/** A raw HTTPS request to the sandbox, for its admin endpoints and for what no official client calls. */
export async function sandboxFetch(sandbox: Sandbox, path: string, init: { method?: string; body?: unknown; form?: Record<string, string> } = {}) {
  const body = init.form ? new URLSearchParams(init.form).toString() : init.body !== undefined ? JSON.stringify(init.body) : undefined;
  const contentType = init.form ? "application/x-www-form-urlencoded" : "application/json";
  const res = await undiciFetch(`${sandbox.url}${path}`, {
    method: init.method ?? (body === undefined ? "GET" : "POST"),
    dispatcher: sandboxDispatcher(sandbox),
    ...(body !== undefined ? { body, headers: { "content-type": contentType } } : {}),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: text && res.headers.get("content-type")?.includes("json") ? (JSON.parse(text) as Record<string, unknown>) : undefined, text };
}
