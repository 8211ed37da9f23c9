import * as pulumi from "@pulumi/pulumi";
import {
  directoryGroupManagementArgsSchema,
  managementRef,
  type DirectoryGroupManagementArgs as PlainArgs,
  type ManagementRef,
} from "../provider/groups/management";
import { withoutRecordedStackTraces, providerStub, TYPE_MODULE } from "./providerStub";

/** Inputs of {@link DirectoryGroupManagement}; field docs in provider/groups/management.ts. */
export interface DirectoryGroupManagementArgs {
  /** A Google Workspace customer: its domains (primary first) and customer id (default "my_customer"). */
  google?: PlainArgs["google"];
  /** A Microsoft Entra ID tenant. */
  entra?: PlainArgs["entra"];
  /** The management switch; default true. While false, nothing of this directory changes remotely. */
  enabled?: pulumi.Input<boolean>;
}

/**
 * The "Enable management of groups and memberships" switch of one directory, and the
 * proof that sync is authorized there: creating or updating it verifies that the
 * configured credentials can manage groups in the directory. Deleting it releases
 * management; nothing remote is deleted.
 *
 * @example
 * const workspace = new DirectoryGroupManagement("workspace", {
 *   google: { domains: ["example.com"] },
 * });
 * new GoogleDistributionGroup("eng", { management: workspace, email: "eng@example.com" });
 */
export class DirectoryGroupManagement extends pulumi.dynamic.Resource {
  /** "google:<customer>" or "entra:<tenant>". */
  declare public readonly directoryKey: pulumi.Output<string>;
  declare public readonly enabled: pulumi.Output<boolean>;
  /** Who was verified to manage groups there (service account or application). */
  declare public readonly principal: pulumi.Output<string>;

  /** What this directory's groups and bindings carry; known at preview from the arguments. */
  public readonly ref: pulumi.Output<ManagementRef>;

  constructor(name: string, args: DirectoryGroupManagementArgs, opts?: pulumi.CustomResourceOptions) {
    const restore = withoutRecordedStackTraces();
    try {
      super(providerStub("DirectoryGroupManagement"), name, { enabled: true, ...args, directoryKey: undefined, principal: undefined }, opts, TYPE_MODULE, "DirectoryGroupManagement");
    } finally {
      restore();
    }
    this.ref = pulumi.output({ google: args.google, entra: args.entra, enabled: args.enabled ?? true }).apply((plain) => {
      const parsed = directoryGroupManagementArgsSchema.safeParse(plain);
      // Invalid arguments are reported by the provider's check, naming the field; keep a usable ref meanwhile.
      return parsed.success ? managementRef(parsed.data) : { directoryKey: "invalid", service: plain.google ? ("google" as const) : ("entra" as const), enabled: false };
    });
  }
}

/** Groups and bindings take the management resource; this is what they send to the provider. */
export function managementInput(management: DirectoryGroupManagement, resource: pulumi.Resource, kind: string): pulumi.Output<ManagementRef> {
  return management.ref.apply((ref) => {
    if (!ref.enabled) void pulumi.log.warn(`${kind}: management of ${ref.directoryKey} is disabled: no change`, resource);
    return ref;
  });
}

/**
 * The management reference a group sends: the directory's, or, while the group's `enabled`
 * input is false, the same marked as waiting (the group stays pending and writes nothing).
 */
export function groupManagementRef(management: DirectoryGroupManagement, enabled: pulumi.Input<boolean> | undefined, resource: string): pulumi.Output<ManagementRef> {
  if (enabled === undefined) return management.ref;
  return pulumi.all([management.ref, enabled]).apply(([ref, on]) => {
    if (on) return ref;
    void pulumi.log.info(`${resource}: not made yet (enabled is false, e.g. its user group has no users): no change`);
    return { ...ref, waitingFor: `${resource} has enabled: false` };
  });
}
