import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Express, Request, Response } from "express";
import { z } from "zod";
import type { Faults } from "../faults";
import { jumpCloudApi, renderJumpCloudFault } from "./api";
import { jumpCloudOrgSchema, parseJumpCloudOrg, type JumpCloudOrg, type JumpCloudOrgSeed, type SandboxJumpCloudUserGroup } from "./org";

/** `sandbox.jumpcloud`: the JumpCloud side of a running sandbox. */
export interface SandboxJumpCloud {
  /** The live organisation: tests read and change it as an administrator does in the JumpCloud console. */
  readonly org: JumpCloudOrg;
  readonly apiKey: string;
  /** A file (mode 0600) holding the API key; rewritten on reseed. */
  apiKeyPath: string;
  /** The console root URL to give the client (`groupExport:jumpcloudBaseUrl`): the API is under /api. */
  baseUrl: string;
  /** The user group of that name; throws if there is none. */
  userGroup(name: string): SandboxJumpCloudUserGroup;
  /**
   * The stack config a program reading JumpCloud needs (`groupExport:jumpcloudApiKeyFile`,
   * `groupExport:jumpcloudBaseUrl`), kept apart from providerConfig() because only the program
   * reads it, never the provider.
   */
  programConfig(): Record<string, { value: string; secret: boolean }>;
}

/** The JumpCloud emulator: the read endpoints of API v1 and v2 over one organisation. */
export class JumpCloudSandbox {
  private current: JumpCloudOrg;
  private keyPath: string | undefined;
  /** Called after every reseed (e.g. to save the state file). */
  onSeed: () => void = () => undefined;

  constructor(seed: JumpCloudOrgSeed = {}) {
    this.current = parseJumpCloudOrg(seed);
  }

  get org(): JumpCloudOrg {
    return this.current;
  }

  /** Replaces the organisation (throws for an invalid seed). */
  seed(seed: JumpCloudOrgSeed): JumpCloudOrg {
    this.current = parseJumpCloudOrg(seed);
    this.writeKey();
    this.onSeed();
    return this.current;
  }

  private writeKey(): void {
    if (this.keyPath) writeFileSync(this.keyPath, this.current.apiKey, { mode: 0o600 });
  }

  mount(app: Express, faults: Faults): void {
    app.use("/api", jumpCloudApi(() => this.current, faults.middleware("jumpcloud", renderJumpCloudFault)));
    app.get("/__sandbox/jumpcloud", (_req, res) => void res.json(this.current));
    app.put("/__sandbox/jumpcloud", (req: Request, res: Response) => {
      const parsed = jumpCloudOrgSchema.safeParse(req.body);
      if (!parsed.success) return void res.status(400).json({ message: z.prettifyError(parsed.error) });
      try {
        res.json(this.seed(req.body as JumpCloudOrgSeed));
      } catch (error) {
        res.status(400).json({ message: (error as Error).message });
      }
    });
  }

  /** The `sandbox.jumpcloud` handle, once the server listens at `url`; writes the key file into `dir`. */
  handle(url: string, dir: string): SandboxJumpCloud {
    this.keyPath = join(dir, "jumpcloud-api-key");
    this.writeKey();
    const live = () => this.current;
    const keyPath = this.keyPath;
    return {
      get org() {
        return live();
      },
      get apiKey() {
        return live().apiKey;
      },
      apiKeyPath: keyPath,
      baseUrl: url,
      userGroup: (name) => {
        const g = live().userGroups.find((x) => x.name === name);
        if (!g) throw new Error(`No user group named "${name}" in the sandbox's JumpCloud organisation`);
        return g;
      },
      programConfig: () => ({
        "groupExport:jumpcloudApiKeyFile": { value: keyPath, secret: false },
        "groupExport:jumpcloudBaseUrl": { value: url, secret: false },
      }),
    };
  }
}
