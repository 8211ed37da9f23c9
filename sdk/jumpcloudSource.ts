/**
 * JumpCloud as the source of user groups: the groups bound to a Google Workspace or
 * Microsoft 365 / Entra ID directory in JumpCloud, with their email attribute, description
 * and member users, read at program time (read-only) and turned into the same user groups a
 * groups file gives. The API key is read here, when the program runs: it never becomes a
 * resource input, so it is never in state or previews.
 */
import { readFileSync } from "node:fs";
import * as pulumi from "./pulumi";
import { JumpCloudClient, JUMPCLOUD_DEFAULT_BASE_URL, type JumpCloudSettings } from "../provider/jumpcloud/client";
import { JumpCloudSourceError, readJumpCloudBindings, type JumpCloudRead } from "../provider/jumpcloud/readGroups";
import type { ExportedUserGroup } from "./exportedUserGroup";
import { see } from "../provider/contract/docs";

export { JumpCloudSourceError } from "../provider/jumpcloud/readGroups";
export { JumpCloudApiError, JumpCloudClient, type JumpCloudSettings } from "../provider/jumpcloud/client";

export interface JumpCloudSourceArgs {
  /**
   * The API key itself. Prefer `apiKeyFile` or the environment: a key written in a program
   * ends up in its repository. Default: the file named by `apiKeyFile`, stack config
   * `groupExport:jumpcloudApiKeyFile` or JUMPCLOUD_API_KEY_FILE, else JUMPCLOUD_API_KEY.
   */
  apiKey?: string;
  /** A file holding the API key (surrounding whitespace ignored). */
  apiKeyFile?: string;
  /** Multi-tenant administrators: the organisation (`x-org-id`). Default `groupExport:jumpcloudOrgId` or JUMPCLOUD_ORG_ID. */
  orgId?: string;
  /** The console's root URL. Default `groupExport:jumpcloudBaseUrl`, JUMPCLOUD_BASE_URL, else https://console.jumpcloud.com (EU: https://console.eu.jumpcloud.com). */
  baseUrl?: string;
  /** Requests per minute to JumpCloud. Default `groupExport:jumpcloudRequestsPerMinute`, JUMPCLOUD_REQUESTS_PER_MINUTE, else 600. */
  requestsPerMinute?: number;
  /** The JumpCloud Google Workspace directory (id or name) whose bound groups go to Google; needed only when JumpCloud has several. */
  googleDirectory?: string;
  /** The JumpCloud Microsoft 365 directory (id or name) whose bound groups go to Entra ID; needed only when JumpCloud has several. */
  office365Directory?: string;
  /**
   * A user group bound to Google Workspace without an email attribute. JumpCloud's guide:
   * "If you don't add an email address for user groups before enabling group management,
   * users in bound groups could be suspended". `"fail"` (default): the preview fails naming
   * every such group and the fix, and nothing changes. `"skip"`: its Google export is left out
   * with a warning (a distribution group exported for it earlier stays as it is, members
   * included, no longer synced: released; one never exported waits for its email) and the
   * other groups go ahead.
   */
  onMissingEmail?: "fail" | "skip";
  /** Options every exported group gets (see GroupBinding); default authoritative: JumpCloud's sync is one-way. */
  membershipMode?: "authoritative" | "additive";
  /** The mass-removal guard of every exported group (see GroupBinding `maxRemovalPercent`); default 50. */
  maxRemovalPercent?: number;
  /** What every binding does with non-user members (see GroupBinding `nonUserMembers`); default `"keep"`. */
  nonUserMembers?: "keep" | "remove";
}

export interface JumpCloudGroups {
  /** The user groups, ready for UserGroupExport (sorted by name). */
  userGroups: ExportedUserGroup[];
  /** Said at preview as warnings: groups left out and why. */
  warnings: string[];
  /** Said at preview as information: groups waiting for a first user, and the like. */
  notes: string[];
  /** What was read from JumpCloud. */
  read: JumpCloudRead;
}

// Loose on purpose, as for the groups file: the directories are the judges of addresses.
const ADDRESS = /^[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+$/;

/** A JumpCloud API key (40 hex digits today; any long token without a path's `/`, `\\` or `.`). */
const LOOKS_LIKE_A_KEY = /^[A-Za-z0-9_-]{24,}$/;

function stackSetting(key: string): string | undefined {
  try {
    return new pulumi.Config("groupExport").get(key) || undefined;
  } catch {
    // Outside a Pulumi program (a script, a test) there is no stack config.
    return undefined;
  }
}

/** The client settings: arguments first, then stack config `groupExport:jumpcloud*`, then the environment. */
export function jumpCloudSettings(args: JumpCloudSourceArgs = {}): JumpCloudSettings {
  const keyFile = args.apiKeyFile ?? stackSetting("jumpcloudApiKeyFile") ?? (process.env.JUMPCLOUD_API_KEY_FILE || undefined);
  let apiKey = args.apiKey;
  if (apiKey === undefined && keyFile !== undefined) {
    try {
      apiKey = readFileSync(keyFile, "utf8").trim();
    } catch (error) {
      // A key pasted where a path belongs must not reach the error (errors end up in CI logs).
      if (LOOKS_LIKE_A_KEY.test(keyFile)) {
        throw new JumpCloudSourceError([
          "groupExport:jumpcloudApiKeyFile or JUMPCLOUD_API_KEY_FILE holds what looks like an API key, not a file path (the value is not shown). Fix: put the key in JUMPCLOUD_API_KEY instead, or write it to a file and give that file's path",
        ]);
      }
      throw new JumpCloudSourceError([`cannot read the JumpCloud API key file ${keyFile} (${(error as NodeJS.ErrnoException).code ?? String(error)}). Fix: check groupExport:jumpcloudApiKeyFile or JUMPCLOUD_API_KEY_FILE`]);
    }
  }
  apiKey ??= process.env.JUMPCLOUD_API_KEY || undefined;
  if (!apiKey) {
    // JumpCloud's PowerShell module reads JCAPIKEY: a key set there for it is not this package's.
    const elsewhere = process.env.JCAPIKEY ? "JCAPIKEY is set (the variable of JumpCloud's PowerShell module), but this package reads JUMPCLOUD_API_KEY; " : "";
    throw new JumpCloudSourceError([
      `no JumpCloud API key. ${elsewhere}Fix: put an administrator's API key (JumpCloud console > your name > API Settings) in a file and run \`pulumi config set groupExport:jumpcloudApiKeyFile <path>\` (or set JUMPCLOUD_API_KEY_FILE), or set JUMPCLOUD_API_KEY in the environment; a stack-config secret is not accepted (${see("jumpcloud")})`,
    ]);
  }
  const rawPace = args.requestsPerMinute ?? stackSetting("jumpcloudRequestsPerMinute") ?? (process.env.JUMPCLOUD_REQUESTS_PER_MINUTE || undefined);
  const perMinute = rawPace === undefined ? NaN : Number(rawPace);
  if (rawPace !== undefined && !(Number.isInteger(perMinute) && perMinute > 0)) {
    throw new JumpCloudSourceError([`jumpcloudRequestsPerMinute (or JUMPCLOUD_REQUESTS_PER_MINUTE) is "${rawPace}". Fix: use a positive whole number`]);
  }
  return {
    apiKey,
    orgId: args.orgId ?? stackSetting("jumpcloudOrgId") ?? (process.env.JUMPCLOUD_ORG_ID || undefined),
    baseUrl: args.baseUrl ?? stackSetting("jumpcloudBaseUrl") ?? (process.env.JUMPCLOUD_BASE_URL || JUMPCLOUD_DEFAULT_BASE_URL),
    requestsPerMinute: Number.isNaN(perMinute) ? undefined : perMinute,
  };
}

/**
 * Reads the user groups JumpCloud binds to the directories given, read-only, and turns them
 * into user groups for UserGroupExport:
 * - bound to the Google Workspace directory: exported to Google, at the group's email attribute;
 * - bound to the Microsoft 365 directory: exported to Entra ID as a security group of the same
 *   name (JumpCloud's guide: Entra names must match the JumpCloud groups exactly);
 * - users: the member users' email addresses; a group without users exports nothing until it
 *   has one (the guide: "Groups will not be exported ... until at least one user has been added").
 *
 * @throws JumpCloudSourceError listing every problem (a group bound to Google without an email,
 *   unless `onMissingEmail: "skip"`; a malformed or shared email; directories to choose), with its fix.
 * @throws JumpCloudApiError for JumpCloud's refusals (401 bad key, 403, 404), with the fix.
 */
export async function readJumpCloudGroups(
  args: JumpCloudSourceArgs,
  directories: { google: boolean; entra: boolean },
  /** A client of your own (another transport, tests); default one made from `args`. */
  client: JumpCloudClient = new JumpCloudClient(jumpCloudSettings(args)),
): Promise<JumpCloudGroups> {
  const read = await readJumpCloudBindings(client, {
    google: directories.google,
    entra: directories.entra,
    googleDirectory: args.googleDirectory ?? stackSetting("jumpcloudGoogleDirectory"),
    office365Directory: args.office365Directory ?? stackSetting("jumpcloudOffice365Directory"),
  });
  const problems: string[] = [];
  const warnings: string[] = [];
  const notes: string[] = [];
  const emails = new Map<string, string>();
  const userGroups: ExportedUserGroup[] = [];
  const googleName = read.googleDirectory ? `"${read.googleDirectory.name}"` : "";
  for (const g of read.groups) {
    const label = `JumpCloud user group "${g.name}" (${g.id})`;
    const exportTo: ("google" | "entra")[] = [];
    if (g.boundToGoogle) {
      if (!g.email) {
        // The seed: "If you don't add an email address for user groups before enabling group
        // management, users in bound groups could be suspended until you add an email address."
        // And: "If you remove a distribution group's email address, the group and its memberships
        // are no longer synced with Google Workspace." The provider tells the two apart (it knows
        // whether the group was exported): released if it was, else refused (or, skip, waiting).
        if (args.onMissingEmail === "skip") {
          warnings.push(
            `${label} is bound to the Google Workspace directory ${googleName} but has no email address: JumpCloud warns that users in bound groups could be suspended until the group has one, so it is not exported to Google ` +
              `(a distribution group exported for it before stays as it is, no longer synced). Fix: add an email attribute in JumpCloud (Directory Integrations > Cloud Directories > ${googleName} > User Groups tab > Email Address), or unbind the group from the directory`,
          );
        }
        exportTo.push("google");
      } else if (!ADDRESS.test(g.email)) {
        problems.push(`${label} has the email "${g.email}", which is not an email address. Fix: correct the group's email attribute in JumpCloud`);
      } else if (emails.has(g.email)) {
        problems.push(`${label} has the email ${g.email}, like JumpCloud user group "${emails.get(g.email)}": one distribution group cannot export two user groups. Fix: give each group its own email attribute in JumpCloud`);
      } else {
        emails.set(g.email, g.name);
        exportTo.push("google");
      }
    }
    if (g.boundToEntra) exportTo.push("entra");
    if (g.unknownMemberIds.length > 0) {
      problems.push(`${label} lists members that are not among JumpCloud's users (${g.unknownMemberIds.join(", ")}): users were created or deleted while it was read. Fix: run the command again`);
    }
    const bad = g.users.filter((u) => !ADDRESS.test(u));
    if (bad.length > 0) problems.push(`${label} has members whose email is not an address (${bad.join(", ")}). Fix: correct these users' email in JumpCloud`);
    if (exportTo.length === 0) continue;
    // One name is one Entra display name and one Pulumi resource name: two exported groups of
    // one name (JumpCloud allows it) would collide there, so both are named with the fix.
    const sameName = userGroups.find((u) => u.name.toLowerCase() === g.name.toLowerCase());
    if (sameName) {
      const other = read.groups.find((o) => o.name.toLowerCase() === g.name.toLowerCase() && o.id !== g.id);
      problems.push(`${label} has the same name as JumpCloud user group "${sameName.name}"${other ? ` (${other.id})` : ""} (names are compared case-insensitively): both are exported, and one name cannot be two exported groups (the Entra group's name and the Pulumi resources' names come from it). Fix: rename one of the two in JumpCloud, or unbind one from the directories`);
      continue;
    }
    // JumpCloud's user states: a staged user is provisioned to no directory until activated, a
    // suspended one loses access to every resource until reactivated; neither is a member meanwhile.
    for (const state of ["SUSPENDED", "STAGED"] as const) {
      const left = g.inactive.filter((u) => u.state === state).map((u) => u.email);
      if (left.length > 0) notes.push(`${label}: ${left.join(", ")} ${left.length === 1 ? "is" : "are"} ${state.toLowerCase()} in JumpCloud, so not exported as member${left.length === 1 ? "" : "s"} until ${state === "STAGED" ? "activated" : "reactivated"}`);
    }
    if (g.users.length === 0) notes.push(`${label} has no users: it is exported once it has one (JumpCloud's rule: groups must have at least one user)`);
    userGroups.push({
      name: g.name,
      key: `jumpcloud:${g.id}`,
      source: `JumpCloud ${g.id}`,
      onMissingEmail: args.onMissingEmail ?? "fail",
      description: g.description,
      email: exportTo.includes("google") && g.email ? g.email : undefined,
      users: g.users,
      exportTo,
      allowEmpty: true,
      membershipMode: args.membershipMode,
      maxRemovalPercent: args.maxRemovalPercent,
      nonUserMembers: args.nonUserMembers,
    });
  }
  if (problems.length > 0) throw new JumpCloudSourceError(problems);
  return { userGroups, warnings, notes, read };
}
