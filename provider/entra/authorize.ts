import { decodeJwt } from "jose";
import { EntraSignInError, sharedEntraCredential } from "./auth";
import type { GraphDirectoryClient } from "./client";
import type { ManagementRef } from "../groups/management";
import { SEE_CREDENTIALS } from "../contract/docs";
import type { EntraSettings } from "../settings";

/** Application permissions that allow managing groups, reading them (read-only mode), and resolving users. */
const GROUP_WRITE_OPTIONS = [["Group.ReadWrite.All"], ["Directory.ReadWrite.All"], ["Group.Create", "GroupMember.ReadWrite.All"]];
const GROUP_READ_OPTIONS = [["Group.Read.All"], ["GroupMember.Read.All"], ["Directory.Read.All"], ...GROUP_WRITE_OPTIONS];
const USER_READ_OPTIONS = ["User.Read.All", "User.ReadBasic.All", "Directory.Read.All", "Directory.ReadWrite.All"];

/**
 * The Graph permissions the token's roles lack: to manage groups, or with groupExport:readOnly
 * only to read them (a pull request's preview with a read-only application, docs/guides/credentials.md#read-only-mode).
 */
export function missingPermissions(roles: readonly string[], readOnly: boolean): string[] {
  const groups = readOnly ? GROUP_READ_OPTIONS : GROUP_WRITE_OPTIONS;
  const canUseGroups = groups.some((set) => set.every((r) => roles.includes(r)));
  const canReadUsers = USER_READ_OPTIONS.some((r) => roles.includes(r));
  return [canUseGroups ? "" : readOnly ? "Group.Read.All" : "Group.ReadWrite.All (or Group.Create + GroupMember.ReadWrite.All)", canReadUsers ? "" : "User.Read.All"].filter(Boolean);
}

/**
 * The seed's "authorize sync first" for an Entra ID tenant: proves the application may manage
 * groups and read users, or fails naming the directory, the principal, the missing Graph
 * permission and where the docs explain the fix. `client` is made only once signing in worked.
 */
export async function authorizeEntra(ref: ManagementRef, settings: EntraSettings, client: () => GraphDirectoryClient): Promise<{ principal: string }> {
  const tenantId = ref.tenantId ?? "";
  const principal = `application ${settings.clientId ?? "(default credential)"} (${settings.kind})`;
  let roles: string[];
  let signedInTo: string;
  try {
    const token = await sharedEntraCredential(tenantId, settings).getToken("https://graph.microsoft.com/.default");
    const claims = decodeJwt(token!.token);
    roles = ((claims.roles as string[] | undefined) ?? []).map(String);
    signedInTo = String(claims.tid ?? "").toLowerCase();
  } catch (error) {
    // A diagnosed sign-in already says the cause and the fix.
    if (error instanceof EntraSignInError) throw new Error(`directory ${ref.directoryKey}: ${error.message}`);
    throw new Error(`directory ${ref.directoryKey}: ${principal} could not sign in to tenant ${tenantId}: ${(error as Error).message.split("\n")[0]}. Fix the credential (${SEE_CREDENTIALS})`);
  }
  // A credential that ignores the tenant it is given (e.g. a developer's Azure CLI login) signs in elsewhere.
  if (signedInTo && signedInTo !== tenantId.toLowerCase()) {
    throw new Error(
      `directory ${ref.directoryKey}: ${principal} signed in to tenant ${signedInTo}, not to ${tenantId}: its token would manage another organisation's groups. ` +
        `Fix: set entra.tenantId of the DirectoryGroupManagement to ${signedInTo} if that is the tenant to export to, or sign the credential in to ${tenantId} (${SEE_CREDENTIALS})`,
    );
  }
  const missing = missingPermissions(roles, settings.readOnly);
  if (missing.length > 0) {
    throw new Error(
      `directory ${ref.directoryKey}: ${principal} lacks the Microsoft Graph application permission ${missing.join(" and ")} (it has: ${roles.join(", ") || "none"}). ` +
        `Fix: in Entra admin center, App registrations > API permissions, add it and grant admin consent (${SEE_CREDENTIALS})`,
    );
  }
  await client().verifyAccess();
  return { principal };
}

