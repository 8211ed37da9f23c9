import { z } from "zod";

/**
 * The directory a DirectoryGroupManagement governs, and the small reference to it that
 * every group and binding of that directory carries as an input (so each one knows,
 * at preview, which directory it is in and whether management is enabled).
 */

const domainSchema = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, { error: "is not a domain name: give e.g. \"example.com\"" });

export const googleDirectorySchema = z.object({
  /** The Workspace domains groups may use; the primary domain first. */
  domains: z.array(domainSchema).min(1, { error: "needs at least one domain: list the Workspace domains groups may use" }),
  /** The Workspace customer id; "my_customer" means the admin's own customer. */
  customerId: z.string().min(1).default("my_customer"),
});

export const entraDirectorySchema = z.object({
  /** The Entra ID tenant (directory) id, a GUID. */
  tenantId: z.string().trim().toLowerCase().uuid({ error: "is not a tenant id: give the directory (tenant) GUID from the Entra admin center" }),
});

export const directoryGroupManagementArgsSchema = z.object({
  /** A Google Workspace customer; set exactly one of google and entra. */
  google: googleDirectorySchema.optional(),
  /** A Microsoft Entra ID tenant; set exactly one of google and entra. */
  entra: entraDirectorySchema.optional(),
  /**
   * The "Enable management of groups and memberships" switch. While false, groups and
   * bindings of this directory change nothing remotely; turning it on again makes the
   * next `pulumi up` reconcile everything.
   */
  enabled: z.boolean().default(true),
});
export type DirectoryGroupManagementArgs = z.input<typeof directoryGroupManagementArgsSchema>;

export const directoryServiceSchema = z.enum(["google", "entra"]);
export type DirectoryService = z.infer<typeof directoryServiceSchema>;

/** What groups and bindings carry of their directory's management. */
export const managementRefSchema = z.object({
  /** "google:<customer>" or "entra:<tenant>": names the directory in messages and state. */
  directoryKey: z.string(),
  service: directoryServiceSchema,
  enabled: z.boolean(),
  /** Google only: the domains group emails must be in. */
  domains: z.array(z.string()).optional(),
  /** Entra only. */
  tenantId: z.string().optional(),
  /**
   * Set (by the SDK) while the group must not be made yet, e.g. its user group has no users
   * (the seed: groups are not exported until they have a user): the group stays pending,
   * nothing is written, exactly as while management is disabled. Says why, for messages.
   */
  waitingFor: z.string().optional(),
  /**
   * Set (by the SDK: `released`, or a user group whose email was removed at the source) while
   * the group is released: no longer synced, nothing read or written, and removing the resource
   * deletes nothing; the group and its members stay as they are. Says why, for the preview.
   */
  released: z.string().optional(),
});
export type ManagementRef = z.infer<typeof managementRefSchema>;

/** Derives the reference from the management's arguments (also used by the SDK, at preview). */
export function managementRef(args: z.output<typeof directoryGroupManagementArgsSchema>): ManagementRef {
  if (args.google) {
    return { directoryKey: `google:${args.google.customerId}`, service: "google", enabled: args.enabled, domains: args.google.domains };
  }
  const tenantId = args.entra?.tenantId ?? "";
  return { directoryKey: `entra:${tenantId}`, service: "entra", enabled: args.enabled, tenantId };
}

/**
 * The management switch rule. A DirectoryGroupManagement's `check` records its switch here;
 * every group and binding of the directory obeys the newest switch seen in this provider
 * process, else the one stored with it. Why: a group removed in the same update that disables
 * management was last stored with management enabled; this is how its delete learns it must
 * not touch the directory. A reference that is `waitingFor` something is never enabled.
 * One instance per provider process, held by the provider context.
 */
export class ManagementSwitches {
  private readonly current = new Map<string, boolean>();

  record(directoryKey: string, enabled: boolean): void {
    this.current.set(directoryKey, enabled);
  }

  /** Whether remote changes are allowed in `ref`'s directory now. */
  enabled(ref: ManagementRef): boolean {
    return managementEnabled(ref, this.current.get(ref.directoryKey));
  }
}

/** The rule itself: never while waiting or released; else the newest switch seen (`newest`), else the stored one. */
export function managementEnabled(ref: ManagementRef, newest?: boolean): boolean {
  if (ref.waitingFor !== undefined || ref.released !== undefined) return false;
  return newest ?? ref.enabled;
}

/** Whether the resource's own hold on its directory changed (waiting or released, or no longer): a change to record, even while nothing remote changes. */
export function holdChanged(stored: ManagementRef, desired: ManagementRef): boolean {
  return stored.waitingFor !== desired.waitingFor || stored.released !== desired.released;
}
