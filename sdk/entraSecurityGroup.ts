import * as pulumi from "@pulumi/pulumi";
import type { EntraSecurityGroupArgs as PlainArgs, EntraSecurityGroupState } from "../provider/entra/schema";
import { type DirectoryGroupManagement, groupManagementRef, managementInput } from "./directoryGroupManagement";
import { withoutRecordedStackTraces, providerStub, refuseImport, TYPE_MODULE, withDependency } from "./providerStub";

type PlainFields = Omit<PlainArgs, "management">;
/** Inputs of {@link EntraSecurityGroup}; field docs in provider/entra/schema.ts. */
export type EntraSecurityGroupArgs = { [K in keyof PlainFields]: pulumi.Input<NonNullable<PlainFields[K]>> } & {
  /** The Entra ID directory's management; the group is created in that tenant. */
  management: DirectoryGroupManagement;
  /**
   * While false, the group is not made: nothing is written and it stays pending (as while its
   * directory's management is disabled); the first `pulumi up` after it turns true makes it.
   * A group already made is left as it is. Default true. `UserGroupExport` sets it to whether
   * the user group has users, as the seed says: groups are not exported until they have one.
   */
  enabled?: pulumi.Input<boolean>;
};

/**
 * A Microsoft Entra ID security group (never mail-enabled, never Microsoft 365).
 *
 * Takeover: exactly one existing security group with exactly the same display name (case
 * and spacing included) is adopted (`onExisting: "create"` or `"fail"` refuses that);
 * none means a new group; several stop the preview with the candidates' ids unless
 * `onAmbiguousName: "create"` or `adoptId` says what to do. Groups of other kinds with
 * that name are never taken over (the preview's `adoption` says so).
 *
 * @example
 * const tenant = new DirectoryGroupManagement("entra", { entra: { tenantId: "..." } });
 * const eng = new EntraSecurityGroup("engineering", { management: tenant, displayName: "Engineering" });
 */
export class EntraSecurityGroup extends pulumi.dynamic.Resource {
  declare public readonly displayName: pulumi.Output<string>;
  declare public readonly description: pulumi.Output<string>;
  declare public readonly mailNickname: pulumi.Output<string>;
  /** Entra's object id of the group. */
  declare public readonly groupId: pulumi.Output<string>;
  /** "created" or "adopted" ("pending" while management is disabled). */
  declare public readonly origin: pulumi.Output<EntraSecurityGroupState["origin"]>;
  /** What preview found: "create", "adopt existing group <id>", with why if others were skipped. */
  declare public readonly adoption: pulumi.Output<string>;
  public readonly directoryKey: pulumi.Output<string>;
  public readonly directoryManagement: DirectoryGroupManagement;
  /** How bindings name this group in messages. */
  public readonly label: pulumi.Output<string>;

  constructor(name: string, args: EntraSecurityGroupArgs, opts?: pulumi.CustomResourceOptions) {
    refuseImport("EntraSecurityGroup", name, opts, 'declare the group with adoptId: "<its object id>" (or by its exact display name, which takes it over)');
    const { management, enabled, ...rest } = args;
    const props = { description: undefined, mailNickname: undefined, ...rest, pulumiName: name, management: groupManagementRef(management, enabled, `EntraSecurityGroup ${name}`), groupId: undefined, origin: undefined, adoption: undefined };
    const restore = withoutRecordedStackTraces();
    try {
      super(providerStub("EntraSecurityGroup"), name, props, withDependency(opts, management), TYPE_MODULE, "EntraSecurityGroup");
    } finally {
      restore();
    }
    this.directoryKey = management.ref.directoryKey;
    this.directoryManagement = management;
    this.label = pulumi.output(args.displayName);
    managementInput(management, this, `EntraSecurityGroup ${name}`);
  }
}
