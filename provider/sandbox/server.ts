import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import express, { type NextFunction, type Request, type Response } from "express";
import { EntraSandbox, type EntraBehaviour, type SandboxEntra } from "./entra/entraSandbox";
import type { EntraTenant, EntraTenantSeed } from "./entra/tenant";
import { Faults, type FaultRule } from "./faults";
import { GoogleSandbox, type GoogleBehaviour, type SandboxGoogle } from "./google/googleSandbox";
import { JumpCloudSandbox, type SandboxJumpCloud } from "./jumpcloud/jumpcloudSandbox";
import type { JumpCloudOrg, JumpCloudOrgSeed } from "./jumpcloud/org";
import type { GoogleTenant, GoogleTenantSeed } from "./google/tenant";
import { Loopback } from "./loopback";
import { SandboxStateFile } from "./stateFile";
import type { ProviderStackConfig } from "./stackConfig";
import { generateSandboxTls, type SandboxTls } from "./tls";

export interface SandboxOptions {
  /** Port on 127.0.0.1; 0 (default) picks a free one. */
  port?: number;
  /**
   * TLS material to serve with (default: a CA generated now). Passing one lets a process
   * be started already trusting the CA (NODE_EXTRA_CA_CERTS is read only at start).
   */
  tls?: SandboxTls;
  /** The Google Workspace customer to start with. */
  google?: GoogleTenantSeed;
  /** Eventual consistency and quota of the Google emulator (adjustable later through `sandbox.google`). */
  googleBehaviour?: Partial<GoogleBehaviour>;
  /** The Entra ID tenant to start with (default: one app with a secret, three users). */
  entra?: EntraTenantSeed;
  /** Replication lag of the Entra emulator (adjustable later through `sandbox.entra`). */
  entraBehaviour?: Partial<EntraBehaviour>;
  /** The JumpCloud organisation to start with (default: none of anything, a random API key). */
  jumpcloud?: JumpCloudOrgSeed;
  /** A JSON file of the directories: loaded at start if it exists (it wins over the seeds), written back on change and on close. */
  stateFile?: string;
  /**
   * The folder for the files a program is pointed at (the CA, the TLS key, the Google
   * service-account key, the Entra client secret, the JumpCloud key...): made if missing, and
   * what is there is used again, so that a restarted sandbox keeps its CA and keys and the stack
   * configuration stays valid. Default: a new temporary folder.
   */
  filesDir?: string;
}

/** The port is taken: one line saying so and what to do, instead of Node's trace. */
export class SandboxPortInUseError extends Error {
  constructor(readonly port: number) {
    super(`port ${port} on 127.0.0.1 is already in use (another sandbox, or another program, listens there): stop it, or choose another port with --port (leave it out for a free one)`);
    this.name = "SandboxPortInUseError";
  }
}

/** The TLS material kept in `dir` (made and written there the first time). */
async function persistentTls(dir: string): Promise<SandboxTls> {
  const files = { caPem: join(dir, "ca.pem"), certPem: join(dir, "server-cert.pem"), keyPem: join(dir, "server-key.pem") };
  if (Object.values(files).every((f) => existsSync(f))) {
    return { caPem: readFileSync(files.caPem, "utf8"), certPem: readFileSync(files.certPem, "utf8"), keyPem: readFileSync(files.keyPem, "utf8") };
  }
  const tls = await generateSandboxTls();
  writeFileSync(files.certPem, tls.certPem);
  writeFileSync(files.keyPem, tls.keyPem, { mode: 0o600 });
  return tls;
}


/** A running sandbox: its address, trust material, tenants and request counters. */
export interface Sandbox {
  url: string;
  /** Path of a file holding the CA certificate (for NODE_EXTRA_CA_CERTS). */
  caPath: string;
  caPem: string;
  google: SandboxGoogle;
  /** Replaces the Google tenant (seeding); returns the parsed tenant. */
  seedGoogle(seed: GoogleTenantSeed): GoogleTenant;
  entra: SandboxEntra;
  /** Replaces the Entra tenant (seeding); returns the parsed tenant. */
  seedEntra(seed: EntraTenantSeed): EntraTenant;
  /** The JumpCloud organisation (a source of user groups). */
  jumpcloud: SandboxJumpCloud;
  /** Replaces the JumpCloud organisation (seeding); returns the parsed organisation. */
  seedJumpCloud(seed: JumpCloudOrgSeed): JumpCloudOrg;
  /** Fault injection: throttling, quota errors, 5xx, connection resets, latency. */
  faults: Faults;
  /** Requests served, keyed by "METHOD /route/pattern"; inner calls of a batch by "BATCH-ITEM METHOD /route/pattern". */
  requestCounts(): Record<string, number>;
  resetRequestCounts(): void;
  /** The stack config a Pulumi program needs to target this sandbox. */
  providerConfig(): ProviderStackConfig;
  /** Environment a process needs to trust this sandbox. */
  env(): Record<string, string>;
  close(): Promise<void>;
}

/** Starts the local HTTPS sandbox of the Google Directory API and of Entra ID / Microsoft Graph. */
export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const dir = options.filesDir ? resolve(options.filesDir) : mkdtempSync(join(tmpdir(), "group-export-sandbox-"));
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const tls = options.tls ?? (options.filesDir ? await persistentTls(dir) : await generateSandboxTls());
  const caPath = join(dir, "ca.pem");
  writeFileSync(caPath, tls.caPem);

  const counts = new Map<string, number>();
  const faults = new Faults();
  const loopback = new Loopback(tls.caPem);
  const google = new GoogleSandbox(options.google, options.googleBehaviour);
  const stateFile = options.stateFile ? new SandboxStateFile(options.stateFile) : undefined;
  stateFile?.register("google", { dump: () => google.tenant, load: (saved) => google.seed(saved as GoogleTenantSeed) });
  google.onSeed = () => stateFile?.scheduleSave();
  const entra = new EntraSandbox(options.entra, options.entraBehaviour);
  stateFile?.register("entra", { dump: () => entra.tenant, load: (saved) => entra.seed(saved as EntraTenantSeed) });
  entra.onSeed = () => stateFile?.scheduleSave();
  const jumpcloud = new JumpCloudSandbox(options.jumpcloud);
  stateFile?.register("jumpcloud", { dump: () => jumpcloud.org, load: (saved) => jumpcloud.seed(saved as JumpCloudOrgSeed) });
  jumpcloud.onSeed = () => stateFile?.scheduleSave();
  // Written at once: a sandbox stopped without a chance to save (killed) restarts with the same tenants, ids and keys.
  stateFile?.save();

  const app = express();
  app.use(express.json({ limit: "10mb" }));
  app.use(express.urlencoded({ extended: false }));
  app.use((req: Request, res: Response, next: NextFunction) => {
    res.on("finish", () => {
      // Requests answered before a route matched (e.g. by an injected fault) count under their mounted path.
      const route = req.route?.path ? `${req.baseUrl}${String(req.route.path)}` : `${req.baseUrl}${req.path}`;
      const key = `${loopback.isInnerCall(req) ? "BATCH-ITEM " : ""}${req.method} ${route}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    });
    next();
  });
  if (stateFile) app.use(stateFile.middleware());
  google.mount(app, faults, loopback);
  entra.mount(app, faults, loopback);
  jumpcloud.mount(app, faults);
  app.post("/__sandbox/faults", (req, res) => {
    faults.add(req.body as FaultRule);
    res.json(faults.list());
  });
  app.delete("/__sandbox/faults", (_req, res) => {
    faults.clear();
    res.status(204).end();
  });
  app.get("/__sandbox/requests", (_req, res) => void res.json(Object.fromEntries(counts)));
  app.delete("/__sandbox/requests", (_req, res) => {
    counts.clear();
    res.status(204).end();
  });
  app.use((req: Request, res: Response) => {
    res.status(404).json({ error: { code: 404, message: `The sandbox does not emulate ${req.method} ${req.path}`, errors: [{ message: "Not Found", domain: "global", reason: "notFound" }] } });
  });

  const server: Server = createServer({ cert: tls.certPem, key: tls.keyPem }, app);
  await new Promise<void>((listening, failed) => {
    server.once("error", (error: NodeJS.ErrnoException) => failed(error.code === "EADDRINUSE" ? new SandboxPortInUseError(options.port ?? 0) : error));
    server.listen(options.port ?? 0, "127.0.0.1", () => listening());
  });
  const port = (server.address() as AddressInfo).port;
  const url = `https://127.0.0.1:${port}`;
  loopback.listening(port);
  const googleHandle = google.handle(url, dir);
  const entraHandle = entra.handle(url, dir);
  const jumpcloudHandle = jumpcloud.handle(url, dir);

  const sandbox: Sandbox = {
    url,
    caPath,
    caPem: tls.caPem,
    google: googleHandle,
    faults,
    seedGoogle: (seed) => google.seed(seed),
    entra: entraHandle,
    seedEntra: (seed) => entra.seed(seed),
    jumpcloud: jumpcloudHandle,
    seedJumpCloud: (seed) => jumpcloud.seed(seed),
    requestCounts: () => Object.fromEntries(counts),
    resetRequestCounts: () => counts.clear(),
    providerConfig: () => ({
      "groupExport:googleCredentialsFile": { value: googleHandle.serviceAccountKeyPath, secret: false },
      "groupExport:googleAdminEmail": { value: googleHandle.adminEmail, secret: false },
      "groupExport:googleApiRootUrl": { value: googleHandle.rootUrl, secret: false },
      "groupExport:googleTokenUrl": { value: googleHandle.tokenUrl, secret: false },
      // Stack config is copied into Pulumi state, so the Entra secret is passed as a file path.
      "groupExport:entraTenantId": { value: entraHandle.tenantId, secret: false },
      "groupExport:entraClientId": { value: entraHandle.clientId, secret: false },
      "groupExport:entraClientSecretFile": { value: entraHandle.clientSecretPath, secret: false },
      "groupExport:entraAuthorityHost": { value: entraHandle.authorityHost, secret: false },
      "groupExport:graphBaseUrl": { value: entraHandle.graphBaseUrl, secret: false },
    }),
    env: () => ({ NODE_EXTRA_CA_CERTS: caPath }),
    close: () =>
      new Promise<void>((resolve) => {
        stateFile?.save();
        loopback.close();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return sandbox;
}
