import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import express, { type NextFunction, type Request, type Response } from "express";
import { directoryApi } from "./google/directoryApi";
import { sendGoogleError } from "./google/errors";
import { Faults, type FaultRule } from "./faults";
import { GoogleOAuth, type GoogleServiceAccountKey } from "./google/oauth";
import { GOOGLE_GROUP_READONLY_SCOPE, GOOGLE_GROUP_SCOPE, googleTenantSchema, type GoogleTenant, type GoogleTenantSeed } from "./google/tenant";
import { generateSandboxTls } from "./tls";

export interface SandboxOptions {
  /** Port on 127.0.0.1; 0 (default) picks a free one. */
  port?: number;
  /** The Google Workspace customer to start with. */
  google?: GoogleTenantSeed;
}

/** Stack configuration (key -> value, secret) that points the provider at this sandbox. */
export type ProviderStackConfig = Record<string, { value: string; secret: boolean }>;

/** A running sandbox: its address, trust material, tenants and request counters. */
export interface Sandbox {
  url: string;
  /** Path of a file holding the CA certificate (for NODE_EXTRA_CA_CERTS). */
  caPath: string;
  caPem: string;
  google: {
    tenant: GoogleTenant;
    serviceAccountKey: GoogleServiceAccountKey;
    /** The key as a file, as users download it from Google. */
    serviceAccountKeyPath: string;
    adminEmail: string;
    rootUrl: string;
    tokenUrl: string;
  };
  /** Replaces the Google tenant (seeding); returns the parsed tenant. */
  seedGoogle(seed: GoogleTenantSeed): GoogleTenant;
  /** Fault injection: throttling, quota errors, 5xx, connection resets, latency. */
  faults: Faults;
  /** Requests served, keyed by "METHOD /route/pattern". */
  requestCounts(): Record<string, number>;
  resetRequestCounts(): void;
  /** The stack config a Pulumi program needs to target this sandbox. */
  providerConfig(): ProviderStackConfig;
  /** Environment a process needs to trust this sandbox. */
  env(): Record<string, string>;
  close(): Promise<void>;
}

const SANDBOX_SERVICE_ACCOUNT = "group-export@sandbox-project.iam.gserviceaccount.com";

/** Starts the local HTTPS sandbox of the Google Directory API. */
export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const tls = await generateSandboxTls();
  const dir = mkdtempSync(join(tmpdir(), "group-export-sandbox-"));
  const caPath = join(dir, "ca.pem");
  writeFileSync(caPath, tls.caPem);

  let googleTenant = googleTenantSchema.parse(options.google ?? {});
  const counts = new Map<string, number>();
  const oauth = new GoogleOAuth();
  const faults = new Faults();
  const googleFaults = faults.middleware("google", (res, rule) => {
    if (rule.kind === "throttle") sendGoogleError(res, 429, "Rate Limit Exceeded", "rateLimitExceeded");
    else if (rule.kind === "quota") {
      const reason = rule.reason ?? "userRateLimitExceeded";
      sendGoogleError(res, 403, reason === "quotaExceeded" ? "Request rate higher than configured." : "User Rate Limit Exceeded", reason);
    } else sendGoogleError(res, rule.status ?? 503, "The service is currently unavailable.", "backendError");
  });

  const app = express();
  app.use(express.json({ limit: "10mb" }));
  app.use(express.urlencoded({ extended: false }));
  app.use((req: Request, res: Response, next: NextFunction) => {
    res.on("finish", () => {
      const route = req.route?.path ? `${req.baseUrl}${String(req.route.path)}` : req.path;
      const key = `${req.method} ${route}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    });
    next();
  });
  app.post("/google/oauth2/token", oauth.tokenEndpoint(() => googleTenant));
  app.use("/admin/directory/v1", googleFaults, oauth.requireScopes(GOOGLE_GROUP_SCOPE, GOOGLE_GROUP_READONLY_SCOPE), directoryApi(() => googleTenant));
  app.get("/__sandbox/google", (_req, res) => void res.json(googleTenant));
  app.put("/__sandbox/google", (req, res) => void res.json(sandbox.seedGoogle(req.body as GoogleTenantSeed)));
  app.post("/__sandbox/faults", (req, res) => {
    faults.add(req.body as FaultRule);
    res.json(faults.list());
  });
  app.delete("/__sandbox/faults", (_req, res) => {
    faults.clear();
    res.status(204).end();
  });
  app.get("/__sandbox/requests", (_req, res) => void res.json(Object.fromEntries(counts)));
  app.use((req: Request, res: Response) => {
    res.status(404).json({ error: { code: 404, message: `The sandbox does not emulate ${req.method} ${req.path}`, errors: [{ message: "Not Found", domain: "global", reason: "notFound" }] } });
  });

  const server: Server = createServer({ cert: tls.certPem, key: tls.keyPem }, app);
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve));
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const tokenUrl = `${url}/google/oauth2/token`;
  const serviceAccountKey = oauth.createServiceAccount(SANDBOX_SERVICE_ACCOUNT, tokenUrl);
  const keyPath = join(dir, "google-service-account.json");
  writeFileSync(keyPath, JSON.stringify(serviceAccountKey, null, 2), { mode: 0o600 });

  const sandbox: Sandbox = {
    url,
    caPath,
    caPem: tls.caPem,
    google: {
      get tenant() {
        return googleTenant;
      },
      serviceAccountKey,
      serviceAccountKeyPath: keyPath,
      get adminEmail() {
        return googleTenant.admins[0];
      },
      rootUrl: `${url}/`,
      tokenUrl,
    },
    faults,
    seedGoogle(seed) {
      googleTenant = googleTenantSchema.parse(seed);
      return googleTenant;
    },
    requestCounts: () => Object.fromEntries(counts),
    resetRequestCounts: () => counts.clear(),
    providerConfig: () => ({
      "groupExport:googleCredentialsFile": { value: keyPath, secret: false },
      "groupExport:googleAdminEmail": { value: googleTenant.admins[0], secret: false },
      "groupExport:googleApiRootUrl": { value: `${url}/`, secret: false },
      "groupExport:googleTokenUrl": { value: tokenUrl, secret: false },
    }),
    env: () => ({ NODE_EXTRA_CA_CERTS: caPath }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return sandbox;
}
