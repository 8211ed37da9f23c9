import * as pulumi from "@pulumi/pulumi";
import type { GroupBindingArgs as PlainArgs, GroupBindingState } from "../provider/membership/bindingSchema";
import { decodeMemberTable, type MemberMaps } from "../provider/membership/memberTable";
import { managementInput } from "./directoryGroupManagement";
import type { EntraSecurityGroup } from "./entraSecurityGroup";
import type { GoogleDistributionGroup } from "./googleDistributionGroup";
import { withoutRecordedStackTraces, providerStub, TYPE_MODULE } from "./providerStub";

/** A group a user group can be bound to. */
export type BindableGroup = GoogleDistributionGroup | EntraSecurityGroup;

/** A source user group: its name and its users (emails for Google, user principal names for Entra). */
export interface UserGroup {
  name: pulumi.Input<string>;
  users: pulumi.Input<pulumi.Input<string>[]>;
}

/** Inputs of {@link GroupBinding}; field docs in provider/membership/bindingSchema.ts. */
export interface GroupBindingArgs {
  /** The directory group the users are exported into. */
  target: BindableGroup;
  userGroup: UserGroup;
  /** "authoritative" (default) reverts members added by hand; "additive" only ever removes members it added. */
  membershipMode?: pulumi.Input<NonNullable<PlainArgs["membershipMode"]>>;
  /** Mass-removal guard, percent of the group's members one apply may remove (default 50). */
  maxRemovalPercent?: pulumi.Input<number>;
  /** Keep a binding of an empty user group pending instead of failing at preview. */
  allowEmpty?: pulumi.Input<boolean>;
  /**
   * Authoritative mode and members that are not users (Google GROUP and CUSTOMER members; Entra
   * groups, service principals, devices, contacts): "keep" (default) leaves them alone and lists
   * them in `kept`; "remove" removes them like any other member not in the user group.
   * Changing it updates in place.
   */
  nonUserMembers?: pulumi.Input<NonNullable<PlainArgs["nonUserMembers"]>>;
}

/**
 * Exports the users of one user group into one directory group: this is where
 * memberships live. Members show in previews as a map keyed by lowercased email/UPN, so a
 * pull-request preview reads `+ "carol@example.com"`. Deleting the binding removes the
 * members it manages from the group.
 *
 * @example
 * new GroupBinding("eng-members", {
 *   target: engineeringGroup,
 *   userGroup: { name: "Engineering", users: ["alice@example.com", "bob@example.com"] },
 * });
 */
export class GroupBinding extends pulumi.dynamic.Resource {
  /**
   * authoritative: the group's plain members (users of the user group under the address the
   * program wrote, others under their primary address); additive: the users of the user group
   * that are members. Members in `kept` are not in it.
   */
  public readonly members: pulumi.Output<GroupBindingState["members"]>;
  /** Each user's directory id (Google member id, Entra object id), keyed by the address the program wrote. */
  public readonly userIds: pulumi.Output<GroupBindingState["userIds"]>;
  /** Members this binding added (address -> id): deleting the binding removes these, and additive mode never removes others. */
  public readonly managedMembers: pulumi.Output<GroupBindingState["managedMembers"]>;
  /**
   * The stored form of `members`, `userIds` and `managedMembers` (each address and id once,
   * packed: provider/membership/memberTable.ts); read those three instead.
   */
  declare public readonly memberTable: pulumi.Output<string>;
  /** Members left alone on purpose (label -> why): owners and managers, non-user members kept by `nonUserMembers`. */
  declare public readonly kept: pulumi.Output<GroupBindingState["kept"]>;
  /** Direct members of the group at the last apply or refresh (the mass-removal guard's base). */
  declare public readonly memberCount: pulumi.Output<number>;
  /** True while nothing can be applied (empty user group with allowEmpty, or management disabled). */
  declare public readonly pending: pulumi.Output<boolean>;

  constructor(name: string, args: GroupBindingArgs, opts?: pulumi.CustomResourceOptions) {
    const { target, ...rest } = args;
    const management = target.directoryManagement;
    const props = {
      ...rest,
      management: management.ref,
      target: { directoryKey: target.directoryKey, service: management.ref.service, groupId: target.groupId, label: target.label },
      // The resource's name, so that the provider can name both bindings of one group in an error.
      __bindingName: name,
      // Users given as a secret: the provider returns every member list as a secret.
      __secretUsers: pulumi.isSecret(pulumi.output(args.userGroup).apply((g) => g.users)),
      memberTable: undefined,
      kept: undefined,
      memberCount: undefined,
      pending: undefined,
    };
    const restore = withoutRecordedStackTraces();
    try {
      super(providerStub("GroupBinding"), name, props, opts, TYPE_MODULE, "GroupBinding");
    } finally {
      restore();
    }
    // Decoded in the program: state stores each address once (in the inputs' `members` and the table).
    const maps = this.memberTable.apply((table): MemberMaps => (typeof table === "string" ? decodeMemberTable(table) : { members: {}, userIds: {}, otherMemberIds: {}, managedMembers: {} }));
    this.members = maps.apply((m) => m.members);
    this.userIds = maps.apply((m) => m.userIds);
    this.managedMembers = maps.apply((m) => m.managedMembers);
    managementInput(management, this, `GroupBinding ${name}`);
  }
}
