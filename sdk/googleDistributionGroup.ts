import * as pulumi from "./pulumi";
import { GOOGLE_GROUP_STATE_VERSION } from "../provider/google/schema";
import { directoryKeyOf, type DirectoryGroupManagement, groupManagementReference, managementReference, warnWhileDisabled } from "./directoryGroupManagement";
import type { GroupSettings, GroupSettingsArgs, SettingsDefault } from "../provider/google/settingsSchema";
import { declareGroup, plain, plainList } from "./programManifest";
import { groupLabel, groupLabels, providerStub, refuseImport, TYPE_MODULE, withDependency, withoutRecordedStackTraces } from "./providerStub";

/**
 * The set of arguments for constructing a {@link GoogleDistributionGroup}. Checked at preview
 * by the provider against `googleDistributionGroupArgsSchema` (provider/google/schema.ts);
 * test/unit/sdkContract.test.ts keeps the two equal. Every error names the resource and the field.
 */
export interface GoogleDistributionGroupArgs {
  /**
   * The Google Workspace directory's {@link DirectoryGroupManagement}: the group is created in
   * that customer, its `email` must be in one of its domains, and while its switch is off the
   * group changes nothing. Error at preview: an Entra ID management
   * (`management is the Entra ID directory …`).
   */
  readonly management: DirectoryGroupManagement;
  /**
   * The group's address, lowercased (Google compares addresses case-insensitively), e.g.
   * `"engineering@example.com"`; its domain must be one of the management's `google.domains`.
   * A group that already has it (as primary address or alias) is adopted unless `onExisting`
   * is `"fail"`. Changing it to another address of the same group (an alias) is no change;
   * to another group's address replaces the resource (members move, the old group is deleted
   * if this stack created it, else released). Errors: missing, not an email address, outside
   * the directory's domains, claimed by another resource of the stack.
   */
  readonly email: pulumi.Input<string>;
  /**
   * Display name in Google Groups, at most 75 characters (Google's limit). Default: the part
   * of `email` before "@" for a group this stack creates; an adopted group keeps its own name.
   * Changing it updates in place; a rename made by hand is reverted when it is declared.
   * Errors: empty, longer than 75 characters.
   */
  readonly name?: pulumi.Input<string>;
  /**
   * Free text shown in Google Groups, at most 4,096 characters. Default: empty for a group this
   * stack creates; an adopted group keeps its own. Changing it updates in place. Error: longer
   * than 4,096 characters.
   */
  readonly description?: pulumi.Input<string>;
  /**
   * What removing the resource does: `"delete"` the group or `"release"` it (leave it as it
   * is). Default: delete a group this stack created, release one it adopted (`origin`).
   * Changing it updates in place (nothing remote changes).
   */
  readonly deletionPolicy?: pulumi.Input<"delete" | "release">;
  /**
   * What to do when a group already has this address: `"adopt"` it (default; the seed's
   * takeover) or `"fail"` at preview, naming the group. Google addresses are unique, so
   * another group cannot be created at a taken address. Changing it updates in place.
   */
  readonly onExisting?: pulumi.Input<"adopt" | "fail">;
  /**
   * Take over this exact group: Google's group id (Admin console, or `gam info group`).
   * `email` must be one of that group's addresses. The supported way to move an existing
   * group under management (the `import` resource option is not). Default: none (the group
   * is found by `email`). Changing it to another group replaces the resource.
   * Errors: empty; no such group; `email` not one of its addresses.
   */
  readonly adoptId?: pulumi.Input<string>;
  /**
   * While `false`, the group is not made: nothing is written and it stays pending (as while
   * its directory's management is disabled); the first `pulumi up` after it turns `true`
   * makes it. A group already made is left as it is. Default `true`. `UserGroupExport` sets
   * it to whether the user group has users, as the seed says: groups are not exported until
   * they have one. Changing it updates in place.
   */
  readonly enabled?: pulumi.Input<boolean>;
  /**
   * Stop syncing this group without touching it: while `true` (or a reason, shown by the
   * preview), nothing is read or written, the group and its members stay as they are, and
   * removing the resource afterwards deletes nothing (the state keeps that it was released).
   * The preview says so (`management: "… (released: <reason>)"`). Set it to false (or remove
   * it) to sync again at the next `up`. While released, `email` may be `""`: the group keeps the address it had. Default: not released. Changing it updates in place.
   */
  readonly released?: pulumi.Input<boolean | string>;
  /**
   * Group settings (Groups Settings API), field by field over `settingsDefault`: who can post,
   * view the membership, view the group, join and contact the owner; external members;
   * moderation; archive and archive-only; the global address list; reply-to; the custom
   * footer. Values as the API takes them (enums, the string booleans `"true"`/`"false"`); each
   * field, its allowed values and the API's rules (archiveOnly forces `whoCanPostMessage`
   * `NONE_CAN_POST`; `customReplyTo` iff `replyTo` is `REPLY_TO_CUSTOM`; footer at most 1,000
   * characters) are in provider/google/settingsSchema.ts. Only these fields (and the default's)
   * are managed: read at refresh, drift reverted by `up` (a PATCH of the changed fields).
   * Changing it updates in place. Errors at preview name the field and the rule.
   */
  readonly settings?: pulumi.Input<GroupSettingsArgs>;
  /**
   * What `settings` is laid over: `"distributionList"` (the documented distribution-list
   * settings, `DISTRIBUTION_LIST_SETTINGS`) or `"none"` (only the fields in `settings` are
   * managed; with no `settings`, none are). Default: `"distributionList"` for a group this stack
   * creates; `"none"` for a group it adopts or made before settings were managed (a setting the
   * program did not ask to change is never changed). Changing it updates in place.
   */
  readonly settingsDefault?: pulumi.Input<SettingsDefault>;
  /**
   * The group's aliases (other addresses), exactly: added and removed in place, drift
   * reverted by `up`. Each a full address in one of the directory's domains, not another
   * group's or user's address (errors at preview or apply name the alias). Default: undefined,
   * aliases are not managed (left as they are).
   */
  readonly aliases?: pulumi.Input<pulumi.Input<string>[]>;
}

/** What {@link GoogleDistributionGroup.get} needs besides the id: the directory the group is in. */
export interface GoogleDistributionGroupLookup {
  /** The Google Workspace directory's management in this program (its credentials read the group). */
  readonly management: DirectoryGroupManagement;
}

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
 * Group settings: every group this stack creates gets the documented distribution-list default
 * (`DISTRIBUTION_LIST_SETTINGS` in provider/google/settingsSchema.ts: anyone in the
 * organisation may post, members see the members, nobody joins on their own, no external
 * members, listed in the address book, ...) unless `settingsDefault: "none"` (an adopted group
 * keeps its own unless `settingsDefault: "distributionList"` or `settings` says otherwise); `settings`
 * overrides it field by field with the Groups Settings API's values (booleans as `true`/`false`
 * or the API's "true"/"false"). Only those fields are managed; drift is found by refresh and
 * reverted by `up` (one PATCH of the changed fields). Invalid combinations (archiveOnly with a
 * post permission, REPLY_TO_CUSTOM without customReplyTo, a footer over 1,000 characters...)
 * fail at preview naming the field and the fix. Needs the delegated scope
 * `https://www.googleapis.com/auth/apps.groups.settings`.
 *
 * Aliases: `aliases`, when given, is the group's exact set of aliases (in the directory's
 * domains, free), added and removed in place; undefined leaves them alone.
 *
 * @example
 * const workspace = new DirectoryGroupManagement("workspace", { google: { domains: ["example.com"] } });
 * const eng = new GoogleDistributionGroup("engineering", {
 *   management: workspace,
 *   email: "engineering@example.com",
 *   name: "Engineering",
 *   description: "Everyone in engineering",
 *   settings: { whoCanPostMessage: "ALL_MEMBERS_CAN_POST" }, // the rest: the distribution-list default
 *   aliases: ["eng@example.com"],
 * });
 */
export class GoogleDistributionGroup extends pulumi.dynamic.Resource {
  /** The declared address, lowercased: one of the group's addresses (its primary address or an alias). */
  declare public readonly email: pulumi.Output<string>;
  /** Google's primary address of the group, lowercased. */
  declare public readonly primaryEmail: pulumi.Output<string>;
  /**
   * The group's aliases other than `email`, as the group has them, lowercased. Input too: when
   * declared, exactly these aliases (added and removed in place; drift reverted by `up`).
   */
  declare public readonly aliases: pulumi.Output<string[]>;
  /** Aliases Google made itself and keeps (e.g. the test-google-a.com address); never changed. */
  declare public readonly nonEditableAliases: pulumi.Output<string[]>;
  /**
   * The managed group settings as the group holds them: the distribution-list default (unless
   * `settingsDefault: "none"`) overridden by `settings`. Booleans are the API's "true"/"false".
   */
  declare public readonly settings: pulumi.Output<GroupSettings>;
  /** The display name in Google Groups, as applied (the default filled in). */
  declare public readonly name: pulumi.Output<string>;
  /** The description, as applied (empty when not set). */
  declare public readonly description: pulumi.Output<string>;
  /** Google's immutable id of the group (a `pending-…` id while the group is not made yet). */
  declare public readonly groupId: pulumi.Output<string>;
  /** `"created"` if this package made the group, `"adopted"` if it already existed, `"pending"` while not made (management disabled or `enabled: false`). */
  declare public readonly origin: pulumi.Output<"created" | "adopted" | "pending">;
  /** The `deletionPolicy` argument as given (undefined: the default by `origin`). */
  declare public readonly deletionPolicy: pulumi.Output<"delete" | "release" | undefined>;
  /** What preview found: `"create"` or `"adopt existing group <id>"`, so a reader knows before apply. */
  declare public readonly adoption: pulumi.Output<string>;
  /** The directory this group is in, `"google:<customer id>"` (bindings check they target the same one). */
  public readonly directoryKey: pulumi.Output<string>;
  /** How bindings name this group in messages: its `email`. */
  public get label(): pulumi.Output<string> {
    return pulumi.output(groupLabel(this));
  }
  /** The management of the group's directory (bindings to this group use it). */
  public readonly directoryManagement: DirectoryGroupManagement;

  /**
   * Reads an existing Google group into this program without managing it: nothing is ever
   * written or deleted; `pulumi refresh` reads it again. A group got this way can be the
   * `target` of a {@link GroupBinding} (e.g. a group another stack manages).
   *
   * @param name The unique name of the resulting resource.
   * @param id Google's group id (the `groupId` output of the stack that manages it).
   * @param lookup The directory the group is in.
   * @param opts Options for the resource (`id` is set from `id`).
   */
  public static get(name: string, id: pulumi.Input<pulumi.ID>, lookup: GoogleDistributionGroupLookup, opts?: pulumi.CustomResourceOptions): GoogleDistributionGroup {
    return new GoogleDistributionGroup(name, { management: lookup.management, email: "" }, { ...opts, id });
  }

  /**
   * Creates a GoogleDistributionGroup (or adopts the group at `email`).
   * @param name The unique name of the resource.
   * @param args The group's arguments.
   * @param opts Options for the resource. `import` is refused: use `adoptId` (docs/guides/migrating.md#moving-an-existing-group-under-management).
   */
  constructor(name: string, args: GoogleDistributionGroupArgs, opts?: pulumi.CustomResourceOptions) {
    // Every Output made here, not only the registration's, is made with no stack frames recorded (see withoutRecordedStackTraces).
    const restore = withoutRecordedStackTraces();
    try {
      const { management, enabled, released, ...rest } = args;
      if (opts?.id === undefined) {
        refuseImport("GoogleDistributionGroup", name, opts, 'declare the group with its email (an existing group at that address is adopted) or with adoptId: "<the group\'s id>"');
        const props = {
          name: undefined,
          description: undefined,
          deletionPolicy: undefined,
          aliases: undefined,
          settings: undefined,
          settingsDefault: undefined,
          ...rest,
          pulumiName: name,
          management: groupManagementReference(management, enabled, `GoogleDistributionGroup ${name}`, released),
          groupId: undefined,
          origin: undefined,
          adoption: undefined,
          primaryEmail: undefined,
          nonEditableAliases: undefined,
        };
        super(providerStub("GoogleDistributionGroup"), name, props, withDependency(opts, management), TYPE_MODULE, "GoogleDistributionGroup");
        // A released group given no address keeps the one it had: its bindings name it by that.
        groupLabels.set(this, args.email === "" ? this.email : args.email);
        // One remote group, one owner: what the program declares, for the management's check (sdk/programManifest.ts).
        if (released === undefined || released === false) declareGroup(management, {
            kind: "GoogleDistributionGroup",
            name,
            email: plain(args.email)?.trim().toLowerCase() || undefined,
            adoptId: plain(args.adoptId)?.trim() || undefined,
            aliases: plainList(args.aliases)?.map((a) => a.trim().toLowerCase()),
          });
      } else {
        // get: the read refreshes a stored state; this is the least one that names the group (origin adopted, released on removal).
        const seed = { stateVersion: GOOGLE_GROUP_STATE_VERSION, management: managementReference(management), pulumiName: name, email: "", name: "", description: "", groupId: opts.id, origin: "adopted", deletionPolicy: "release", primaryEmail: undefined, aliases: undefined, nonEditableAliases: undefined, settings: undefined, adoption: undefined };
        super(providerStub("GoogleDistributionGroup"), name, seed, withDependency(opts, management), TYPE_MODULE, "GoogleDistributionGroup");
        groupLabels.set(this, this.email);
      }
      this.directoryKey = directoryKeyOf(management);
      this.directoryManagement = management;
      warnWhileDisabled(management, this, `GoogleDistributionGroup ${name}`);
    } finally {
      restore();
    }
  }
}
