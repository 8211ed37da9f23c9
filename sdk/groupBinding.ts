import * as pulumi from "./pulumi";
import { directoryKeyOf, groupManagementReference, managementReference, serviceOf, warnWhileDisabled, type DirectoryGroupManagement } from "./directoryGroupManagement";
import { EntraSecurityGroup } from "./entraSecurityGroup";
import { GoogleDistributionGroup } from "./googleDistributionGroup";
import { DEFAULT_MAX_REMOVAL_PERCENT, GROUP_BINDING_STATE_VERSION } from "../provider/groups/bindingSchema";
import { decodeMemberTable, encodeMemberTable, type MemberMaps } from "../provider/groups/memberTable";
import { declareBinding, plain, plainList } from "./programManifest";
import { groupLabel, providerStub, TYPE_MODULE, withDependency, withoutRecordedStackTraces } from "./providerStub";

const NO_MEMBERS: MemberMaps = { members: {}, userIds: {}, otherMemberIds: {}, managedMembers: {} };

/** `members`, `userIds` and `managedMembers`, decoded in the program from the stored `memberTable` (state version 3). */
function memberOutputs(table: pulumi.Output<string>) {
  const maps = table.apply((t): MemberMaps => (typeof t === "string" ? decodeMemberTable(t) : NO_MEMBERS));
  return { members: maps.apply((m) => m.members), userIds: maps.apply((m) => m.userIds), managedMembers: maps.apply((m) => m.managedMembers) };
}

/**
 * The decoded member outputs of a binding, made on first use: a program that reads none of
 * them (most export programs) makes none of their four Outputs per binding.
 */
const decoded = new WeakMap<GroupBinding, ReturnType<typeof memberOutputs>>();
function decodedMembers(binding: GroupBinding): ReturnType<typeof memberOutputs> {
  let outputs = decoded.get(binding);
  if (!outputs) decoded.set(binding, (outputs = memberOutputs(binding.memberTable)));
  return outputs;
}

/** Whether a value holds no Output or promise anywhere (a literal of the program): then it cannot be a secret. */
function literal(value: unknown): boolean {
  if (pulumi.Output.isInstance(value) || value instanceof Promise) return false;
  if (Array.isArray(value)) return value.every(literal);
  if (value !== null && typeof value === "object") return Object.values(value).every(literal);
  return true;
}

/**
 * Whether the users (or owners, or managers) are given as a secret: the provider then returns
 * every member list as a secret. Plain literals are not: answered without an Output.
 */
function secretUsers(args: GroupBindingArgs): pulumi.Input<boolean> {
  if (literal(args.userGroup) && literal(args.owners) && literal(args.managers)) return false;
  return pulumi
    .all([pulumi.isSecret(pulumi.output(args.userGroup).apply((g) => g.users)), pulumi.isSecret(pulumi.output(args.owners)), pulumi.isSecret(pulumi.output(args.managers))])
    .apply((flags) => flags.some(Boolean));
}

/** A group resource of this program a user group can be bound to. */
export type BindableGroup = GoogleDistributionGroup | EntraSecurityGroup;

/**
 * A Google Workspace group that is not a resource of this program (e.g. made by another
 * stack), named by its id or address, and the management of its directory in this program.
 */
export interface GoogleGroupReference {
  /**
   * Google's group id (the other stack's `groupId` output), or one of the group's addresses.
   * Prefer the id: the one-authoritative-binding-per-group check compares what is written,
   * so two bindings naming one group by id and by address are not recognised as one.
   */
  readonly google: pulumi.Input<string>;
  /** The {@link DirectoryGroupManagement} of the group's Google Workspace customer: its switch and credentials apply. */
  readonly management: DirectoryGroupManagement;
}

/** An Entra ID security group that is not a resource of this program, named by its object id, and its tenant's management in this program. */
export interface EntraGroupReference {
  /** The group's object id (a GUID; the other stack's `groupId` output). Display names are not unique, so not accepted. */
  readonly entra: pulumi.Input<string>;
  /** The {@link DirectoryGroupManagement} of the group's Entra ID tenant: its switch and credentials apply. */
  readonly management: DirectoryGroupManagement;
}

/** A group made elsewhere, by id: `{ google: "<id or address>", management }` or `{ entra: "<object id>", management }`. */
export type GroupReference = GoogleGroupReference | EntraGroupReference;

/** What {@link GroupBinding.get} reads: the group whose members to read. */
export interface GroupBindingLookup {
  /** A group resource of this program (or one got with its `get`), or a group made elsewhere by id. */
  readonly target: BindableGroup | GroupReference;
}

/** A source user group: its name and its users. */
export interface UserGroup {
  /** The user group's name (in messages and the binding's `userGroupName`), trimmed; required, not empty. */
  readonly name: pulumi.Input<string>;
  /**
   * Its users: email addresses (Google) or user principal names / mail addresses (Entra),
   * compared case-insensitively; an alias of a user is that user. Give it as a secret
   * (`pulumi.secret([...])`) to keep the member lists secret in previews, state and outputs.
   * Errors at preview: an entry that is no address, one user twice in different case,
   * users not found in the directory (all listed), none at all (unless `allowEmpty`).
   */
  readonly users: pulumi.Input<pulumi.Input<string>[]>;
}

/**
 * The set of arguments for constructing a {@link GroupBinding}. Checked at preview by the
 * provider against `groupBindingArgsSchema` (provider/groups/bindingSchema.ts);
 * test/unit/sdkContract.test.ts keeps the two equal. Every error names the resource and the field.
 */
export interface GroupBindingArgs {
  /**
   * The directory group the users are exported into: a {@link GoogleDistributionGroup} or
   * {@link EntraSecurityGroup} of this program (or one read with its `get`), or a group made
   * elsewhere given by id with its directory's management ({@link GroupReference}, e.g.
   * `{ google: "032fb8a6e6cda7e", management: workspace }`). The binding follows the target's
   * management switch. Changing it to another group updates in place: the members this
   * binding added move to the new group. Errors at preview: a group of another directory than
   * its management, a group another authoritative binding already fills (both named), a
   * reference whose management is of the other service.
   */
  readonly target: BindableGroup | GroupReference;
  /** The user group whose users become the target group's members. See {@link UserGroup}. */
  readonly userGroup: UserGroup;
  /**
   * `"authoritative"` (default): members not in the user group are removed, so changes made
   * by hand are reverted. `"additive"`: only members this binding added are ever removed;
   * members present before the binding are never its own. Changing it updates in place.
   */
  readonly membershipMode?: pulumi.Input<"authoritative" | "additive">;
  /**
   * Mass-removal guard, in percent (0 to 100) of the group's current direct members: an
   * apply that would remove more (and more than `removalGuardFloor` members) stops with an
   * error at preview and at apply (the same figures), listing the members. Default 50; raise it
   * to allow more. Changing it updates in place. Error: outside 0–100.
   */
  readonly maxRemovalPercent?: pulumi.Input<number>;
  /**
   * The mass-removal guard's floor, in members: an apply that removes this many members or
   * fewer never trips the guard, whatever share of the group they are (like the absolute
   * deletion limits of Google Cloud Directory Sync and Entra Connect). Default 10. Changing it
   * updates in place. Error: a negative or fractional number.
   */
  readonly removalGuardFloor?: pulumi.Input<number>;
  /**
   * `true`: a binding of an empty user group stays pending (no change) until it has users.
   * Default `false`: an empty user group fails at preview (the seed: groups must have at
   * least one user). Changing it updates in place.
   */
  readonly allowEmpty?: pulumi.Input<boolean>;
  /**
   * Authoritative mode and members that are not users (Google GROUP and CUSTOMER members; Entra
   * groups, service principals, devices, contacts): `"keep"` (default) leaves them alone and lists
   * them in `kept`; `"remove"` removes them like any other member not in the user group.
   * Changing it updates in place.
   */
  readonly nonUserMembers?: pulumi.Input<"keep" | "remove">;
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
   * Errors at preview: an entry that is no address, users not found in the directory.
   */
  readonly owners?: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * Google only: members with role MANAGER, promoted and demoted in place like owners. Absent
   * (default): managers are not managed. Changing it updates in place. Errors at preview: an
   * address in both `owners` and `managers` (one member, one role); set on an Entra group.
   */
  readonly managers?: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * Exported groups of the same directory that are members of this group: Google adds each as a
   * GROUP member by its address, Entra as a group member (`members/$ref`). Shown in `members` as
   * `group:<address>` (Google) or `group:<display name>` (Entra); counted as members (never
   * removed as non-user members). A cycle among the program's bindings (A contains B contains A)
   * fails at preview naming the bindings; a cycle through a group no binding of this program
   * declares cannot be seen there (Google refuses it at apply; Entra accepts it). Default: none.
   * Removing a group from the list removes it from this group at the next `up` (an update in place).
   */
  readonly memberGroups?: BindableGroup[];
  /**
   * Stop syncing the members without touching them: while `true` (or a reason, shown by the
   * preview), no member is added or removed, and removing the binding afterwards removes
   * nobody (the state keeps that it was released). Release the group too to stop managing it
   * altogether (docs/guides/migrating.md#stop-managing-a-group-release). Set it to false (or remove it) to sync again
   * at the next `up`. Default: not released. Changing it updates in place.
   */
  readonly released?: pulumi.Input<boolean | string>;
}

/** What the binding's own check plans with, when the program gave all of it as plain values (sdk/programManifest.ts). */
function programPlan(args: GroupBindingArgs) {
  const userGroup = args.userGroup;
  if (userGroup === null || typeof userGroup !== "object" || pulumi.Output.isInstance(userGroup) || userGroup instanceof Promise) return undefined;
  const users = plainList(userGroup.users);
  const name = plain(userGroup.name);
  const owners = args.owners === undefined ? undefined : plainList(args.owners);
  const managers = args.managers === undefined ? undefined : plainList(args.managers);
  const number = (v: unknown) => (typeof v === "number" ? v : undefined);
  if (!users || name === undefined || (args.owners !== undefined && !owners) || (args.managers !== undefined && !managers) || args.memberGroups !== undefined) return undefined;
  const nonUserMembers = args.nonUserMembers === "keep" || args.nonUserMembers === "remove" ? args.nonUserMembers : undefined;
  if (args.nonUserMembers !== undefined && !nonUserMembers) return undefined;
  return { userGroupName: name, users, ...(owners ? { owners } : {}), ...(managers ? { managers } : {}), maxRemovalPercent: number(args.maxRemovalPercent), removalGuardFloor: number(args.removalGuardFloor), ...(nonUserMembers ? { nonUserMembers } : {}) };
}

/** The label the program gave a binding's target: the group's address or display name, or the id of a reference. */
function labelOf(target: BindableGroup | GroupReference): pulumi.Input<string> | undefined {
  if (target instanceof GoogleDistributionGroup || target instanceof EntraSecurityGroup) return groupLabel(target);
  if (target === null || typeof target !== "object") return undefined;
  return "google" in target ? target.google : target.entra;
}

/** What the binding sends of its target: the group's id and label, in the directory of its management. */
function targetOf(target: BindableGroup | GroupReference, binding: string, field = "target") {
  // A mistyped name in a lookup (`groups["platfrom"]`) gives undefined: say so, not a TypeError.
  if (target === null || typeof target !== "object") {
    throw new Error(`GroupBinding ${binding}: ${field} is ${String(target)}, not a GoogleDistributionGroup, an EntraSecurityGroup or { google | entra, management }: give the group (a name looked up in a map that has no such key gives undefined)`);
  }
  if (target instanceof GoogleDistributionGroup || target instanceof EntraSecurityGroup) {
    const management = target.directoryManagement;
    return { management, target: { directoryKey: target.directoryKey, service: serviceOf(management), groupId: target.groupId, label: groupLabel(target) } };
  }
  const service = "google" in target ? ("google" as const) : ("entra" as const);
  const id = "google" in target ? target.google : target.entra;
  const { management } = target;
  if (management.service !== undefined && management.service !== service) {
    const kind = (s: "google" | "entra") => (s === "google" ? "a Google Workspace" : "an Entra ID");
    throw new Error(
      `GroupBinding ${binding}: target { ${service}: … } is ${kind(service)} group, but its management is ${kind(management.service)} DirectoryGroupManagement: ` +
        `give the management of the group's ${service === "google" ? "Google Workspace customer" : "Entra ID tenant"}`,
    );
  }
  const directoryKey = directoryKeyOf(management);
  // Google takes an address wherever it takes a group id; the label names the group in messages.
  return { management, target: { directoryKey, service, groupId: id, label: id } };
}

/**
 * Exports the users of one user group into one directory group: this is where
 * memberships live. Members show in previews as a list of lowercased emails/UPNs, one a
 * line, and `pulumi preview --diff` shows a change as a line diff: a pull-request preview
 * reads `+ carol@example.com` with two unchanged neighbours on each side, whatever the size of
 * the group. Deleting the binding removes the members it manages from the group.
 *
 * @example
 * new GroupBinding("eng-members", {
 *   target: engineeringGroup,
 *   userGroup: { name: "Engineering", users: ["alice@example.com", "bob@example.com"] },
 * });
 * // A group another stack manages, by id:
 * new GroupBinding("eng-contractors", {
 *   target: { google: other.getOutput("engineeringGroupId"), management: workspace },
 *   userGroup: { name: "Contractors", users: ["carol@example.com"] },
 *   membershipMode: "additive",
 * });
 */
export class GroupBinding extends pulumi.dynamic.Resource {
  /**
   * authoritative: the group's plain members (users of the user group under the address the
   * program wrote, others under their primary address); additive: the users of the user group
   * that are members. Keys are lowercased addresses, values `"member"`. Members in `kept` are not in it.
   */
  public get members(): pulumi.Output<Record<string, "member">> {
    return decodedMembers(this).members;
  }
  /** Each user's directory id (Google member id, Entra object id), keyed by the address the program wrote. */
  public get userIds(): pulumi.Output<Record<string, string>> {
    return decodedMembers(this).userIds;
  }
  /** Members this binding added (address -> id): deleting the binding removes these, and additive mode never removes others. */
  public get managedMembers(): pulumi.Output<Record<string, string>> {
    return decodedMembers(this).managedMembers;
  }
  /**
   * The stored form of `members`, `userIds` and `managedMembers` (each address and id once,
   * packed: provider/groups/memberTable.ts); read those three instead.
   */
  declare public readonly memberTable: pulumi.Output<string>;
  /** Members left alone on purpose (label -> why): owners and managers, non-user members kept by `nonUserMembers`. */
  declare public readonly kept: pulumi.Output<Record<string, string>>;
  /** Direct members of the group at the last apply or refresh (the mass-removal guard's base). */
  declare public readonly memberCount: pulumi.Output<number>;
  /** Declared owners as last applied or refreshed (address -> "owner"); absent when `owners` is not given. */
  declare public readonly owners: pulumi.Output<Record<string, "owner"> | undefined>;
  /** Declared managers (Google) as last applied or refreshed (address -> "manager"); absent when `managers` is not given. */
  declare public readonly managers: pulumi.Output<Record<string, "manager"> | undefined>;
  /** True while nothing can be applied (empty user group with allowEmpty, or management disabled). */
  declare public readonly pending: pulumi.Output<boolean>;

  /**
   * Reads the members of a group into this program without managing anything: the outputs
   * are those of an authoritative binding after a refresh (`members`: the group's plain
   * members; `kept`: owners, managers and non-user members; `memberCount`). Nothing is ever
   * written or removed, and `pulumi refresh` reads them again. A binding's own id is
   * `binding-<uuid>` and it has no remote object of its own, so the id here only names the read.
   *
   * @param name The unique name of the resulting resource.
   * @param id Any id for the read (e.g. the group's id).
   * @param lookup The group whose members to read: a group resource or a {@link GroupReference}.
   * @param opts Options for the resource (`id` is set from `id`).
   */
  public static get(name: string, id: pulumi.Input<pulumi.ID>, lookup: GroupBindingLookup, opts?: pulumi.CustomResourceOptions): GroupBinding {
    return new GroupBinding(name, { target: lookup.target, userGroup: { name: "", users: [] } }, { ...opts, id });
  }

  /**
   * Creates a GroupBinding.
   * @param name The unique name of the resource.
   * @param args The target group, the user group and the options.
   * @param opts Options for the resource.
   */
  constructor(name: string, args: GroupBindingArgs, opts?: pulumi.CustomResourceOptions) {
    // Every Output made here, not only the registration's, is made with no stack frames recorded (see withoutRecordedStackTraces).
    const restore = withoutRecordedStackTraces();
    try {
      if (opts?.id !== undefined) {
        // get: the read refreshes a stored state; this is the least one naming the group, authoritative so that every plain member shows.
        const { management, target } = targetOf(args.target, name);
        const seed = {
          stateVersion: GROUP_BINDING_STATE_VERSION,
          management: managementReference(management),
          target,
          userGroupName: "",
          memberTable: encodeMemberTable(NO_MEMBERS),
          memberCount: 0,
          kept: {},
          membershipMode: "authoritative",
          maxRemovalPercent: DEFAULT_MAX_REMOVAL_PERCENT,
          allowEmpty: true,
          nonUserMembers: "keep",
          pending: false,
          __bindingName: name,
        };
        super(providerStub("GroupBinding"), name, seed, opts, TYPE_MODULE, "GroupBinding");
        return;
      }
      const { target: given, memberGroups, released, ...rest } = args;
      const { management, target } = targetOf(given, name);
      const props = {
        ...rest,
        ...(memberGroups ? { memberGroups: memberGroups.map((g, i) => targetOf(g, name, `memberGroups[${i}]`).target) } : {}),
        management: released === undefined ? managementReference(management) : groupManagementReference(management, undefined, `GroupBinding ${name}`, released),
        target,
        // The resource's name, so that the provider can name both bindings of one group in an error.
        __bindingName: name,
        // Users given as a secret: the provider returns every member list as a secret.
        // Owners and managers given as a secret count too: for Google they are members as well.
        __secretUsers: secretUsers(args),
        memberTable: undefined,
        kept: undefined,
        memberCount: undefined,
        pending: undefined,
      };
      // `members`, `userIds` and `managedMembers` are decoded from `memberTable` when first read (decodedMembers).
      // After its management (whose check holds the program's manifest), also when the target is given by id.
      super(providerStub("GroupBinding"), name, props, withDependency(opts, management), TYPE_MODULE, "GroupBinding");
      warnWhileDisabled(management, this, `GroupBinding ${name}`);
      // Two bindings fighting over one group: what the program declares, for the management's check (sdk/programManifest.ts).
      const label = plain(labelOf(given));
      const mode = args.membershipMode === undefined ? "authoritative" : plain(args.membershipMode);
      const nested = (memberGroups ?? []).map((g) => plain(labelOf(g)));
      if (label !== undefined && (mode === "authoritative" || mode === "additive") && (released === undefined || released === false)) {
        declareBinding(management, {
          name,
          target: label,
          mode,
          roles: args.owners !== undefined || args.managers !== undefined,
          memberGroups: nested.every((n) => n !== undefined) ? nested : [],
          ...(programPlan(args) ? { plan: programPlan(args) } : {}),
        });
      }
    } finally {
      restore();
    }
  }
}
