import * as pulumi from "./pulumi";
import { ENTRA_GROUP_STATE_VERSION } from "../provider/entra/schema";
import { directoryKeyOf, type DirectoryGroupManagement, groupManagementReference, managementReference, warnWhileDisabled } from "./directoryGroupManagement";
import { declareGroup, plain } from "./programManifest";
import { groupLabel, groupLabels, providerStub, refuseImport, TYPE_MODULE, withDependency, withoutRecordedStackTraces } from "./providerStub";

/**
 * The set of arguments for constructing an {@link EntraSecurityGroup}. Checked at preview by
 * the provider against `entraSecurityGroupArgsSchema` (provider/entra/schema.ts);
 * test/unit/sdkContract.test.ts keeps the two equal. Every error names the resource and the field.
 */
export interface EntraSecurityGroupArgs {
  /**
   * The Entra ID tenant's {@link DirectoryGroupManagement}: the group is created in that
   * tenant, and while its switch is off the group changes nothing. Error at preview: a
   * Google Workspace management (`management is the Google Workspace directory …`).
   */
  readonly management: DirectoryGroupManagement;
  /**
   * The group's name, 1 to 256 characters, trimmed. Exactly one existing security group with
   * exactly this name (case and spacing included) is taken over, unless `onExisting` or
   * `adoptId` says otherwise. Changing it renames the group in place (update); a rename made
   * by hand is reverted. Errors: missing, empty, longer than 256 characters, several security
   * groups of this name (preview lists their ids; see `onAmbiguousName`).
   */
  readonly displayName: pulumi.Input<string>;
  /**
   * Free text, at most 1,024 characters. Default: empty for a group this stack creates; an
   * adopted group keeps its own unless given. Changing it updates in place ("" clears it).
   * Error: longer than 1,024 characters.
   */
  readonly description?: pulumi.Input<string>;
  /**
   * The mail alias, unique in the tenant: at most 64 characters of letters, digits and
   * `! # $ % & ' * + - / = ? ^ _ \` { | } ~ .` (no spaces or `@ ( ) \ [ ] " ; : < > ,`).
   * Default: a group this stack creates gets `displayName`'s letters and random hex, unique to
   * that create (the preview's `adoption` shows it: how a create whose answer was lost is told from
   * anyone else's group); an adopted group keeps its own. Changing it updates
   * in place. Errors: too long, characters Entra does not allow.
   */
  readonly mailNickname?: pulumi.Input<string>;
  /**
   * When more than one security group already has this display name: `"fail"` (default)
   * stops at preview listing the candidates' ids; `"create"` makes yet another group (what
   * the seed's product does silently). Used when the resource first finds its group: once the group is managed, changing it changes nothing (to manage another group, declare a new resource).
   */
  readonly onAmbiguousName?: pulumi.Input<"fail" | "create">;
  /**
   * When a security group already has exactly this display name: `"adopt"` it (default, the
   * seed's takeover), `"create"` a new group of the same name and never take one over, or
   * `"fail"` at preview naming it. Near matches (other case or spacing) and groups of other
   * kinds (distribution, mail-enabled, Microsoft 365) are never taken over. Used when the resource first finds its group: once the group is managed, changing it changes nothing (to manage another group, declare a new resource).
   */
  readonly onExisting?: pulumi.Input<"adopt" | "create" | "fail">;
  /**
   * Take over this exact group, whatever its name: its object id (a GUID, Entra admin center),
   * lowercased. Default: none (found by `displayName`). Used when the resource first finds its group: once the group is managed, changing it changes nothing (to manage another group, declare a new resource).
   * Errors: not a GUID (`adoptId is not an object id`), no such group.
   */
  readonly adoptId?: pulumi.Input<string>;
  /**
   * What removing the resource does: `"delete"` the group or `"release"` it (leave it as it
   * is). Default: delete a group this stack created, release one it adopted (`origin`).
   * Changing it updates in place (nothing remote changes).
   */
  readonly deletionPolicy?: pulumi.Input<"delete" | "release">;
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
   * it) to sync again at the next `up`. Default: not released. Changing it updates in place.
   */
  readonly released?: pulumi.Input<boolean | string>;
}

/** What {@link EntraSecurityGroup.get} needs besides the id: the tenant the group is in. */
export interface EntraSecurityGroupLookup {
  /** The Entra ID tenant's management in this program (its credentials read the group). */
  readonly management: DirectoryGroupManagement;
}

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
  /** The group's name as applied (trimmed). */
  declare public readonly displayName: pulumi.Output<string>;
  /** The description as applied (empty when not set). */
  declare public readonly description: pulumi.Output<string>;
  /** The mail alias as applied (chosen at the create when not set: see the input). */
  declare public readonly mailNickname: pulumi.Output<string>;
  /** Entra's object id of the group (a `pending-…` id while the group is not made yet). */
  declare public readonly groupId: pulumi.Output<string>;
  /** `"created"` if this package made the group, `"adopted"` if it took an existing one over, `"pending"` while not made (management disabled or `enabled: false`). */
  declare public readonly origin: pulumi.Output<"created" | "adopted" | "pending">;
  /** What preview found: `"create"` or `"adopt existing group <id>"`, with why others of that name were skipped. */
  declare public readonly adoption: pulumi.Output<string>;
  /** The directory this group is in, `"entra:<tenant id>"` (bindings check they target the same one). */
  public readonly directoryKey: pulumi.Output<string>;
  /** The management of the group's tenant (bindings to this group use it). */
  public readonly directoryManagement: DirectoryGroupManagement;
  /** How bindings name this group in messages: its `displayName`. */
  public get label(): pulumi.Output<string> {
    return pulumi.output(groupLabel(this));
  }

  /**
   * Reads an existing Entra security group into this program without managing it: nothing is
   * ever written or deleted; `pulumi refresh` reads it again. A group got this way can be
   * the `target` of a {@link GroupBinding} (e.g. a group another stack manages).
   *
   * @param name The unique name of the resulting resource.
   * @param id The group's object id (the `groupId` output of the stack that manages it).
   * @param lookup The tenant the group is in.
   * @param opts Options for the resource (`id` is set from `id`).
   */
  public static get(name: string, id: pulumi.Input<pulumi.ID>, lookup: EntraSecurityGroupLookup, opts?: pulumi.CustomResourceOptions): EntraSecurityGroup {
    return new EntraSecurityGroup(name, { management: lookup.management, displayName: "" }, { ...opts, id });
  }

  /**
   * Creates an EntraSecurityGroup (or takes over the group of that display name).
   * @param name The unique name of the resource.
   * @param args The group's arguments.
   * @param opts Options for the resource. `import` is refused: use `adoptId` (docs/guides/migrating.md#moving-an-existing-group-under-management).
   */
  constructor(name: string, args: EntraSecurityGroupArgs, opts?: pulumi.CustomResourceOptions) {
    // Every Output made here, not only the registration's, is made with no stack frames recorded (see withoutRecordedStackTraces).
    const restore = withoutRecordedStackTraces();
    try {
      const { management, enabled, released, ...rest } = args;
      if (opts?.id === undefined) {
        refuseImport("EntraSecurityGroup", name, opts, 'declare the group with adoptId: "<its object id>" (or by its exact display name, which takes it over)');
        const props = {
          description: undefined,
          mailNickname: undefined,
          ...rest,
          pulumiName: name,
          management: groupManagementReference(management, enabled, `EntraSecurityGroup ${name}`, released),
          groupId: undefined,
          origin: undefined,
          adoption: undefined,
        };
        super(providerStub("EntraSecurityGroup"), name, props, withDependency(opts, management), TYPE_MODULE, "EntraSecurityGroup");
        groupLabels.set(this, args.displayName);
        // One remote group, one owner: what the program declares, for the management's check (sdk/programManifest.ts).
        const displayName = plain(args.displayName)?.trim();
        if (displayName && (released === undefined || released === false)) {
          declareGroup(management, { kind: "EntraSecurityGroup", name, displayName, adoptId: plain(args.adoptId)?.trim().toLowerCase() || undefined, onExisting: plain(args.onExisting) });
        }
      } else {
        // get: the read refreshes a stored state; this is the least one that names the group (origin adopted, released on removal).
        const seed = { stateVersion: ENTRA_GROUP_STATE_VERSION, management: managementReference(management), pulumiName: name, displayName: "", description: "", mailNickname: "", groupId: opts.id, origin: "adopted", deletionPolicy: "release", adoption: undefined };
        super(providerStub("EntraSecurityGroup"), name, seed, withDependency(opts, management), TYPE_MODULE, "EntraSecurityGroup");
        groupLabels.set(this, this.displayName);
      }
      this.directoryKey = directoryKeyOf(management);
      this.directoryManagement = management;
      warnWhileDisabled(management, this, `EntraSecurityGroup ${name}`);
    } finally {
      restore();
    }
  }
}
