import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Express, Response } from "express";
import { z } from "zod";
import type { Faults } from "../faults";
import type { Loopback } from "../loopback";
import { directoryBatch } from "./batchEndpoint";
import type { GoogleContext } from "./context";
import { directoryApi } from "./directoryApi";
import { renderGoogleFault } from "./googleErrorResponses";
import {
  defaultIamPolicy,
  federatedPrincipal,
  GoogleFederation,
  SANDBOX_GOOGLE_OIDC_SUBJECT,
  SANDBOX_WORKLOAD_AUDIENCE,
  type FederatedTokenOptions,
  type IamBinding,
} from "./federation";
import { groupsSettingsApi } from "./groupsSettingsApi";
import { adminsOnly, GoogleOAuth, type GoogleServiceAccountKey } from "./oauth";
import { Propagation } from "../propagation";
import { DEFAULT_QUERIES_PER_MINUTE, Quota } from "./quota";
import { deleteGoogleGroup, deleteGoogleUser, findGoogleGroup, findGoogleUser, googleTenantSchema, type GoogleTenant, type GoogleTenantSeed } from "./tenant";
import type { ProviderStackConfig } from "../stackConfig";

/** Run-time behaviours of the Google emulator; also the body of /__sandbox/google/behaviour. */
export const googleBehaviourSchema = z.object({
  /** Eventual consistency: for this long a just-inserted group or member is invisible to reads. */
  propagationDelayMs: z.number().int().min(0).default(0),
  /** For this long a just-inserted group is invisible to the Groups Settings API (404), which lags the Directory API. */
  settingsPropagationDelayMs: z.number().int().min(0).default(0),
  /** For this long after a write, the Groups Settings API still answers the previous values (stale reads). */
  settingsStaleReadMs: z.number().int().min(0).default(0),
  /** Directory API queries per minute per impersonated user (Google's default: 2,400). */
  quotaPerMinute: z.number().int().positive().default(DEFAULT_QUERIES_PER_MINUTE),
  /**
   * The Groups Settings API's own queries per minute per impersonated user (0: no quota). Google
   * counts that API apart from the Directory API and answers the same 403 userRateLimitExceeded.
   */
  settingsQuotaPerMinute: z.number().int().min(0).default(0),
});
export type GoogleBehaviour = z.output<typeof googleBehaviourSchema>;

/** `sandbox.google`: the Google side of a running sandbox. */
export interface SandboxGoogle {
  /** The live tenant: tests read it and change it directly to simulate changes made by hand. */
  readonly tenant: GoogleTenant;
  serviceAccountKey: GoogleServiceAccountKey;
  /** The key as a file, as users download it from Google. */
  serviceAccountKeyPath: string;
  readonly adminEmail: string;
  rootUrl: string;
  tokenUrl: string;
  /**
   * Deletes a group as an administrator does in the Admin console (by id, address or alias; no
   * scope checks): it leaves every group it was in, and later API calls get the real 404 bodies.
   * Throws if no group has that key.
   */
  deleteGroup(groupKey: string): void;
  /** Deletes a user as in the Admin console: gone from the customer and from every group. */
  deleteUser(userKey: string): void;
  /** Eventual consistency on demand (0: none); applies to earlier inserts too. */
  setPropagationDelay(ms: number): void;
  /** The Groups Settings API's own lag after a group is inserted (0: none); applies to earlier inserts too. */
  setSettingsPropagationDelay(ms: number): void;
  /** For this long after a settings write, reads still answer the previous values (0: none). */
  setSettingsStaleReads(ms: number): void;
  /** The Directory API quota; the calls counted so far are forgotten. */
  setQuota(quota: { perMinute: number }): void;
  /** The Groups Settings API's own quota (0: none, the default); the calls counted so far are forgotten. */
  setSettingsQuota(quota: { perMinute: number }): void;
  behaviour(): GoogleBehaviour;

  // Workload identity federation (keyless CI): STS at POST /v1/token and IAM Credentials at
  // POST /v1/projects/-/serviceAccounts/{email}:signJwt|generateAccessToken, on `rootUrl`.
  /**
   * An `external_account` configuration as `gcloud iam workload-identity-pools create-cred-config
   * --service-account=... --credential-source-file=...` writes it: Google's URLs (the provider
   * redirects them with googleApiRootUrl), the subject token read from `federatedTokenPath`.
   */
  externalAccountPath: string;
  /** The file the configuration's credential_source reads: an OIDC token of the sandbox's issuer (valid 24 h). */
  federatedTokenPath: string;
  /** The pool provider's audience (`//iam.googleapis.com/projects/.../providers/...`). */
  workloadIdentityAudience: string;
  /** The IAM principal of the default federated token (principal://.../subject/...). */
  federatedPrincipal: string;
  /** A token of the sandbox's stand-in OIDC issuer (CI/Kubernetes), which the pool provider trusts. */
  issueFederatedToken(options?: FederatedTokenOptions): Promise<string>;
  /** Rewrites `federatedTokenPath` with a fresh token (or one made with `options`); returns it. */
  writeFederatedToken(options?: FederatedTokenOptions): Promise<string>;
  /** Who may act as the service account: by default the whole pool holds Token Creator and Workload Identity User. */
  iamPolicy(): IamBinding[];
  setIamPolicy(bindings: IamBinding[]): void;
  /** Like `Sandbox.providerConfig()`'s Google keys, with the external_account configuration instead of the key. */
  externalAccountProviderConfig(): ProviderStackConfig;
}

const SANDBOX_SERVICE_ACCOUNT = "group-export@sandbox-project.iam.gserviceaccount.com";
/** A CI job's token lives minutes; the sandbox's token file outlives a long session (writeFederatedToken refreshes it). */
const TOKEN_FILE_SECONDS = 24 * 3600;

function sendInvalid(res: Response, error: z.ZodError): void {
  res.status(400).json({ error: { code: 400, message: z.prettifyError(error) } });
}

/**
 * The Google emulator: the service-account token endpoint, workload identity federation (STS
 * and IAM Credentials), the Directory API (with its batch endpoint) and the Groups Settings
 * API, over one tenant, plus the admin endpoints to seed, dump and tune it.
 */
export class GoogleSandbox {
  private current: GoogleTenant;
  private readonly oauth = new GoogleOAuth();
  private readonly federation = new GoogleFederation(this.oauth);
  private readonly propagation: Propagation;
  private readonly quota: Quota;
  private readonly settingsQuota: Quota;
  /** Called after every reseed (e.g. to save the state file). */
  onSeed: () => void = () => undefined;

  constructor(seed: GoogleTenantSeed = {}, behaviour: Partial<GoogleBehaviour> = {}) {
    this.current = googleTenantSchema.parse(seed);
    const b = googleBehaviourSchema.parse(behaviour);
    this.propagation = new Propagation(b.propagationDelayMs, b.settingsPropagationDelayMs, b.settingsStaleReadMs);
    this.quota = new Quota(b.quotaPerMinute);
    this.settingsQuota = new Quota(b.settingsQuotaPerMinute);
  }

  get tenant(): GoogleTenant {
    return this.current;
  }

  /** Replaces the tenant (throws a ZodError for an invalid seed). */
  seed(seed: GoogleTenantSeed): GoogleTenant {
    this.current = googleTenantSchema.parse(seed);
    this.onSeed();
    return this.current;
  }

  behaviour(): GoogleBehaviour {
    return {
      propagationDelayMs: this.propagation.delayMs,
      settingsPropagationDelayMs: this.propagation.settingsDelayMs,
      settingsStaleReadMs: this.propagation.settingsStaleMs,
      quotaPerMinute: this.quota.perMinute,
      settingsQuotaPerMinute: this.settingsQuota.perMinute,
    };
  }

  setBehaviour(change: Partial<GoogleBehaviour>): void {
    if (change.propagationDelayMs !== undefined) this.propagation.delayMs = change.propagationDelayMs;
    if (change.settingsPropagationDelayMs !== undefined) this.propagation.settingsDelayMs = change.settingsPropagationDelayMs;
    if (change.settingsStaleReadMs !== undefined) this.propagation.settingsStaleMs = change.settingsStaleReadMs;
    if (change.quotaPerMinute !== undefined) this.quota.set(change.quotaPerMinute);
    if (change.settingsQuotaPerMinute !== undefined) this.settingsQuota.set(change.settingsQuotaPerMinute);
  }

  mount(app: Express, faults: Faults, loopback: Loopback): void {
    const ctx: GoogleContext = { tenant: () => this.current, propagation: this.propagation };
    const googleFaults = faults.middleware("google", renderGoogleFault);
    const authenticate = this.oauth.authenticate();
    app.post("/google/oauth2/token", this.oauth.tokenEndpoint(() => this.current));
    app.use(this.federation.router());
    const admins = adminsOnly(() => this.current);
    app.use("/admin/directory/v1", googleFaults, authenticate, this.quota.middleware(), admins, directoryApi(ctx));
    app.post("/batch/admin/directory_v1", ...directoryBatch(loopback));
    app.use("/groups/v1", googleFaults, authenticate, this.settingsQuota.middleware(), admins, groupsSettingsApi(ctx));

    app.get("/__sandbox/google", (_req, res) => void res.json(this.current));
    app.put("/__sandbox/google", (req, res) => {
      const parsed = googleTenantSchema.safeParse(req.body);
      if (parsed.success) res.json(this.seed(req.body as GoogleTenantSeed));
      else sendInvalid(res, parsed.error);
    });
    app.get("/__sandbox/google/behaviour", (_req, res) => void res.json(this.behaviour()));
    app.put("/__sandbox/google/behaviour", (req, res) => {
      const parsed = googleBehaviourSchema.partial().safeParse(req.body);
      if (!parsed.success) return sendInvalid(res, parsed.error);
      this.setBehaviour(parsed.data);
      res.json(this.behaviour());
    });
  }

  /** The `sandbox.google` handle, once the server listens at `url`; writes the key file into `dir`. */
  handle(url: string, dir: string): SandboxGoogle {
    const tokenUrl = `${url}/google/oauth2/token`;
    const serviceAccountKeyPath = join(dir, "google-service-account.json");
    // A key file left by an earlier start in the same folder is used again: the stack config pointing at it stays valid.
    const saved = existsSync(serviceAccountKeyPath) ? (JSON.parse(readFileSync(serviceAccountKeyPath, "utf8")) as GoogleServiceAccountKey) : undefined;
    const serviceAccountKey =
      saved?.client_email === SANDBOX_SERVICE_ACCOUNT && saved.private_key ? this.oauth.registerServiceAccount(saved, tokenUrl) : this.oauth.createServiceAccount(SANDBOX_SERVICE_ACCOUNT, tokenUrl);
    writeFileSync(serviceAccountKeyPath, JSON.stringify(serviceAccountKey, null, 2), { mode: 0o600 });
    this.federation.setIamPolicy(SANDBOX_SERVICE_ACCOUNT, defaultIamPolicy());
    const federatedTokenPath = join(dir, "google-federated-token");
    const writeFederatedToken = (options: FederatedTokenOptions = {}) => {
      const token = this.federation.issueOidcToken({ expiresInSeconds: TOKEN_FILE_SECONDS, ...options });
      writeFileSync(federatedTokenPath, token, { mode: 0o600 });
      return token;
    };
    writeFederatedToken();
    const externalAccountPath = join(dir, "google-external-account.json");
    const externalAccount = {
      universe_domain: "googleapis.com",
      type: "external_account",
      audience: SANDBOX_WORKLOAD_AUDIENCE,
      subject_token_type: "urn:ietf:params:oauth:token-type:jwt",
      token_url: "https://sts.googleapis.com/v1/token",
      credential_source: { file: federatedTokenPath, format: { type: "text" } },
      service_account_impersonation_url: `https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/${SANDBOX_SERVICE_ACCOUNT}:generateAccessToken`,
    };
    writeFileSync(externalAccountPath, JSON.stringify(externalAccount, null, 2), { mode: 0o600 });
    const rootUrl = `${url}/`;
    const live = () => this.current;
    return {
      get tenant() {
        return live();
      },
      serviceAccountKey,
      serviceAccountKeyPath,
      get adminEmail() {
        return live().admins[0];
      },
      rootUrl,
      tokenUrl,
      deleteGroup: (groupKey) => {
        const g = findGoogleGroup(live(), groupKey);
        if (!g) throw new Error(`No group ${groupKey} in the sandbox's Google customer`);
        deleteGoogleGroup(live(), g);
        this.onSeed();
      },
      deleteUser: (userKey) => {
        const u = findGoogleUser(live(), userKey);
        if (!u) throw new Error(`No user ${userKey} in the sandbox's Google customer`);
        deleteGoogleUser(live(), u);
        this.onSeed();
      },
      setPropagationDelay: (ms) => this.setBehaviour({ propagationDelayMs: ms }),
      setSettingsPropagationDelay: (ms) => this.setBehaviour({ settingsPropagationDelayMs: ms }),
      setSettingsStaleReads: (ms) => this.setBehaviour({ settingsStaleReadMs: ms }),
      setQuota: ({ perMinute }) => this.setBehaviour({ quotaPerMinute: perMinute }),
      setSettingsQuota: ({ perMinute }) => this.setBehaviour({ settingsQuotaPerMinute: perMinute }),
      behaviour: () => this.behaviour(),
      externalAccountPath,
      federatedTokenPath,
      workloadIdentityAudience: SANDBOX_WORKLOAD_AUDIENCE,
      federatedPrincipal: federatedPrincipal(SANDBOX_GOOGLE_OIDC_SUBJECT),
      issueFederatedToken: async (options) => this.federation.issueOidcToken(options),
      writeFederatedToken: async (options) => writeFederatedToken(options),
      iamPolicy: () => this.federation.iamPolicy(SANDBOX_SERVICE_ACCOUNT),
      setIamPolicy: (bindings) => this.federation.setIamPolicy(SANDBOX_SERVICE_ACCOUNT, bindings),
      externalAccountProviderConfig: () => ({
        "groupExport:googleCredentialsFile": { value: externalAccountPath, secret: false },
        "groupExport:googleAdminEmail": { value: live().admins[0], secret: false },
        "groupExport:googleApiRootUrl": { value: rootUrl, secret: false },
        "groupExport:googleTokenUrl": { value: tokenUrl, secret: false },
      }),
    };
  }
}
