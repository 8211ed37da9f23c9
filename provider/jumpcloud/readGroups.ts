import type { JumpCloudClient } from "./client";
import type { JumpCloudDirectory } from "./schemas";

/**
 * What JumpCloud says should be exported: the user groups bound to the chosen Google
 * Workspace (`g_suite`) and Microsoft 365 / Entra ID (`office_365`) directories, with their
 * email attribute, description and member users' addresses. Read-only; no Pulumi here.
 */

export interface JumpCloudBoundGroup {
  /** The user group's JumpCloud id (a 24-hex-digit ObjectId). */
  id: string;
  name: string;
  description?: string;
  /** The group's email attribute (trimmed, lowercased), or undefined when it has none. */
  email?: string;
  /** Bound (directly or through another group) to the chosen Google Workspace directory. */
  boundToGoogle: boolean;
  /** Bound to the chosen Microsoft 365 / Entra ID directory. */
  boundToEntra: boolean;
  /** The member users' email addresses, lowercased and sorted: ACTIVATED users only (see `inactive`). */
  users: string[];
  /**
   * Members left out because of their JumpCloud state, by address: STAGED users (JumpCloud
   * provisions them to no directory until they are activated) and SUSPENDED users (JumpCloud
   * cuts them off from every resource, email included, until they are reactivated).
   */
  inactive: { email: string; state: "STAGED" | "SUSPENDED" }[];
  /** Member ids JumpCloud lists that are not among its users (a user created or deleted during the read). */
  unknownMemberIds: string[];
}

export interface JumpCloudRead {
  googleDirectory?: JumpCloudDirectory;
  office365Directory?: JumpCloudDirectory;
  /** Bound groups, by name. */
  groups: JumpCloudBoundGroup[];
  /** Requests sent (retries included). */
  requests: number;
}

export interface JumpCloudReadOptions {
  /** Read the groups bound to a Google Workspace directory. */
  google: boolean;
  /** Read the groups bound to a Microsoft 365 / Entra ID directory. */
  entra: boolean;
  /** Which g_suite directory (JumpCloud id or name); needed only when there are several. */
  googleDirectory?: string;
  /** Which office_365 directory (JumpCloud id or name); needed only when there are several. */
  office365Directory?: string;
}

/** A problem of the JumpCloud side that stops the export, phrased with the fix. */
export class JumpCloudSourceError extends Error {
  constructor(readonly problems: string[]) {
    super(`${problems.length === 1 ? "1 problem" : `${problems.length} problems`} in JumpCloud:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "JumpCloudSourceError";
  }
}

const KIND_NAMES = { g_suite: "Google Workspace", office_365: "Microsoft 365 / Entra ID" } as const;
const SETTING = { g_suite: "jumpcloudGoogleDirectory", office_365: "jumpcloudOffice365Directory" } as const;

function chooseDirectory(directories: JumpCloudDirectory[], type: "g_suite" | "office_365", wanted: string | undefined): JumpCloudDirectory {
  const ofType = directories.filter((d) => d.type === type);
  const list = ofType.map((d) => `"${d.name}" (${d.id})`).join(", ");
  if (wanted !== undefined) {
    const found = ofType.filter((d) => d.id === wanted || d.name === wanted);
    if (found.length === 1) return found[0]!;
    throw new JumpCloudSourceError([
      found.length === 0
        ? `no ${KIND_NAMES[type]} directory in JumpCloud has the id or name "${wanted}" (there ${ofType.length === 1 ? "is" : "are"}: ${list || "none"}). Fix: set ${SETTING[type]} to one of these`
        : `several ${KIND_NAMES[type]} directories are named "${wanted}": ${list}. Fix: set ${SETTING[type]} to the id of one`,
    ]);
  }
  if (ofType.length === 1) return ofType[0]!;
  throw new JumpCloudSourceError([
    ofType.length === 0
      ? `JumpCloud has no ${KIND_NAMES[type]} directory, so no user group is bound to one. Fix: integrate the directory in JumpCloud (Directory Integrations > Cloud Directories) and bind user groups to it, or do not configure that directory on this stack`
      : `JumpCloud has ${ofType.length} ${KIND_NAMES[type]} directories: ${list}. Fix: set ${SETTING[type]} to the id or name of the one this stack exports to`,
  ]);
}

/**
 * Reads what JumpCloud binds to the chosen directories. Requests: the directories (1), each
 * chosen directory's bound groups (1 per 100), the user groups (1 per 100), the users (1 per
 * 100) and each bound group's membership (1 per 100 members).
 */
export async function readJumpCloudBindings(client: JumpCloudClient, options: JumpCloudReadOptions): Promise<JumpCloudRead> {
  const directories = await client.listDirectories();
  const googleDirectory = options.google ? chooseDirectory(directories, "g_suite", options.googleDirectory) : undefined;
  const office365Directory = options.entra ? chooseDirectory(directories, "office_365", options.office365Directory) : undefined;
  const [toGoogle, toEntra, userGroups, users] = await Promise.all([
    googleDirectory ? client.boundUserGroups(googleDirectory) : [],
    office365Directory ? client.boundUserGroups(office365Directory) : [],
    client.listUserGroups(),
    client.listSystemUsers(),
  ]);
  const google = new Set(toGoogle.map((g) => g.id));
  const entra = new Set(toEntra.map((g) => g.id));
  const emailOf = new Map(users.map((u) => [u._id, u.email.trim().toLowerCase()]));
  // A user without a state is an active one (v1 answers of older consoles had no state field).
  const stateOf = new Map(users.map((u) => [u._id, u.state ?? "ACTIVATED"]));
  const bound = userGroups.filter((g) => google.has(g.id) || entra.has(g.id));
  const missing = [...new Set([...google, ...entra])].filter((id) => !userGroups.some((g) => g.id === id));
  if (missing.length > 0) {
    throw new JumpCloudSourceError([`the directories list bound user groups that the user group list does not hold (${missing.join(", ")}): they were deleted or created during the read. Fix: run the command again`]);
  }
  const groups = await Promise.all(
    bound.map(async (g): Promise<JumpCloudBoundGroup> => {
      const memberIds = await client.userGroupMemberIds(g.id);
      const email = g.email?.trim().toLowerCase() || undefined;
      return {
        id: g.id,
        name: g.name,
        description: g.description ?? undefined,
        email,
        boundToGoogle: google.has(g.id),
        boundToEntra: entra.has(g.id),
        users: [...new Set(memberIds.flatMap((id) => (emailOf.has(id) && stateOf.get(id) === "ACTIVATED" ? [emailOf.get(id)!] : [])))].sort(),
        inactive: memberIds
          .flatMap((id) => {
            const state = stateOf.get(id);
            return emailOf.has(id) && (state === "STAGED" || state === "SUSPENDED") ? [{ email: emailOf.get(id)!, state }] : [];
          })
          .sort((a, b) => a.email.localeCompare(b.email)),
        unknownMemberIds: memberIds.filter((id) => !emailOf.has(id)),
      };
    }),
  );
  groups.sort((a, b) => a.name.localeCompare(b.name));
  return { googleDirectory, office365Directory, groups, requests: client.requests };
}
