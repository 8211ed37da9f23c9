import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, sign, type KeyObject } from "node:crypto";
import type { NextFunction, Request, Response } from "express";
import { compactVerify, decodeJwt, decodeProtectedHeader } from "jose";
import { findGoogleUser, type GoogleTenant } from "./tenant";
import { sendGoogleError } from "./googleErrorResponses";

/** The audience google-auth-library puts in every service-account assertion. */
const GOOGLE_TOKEN_AUDIENCE = "https://oauth2.googleapis.com/token";
/** An assertion may be valid for at most an hour (exp - iat). */
const MAX_ASSERTION_SECONDS = 3600;
/** Clock skew tolerated on iat and exp. */
const CLOCK_SKEW_SECONDS = 300;

/** What a service-account key file holds (the subset the client libraries read). */
export interface GoogleServiceAccountKey {
  type: "service_account";
  project_id: string;
  private_key_id: string;
  private_key: string;
  client_email: string;
  client_id: string;
  token_uri: string;
}

export interface IssuedToken {
  serviceAccount: string;
  subject: string;
  scopes: string[];
  expiresAt: number;
}

/** A compact RS256 JWS, signed synchronously (jose signs asynchronously only). */
export function signJwtRs256(claims: object, key: KeyObject, kid?: string): string {
  const encode = (part: object) => Buffer.from(JSON.stringify(part)).toString("base64url");
  const input = `${encode({ alg: "RS256", typ: "JWT", ...(kid ? { kid } : {}) })}.${encode(claims)}`;
  return `${input}.${sign("sha256", Buffer.from(input), key).toString("base64url")}`;
}

function newKeyId(): string {
  return randomBytes(20).toString("hex");
}

/** Service accounts, their keys, and the access tokens issued to them. */
export class GoogleOAuth {
  /** Public keys of each service account by key id: user-managed (key files) and Google-managed (signJwt). */
  private readonly publicKeys = new Map<string, Map<string, KeyObject>>();
  /** The Google-managed key IAM Credentials' signJwt signs with, made when first needed. */
  private readonly managedKeys = new Map<string, { kid: string; privateKey: KeyObject }>();
  private readonly tokens = new Map<string, IssuedToken>();

  /** Creates a service account with a fresh RSA key and returns its key file. */
  createServiceAccount(email: string, tokenUri: string): GoogleServiceAccountKey {
    const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const kid = newKeyId();
    this.publicKeys.set(email, new Map([[kid, publicKey]]));
    return {
      type: "service_account",
      project_id: "sandbox-project",
      private_key_id: kid,
      private_key: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
      client_email: email,
      client_id: String(100000000000000000000n + BigInt(this.publicKeys.size)),
      token_uri: tokenUri,
    };
  }

  /** Registers a key made earlier (a restarted sandbox reusing its key file); returns it with `tokenUri`. */
  registerServiceAccount(key: GoogleServiceAccountKey, tokenUri: string): GoogleServiceAccountKey {
    const publicKey = createPublicKey(createPrivateKey(key.private_key));
    this.publicKeys.set(key.client_email, new Map([[key.private_key_id, publicKey]]));
    return { ...key, token_uri: tokenUri };
  }

  hasServiceAccount(email: string): boolean {
    return this.publicKeys.has(email);
  }

  /** Signs a claim set with the service account's Google-managed key, as IAM Credentials' signJwt does. */
  signAsServiceAccount(email: string, claims: object): { keyId: string; signedJwt: string } {
    const keys = this.publicKeys.get(email);
    if (!keys) throw new Error(`no service account ${email}`);
    let managed = this.managedKeys.get(email);
    if (!managed) {
      const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
      managed = { kid: newKeyId(), privateKey };
      keys.set(managed.kid, publicKey);
      this.managedKeys.set(email, managed);
    }
    return { keyId: managed.kid, signedJwt: signJwtRs256(claims, managed.privateKey, managed.kid) };
  }

  /** Whether one of the account's keys (the one named by `kid`, if known) signed the assertion (signature only). */
  private async signedByAccount(assertion: string, email: string): Promise<boolean> {
    const keys = this.publicKeys.get(email);
    if (!keys) return false;
    const kid = decodeProtectedHeader(assertion).kid;
    const candidates = kid && keys.has(kid) ? [keys.get(kid)!] : [...keys.values()];
    for (const key of candidates) {
      try {
        // Times and audience are checked afterwards, each with Google's own answer.
        await compactVerify(assertion, key);
        return true;
      } catch {
        // the next key
      }
    }
    return false;
  }

  /** The JWT-bearer grant: verifies the signed assertion and domain-wide delegation. */
  tokenEndpoint(tenant: () => GoogleTenant) {
    return async (req: Request, res: Response): Promise<void> => {
      const body = (req.body ?? {}) as Record<string, string>;
      if (body.grant_type !== "urn:ietf:params:oauth:grant-type:jwt-bearer" || !body.assertion) {
        res.status(400).json({ error: "unsupported_grant_type", error_description: "Invalid grant_type: " + (body.grant_type ?? "") });
        return;
      }
      let claims: Record<string, unknown>;
      try {
        claims = decodeJwt(body.assertion);
      } catch {
        res.status(400).json({ error: "invalid_grant", error_description: "Invalid JWT: malformed assertion" });
        return;
      }
      if (!this.hasServiceAccount(String(claims.iss))) {
        res.status(400).json({ error: "invalid_grant", error_description: "Invalid grant: account not found" });
        return;
      }
      if (!(await this.signedByAccount(body.assertion, String(claims.iss)))) {
        res.status(400).json({ error: "invalid_grant", error_description: "Invalid JWT Signature." });
        return;
      }
      // Wording of Google's token endpoint for these assertions (as widely reported by its clients).
      if (claims.aud !== GOOGLE_TOKEN_AUDIENCE) {
        res.status(400).json({ error: "invalid_grant", error_description: "Invalid JWT: Failed audience check." });
        return;
      }
      const now = Math.floor(Date.now() / 1000);
      const [iat, exp] = [Number(claims.iat), Number(claims.exp)];
      if (!Number.isFinite(iat) || !Number.isFinite(exp) || exp - iat > MAX_ASSERTION_SECONDS || exp <= now - CLOCK_SKEW_SECONDS || iat > now + CLOCK_SKEW_SECONDS) {
        res.status(400).json({
          error: "invalid_grant",
          error_description: "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.",
        });
        return;
      }
      const t = tenant();
      const subject = String(claims.sub ?? "");
      if (subject && !findGoogleUser(t, subject)) {
        res.status(400).json({ error: "invalid_grant", error_description: "Invalid email or User ID" });
        return;
      }
      const scopes = String(claims.scope ?? "").split(" ").filter(Boolean);
      // Delegation is granted per client id and scope, for any user of the customer: a user who is
      // no admin gets a token, and the Admin APIs then refuse it (`adminsOnly`), as Google does.
      const delegated = scopes.length > 0 && scopes.every((s) => t.delegatedScopes.includes(s));
      if (!delegated) {
        res.status(401).json({
          error: "unauthorized_client",
          error_description: "Client is unauthorized to retrieve access tokens using this method, or client not authorized for any of the scopes requested.",
        });
        return;
      }
      const token = "ya29.sandbox-" + randomBytes(24).toString("base64url");
      this.tokens.set(token, { serviceAccount: String(claims.iss), subject, scopes, expiresAt: Date.now() + 3600_000 });
      res.json({ access_token: token, expires_in: 3599, token_type: "Bearer" });
    };
  }

  /** Middleware: a valid, unexpired bearer token; the grant is left in `res.locals.googleToken`. */
  authenticate() {
    return (req: Request, res: Response, next: NextFunction): void => {
      const header = req.header("authorization") ?? "";
      const issued = this.tokens.get(header.replace(/^Bearer\s+/i, ""));
      if (!issued || issued.expiresAt < Date.now()) {
        res.setHeader("WWW-Authenticate", 'Bearer realm="https://accounts.google.com/", error="invalid_token"');
        res.status(401).json(unauthenticatedBody());
        return;
      }
      res.locals.googleToken = issued;
      next();
    };
  }
}

/**
 * Google's 401 for a missing or invalid token: the top-level message, `errors[0]` with
 * "Invalid Credentials", and `status: "UNAUTHENTICATED"` (the google.rpc code every Google API adds).
 */
function unauthenticatedBody() {
  return {
    error: {
      code: 401,
      message:
        "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.",
      errors: [{ message: "Invalid Credentials", domain: "global", reason: "authError", location: "Authorization", locationType: "header" }],
      status: "UNAUTHENTICATED",
    },
  };
}

/**
 * Route middleware for the Admin APIs (Directory, Groups Settings): only an administrator may
 * call them. Domain-wide delegation gives any user of the customer a token; calling as one who
 * is no admin is answered 403 `forbidden` "Not Authorized to access this resource/api"
 * (reported by the client libraries' users, e.g. googleapis/google-api-nodejs-client#615).
 */
export function adminsOnly(tenant: () => GoogleTenant) {
  return (_req: Request, res: Response, next: NextFunction): void => {
    if (!tenant().admins.includes(grantOf(res).subject.toLowerCase())) {
      sendGoogleError(res, 403, "Not Authorized to access this resource/api", "forbidden");
      return;
    }
    next();
  };
}

/** The grant behind the request's token (after `authenticate`). */
export function grantOf(res: Response): IssuedToken {
  return res.locals.googleToken as IssuedToken;
}

/** Route middleware: the token must carry one of the scopes the method accepts, as in Google. */
export function allowScopes(accepted: readonly string[]) {
  return (_req: Request, res: Response, next: NextFunction): void => {
    if (!grantOf(res).scopes.some((s) => accepted.includes(s))) {
      sendGoogleError(res, 403, "Request had insufficient authentication scopes.", "insufficientPermissions");
      return;
    }
    next();
  };
}
