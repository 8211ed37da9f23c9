import type * as pulumi from "@pulumi/pulumi";

/** One source user group and where it goes. */
export interface ExportedUserGroup {
  name: string;
  /**
   * A stable identity of the user group, unique among the user groups of the source (compared
   * case-insensitively; letters, digits, `.`, `_` and `-` in a groups file): the user group's
   * resources are identified by it instead of by `name`, so that renaming the user group
   * renames its directory groups in place rather than replacing them. Default: none (identified
   * by `name`; a rename makes new groups and removes the old ones).
   */
  key?: string;
  /**
   * What removing this user group from the source does to its directory groups: `"delete"`
   * deletes them, `"release"` leaves them as they are, with their members, no longer managed.
   * Default: a group this stack created is deleted, one it adopted is released (see the group
   * resources' `deletionPolicy`).
   */
  deletionPolicy?: "delete" | "release";
  /** The distribution group's address; required to export to Google Workspace. */
  email?: string;
  description?: string;
  users: pulumi.Input<pulumi.Input<string>[]>;
  /** Directories to export to; default every directory given. */
  exportTo?: ("google" | "entra")[];
  membershipMode?: "authoritative" | "additive";
  /** The Entra security group's display name; default `name`. */
  entraDisplayName?: string;
  /** The Entra security group's mail alias; default derived from the display name. */
  entraMailNickname?: string;
  /** Per-group overrides of the bindings' options (see GroupBinding). */
  maxRemovalPercent?: number;
  /**
   * A user group that may have no users: its groups are not made (nothing is exported, no
   * empty group is created) and its bindings wait until it has one. Without it, an empty user
   * group fails at preview. Default false.
   */
  allowEmpty?: boolean;
  nonUserMembers?: "keep" | "remove";
  /** Owners of its groups (see GroupBinding `owners`); absent: owners are not managed. */
  owners?: pulumi.Input<pulumi.Input<string>[]>;
  /** Managers of its Google group (see GroupBinding `managers`); absent: not managed. Ignored for Entra. */
  managers?: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * Names of other user groups of this export whose groups are members of this one's, in each
   * directory both are exported to (see GroupBinding `memberGroups`). A cycle (A in B in A) or an
   * unknown name fails when the program runs, so at `pulumi preview`. Default: none.
   */
  memberGroups?: string[];
}
