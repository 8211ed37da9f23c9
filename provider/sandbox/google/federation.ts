import { generateKeyPairSync, randomBytes } from "node:crypto";
import { Router, type NextFunction, type Request, type Response } from "express";
import { decodeJwt, errors, jwtVerify } from "jose";
import { signJwtRs256, type GoogleOAuth } from "./oauth";

/**
 * Workload identity federation, as far as keyless domain-wide delegation needs it: the
 * Security Token Service (https://sts.googleapis.com/v1/token, token exchange of an OIDC
 * token from a trusted issuer) and the IAM Credentials API
 * (https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/SA:signJwt and
 * :generateAccessToken), both served at the sandbox's root with Google's paths.
 */

const PROJECT_NUMBER = "123456789012";
const POOL = `projects/${PROJECT_NUMBER}/locations/global/workloadIdentityPools/ci-pool`;
const PROVIDER = `${POOL}/providers/ci-oidc`;

/** The pool provider's resource name: the `audience` of the external_account configuration and of the STS request. */
export const SANDBOX_WORKLOAD_AUDIENCE = `//iam.googleapis.com/${PROVIDER}`;
/** The `aud` the provider accepts in OIDC tokens by default (Google's default: its resource name as an https URL). */
export const SANDBOX_OIDC_TOKEN_AUDIENCE = `https://iam.googleapis.com/${PROVIDER}`;
/** The sandbox's stand-in OIDC issuer (a CI system or Kubernetes) that the pool provider trusts. */
export const SANDBOX_GOOGLE_OIDC_ISSUER = "https://oidc.group-export.sandbox/google";
export const SANDBOX_GOOGLE_OIDC_SUBJECT = "system:serviceaccount:ci:group-export";
/** Every identity of the pool, as an IAM member. */
export const SANDBOX_POOL_PRINCIPAL_SET = `principalSet://iam.googleapis.com/${POOL}/*`;

/** The IAM principal of a federated token for `subject` (google.subject = assertion.sub). */
export function federatedPrincipal(subject: string): string {
  return `principal://iam.googleapis.com/${POOL}/subject/${subject}`;
}

export const TOKEN_CREATOR_ROLE = "roles/iam.serviceAccountTokenCreator";
export const WORKLOAD_IDENTITY_USER_ROLE = "roles/iam.workloadIdentityUser";

/** One binding of a service account's IAM policy (who may act as it). */
export interface IamBinding {
  role: string;
  /** principal://..., principalSet://.../*, or serviceAccount:EMAIL. */
  members: string[];
}

/** What `gcloud iam workload-identity-pools create-oidc ... && add-iam-policy-binding` would set up for the sandbox. */
export function defaultIamPolicy(): IamBinding[] {
  return [
    { role: WORKLOAD_IDENTITY_USER_ROLE, members: [SANDBOX_POOL_PRINCIPAL_SET] },
    { role: TOKEN_CREATOR_ROLE, members: [SANDBOX_POOL_PRINCIPAL_SET] },
  ];
}

/** Roles that grant each IAM Credentials method. */
const GRANTING_ROLES: Record<string, string[]> = {
  signJwt: [TOKEN_CREATOR_ROLE],
  generateAccessToken: [TOKEN_CREATOR_ROLE, WORKLOAD_IDENTITY_USER_ROLE],
};

const TOKEN_EXCHANGE_GRANT = "urn:ietf:params:oauth:grant-type:token-exchange";
const ACCESS_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token";
const SUBJECT_TOKEN_TYPES = ["urn:ietf:params:oauth:token-type:jwt", "urn:ietf:params:oauth:token-type:id_token"];
/** Scopes IAM Credentials accepts. */
const IAM_SCOPES = ["https://www.googleapis.com/auth/cloud-platform", "https://www.googleapis.com/auth/iam"];
const MAX_SIGNED_JWT_SECONDS = 12 * 3600;
const TOKEN_SECONDS = 3600;

/** A token STS or generateAccessToken issued: valid at IAM Credentials only (not at the Directory API). */
interface CallerToken {
  principal: string;
  scopes: string[];
  expiresAt: number;
}

export interface FederatedTokenOptions {
  issuer?: string;
  subject?: string;
  audience?: string;
  expiresInSeconds?: number;
}

function oauthError(res: Response, error: string, description: string): void {
  res.status(400).json({ error, error_description: description });
}

/** The error shape of Google's gRPC-transcoded APIs (IAM Credentials). */
function rpcError(res: Response, code: number, status: string, message: string, reason?: string, metadata?: Record<string, string>): void {
  const details = reason ? [{ "@type": "type.googleapis.com/google.rpc.ErrorInfo", reason, domain: "iam.googleapis.com", ...(metadata ? { metadata } : {}) }] : undefined;
  res.status(code).json({ error: { code, message, status, ...(details ? { details } : {}) } });
}

function memberMatches(member: string, principal: string): boolean {
  if (member === principal) return true;
  return member.endsWith("/*") && member.startsWith("principalSet://") && principal.startsWith(`principal://${member.slice("principalSet://".length, -1)}`);
}

/** Google's timestamps: RFC 3339, whole seconds. */
function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

export class GoogleFederation {
  /** Key of the stand-in OIDC issuer; synchronous, so the token file exists as soon as the handle does. */
  private readonly issuerKeys = generateKeyPairSync("rsa", { modulusLength: 2048 });
  private readonly tokens = new Map<string, CallerToken>();
  /** IAM policies of the service accounts, by email. */
  private readonly policies = new Map<string, IamBinding[]>();

  constructor(private readonly oauth: GoogleOAuth) {}

  iamPolicy(serviceAccount: string): IamBinding[] {
    return structuredClone(this.policies.get(serviceAccount) ?? []);
  }

  setIamPolicy(serviceAccount: string, bindings: IamBinding[]): void {
    this.policies.set(serviceAccount, structuredClone(bindings));
  }

  /** An OIDC token signed by the sandbox's stand-in issuer (or claiming another issuer, signed with the same key). */
  issueOidcToken(options: FederatedTokenOptions = {}): string {
    const now = Math.floor(Date.now() / 1000);
    const claims = {
      iss: options.issuer ?? SANDBOX_GOOGLE_OIDC_ISSUER,
      sub: options.subject ?? SANDBOX_GOOGLE_OIDC_SUBJECT,
      aud: options.audience ?? SANDBOX_OIDC_TOKEN_AUDIENCE,
      iat: now,
      nbf: now,
      exp: now + (options.expiresInSeconds ?? TOKEN_SECONDS),
    };
    return signJwtRs256(claims, this.issuerKeys.privateKey, "sandbox-oidc");
  }

  /** POST /v1/token and POST /v1/projects/-/serviceAccounts/{email}:{method}. */
  router(): Router {
    const r = Router();
    r.post("/v1/token", (req, res) => void this.exchange(req, res));
    r.post("/v1/projects/:project/serviceAccounts/:target", this.authenticate(), (req, res) => this.iamCredentials(req, res));
    return r;
  }

  /** STS: an OIDC token of the trusted issuer, for the pool provider's audience, becomes a federated access token. */
  private async exchange(req: Request, res: Response): Promise<void> {
    const body = (req.body ?? {}) as Record<string, string | undefined>;
    if (body.grant_type !== TOKEN_EXCHANGE_GRANT) return oauthError(res, "unsupported_grant_type", `Invalid value for "grant_type": ${body.grant_type ?? ""}`);
    if (body.requested_token_type !== ACCESS_TOKEN_TYPE) return oauthError(res, "invalid_request", `Invalid value for "requested_token_type": ${body.requested_token_type ?? ""}`);
    if (!SUBJECT_TOKEN_TYPES.includes(body.subject_token_type ?? "")) return oauthError(res, "invalid_request", `Invalid value for "subject_token_type": ${body.subject_token_type ?? ""}`);
    if (body.audience !== SANDBOX_WORKLOAD_AUDIENCE) {
      return oauthError(
        res,
        "invalid_target",
        'The target service indicated by the "audience" parameters is invalid. This might either be because the pool or provider is disabled or deleted or because it doesn\'t exist.',
      );
    }
    const token = body.subject_token ?? "";
    let claims: Record<string, unknown>;
    try {
      claims = decodeJwt(token);
    } catch {
      return oauthError(res, "invalid_grant", "Unable to parse the ID Token.");
    }
    if (claims.iss !== SANDBOX_GOOGLE_OIDC_ISSUER) return oauthError(res, "invalid_grant", `The issuer in ID Token ${String(claims.iss)} does not match the expected ones: ${SANDBOX_GOOGLE_OIDC_ISSUER}.`);
    try {
      await jwtVerify(token, this.issuerKeys.publicKey, { issuer: SANDBOX_GOOGLE_OIDC_ISSUER, audience: SANDBOX_OIDC_TOKEN_AUDIENCE });
    } catch (e) {
      if (e instanceof errors.JWTExpired) return oauthError(res, "invalid_grant", "The ID Token has expired.");
      if (e instanceof errors.JWTClaimValidationFailed && e.claim === "aud") {
        return oauthError(res, "invalid_grant", `The audience in ID Token [${[claims.aud].flat().join(", ")}] does not match the expected audience ${SANDBOX_OIDC_TOKEN_AUDIENCE}.`);
      }
      return oauthError(res, "invalid_grant", "Invalid ID Token signature.");
    }
    if (typeof claims.sub !== "string" || !claims.sub) return oauthError(res, "invalid_grant", "The mapped attribute google.subject must not be empty.");
    const scopes = (body.scope ?? "").split(" ").filter(Boolean);
    const accessToken = this.issue({ principal: federatedPrincipal(claims.sub), scopes });
    res.json({ access_token: accessToken, issued_token_type: ACCESS_TOKEN_TYPE, token_type: "Bearer", expires_in: TOKEN_SECONDS - 1 });
  }

  private issue(grant: Omit<CallerToken, "expiresAt">, seconds = TOKEN_SECONDS): string {
    const token = "ya29.d.sandbox-" + randomBytes(24).toString("base64url");
    this.tokens.set(token, { ...grant, expiresAt: Date.now() + seconds * 1000 });
    return token;
  }

  /** A federated or service-account token with a scope IAM accepts, left in `res.locals.iamCaller`. */
  private authenticate() {
    return (req: Request, res: Response, next: NextFunction): void => {
      const caller = this.tokens.get((req.header("authorization") ?? "").replace(/^Bearer\s+/i, ""));
      if (!caller || caller.expiresAt < Date.now()) {
        return rpcError(res, 401, "UNAUTHENTICATED", "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.");
      }
      if (!caller.scopes.some((s) => IAM_SCOPES.includes(s))) {
        return rpcError(res, 403, "PERMISSION_DENIED", "Request had insufficient authentication scopes.", "ACCESS_TOKEN_SCOPE_INSUFFICIENT");
      }
      res.locals.iamCaller = caller;
      next();
    };
  }

  private iamCredentials(req: Request, res: Response): void {
    const target = String(req.params.target);
    const separator = target.lastIndexOf(":");
    const [email, method] = separator > 0 ? [target.slice(0, separator), target.slice(separator + 1)] : [target, ""];
    if (!(method in GRANTING_ROLES)) return rpcError(res, 404, "NOT_FOUND", `The sandbox does not emulate IAM Credentials method "${method}".`);
    const body = (req.body ?? {}) as { delegates?: unknown[]; payload?: unknown; scope?: unknown; lifetime?: unknown };
    if (Array.isArray(body.delegates) && body.delegates.length > 0) return rpcError(res, 400, "INVALID_ARGUMENT", "The sandbox does not emulate delegation chains (delegates).");
    const caller = res.locals.iamCaller as CallerToken;
    const permission = `iam.serviceAccounts.${method === "generateAccessToken" ? "getAccessToken" : method}`;
    const allowed =
      this.oauth.hasServiceAccount(email) && this.iamPolicyOf(email).some((b) => GRANTING_ROLES[method].includes(b.role) && b.members.some((m) => memberMatches(m, caller.principal)));
    if (!allowed) {
      return rpcError(res, 403, "PERMISSION_DENIED", `Permission '${permission}' denied on resource (or it may not exist).`, "IAM_PERMISSION_DENIED", { permission });
    }
    if (method === "signJwt") this.signJwt(res, email, body.payload);
    else this.generateAccessToken(res, email, body.scope, body.lifetime);
  }

  private iamPolicyOf(email: string): IamBinding[] {
    return this.policies.get(email) ?? [];
  }

  /** signJwt: a JSON claim set, `exp` (added: 1 h) at most 12 h ahead, signed with a Google-managed key. */
  private signJwt(res: Response, email: string, payload: unknown): void {
    let claims: unknown;
    try {
      claims = JSON.parse(String(payload ?? ""));
    } catch {
      claims = undefined;
    }
    if (!claims || typeof claims !== "object" || Array.isArray(claims)) return rpcError(res, 400, "INVALID_ARGUMENT", "Invalid JWT payload: it must be a serialized JSON object.");
    const now = Math.floor(Date.now() / 1000);
    const set = claims as Record<string, unknown>;
    set.exp ??= now + TOKEN_SECONDS;
    if (!Number.isInteger(set.exp) || (set.exp as number) < now || (set.exp as number) > now + MAX_SIGNED_JWT_SECONDS) {
      return rpcError(res, 400, "INVALID_ARGUMENT", "Invalid JWT payload: exp must be an integer timestamp, not in the past and at most 12 hours in the future.");
    }
    res.json(this.oauth.signAsServiceAccount(email, set));
  }

  /** generateAccessToken: a token of the service account itself (no `sub`: no domain-wide delegation). */
  private generateAccessToken(res: Response, email: string, scope: unknown, lifetime: unknown): void {
    const scopes = Array.isArray(scope) ? scope.map(String).filter(Boolean) : [];
    if (scopes.length === 0) return rpcError(res, 400, "INVALID_ARGUMENT", "Scope required.");
    const seconds = lifetime === undefined ? TOKEN_SECONDS : Number(/^(\d+)s$/.exec(String(lifetime))?.[1] ?? NaN);
    if (!(seconds >= 1 && seconds <= TOKEN_SECONDS)) return rpcError(res, 400, "INVALID_ARGUMENT", `The lifetime must be between 1s and ${TOKEN_SECONDS}s.`);
    const accessToken = this.issue({ principal: `serviceAccount:${email}`, scopes }, seconds);
    res.json({ accessToken, expireTime: rfc3339(Date.now() + seconds * 1000) });
  }
}
