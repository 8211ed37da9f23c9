import type * as pulumi from "./pulumi";

/** One source user group and where it goes. */
export interface ExportedUserGroup {
  /**
   * The user group's name: its groups' default name (Google) and display name (Entra), and the
   * base of its resources' names (a–z and digits; accents dropped; a name in another script gets
   * a short digest). Unique in the export (names differing only in case, accents or punctuation
   * fail when the program runs).
   */
  name: string;
  /**
   * A stable identity of the user group that survives renames (a groups file's `key`,
   * JumpCloud's group id). Renaming a user group keeps its groups and members when its key,
   * its email, its `entraDisplayName` or its `entraMailNickname` stays the same (docs/guides/migrating.md#renaming-a-user-group).
   */
  key?: string;
  /**
   * The distribution group's address, needed to export to Google Workspace. Removed after the
   * group was exported: its Google group and members stay as they are, no longer synced
   * (released, said at preview: the seed's rule); never exported: see `onMissingEmail`.
   */
  email?: string;
  /**
   * A user group exported to Google Workspace without an email that was never exported there:
   * `"fail"` (default) fails the preview naming it and the fix; `"skip"` leaves it unexported
   * (waiting) until it has one.
   */
  onMissingEmail?: "fail" | "skip";
  /**
   * Directories whose groups this user group no longer syncs: each is left exactly as it is
   * (members, owners, settings), nothing is read or written there, and removing the user group
   * afterwards deletes nothing and removes nobody there (said at preview: `management: "…
   * (released: …)"`). A group never exported there is not made. Remove the directory from the
   * list to sync again at the next `up`. Default: none (a Google group is also released when
   * `email` is removed).
   */
  released?: ("google" | "entra")[];
  /** What removing the user group does to its directory groups: "delete" or "release"; default: delete what this stack created, release what it adopted. */
  deletionPolicy?: "delete" | "release";
  /** Where the user group was declared (e.g. `groups.yaml:12`), for messages. */
  source?: string;
  /** The groups' description (Google and Entra); default: empty for a group this stack creates, an adopted group keeps its own. */
  description?: string;
  /** The user group's users, by address (see GroupBinding `userGroup.users`); empty fails at preview unless `allowEmpty`. */
  users: pulumi.Input<pulumi.Input<string>[]>;
  /** Directories to export to; default every directory given. */
  exportTo?: ("google" | "entra")[];
  /** The bindings' membership mode (see GroupBinding `membershipMode`); default `"authoritative"`. */
  membershipMode?: "authoritative" | "additive";
  /** The Google group's name (in Google Groups); default `name`. */
  googleName?: string;
  /** The Entra security group's display name; default `name`. */
  entraDisplayName?: string;
  /** The Entra security group's mail alias; default: chosen when the group is created (an adopted group keeps its own). */
  entraMailNickname?: string;
  /** The mass-removal guard's share, in percent (see GroupBinding `maxRemovalPercent`); default 50. */
  maxRemovalPercent?: number;
  /** The mass-removal guard's floor, in members (see GroupBinding `removalGuardFloor`; default 10). */
  removalGuardFloor?: number;
  /**
   * A user group that may have no users: its groups are not made (nothing is exported, no
   * empty group is created) and its bindings wait until it has one. Without it, an empty user
   * group fails at preview. Default false.
   */
  allowEmpty?: boolean;
  /** What the bindings do with non-user members (see GroupBinding `nonUserMembers`); default `"keep"`. */
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
