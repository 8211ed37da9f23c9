import * as pulumi from "@pulumi/pulumi";
import type { GroupBindingArgs as PlainArgs, GroupBindingState } from "../provider/groups/bindingSchema";
import { decodeMemberTable, type MemberMaps } from "../provider/groups/memberTable";
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

/** Inputs of {@link GroupBinding}; field docs in provider/groups/bindingSchema.ts. */
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
  /**
   * The group's owners, as emails (Google) or user principal names / mails (Entra). Absent
   * (default): owners are not managed, and an owner is never demoted or removed by the binding.
   * - Google: members with role OWNER. A listed user who is not yet a member is added as OWNER; a
   *   member is promoted in place (members.patch: same member id, never removed and added again);
   *   a user in both `users` and `owners` is one member with role OWNER. An OWNER not listed is
   *   demoted to MEMBER in place (and then, in authoritative mode, removed if it is not a user of
   *   the user group: listed in `removals` at preview).
   * - Entra: the group's owners relation (not membership), set exactly: listed users are added,
   *   others removed (shown in `removals` at preview as `owner <upn>`). The calling application is
   *   never made an owner unless listed, and an owner the directory gave it (as a group's creator)
   *   is left alone and listed in `kept`. Removing every owner is refused at preview (Entra
   *   refuses to remove a group's last owner).
   * Changing it updates in place; removals count toward `maxRemovalPercent`. Deleting the binding
   * leaves owners as they are. Only one binding of a group may declare owners or managers.
   */
  owners?: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * Google only: members with role MANAGER, promoted and demoted in place like owners. Absent
   * (default): managers are not managed. An address in both `owners` and `managers` fails at
   * preview (one member, one role); set on an Entra group it fails at preview.
   */
  managers?: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * Exported groups of the same directory that are members of this group: Google adds each as a
   * GROUP member by its address, Entra as a group member (`members/$ref`). Shown in `members` as
   * `group:<address>` (Google) or `group:<display name>` (Entra); counted as members (never
   * removed as non-user members). A cycle among the program's bindings (A contains B contains A)
   * fails at preview naming the bindings; a cycle through a group no binding of this program
   * declares cannot be seen there (Google refuses it at apply; Entra accepts it). Default: none.
   * Removing a group from the list removes it from this group at the next `up`.
   */
  memberGroups?: BindableGroup[];
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
   * packed: provider/groups/memberTable.ts); read those three instead.
   */
  declare public readonly memberTable: pulumi.Output<string>;
  /** Members left alone on purpose (label -> why): owners and managers, non-user members kept by `nonUserMembers`. */
  declare public readonly kept: pulumi.Output<GroupBindingState["kept"]>;
  /** Direct members of the group at the last apply or refresh (the mass-removal guard's base). */
  declare public readonly memberCount: pulumi.Output<number>;
  /** Declared owners as last applied or refreshed (address -> "owner"); absent when `owners` is not given. */
  declare public readonly owners: pulumi.Output<GroupBindingState["owners"]>;
  /** Declared managers (Google) as last applied or refreshed; absent when `managers` is not given. */
  declare public readonly managers: pulumi.Output<GroupBindingState["managers"]>;
  /** True while nothing can be applied (empty user group with allowEmpty, or management disabled). */
  declare public readonly pending: pulumi.Output<boolean>;

  constructor(name: string, args: GroupBindingArgs, opts?: pulumi.CustomResourceOptions) {
    const { target, memberGroups, ...rest } = args;
    const management = target.directoryManagement;
    const props = {
      ...rest,
      ...(memberGroups ? { memberGroups: memberGroups.map((g) => ({ directoryKey: g.directoryKey, service: g.directoryManagement.ref.service, groupId: g.groupId, label: g.label })) } : {}),
      management: management.ref,
      target: { directoryKey: target.directoryKey, service: management.ref.service, groupId: target.groupId, label: target.label },
      // The resource's name, so that the provider can name both bindings of one group in an error.
      __bindingName: name,
      // Users given as a secret: the provider returns every member list as a secret.
      // Owners and managers given as a secret count too: for Google they are members as well.
      __secretUsers: pulumi
        .all([pulumi.isSecret(pulumi.output(args.userGroup).apply((g) => g.users)), pulumi.isSecret(pulumi.output(args.owners)), pulumi.isSecret(pulumi.output(args.managers))])
        .apply((flags) => flags.some(Boolean)),
      memberTable: undefined,
      kept: undefined,
      // owners and managers are inputs and outputs alike: the inputs above carry them.
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
