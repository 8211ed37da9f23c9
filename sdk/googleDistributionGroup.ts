import * as pulumi from "@pulumi/pulumi";
import type { GoogleDistributionGroupArgs as PlainArgs, GoogleDistributionGroupState } from "../provider/google/schema";
import { type DirectoryGroupManagement, groupManagementRef, managementInput } from "./directoryGroupManagement";
import { withoutRecordedStackTraces, providerStub, refuseImport, TYPE_MODULE, withDependency } from "./providerStub";

/** Inputs of {@link GoogleDistributionGroup}; see the fields' docs in provider/google/schema.ts. */
type PlainFields = Omit<PlainArgs, "management">;
export type GoogleDistributionGroupArgs = { [K in keyof PlainFields]: pulumi.Input<NonNullable<PlainFields[K]>> } & {
  /** The Google Workspace directory's management; the group is created in that directory. */
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
 * A Google Workspace distribution group, identified by its email address.
 *
 * If a group with that email (as its primary address or an alias) already exists it is
 * adopted (taken over) rather than duplicated; `origin` says which happened;
 * `onExisting: "fail"` refuses that, and `adoptId` pins the group to take over. Changing
 * `email` to an address of another group replaces the resource: the replacement finds or
 * creates that group, bindings move the members, then the old group is deleted if this
 * package created it and released if it adopted it. Removing the resource deletes a group
 * this package created and releases (leaves untouched) one it adopted, unless
 * `deletionPolicy` says otherwise.
 *
 * @example
 * const workspace = new DirectoryGroupManagement("workspace", { google: { domains: ["example.com"] } });
 * const eng = new GoogleDistributionGroup("engineering", {
 *   management: workspace,
 *   email: "engineering@example.com",
 *   name: "Engineering",
 *   description: "Everyone in engineering",
 * });
 */
export class GoogleDistributionGroup extends pulumi.dynamic.Resource {
  /** The declared address, lowercased: one of the group's addresses (its primary address or an alias). */
  declare public readonly email: pulumi.Output<string>;
  /** Google's primary address of the group. */
  declare public readonly primaryEmail: pulumi.Output<string>;
  /** The group's other addresses (aliases). */
  declare public readonly aliases: pulumi.Output<string[]>;
  /** The display name in Google Groups. */
  declare public readonly name: pulumi.Output<string>;
  declare public readonly description: pulumi.Output<string>;
  /** Google's immutable id of the group. */
  declare public readonly groupId: pulumi.Output<string>;
  /** "created" if this package made the group, "adopted" if it already existed. */
  declare public readonly origin: pulumi.Output<GoogleDistributionGroupState["origin"]>;
  declare public readonly deletionPolicy: pulumi.Output<GoogleDistributionGroupState["deletionPolicy"]>;
  /** What preview found: "create" or "adopt existing group <id>". */
  declare public readonly adoption: pulumi.Output<string>;
  /** The directory this group is in (bindings check they target the same one). */
  public readonly directoryKey: pulumi.Output<string>;
  /** How bindings name this group in messages. */
  public readonly label: pulumi.Output<string>;
  /** The management of the group's directory (bindings to this group use it). */
  public readonly directoryManagement: DirectoryGroupManagement;

  constructor(name: string, args: GoogleDistributionGroupArgs, opts?: pulumi.CustomResourceOptions) {
    refuseImport("GoogleDistributionGroup", name, opts, 'declare the group with its email (an existing group at that address is adopted) or with adoptId: "<the group\'s id>"');
    const { management, enabled, ...rest } = args;
    const props = {
      name: undefined,
      description: undefined,
      deletionPolicy: undefined,
      ...rest,
      pulumiName: name,
      groupId: undefined,
      origin: undefined,
      adoption: undefined,
      primaryEmail: undefined,
      aliases: undefined,
    };
    const restore = withoutRecordedStackTraces();
    try {
      super(
        providerStub("GoogleDistributionGroup"),
        name,
        { ...props, management: groupManagementRef(management, enabled, `GoogleDistributionGroup ${name}`) },
        withDependency(opts, management),
        TYPE_MODULE,
        "GoogleDistributionGroup",
      );
    } finally {
      restore();
    }
    this.directoryKey = management.ref.directoryKey;
    this.directoryManagement = management;
    this.label = pulumi.output(args.email);
    managementInput(management, this, `GoogleDistributionGroup ${name}`);
  }
}
