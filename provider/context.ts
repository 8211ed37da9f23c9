import { GraphDirectoryClient } from "./entra/client";
import { entraMemberDirectory, EntraUserCache } from "./entra/members";
import { entraOwnerRelation } from "./entra/owners";
import { GoogleDirectoryClient } from "./google/client";
import { googleMemberDirectory } from "./google/members";
import { BindingClaims } from "./groups/bindingClaims";
import { NestingGraph } from "./groups/nesting";
import { RoleClaims } from "./groups/ownersAndNesting";
import { ManagementSwitches, type ManagementRef } from "./groups/management";
import type { MemberDirectory } from "./groups/memberDirectory";
import { RunRegistry } from "./groups/runRegistry";
import { Limiters } from "./limiter";
import { ProviderSettings, settingsKey, type EntraSettings, type StackConfig } from "./settings";

/**
 * Everything the resources of one provider process share, built by `configure` and handed to
 * every handler: the settings, one client (and so one limiter) per directory, the caches, what
 * the run knows across resources (claims, created groups, planned takeovers: `run`; the
 * bindings' membership claims: `bindings`) and the management switch rule (`switches`).
 * Nothing else in the provider holds state between calls.
 */
export class ProviderContext {
  readonly run = new RunRegistry();
  readonly bindings = new BindingClaims();
  /** Nested groups declared by this run's bindings (cycles are refused at preview). */
  readonly nesting = new NestingGraph();
  /** Which binding declares each group's owners and managers in this run. */
  readonly roles = new RoleClaims();
  readonly switches = new ManagementSwitches();
  readonly limiters = new Limiters();
  private current: ProviderSettings;
  private googleClient: { key: string; client: GoogleDirectoryClient } | undefined;
  private readonly graphClients = new Map<string, { key: string; settings: EntraSettings; client: GraphDirectoryClient; users: EntraUserCache }>();
  /** Directories verified by this process (a management's check and its create prove the same), by directory and settings. */
  private readonly verified = new Map<string, Promise<{ principal: string }>>();

  constructor(config?: StackConfig) {
    this.current = new ProviderSettings(config);
  }

  /**
   * A configuration from the host. It configures every provider object it deserializes (one per
   * resource kind), so this runs several times per process: settings are read again (clients
   * follow them), while what the run knows, the limiters' spending included, stays.
   */
  configure(config: StackConfig): void {
    this.current = new ProviderSettings(config);
  }

  get settings(): ProviderSettings {
    return this.current;
  }

  /**
   * The Google client of the configured principal: one per settings, by value (the host
   * configures the process once per resource kind, with equal settings each time), so one quota
   * pace, one token per scope and one set of reads for the whole run.
   */
  google(): GoogleDirectoryClient {
    const settings = this.current.google();
    const key = settingsKey(settings);
    if (this.googleClient?.key !== key) this.googleClient = { key, client: new GoogleDirectoryClient(settings, { limiters: this.limiters, created: this.run }) };
    return this.googleClient.client;
  }

  /**
   * A directory's verification (DirectoryGroupManagement), once per process and settings: its
   * check and its create in one run prove the same thing. A failure is not kept.
   */
  verifyOnce(directoryKey: string, service: "google" | "entra", verify: () => Promise<{ principal: string }>): Promise<{ principal: string }> {
    const key = `${directoryKey}\n${settingsKey(service === "google" ? this.current.google() : this.current.entra())}`;
    let verified = this.verified.get(key);
    if (!verified) {
      verified = verify();
      this.verified.set(key, verified);
      verified.catch(() => {
        if (this.verified.get(key) === verified) this.verified.delete(key);
      });
    }
    return verified;
  }

  /** The Graph client of one tenant (one per tenant and settings). */
  graph(tenantId: string): GraphDirectoryClient {
    return this.graphEntry(tenantId).client;
  }

  /** The member operations of a directory, with the shared client (and user cache) for it. */
  memberDirectory(management: ManagementRef): MemberDirectory {
    switch (management.service) {
      case "google":
        return googleMemberDirectory(this.google(), management.domains);
      case "entra": {
        const tenantId = management.tenantId ?? "";
        const { client, users, settings } = this.graphEntry(tenantId);
        return { ...entraMemberDirectory(client, users), owners: entraOwnerRelation(client, tenantId, settings, users) };
      }
    }
  }

  private graphEntry(tenantId: string) {
    const settings = this.current.entra();
    const key = settingsKey(settings);
    let entry = this.graphClients.get(tenantId);
    if (entry?.key !== key) {
      entry = { key, settings, client: new GraphDirectoryClient(tenantId, settings, { limiters: this.limiters, created: this.run }), users: new EntraUserCache() };
      this.graphClients.set(tenantId, entry);
    }
    return entry;
  }
}

/**
 * The one holder of the context in the provider process. Pulumi's dynamic-provider host
 * deserializes a resource's `__provider` (the SDK's stub) once per distinct serialized text,
 * that is once per resource kind, and configures each; every stub `require`s this package by
 * name, and Node's module cache hands all of them this same module, so the context made here
 * lives for the whole process (one CLI run) and every call of every resource sees it.
 */
let context: ProviderContext | undefined;

/** Called from the dynamic provider's `configure`. */
export function configureContext(config: StackConfig): ProviderContext {
  if (context) context.configure(config);
  else context = new ProviderContext(config);
  return context;
}

/** The process's context; before any `configure` (a test calling a handler) one without stack config. */
export function providerContext(): ProviderContext {
  context ??= new ProviderContext();
  return context;
}
