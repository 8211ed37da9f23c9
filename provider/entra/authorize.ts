import { decodeJwt } from "jose";
import { entraCredential } from "./auth";
import type { GraphDirectoryClient } from "./client";
import type { ManagementRef } from "../groups/management";
import { README_CREDENTIALS, type EntraSettings } from "../settings";

/** Application permissions that allow managing groups, and resolving users. */
const GROUP_WRITE_OPTIONS = [["Group.ReadWrite.All"], ["Directory.ReadWrite.All"], ["Group.Create", "GroupMember.ReadWrite.All"]];
const USER_READ_OPTIONS = ["User.Read.All", "User.ReadBasic.All", "Directory.Read.All", "Directory.ReadWrite.All"];

/**
 * The seed's "authorize sync first" for an Entra ID tenant: proves the application may manage
 * groups and read users, or fails naming the directory, the principal, the missing Graph
 * permission and where the README explains the fix. `client` is made only once signing in worked.
 */
export async function authorizeEntra(ref: ManagementRef, settings: EntraSettings, client: () => GraphDirectoryClient): Promise<{ principal: string }> {
  const tenantId = ref.tenantId ?? "";
  const principal = `application ${settings.clientId ?? "(default credential)"} (${settings.kind})`;
  let roles: string[];
  try {
    const token = await entraCredential(tenantId, settings).getToken("https://graph.microsoft.com/.default");
    roles = ((decodeJwt(token!.token).roles as string[] | undefined) ?? []).map(String);
  } catch (error) {
    throw new Error(`directory ${ref.directoryKey}: ${principal} could not sign in to tenant ${tenantId}: ${(error as Error).message.split("\n")[0]}. Fix the credential (${README_CREDENTIALS})`);
  }
  const canWrite = GROUP_WRITE_OPTIONS.some((set) => set.every((r) => roles.includes(r)));
  const canReadUsers = USER_READ_OPTIONS.some((r) => roles.includes(r));
  const missing = [canWrite ? "" : "Group.ReadWrite.All (or Group.Create + GroupMember.ReadWrite.All)", canReadUsers ? "" : "User.Read.All"].filter(Boolean);
  if (missing.length > 0) {
    throw new Error(
      `directory ${ref.directoryKey}: ${principal} lacks the Microsoft Graph application permission ${missing.join(" and ")} (it has: ${roles.join(", ") || "none"}). ` +
        `Fix: in Entra admin center, App registrations > API permissions, add it and grant admin consent (${README_CREDENTIALS})`,
    );
  }
  await client().verifyAccess();
  return { principal };
}

