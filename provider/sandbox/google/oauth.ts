import { generateKeyPairSync, randomBytes, type KeyObject } from "node:crypto";
import type { NextFunction, Request, Response } from "express";
import { decodeJwt, jwtVerify } from "jose";
import type { GoogleTenant } from "./tenant";
import { sendGoogleError } from "./errors";

/** The audience google-auth-library puts in every service-account assertion. */
const GOOGLE_TOKEN_AUDIENCE = "https://oauth2.googleapis.com/token";

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

/** Service accounts, their keys, and the access tokens issued to them. */
export class GoogleOAuth {
  private readonly publicKeys = new Map<string, KeyObject>();
  private readonly tokens = new Map<string, IssuedToken>();

  /** Creates a service account with a fresh RSA key and returns its key file. */
  createServiceAccount(email: string, tokenUri: string): GoogleServiceAccountKey {
    const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    this.publicKeys.set(email, publicKey);
    return {
      type: "service_account",
      project_id: "sandbox-project",
      private_key_id: randomBytes(20).toString("hex"),
      private_key: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
      client_email: email,
      client_id: String(100000000000000000000n + BigInt(this.publicKeys.size)),
      token_uri: tokenUri,
    };
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
      const key = this.publicKeys.get(String(claims.iss));
      if (!key) {
        res.status(400).json({ error: "invalid_grant", error_description: "Invalid grant: account not found" });
        return;
      }
      try {
        await jwtVerify(body.assertion, key, { audience: GOOGLE_TOKEN_AUDIENCE });
      } catch {
        res.status(400).json({ error: "invalid_grant", error_description: "Invalid JWT Signature." });
        return;
      }
      const t = tenant();
      const subject = String(claims.sub ?? "");
      const scopes = String(claims.scope ?? "").split(" ").filter(Boolean);
      const delegated = t.admins.includes(subject.toLowerCase()) && scopes.length > 0 && scopes.every((s) => t.delegatedScopes.includes(s));
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
        sendGoogleError(res, 401, "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.", "authError", { location: "Authorization", locationType: "header" });
        return;
      }
      res.locals.googleToken = issued;
      next();
    };
  }
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
