import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Express, Request, Response } from "express";
import { z } from "zod";
import type { Faults } from "../faults";
import type { Loopback } from "../loopback";
import { graphBatch } from "./batchEndpoint";
import { generateClientCertificate, type EntraClientCertificate } from "./certificates";
import { EntraDirectory } from "./directory";
import { graphErrorHandler, renderGraphFault } from "./graphErrorResponses";
import { graphApi } from "./graph";
import { EntraIdentity } from "./identity";
import { entraTenantSchema, type EntraTenant, type EntraTenantSeed } from "./tenant";

/** Run-time behaviours of the Entra emulator; also the body of /__sandbox/entra/behaviour. */
export const entraBehaviourSchema = z.object({
  /** Replication lag: for this long a group created through Graph is invisible to other requests. */
  replicationDelayMs: z.number().int().min(0).default(0),
  /** Member-level lag: for this long a member added through Graph is missing from member lists (a second add already fails). */
  memberReplicationDelayMs: z.number().int().min(0).default(0),
});
export type EntraBehaviour = z.output<typeof entraBehaviourSchema>;

/** `sandbox.entra`: the Entra ID side of a running sandbox. */
export interface SandboxEntra {
  /** The live tenant: tests read it and change it directly to simulate changes made by hand. */
  readonly tenant: EntraTenant;
  readonly tenantId: string;
  /** The first app registration's client id: the app `providerConfig()` points at. */
  readonly clientId: string;
  readonly clientSecret: string;
  /** A file (mode 0600) holding the first app's client secret; rewritten on reseed. */
  clientSecretPath: string;
  /** `authorityHost` for @azure/identity (the sandbox URL). */
  authorityHost: string;
  /** `baseUrl` for the Graph client (the sandbox URL; Graph is served under /v1.0). */
  graphBaseUrl: string;
  /** Replication lag of new groups on demand (0: none); applies to earlier creates too. */
  setReplicationDelay(ms: number): void;
  /** Member-level lag on demand (0: none): members added through Graph from now on are missing from member lists for `ms`. */
  setMemberReplicationDelay(ms: number): void;
  behaviour(): EntraBehaviour;
  /** A token of the sandbox's stand-in OIDC issuer (CI/Kubernetes), which the default app trusts. */
  issueFederatedToken(options?: { issuer?: string; subject?: string; audience?: string; expiresInSeconds?: number }): Promise<string>;
  /**
   * Deletes a group as an administrator does in the Entra admin center (any kind of group, no
   * permission checks): it is soft-deleted and leaves every group it was a member of, so later
   * Graph calls get the real 404 bodies. Throws if no group has that id.
   */
  deleteGroup(id: string): void;
  /** Deletes a user as in the admin center: gone from the tenant and from every group's members and owners. */
  deleteUser(idOrUpn: string): void;
  /** Registers a new certificate on an app (default: the first) and writes certificate + key as one PEM file (0600). */
  addClientCertificate(clientId?: string): Promise<EntraClientCertificate & { certificatePath: string }>;
}

/**
 * The Entra emulator: the identity platform (OIDC metadata, keys, client-credentials token
 * endpoint) and Microsoft Graph v1.0 (groups, members, users, deleted items, $batch) over
 * one tenant, plus the admin endpoints to seed, dump and tune it.
 */
export class EntraSandbox {
  readonly directory: EntraDirectory;
  private readonly identity: EntraIdentity;
  private secretPath: string | undefined;
  private certificates = 0;
  /** Called after every reseed (e.g. to save the state file). */
  onSeed: () => void = () => undefined;

  constructor(seed: EntraTenantSeed = {}, behaviour: Partial<EntraBehaviour> = {}) {
    this.directory = new EntraDirectory(seed);
    const b = entraBehaviourSchema.parse(behaviour);
    this.directory.replication.delayMs = b.replicationDelayMs;
    this.directory.memberDelayMs = b.memberReplicationDelayMs;
    this.identity = new EntraIdentity(() => this.directory.tenant);
  }

  get tenant(): EntraTenant {
    return this.directory.tenant;
  }

  /** Replaces the tenant (throws a ZodError for an invalid seed). */
  seed(seed: EntraTenantSeed): EntraTenant {
    const tenant = this.directory.seed(seed);
    this.writeClientSecret();
    this.onSeed();
    return tenant;
  }

  behaviour(): EntraBehaviour {
    return { replicationDelayMs: this.directory.replication.delayMs, memberReplicationDelayMs: this.directory.memberDelayMs };
  }

  private writeClientSecret(): void {
    if (this.secretPath) writeFileSync(this.secretPath, this.tenant.apps[0].clientSecret, { mode: 0o600 });
  }

  mount(app: Express, faults: Faults, loopback: Loopback): void {
    app.use(this.identity.router());
    app.use("/v1.0", graphApi(this.directory, this.identity, faults.middleware("entra", renderGraphFault), graphBatch(loopback)));
    // Errors of the app-wide body parsers (malformed JSON) in Graph's shape too.
    app.use("/v1.0", graphErrorHandler);

    app.get("/__sandbox/entra", (_req, res) => void res.json(this.tenant));
    app.put("/__sandbox/entra", (req: Request, res: Response) => {
      const parsed = entraTenantSchema.safeParse(req.body);
      if (parsed.success) res.json(this.seed(req.body as EntraTenantSeed));
      else res.status(400).json({ error: { code: 400, message: z.prettifyError(parsed.error) } });
    });
    app.get("/__sandbox/entra/behaviour", (_req, res) => void res.json(this.behaviour()));
    app.put("/__sandbox/entra/behaviour", (req: Request, res: Response) => {
      const parsed = entraBehaviourSchema.partial().safeParse(req.body);
      if (!parsed.success) return void res.status(400).json({ error: { code: 400, message: z.prettifyError(parsed.error) } });
      if (parsed.data.replicationDelayMs !== undefined) this.directory.replication.delayMs = parsed.data.replicationDelayMs;
      if (parsed.data.memberReplicationDelayMs !== undefined) this.directory.memberDelayMs = parsed.data.memberReplicationDelayMs;
      res.json(this.behaviour());
    });
  }

  /** The `sandbox.entra` handle, once the server listens at `url`; writes the secret file into `dir`. */
  handle(url: string, dir: string): SandboxEntra {
    this.secretPath = join(dir, "entra-client-secret");
    this.writeClientSecret();
    const live = () => this.tenant;
    return {
      get tenant() {
        return live();
      },
      get tenantId() {
        return live().tenantId;
      },
      get clientId() {
        return live().apps[0].clientId;
      },
      get clientSecret() {
        return live().apps[0].clientSecret;
      },
      clientSecretPath: this.secretPath,
      authorityHost: url,
      graphBaseUrl: url,
      setReplicationDelay: (ms) => void (this.directory.replication.delayMs = ms),
      setMemberReplicationDelay: (ms) => void (this.directory.memberDelayMs = ms),
      behaviour: () => this.behaviour(),
      issueFederatedToken: (options) => this.identity.issueFederatedToken(options),
      addClientCertificate: (clientId) => this.addClientCertificate(dir, clientId),
      deleteGroup: (id) => {
        const g = this.tenant.groups.find((o) => o.id === id.toLowerCase());
        if (!g) throw new Error(`No group with id ${id} in the sandbox's Entra tenant`);
        this.directory.deleteGroup(g);
        this.onSeed();
      },
      deleteUser: (key) => {
        const t = this.tenant;
        const k = key.toLowerCase();
        const u = t.users.find((o) => o.id === k || o.userPrincipalName.toLowerCase() === k);
        if (!u) throw new Error(`No user ${key} in the sandbox's Entra tenant`);
        t.users.splice(t.users.indexOf(u), 1);
        for (const g of t.groups) {
          g.members = g.members.filter((id) => id !== u.id);
          g.owners = (g.owners ?? []).filter((id) => id !== u.id);
        }
        this.directory.changed();
        this.onSeed();
      },
    };
  }

  private async addClientCertificate(dir: string, clientId?: string): Promise<EntraClientCertificate & { certificatePath: string }> {
    const apps = this.tenant.apps;
    const app = clientId ? apps.find((a) => a.clientId === clientId.toLowerCase()) : apps[0];
    if (!app) throw new Error(`No app registration with client id ${clientId} in the sandbox tenant`);
    const cert = await generateClientCertificate(app.displayName);
    app.certificates.push(cert.certificatePem);
    const certificatePath = join(dir, `entra-client-certificate-${++this.certificates}.pem`);
    writeFileSync(certificatePath, `${cert.certificatePem.trimEnd()}\n${cert.privateKeyPem}`, { mode: 0o600 });
    return { ...cert, certificatePath };
  }
}
