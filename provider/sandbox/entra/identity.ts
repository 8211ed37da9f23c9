import { createHash, createPublicKey, generateKeyPair, randomUUID, X509Certificate, type KeyObject } from "node:crypto";
import { promisify } from "node:util";
import { Router, type NextFunction, type Request, type Response } from "express";
import { decodeJwt, decodeProtectedHeader, errors, exportJWK, jwtVerify, SignJWT, type JWTPayload } from "jose";
import { AadError, GraphError, sendAadError } from "./graphErrorResponses";
import { SANDBOX_OIDC_ISSUER, SANDBOX_OIDC_SUBJECT, TOKEN_EXCHANGE_AUDIENCE, type EntraApp, type EntraTenant } from "./tenant";

/** Microsoft Graph's resource URI and application id; either may name it in a scope. */
const GRAPH_RESOURCE = "https://graph.microsoft.com";
const GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000";
const JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
const TOKEN_LIFETIME_SECONDS = 3599;

/** What the Graph routes know about the caller once its bearer token is verified. */
export interface GraphCaller {
  appId: string;
  roles: string[];
}

/** The scheme and host the client used to reach the sandbox: the base of every URL the sandbox hands out. */
export function requestOrigin(req: Request): string {
  return `${req.protocol}://${req.get("host")}`;
}

function findTenant(tenant: EntraTenant, key: string): boolean {
  const k = key.toLowerCase();
  return tenant.tenantId === k || tenant.domains.some((d) => d.toLowerCase() === k);
}

/** Key material of a registered certificate or public key, with the thumbprints MSAL sends in `x5t#S256`/`x5t`. */
function certificateKey(pem: string): { key: KeyObject; x5t?: string; x5tS256?: string } {
  if (!pem.includes("BEGIN CERTIFICATE")) return { key: createPublicKey(pem) };
  const cert = new X509Certificate(pem);
  const thumb = (fingerprint: string) => Buffer.from(fingerprint.replace(/:/g, ""), "hex").toString("base64url");
  return { key: cert.publicKey, x5t: thumb(cert.fingerprint), x5tS256: thumb(cert.fingerprint256) };
}

interface KeyPair {
  publicKey: KeyObject;
  privateKey: KeyObject;
}

function newRsaKey(): Promise<KeyPair> {
  return promisify(generateKeyPair)("rsa", { modulusLength: 2048 });
}

/** Clock skew AAD tolerates in assertions (MSAL even rounds `nbf` up to the next second). */
const CLOCK_SKEW_SECONDS = 300;

/** Verifies an assertion's signature and times, mapping jose's failures to AAD's errors. */
async function verifyAssertion(assertion: string, key: KeyObject, audience: string[]): Promise<void> {
  try {
    await jwtVerify(assertion, key, { audience, algorithms: ["RS256", "PS256", "ES256"], clockTolerance: CLOCK_SKEW_SECONDS });
  } catch (e) {
    if (e instanceof errors.JWTExpired || (e instanceof errors.JWTClaimValidationFailed && e.claim !== "aud")) {
      throw new AadError(401, "invalid_client", 700024, `Client assertion is not within its valid time range. Current time: ${new Date().toISOString()}.`);
    }
    if (e instanceof errors.JWTClaimValidationFailed) {
      const presented = String(decodeJwt(assertion).aud);
      throw new AadError(401, "invalid_client", 700021, `Client assertion audience claim does not match Realm issuer. Presented audience: '${presented}'; expected one of: ${audience.join(", ")}.`);
    }
    throw new AadError(401, "invalid_client", 700027, "Client assertion failed signature validation.");
  }
}

/**
 * The Microsoft identity platform of one sandbox: OIDC metadata, signing keys, the
 * client-credentials token endpoint (secret, certificate assertion, federated assertion),
 * and verification of the access tokens it issues.
 */
export class EntraIdentity {
  /** The token-signing key, generated in the background (RSA key generation takes a few hundred ms). */
  private readonly signing = newRsaKey().then((keys) => ({
    ...keys,
    kid: createHash("sha256").update(keys.publicKey.export({ type: "spki", format: "der" })).digest("base64url").slice(0, 27),
  }));
  /** Key of the sandbox's stand-in external OIDC issuer (CI system / Kubernetes), made when first needed. */
  private oidcIssuer: Promise<KeyPair> | undefined;

  constructor(private readonly tenant: () => EntraTenant) {}

  /** Routes under the authority host: `/{tenant}/v2.0/.well-known/openid-configuration`, keys and token. */
  router(): Router {
    const r = Router();
    r.get("/:tenant/v2.0/.well-known/openid-configuration", (req: Request, res: Response) => {
      const t = this.tenant();
      if (!findTenant(t, String(req.params.tenant))) {
        sendAadError(res, this.unknownTenant(String(req.params.tenant)));
        return;
      }
      const base = `${requestOrigin(req)}/${t.tenantId}`;
      res.json({
        token_endpoint: `${base}/oauth2/v2.0/token`,
        token_endpoint_auth_methods_supported: ["client_secret_post", "private_key_jwt", "client_secret_basic"],
        jwks_uri: `${base}/discovery/v2.0/keys`,
        response_modes_supported: ["query", "fragment", "form_post"],
        subject_types_supported: ["pairwise"],
        id_token_signing_alg_values_supported: ["RS256"],
        response_types_supported: ["code", "id_token", "code id_token", "id_token token"],
        scopes_supported: ["openid", "profile", "email", "offline_access"],
        issuer: `${base}/v2.0`,
        request_uri_parameter_supported: false,
        userinfo_endpoint: `${requestOrigin(req)}/oidc/userinfo`,
        authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
        device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
        http_logout_supported: true,
        frontchannel_logout_supported: true,
        end_session_endpoint: `${base}/oauth2/v2.0/logout`,
        claims_supported: ["sub", "iss", "cloud_instance_name", "cloud_instance_host_name", "cloud_graph_host_name", "msgraph_host", "aud", "exp", "iat", "auth_time", "acr", "nonce", "preferred_username", "name", "tid", "ver", "at_hash", "c_hash", "email"],
        kerberos_endpoint: `${base}/kerberos`,
        tenant_region_scope: "EU",
        cloud_instance_name: "microsoftonline.com",
        cloud_graph_host_name: "graph.windows.net",
        msgraph_host: "graph.microsoft.com",
        rbac_url: "https://pas.windows.net",
      });
    });
    r.get("/:tenant/discovery/v2.0/keys", async (_req: Request, res: Response) => {
      const { publicKey, kid } = await this.signing;
      const jwk = await exportJWK(publicKey);
      res.json({ keys: [{ kty: jwk.kty, use: "sig", kid, n: jwk.n, e: jwk.e, issuer: `https://sts.windows.net/${this.tenant().tenantId}/` }] });
    });
    r.post("/:tenant/oauth2/v2.0/token", async (req: Request, res: Response) => {
      try {
        res.json(await this.clientCredentials(req));
      } catch (e) {
        if (!(e instanceof AadError)) throw e;
        sendAadError(res, e, req.header("client-request-id") ?? undefined);
      }
    });
    return r;
  }

  private unknownTenant(key: string): AadError {
    // The discovery and token endpoints answer an unknown tenant with `invalid_tenant` (reported bodies of both, e.g. Azure/azure-cli#22145).
    return new AadError(
      400,
      "invalid_tenant",
      90002,
      `Tenant '${key}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.`,
    );
  }

  /** The client-credentials grant; returns the token response or throws an AadError. */
  private async clientCredentials(req: Request) {
    const t = this.tenant();
    if (!findTenant(t, String(req.params.tenant))) throw this.unknownTenant(String(req.params.tenant));
    const body = { ...((req.body ?? {}) as Record<string, string | undefined>) };
    // client_secret_basic: credentials in the Authorization header instead of the body.
    const basic = /^Basic\s+(.+)$/i.exec(req.header("authorization") ?? "");
    if (basic) {
      const [id, secret] = Buffer.from(basic[1], "base64").toString().split(":").map(decodeURIComponent);
      body.client_id ??= id;
      body.client_secret ??= secret;
    }
    const required = (name: string): string => {
      const value = body[name];
      if (!value) throw new AadError(400, "invalid_request", 900144, `The request body must contain the following parameter: '${name}'.`);
      return value;
    };
    const grantType = required("grant_type");
    if (grantType !== "client_credentials") throw new AadError(400, "unsupported_grant_type", 70003, `The app requested an unsupported grant type '${grantType}'.`);
    const clientId = required("client_id").toLowerCase();
    const app = t.apps.find((a) => a.clientId === clientId);
    if (!app) {
      throw new AadError(400, "unauthorized_client", 700016, `Application with identifier '${clientId}' was not found in the directory '${t.displayName}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`);
    }
    const audience = this.resource(req, required("scope"), t);
    let appidacr: "1" | "2";
    if (body.client_secret !== undefined) {
      if (body.client_secret !== app.clientSecret) {
        throw new AadError(401, "invalid_client", 7000215, `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${app.clientId}'.`);
      }
      appidacr = "1";
    } else if (body.client_assertion !== undefined) {
      if (body.client_assertion_type !== JWT_BEARER) {
        throw new AadError(400, "invalid_request", 7000219, `'client_assertion_type' must be '${JWT_BEARER}'.`);
      }
      await this.verifyClientAssertion(req, app, body.client_assertion);
      appidacr = "2";
    } else {
      throw new AadError(401, "invalid_client", 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.");
    }
    const now = Math.floor(Date.now() / 1000);
    const { privateKey, kid } = await this.signing;
    const accessToken = await new SignJWT({
      aud: audience,
      app_displayname: app.displayName,
      appid: app.clientId,
      appidacr,
      idp: `https://sts.windows.net/${t.tenantId}/`,
      idtyp: "app",
      oid: app.servicePrincipalId,
      roles: app.roles,
      sub: app.servicePrincipalId,
      tid: t.tenantId,
      uti: randomUUID().replace(/-/g, ""),
      ver: "1.0",
    })
      .setProtectedHeader({ typ: "JWT", alg: "RS256", kid })
      .setIssuer(`https://sts.windows.net/${t.tenantId}/`)
      .setIssuedAt(now)
      .setNotBefore(now)
      .setExpirationTime(now + TOKEN_LIFETIME_SECONDS)
      .sign(privateKey);
    return { token_type: "Bearer", expires_in: TOKEN_LIFETIME_SECONDS, ext_expires_in: TOKEN_LIFETIME_SECONDS, access_token: accessToken };
  }

  /** The resource a client-credentials scope names; only Graph (or the sandbox itself) exists here. */
  private resource(req: Request, scope: string, t: EntraTenant): string {
    const scopes = scope.split(" ").filter((s) => s && !["openid", "profile", "offline_access"].includes(s));
    const [first] = scopes;
    if (scopes.length !== 1 || !first.endsWith("/.default")) {
      throw new AadError(400, "invalid_scope", 1002012, `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`);
    }
    const resource = first.slice(0, -"/.default".length).replace(/\/$/, "");
    const known = [GRAPH_RESOURCE, GRAPH_APP_ID, requestOrigin(req)];
    if (!known.some((k) => k.toLowerCase() === resource.toLowerCase())) {
      // The client-credentials page documents `invalid_scope` for a scope naming no resource; the code is AADSTS500011 (error-code reference).
      throw new AadError(400, "invalid_scope", 500011, `The resource principal named ${resource} was not found in the tenant named ${t.displayName}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.`);
    }
    return resource;
  }

  /** A certificate-signed assertion (iss = sub = client id) or a federated token from a trusted issuer. */
  private async verifyClientAssertion(req: Request, app: EntraApp, assertion: string): Promise<void> {
    let claims: JWTPayload;
    let header: ReturnType<typeof decodeProtectedHeader>;
    try {
      claims = decodeJwt(assertion);
      header = decodeProtectedHeader(assertion);
    } catch {
      throw new AadError(400, "invalid_request", 50027, "JWT token is invalid or malformed.");
    }
    if (claims.iss === app.clientId) {
      if (claims.sub !== app.clientId) throw new AadError(401, "invalid_client", 700021, "Client assertion application identifier doesn't match 'client_id' parameter.");
      const tokenEndpoint = `${requestOrigin(req)}/${String(req.params.tenant)}/oauth2/v2.0/token`;
      const audience = [tokenEndpoint, `${requestOrigin(req)}/${this.tenant().tenantId}/oauth2/v2.0/token`, `${requestOrigin(req)}/${this.tenant().tenantId}/v2.0`];
      const thumbprint = header["x5t#S256"] ?? header.x5t;
      const keys = app.certificates.map(certificateKey).filter((k) => !thumbprint || k.x5tS256 === thumbprint || k.x5t === thumbprint || (!k.x5t && !k.x5tS256));
      if (keys.length === 0) {
        throw new AadError(401, "invalid_client", 700027, `The certificate with identifier used to sign the client assertion is not registered on application. [Reason - The key was not found., Thumbprint of key used by client: '${String(thumbprint ?? "")}', Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '${app.clientId}'.]`);
      }
      let last: unknown;
      for (const { key } of keys) {
        try {
          return await verifyAssertion(assertion, key, audience);
        } catch (e) {
          last = e;
        }
      }
      throw last;
    }
    const presented = Array.isArray(claims.aud) ? claims.aud : [String(claims.aud ?? "")];
    const credential = app.federatedCredentials.find((c) => c.issuer === claims.iss && c.subject === claims.sub && c.audiences.some((a) => presented.includes(a)));
    if (!credential) {
      throw new AadError(400, "invalid_request", 70021, `No matching federated identity record found for presented assertion. Assertion Issuer: '${String(claims.iss)}'. Assertion Subject: '${String(claims.sub)}'. Assertion Audience: '${presented.join(",")}'. https://learn.microsoft.com/entra/workload-id/workload-identity-federation`);
    }
    await verifyAssertion(assertion, credential.publicKeyPem ? certificateKey(credential.publicKeyPem).key : (await this.oidcIssuerKeys()).publicKey, credential.audiences);
  }

  private oidcIssuerKeys(): Promise<KeyPair> {
    this.oidcIssuer ??= newRsaKey();
    return this.oidcIssuer;
  }

  /** A token of the sandbox's stand-in OIDC issuer, as a CI system would hand to a workload. */
  async issueFederatedToken(options: { issuer?: string; subject?: string; audience?: string; expiresInSeconds?: number } = {}): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({})
      .setProtectedHeader({ alg: "RS256", typ: "JWT" })
      .setIssuer(options.issuer ?? SANDBOX_OIDC_ISSUER)
      .setSubject(options.subject ?? SANDBOX_OIDC_SUBJECT)
      .setAudience(options.audience ?? TOKEN_EXCHANGE_AUDIENCE)
      .setIssuedAt(now)
      .setNotBefore(now)
      .setExpirationTime(now + (options.expiresInSeconds ?? 3600))
      .sign((await this.oidcIssuerKeys()).privateKey);
  }

  /** Middleware: a valid access token for Graph from this tenant, else 401 InvalidAuthenticationToken. */
  authenticate() {
    return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
      const token = /^Bearer\s+(\S+)$/i.exec(req.header("authorization") ?? "")?.[1];
      const unauthenticated = (message: string) => {
        res.setHeader("WWW-Authenticate", `Bearer realm="", authorization_uri="${requestOrigin(req)}/common/oauth2/authorize", client_id="${GRAPH_APP_ID}"`);
        return new GraphError(401, "InvalidAuthenticationToken", message);
      };
      if (!token) throw unauthenticated("Access token is empty.");
      const t = this.tenant();
      let claims: JWTPayload;
      try {
        ({ payload: claims } = await jwtVerify(token, (await this.signing).publicKey, { issuer: `https://sts.windows.net/${t.tenantId}/` }));
      } catch (e) {
        if (e instanceof errors.JWTExpired) throw unauthenticated("Lifetime validation failed, the token is expired.");
        throw unauthenticated(e instanceof errors.JWTClaimValidationFailed ? "Access token validation failure. Invalid issuer." : "Access token validation failure.");
      }
      const audiences = [GRAPH_RESOURCE, GRAPH_APP_ID, requestOrigin(req)].map((a) => a.toLowerCase());
      if (!audiences.includes(String(claims.aud).toLowerCase())) throw unauthenticated("Access token validation failure. Invalid audience.");
      const caller: GraphCaller = { appId: String(claims.appid), roles: Array.isArray(claims.roles) ? claims.roles.map(String) : [] };
      res.locals.caller = caller;
      next();
    };
  }
}
