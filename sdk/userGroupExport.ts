import * as pulumi from "./pulumi";
import { DirectoryGroupManagement, type EntraDirectoryArgs, type GoogleDirectoryArgs } from "./directoryGroupManagement";
import { EntraSecurityGroup } from "./entraSecurityGroup";
import { GoogleDistributionGroup } from "./googleDistributionGroup";
import { GroupBinding, type BindableGroup } from "./groupBinding";
import type { ExportedUserGroup } from "./exportedUserGroup";
import { groupsForDirectories } from "./groupsFile";
import { readJumpCloudGroups, type JumpCloudSourceArgs } from "./jumpcloudSource";
import { UserGroupIndex } from "./userGroupIndex";
import { decodeIndex, encodeIndex, formerResourceBase, planMoves, planRenames, resourceBase, type Directory, type IndexEntry } from "../provider/groups/userGroupIndex";
import { GOOGLE_GROUP_NAME_MAX } from "../provider/google/schema";

export type { ExportedUserGroup };

export interface UserGroupExportArgs {
  /** The Google Workspace customer to export to, and its management switch (`enabled`, default true). */
  google?: GoogleDirectoryArgs & { enabled?: pulumi.Input<boolean> };
  /** The Entra ID tenant to export to, and its management switch (`enabled`, default true). */
  entra?: EntraDirectoryArgs & { enabled?: pulumi.Input<boolean> };
  /** The user groups and where each goes. */
  userGroups: ExportedUserGroup[];
}

/** Unknown names and cycles among `memberGroups`, found when the program runs (so at preview). */
function checkNesting(name: string, userGroups: ExportedUserGroup[]): void {
  const byName = new Map(userGroups.map((g) => [g.name, g]));
  for (const g of userGroups) {
    for (const member of g.memberGroups ?? []) {
      if (!byName.has(member)) throw new Error(`UserGroupExport ${name}: user group "${g.name}" lists memberGroups "${member}", which is no user group of this export: give the name of one of ${[...byName.keys()].map((n) => `"${n}"`).join(", ")}`);
    }
  }
  const visit = (path: string[]): void => {
    for (const member of byName.get(path[path.length - 1])?.memberGroups ?? []) {
      const at = path.indexOf(member);
      if (at >= 0) throw new Error(`UserGroupExport ${name}: memberGroups form a cycle: ${[...path.slice(at), member].map((n) => `"${n}"`).join(" contains ")}; a group cannot contain itself: remove one of these memberGroups`);
      visit([...path, member]);
    }
  };
  for (const g of userGroups) visit([g.name]);
}

/**
 * Resource names come from the user groups' names (provider/groups/userGroupIndex.ts
 * `resourceBase`): two names of one base ("Eng Team", "eng-team", "Équipe", "equipe") would make two resources of one name, which Pulumi refuses with a bare
 * "Duplicate resource URN"; say which user groups and the fix instead.
 */
function checkNames(name: string, userGroups: ExportedUserGroup[]): void {
  const byBase = new Map<string, string>();
  for (const g of userGroups) {
    const other = byBase.get(resourceBase(g.name));
    if (other !== undefined) throw new Error(`UserGroupExport ${name}: user groups "${other}" and "${g.name}" have names that differ only in case, accents or punctuation, and the resources' names come from them: rename one of the two`);
    byBase.set(resourceBase(g.name), g.name);
  }
}

/** Where a user group is exported: its exportTo, or every directory the export is given. */
function targetsOf(userGroup: ExportedUserGroup, args: UserGroupExportArgs): readonly string[] {
  return userGroup.exportTo ?? (["google", "entra"] as const).filter((d) => args[d] !== undefined);
}

/**
 * Names each directory compares or limits its own way, checked before any resource exists (so
 * also without a preview), naming the user groups where they come from (file:line): Entra looks
 * groups up by display name case-insensitively, so two that differ only in case would be one group
 * to the bindings, and refuses a mail nickname in use (in any case); Google caps a group's name at
 * 75 characters.
 */
function checkDirectoryNames(name: string, args: UserGroupExportArgs): void {
  const label = (g: ExportedUserGroup) => `"${g.name}"${g.source ? ` (${g.source})` : ""}`;
  const byDisplayName = new Map<string, ExportedUserGroup>();
  const byNickname = new Map<string, ExportedUserGroup>();
  for (const g of args.userGroups) {
    const targets = targetsOf(g, args);
    if (targets.includes("entra") && !g.released?.includes("entra") && g.entraMailNickname) {
      // Graph refuses a second group with a nickname in use (400, "Another object with the same value for property mailNickname").
      const other = byNickname.get(g.entraMailNickname.toLowerCase());
      if (other) {
        throw new pulumi.RunError(
          `UserGroupExport ${name}: user groups ${label(other)} and ${label(g)} have the same entraMailNickname "${g.entraMailNickname}" (Entra compares mail nicknames case-insensitively, and a tenant's are unique): give one of the two a nickname of its own, or leave it out (a nickname is then made from the display name)`,
        );
      }
      byNickname.set(g.entraMailNickname.toLowerCase(), g);
    }
    if (targets.includes("entra") && !g.released?.includes("entra")) {
      const displayName = g.entraDisplayName ?? g.name;
      const other = byDisplayName.get(displayName.toLowerCase());
      if (other) {
        throw new pulumi.RunError(
          `UserGroupExport ${name}: user groups ${label(other)} and ${label(g)} would both be the Entra group "${other.entraDisplayName ?? other.name}" ` +
            `(display names "${other.entraDisplayName ?? other.name}" and "${displayName}": Entra compares them case-insensitively): set entraDisplayName on one of the two to a name of its own`,
        );
      }
      byDisplayName.set(displayName.toLowerCase(), g);
    }
    const googleName = g.googleName ?? g.name;
    if (targets.includes("google") && g.email && !g.released?.includes("google") && googleName.length > GOOGLE_GROUP_NAME_MAX) {
      throw new pulumi.RunError(
        `UserGroupExport ${name}: user group ${label(g)} has a name of ${googleName.length} characters, longer than the ${GOOGLE_GROUP_NAME_MAX} a Google group's name may have: ` +
          `set googleName (the Google group's name, up to ${GOOGLE_GROUP_NAME_MAX} characters); the Entra group keeps the full name`,
      );
    }
  }
}

/** What the index records of a user group: how its resources are named, and what identifies it across renames. */
function indexEntry(g: ExportedUserGroup, targets: readonly string[]): IndexEntry {
  const base = resourceBase(g.name);
  const formerBase = formerResourceBase(g.name);
  return {
    base,
    ...(g.key ? { key: g.key } : {}),
    ...(g.email ? { email: g.email.toLowerCase() } : {}),
    ...(g.entraDisplayName && g.entraDisplayName !== g.name ? { entra: g.entraDisplayName } : {}),
    ...(g.entraMailNickname ? { nickname: g.entraMailNickname } : {}),
    ...(formerBase !== base ? { formerBase } : {}),
    name: g.name,
    to: (["google", "entra"] as const).filter((d) => targets.includes(d)),
  };
}

/**
 * The common case in a few lines: these user groups, exported to these directories. Builds
 * one DirectoryGroupManagement per directory, a group per user group and directory, and
 * the bindings that carry the members.
 *
 * @example
 * new UserGroupExport("groups", {
 *   google: { domains: ["example.com"] },
 *   entra: { tenantId: "00000000-0000-0000-0000-000000000000" },
 *   userGroups: [{ name: "Engineering", email: "engineering@example.com", users: ["alice@example.com"] }],
 * });
 */
export class UserGroupExport extends pulumi.ComponentResource {
  /** The Google Workspace directory's management (`<name>-google`), when `google` is given. */
  readonly googleManagement?: DirectoryGroupManagement;
  /** The Entra ID tenant's management (`<name>-entra`), when `entra` is given. */
  readonly entraManagement?: DirectoryGroupManagement;
  /** The Google groups, by user group name (only user groups exported to Google that have an email or were exported before). */
  readonly googleGroups: Record<string, GoogleDistributionGroup> = {};
  /** The Entra security groups, by user group name. */
  readonly entraGroups: Record<string, EntraSecurityGroup> = {};
  /** The bindings that carry the members, by `<user group name>:google` and `<user group name>:entra`. */
  readonly bindings: Record<string, GroupBinding> = {};
  /** The user groups this export exported at its last apply: how a renamed user group keeps its resources (provider/groups/userGroupIndex.ts). */
  readonly index: UserGroupIndex;

  constructor(name: string, args: UserGroupExportArgs, opts?: pulumi.ComponentResourceOptions) {
    super("groupexport:index:UserGroupExport", name, {}, opts);
    const parent = { parent: this };
    if (args.google) {
      const { enabled, ...google } = args.google;
      this.googleManagement = new DirectoryGroupManagement(`${name}-google`, { google, enabled }, parent);
    }
    if (args.entra) {
      const { enabled, ...entra } = args.entra;
      this.entraManagement = new DirectoryGroupManagement(`${name}-entra`, { entra, enabled }, parent);
    }
    checkNesting(name, args.userGroups);
    checkNames(name, args.userGroups);
    checkDirectoryNames(name, args);
    const entries = args.userGroups.map((g) => indexEntry(g, targetsOf(g, args)));
    this.index = new UserGroupIndex(`${name}-index`, encodeIndex(entries), parent);
    // A renamed user group's resources alias their old names, and so do a side's moved to another
    // user group (a split or a merge), so the engine updates them in place.
    const plan = this.index.previous.apply((previous) => {
      const renames = planRenames(entries, decodeIndex(previous));
      return { renames, moves: planMoves(entries, decodeIndex(previous), renames) };
    });
    const aliased = (base: string, suffix: Directory): pulumi.CustomResourceOptions => ({
      ...parent,
      aliases: [plan.apply(({ renames, moves }) => ({ name: `${name}-${moves.get(`${base}:${suffix}`) ?? renames.get(base) ?? base}-${suffix}` }))],
    });
    // Groups first, so that a binding can name any other user group's group as a member.
    const pendingBindings: (() => void)[] = [];
    for (const userGroup of args.userGroups) {
      const slugged = resourceBase(userGroup.name);
      const base = `${name}-${slugged}`;
      const targets = targetsOf(userGroup, args);
      const from = userGroup.source ? ` (${userGroup.source})` : "";
      const binding = {
        userGroup: { name: userGroup.name, users: userGroup.users },
        membershipMode: userGroup.membershipMode,
        maxRemovalPercent: userGroup.maxRemovalPercent,
        removalGuardFloor: userGroup.removalGuardFloor,
        allowEmpty: userGroup.allowEmpty,
        nonUserMembers: userGroup.nonUserMembers,
        ...(userGroup.owners !== undefined ? { owners: userGroup.owners } : {}),
      };
      const nestedIn = (groups: Record<string, BindableGroup>) => (userGroup.memberGroups ? { memberGroups: userGroup.memberGroups.flatMap((n) => (groups[n] ? [groups[n]] : [])) } : {});
      // The seed: a group is not exported until its user group has a user.
      const enabled = userGroup.allowEmpty ? pulumi.output(userGroup.users).apply((users) => users.length > 0) : undefined;
      const releasedIn = (directory: "google" | "entra") => (userGroup.released?.includes(directory) ? `user group "${userGroup.name}"${from} has released: [${userGroup.released.join(", ")}]` : undefined);
      const texts = { ...(userGroup.description !== undefined ? { description: userGroup.description } : {}), ...(userGroup.deletionPolicy ? { deletionPolicy: userGroup.deletionPolicy } : {}) };
      for (const directory of targets) {
        if (directory === "google") {
          if (!this.googleManagement) throw new Error(`UserGroupExport ${name}: user group "${userGroup.name}"${from} is exported to Google Workspace, but no google directory is given: add google: { domains: [...] }`);
          // The seed: "If you remove a distribution group's email address, the group and its memberships are no
          // longer synced with Google Workspace." Without an email the Google side is released: a group exported
          // before keeps its address and members as they are; one never exported fails at preview (or, with
          // onMissingEmail "skip", waits), since users of a group bound without an address can be suspended.
          const released = !userGroup.email ? `user group "${userGroup.name}"${from} has no email` : releasedIn("google");
          const waits = released !== undefined && userGroup.onMissingEmail === "skip" ? false : enabled;
          const group = new GoogleDistributionGroup(
            `${base}-google`,
            { management: this.googleManagement, email: userGroup.email ?? "", name: userGroup.googleName ?? userGroup.name, ...texts, enabled: waits, ...(released ? { released } : {}) },
            aliased(slugged, "google"),
          );
          this.googleGroups[userGroup.name] = group;
          const managers = userGroup.managers !== undefined ? { managers: userGroup.managers } : {};
          pendingBindings.push(
            () => (this.bindings[`${userGroup.name}:google`] = new GroupBinding(`${base}-google`, { target: group, ...binding, ...managers, ...nestedIn(this.googleGroups), ...(released ? { released } : {}) }, aliased(slugged, "google"))),
          );
        } else if (directory === "entra") {
          if (!this.entraManagement) throw new Error(`UserGroupExport ${name}: user group "${userGroup.name}"${from} is exported to Entra ID, but no entra directory is given: add entra: { tenantId: "..." }`);
          const released = releasedIn("entra");
          const group = new EntraSecurityGroup(
            `${base}-entra`,
            { management: this.entraManagement, displayName: userGroup.entraDisplayName ?? userGroup.name, ...texts, enabled, ...(userGroup.entraMailNickname ? { mailNickname: userGroup.entraMailNickname } : {}), ...(released ? { released } : {}) },
            aliased(slugged, "entra"),
          );
          this.entraGroups[userGroup.name] = group;
          pendingBindings.push(() => (this.bindings[`${userGroup.name}:entra`] = new GroupBinding(`${base}-entra`, { target: group, ...binding, ...nestedIn(this.entraGroups), ...(released ? { released } : {}) }, aliased(slugged, "entra"))));
        } else {
          // A RunError: the program prints the message alone, no stack trace.
          throw new pulumi.RunError(`UserGroupExport ${name}: user group "${userGroup.name}"${from} has exportTo "${String(directory)}": use "google" and/or "entra"`);
        }
      }
    }
    for (const bind of pendingBindings) bind();
    this.registerOutputs({});
  }

  /**
   * The user groups of a groups file (YAML, or CSV for flat exports), exported to the
   * directories given. Every problem of the file fails here (so at `pulumi preview`), naming
   * the file, the line, the field and the fix.
   *
   * @example
   * UserGroupExport.fromGroupsFile("groups", { groupsFile: "groups.yaml", google: { domains: ["example.com"] } });
   */
  static fromGroupsFile(name: string, args: Omit<UserGroupExportArgs, "userGroups"> & { groupsFile: string }, opts?: pulumi.ComponentResourceOptions): UserGroupExport {
    const { groupsFile, ...directories } = args;
    const userGroups = groupsForDirectories(groupsFile, { google: directories.google !== undefined, entra: directories.entra !== undefined });
    return new UserGroupExport(name, { ...directories, userGroups }, opts);
  }

  /**
   * The user groups JumpCloud binds to the directories given (read-only, when the program
   * runs; see readJumpCloudGroups), exported to them. Groups left out are said as warnings at
   * preview; a group bound to Google Workspace without an email fails the preview unless
   * `jumpcloud.onMissingEmail` is "skip".
   *
   * @example
   * export = async () => {
   *   const groups = await UserGroupExport.fromJumpCloud("groups", { google: { domains: ["example.com"] }, jumpcloud: { apiKeyFile: "/secure/jumpcloud.key" } });
   *   return { groups: Object.keys(groups.bindings) };
   * };
   */
  static async fromJumpCloud(name: string, args: Omit<UserGroupExportArgs, "userGroups"> & { jumpcloud?: JumpCloudSourceArgs }, opts?: pulumi.ComponentResourceOptions): Promise<UserGroupExport> {
    const { jumpcloud, ...directories } = args;
    const source = await readJumpCloudGroups(jumpcloud ?? {}, { google: directories.google !== undefined, entra: directories.entra !== undefined });
    for (const warning of source.warnings) void pulumi.log.warn(warning);
    for (const note of source.notes) void pulumi.log.info(note);
    return new UserGroupExport(name, { ...directories, userGroups: source.userGroups }, opts);
  }
}
