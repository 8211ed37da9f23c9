import { decodeJwt } from "jose";
import { entraCredential } from "../entra/credentials";
import { graphDirectoryClient } from "../entra/graphClient";
import { GoogleFederationError } from "../google/delegatedAuth";
import { DIRECTORY_GROUP_SCOPE, googleDirectoryClient, googleStatus } from "../google/directoryClient";
import { entraSettings, googleSettings, README_CREDENTIALS } from "../settings";
import type { ManagementRef } from "./managementSchema";

/**
 * The seed's "authorize sync first": proves the configured credentials can manage groups
 * in the directory, or fails naming the directory, the principal, what is missing and
 * where the README explains the fix.
 */
export async function verifyAuthorization(ref: ManagementRef, customerId: string | undefined): Promise<{ principal: string }> {
  switch (ref.service) {
    case "google":
      return verifyGoogle(ref, customerId ?? "my_customer");
    case "entra":
      return verifyEntra(ref);
  }
}

/** Application permissions that allow managing groups, and resolving users. */
const GROUP_WRITE_OPTIONS = [["Group.ReadWrite.All"], ["Directory.ReadWrite.All"], ["Group.Create", "GroupMember.ReadWrite.All"]];
const USER_READ_OPTIONS = ["User.Read.All", "User.ReadBasic.All", "Directory.Read.All", "Directory.ReadWrite.All"];

async function verifyEntra(ref: ManagementRef): Promise<{ principal: string }> {
  const settings = entraSettings();
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
  await graphDirectoryClient(tenantId, settings).verifyAccess();
  return { principal };
}

async function verifyGoogle(ref: ManagementRef, customerId: string): Promise<{ principal: string }> {
  const settings = googleSettings();
  const federated = settings.credentials.type === "external_account";
  const principal = `service account ${settings.serviceAccountEmail}${federated ? " (through workload identity federation)" : ""} acting as ${settings.adminEmail}`;
  try {
    await googleDirectoryClient(settings).verifyAccess(customerId);
    return { principal };
  } catch (error) {
    const text = String((error as Error)?.message ?? error);
    const status = googleStatus(error);
    if (error instanceof GoogleFederationError) {
      const fix =
        error.step === "federation"
          ? "check the credentials file's audience and credential_source, and that the workload identity pool provider accepts the token's issuer, audience and subject"
          : `grant the workload identity principal roles/iam.serviceAccountTokenCreator on ${settings.serviceAccountEmail} (roles/iam.workloadIdentityUser alone does not allow signJwt)`;
      throw new Error(`directory ${ref.directoryKey}: ${principal} could not sign in: ${text}. Fix: ${fix} (${README_CREDENTIALS})`);
    }
    if (/unauthorized_client|invalid_grant/.test(text)) {
      throw new Error(
        `directory ${ref.directoryKey}: ${principal} is not authorized: domain-wide delegation does not grant scope ${DIRECTORY_GROUP_SCOPE} ` +
          `(or ${settings.adminEmail} is not a super admin). Fix: in the Google Admin console, Security > API controls > Domain-wide delegation, ` +
          `allow the service account's client id that scope (${README_CREDENTIALS})`,
      );
    }
    if (status === 401 || status === 403) {
      throw new Error(`directory ${ref.directoryKey}: ${principal} may not manage groups of customer ${customerId} (HTTP ${status}: ${text}). Fix: grant the scope ${DIRECTORY_GROUP_SCOPE} and check the customer id (${README_CREDENTIALS})`);
    }
    throw error;
  }
}
