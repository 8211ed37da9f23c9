import * as pulumi from "@pulumi/pulumi";
import type { GroupBindingArgs as PlainArgs, GroupBindingState } from "../provider/membership/bindingSchema";
import { managementInput } from "./directoryGroupManagement";
import type { EntraSecurityGroup } from "./entraSecurityGroup";
import type { GoogleDistributionGroup } from "./googleDistributionGroup";
import { providerStub, TYPE_MODULE } from "./providerStub";

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
  /** authoritative: the group's members; additive: the members this binding manages. */
  declare public readonly members: pulumi.Output<GroupBindingState["members"]>;
  declare public readonly managedMembers: pulumi.Output<GroupBindingState["managedMembers"]>;
  /** True while nothing can be applied (empty user group with allowEmpty, or management disabled). */
  declare public readonly pending: pulumi.Output<boolean>;

  constructor(name: string, args: GroupBindingArgs, opts?: pulumi.CustomResourceOptions) {
    const { target, ...rest } = args;
    const management = target.directoryManagement;
    const props = {
      ...rest,
      management: management.ref,
      target: { directoryKey: target.directoryKey, service: management.ref.service, groupId: target.groupId, label: target.label },
      members: undefined,
      managedMembers: undefined,
      pending: undefined,
    };
    super(providerStub("GroupBinding"), name, props, opts, TYPE_MODULE, "GroupBinding");
    managementInput(management, this, `GroupBinding ${name}`);
  }
}
