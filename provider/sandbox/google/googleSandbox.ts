import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Express, Response } from "express";
import { z } from "zod";
import type { Faults } from "../faults";
import type { Loopback } from "../loopback";
import { directoryBatch } from "./batch";
import type { GoogleContext } from "./context";
import { directoryApi } from "./directoryApi";
import { renderGoogleFault } from "./errors";
import { groupsSettingsApi } from "./groupsSettingsApi";
import { GoogleOAuth, type GoogleServiceAccountKey } from "./oauth";
import { Propagation } from "./propagation";
import { DEFAULT_QUERIES_PER_MINUTE, Quota } from "./quota";
import { googleTenantSchema, type GoogleTenant, type GoogleTenantSeed } from "./tenant";

/** Run-time behaviours of the Google emulator; also the body of /__sandbox/google/behaviour. */
export const googleBehaviourSchema = z.object({
  /** Eventual consistency: for this long a just-inserted group or member is invisible to reads. */
  propagationDelayMs: z.number().int().min(0).default(0),
  /** Directory API queries per minute per impersonated user (Google's default: 2,400). */
  quotaPerMinute: z.number().int().positive().default(DEFAULT_QUERIES_PER_MINUTE),
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
  /** Eventual consistency on demand (0: none); applies to earlier inserts too. */
  setPropagationDelay(ms: number): void;
  /** The Directory API quota; the calls counted so far are forgotten. */
  setQuota(quota: { perMinute: number }): void;
  behaviour(): GoogleBehaviour;
}

const SANDBOX_SERVICE_ACCOUNT = "group-export@sandbox-project.iam.gserviceaccount.com";

function sendInvalid(res: Response, error: z.ZodError): void {
  res.status(400).json({ error: { code: 400, message: z.prettifyError(error) } });
}

/**
 * The Google emulator: the service-account token endpoint, the Directory API (with its batch
 * endpoint) and the Groups Settings API, over one tenant, plus the admin endpoints to seed,
 * dump and tune it.
 */
export class GoogleSandbox {
  private current: GoogleTenant;
  private readonly oauth = new GoogleOAuth();
  private readonly propagation: Propagation;
  private readonly quota: Quota;
  /** Called after every reseed (e.g. to save the state file). */
  onSeed: () => void = () => undefined;

  constructor(seed: GoogleTenantSeed = {}, behaviour: Partial<GoogleBehaviour> = {}) {
    this.current = googleTenantSchema.parse(seed);
    const b = googleBehaviourSchema.parse(behaviour);
    this.propagation = new Propagation(b.propagationDelayMs);
    this.quota = new Quota(b.quotaPerMinute);
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
    return { propagationDelayMs: this.propagation.delayMs, quotaPerMinute: this.quota.perMinute };
  }

  setBehaviour(change: Partial<GoogleBehaviour>): void {
    if (change.propagationDelayMs !== undefined) this.propagation.delayMs = change.propagationDelayMs;
    if (change.quotaPerMinute !== undefined) this.quota.set(change.quotaPerMinute);
  }

  mount(app: Express, faults: Faults, loopback: Loopback): void {
    const ctx: GoogleContext = { tenant: () => this.current, propagation: this.propagation };
    const googleFaults = faults.middleware("google", renderGoogleFault);
    const authenticate = this.oauth.authenticate();
    app.post("/google/oauth2/token", this.oauth.tokenEndpoint(() => this.current));
    app.use("/admin/directory/v1", googleFaults, authenticate, this.quota.middleware(), directoryApi(ctx));
    app.post("/batch/admin/directory_v1", ...directoryBatch(loopback));
    app.use("/groups/v1", googleFaults, authenticate, groupsSettingsApi(ctx));

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
    const serviceAccountKey = this.oauth.createServiceAccount(SANDBOX_SERVICE_ACCOUNT, tokenUrl);
    const serviceAccountKeyPath = join(dir, "google-service-account.json");
    writeFileSync(serviceAccountKeyPath, JSON.stringify(serviceAccountKey, null, 2), { mode: 0o600 });
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
      rootUrl: `${url}/`,
      tokenUrl,
      setPropagationDelay: (ms) => this.setBehaviour({ propagationDelayMs: ms }),
      setQuota: ({ perMinute }) => this.setBehaviour({ quotaPerMinute: perMinute }),
      behaviour: () => this.behaviour(),
    };
  }
}
