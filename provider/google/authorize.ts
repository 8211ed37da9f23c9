import { GoogleFederationError } from "./auth";
import { DIRECTORY_GROUP_SCOPE, googleStatus, type GoogleDirectoryClient } from "./client";
import type { ManagementRef } from "../groups/management";
import { README_CREDENTIALS, type GoogleSettings } from "../settings";

/**
 * The seed's "authorize sync first" for a Google Workspace customer: proves the configured
 * credentials can manage its groups, or fails naming the directory, the principal, what is
 * missing and where the README explains the fix.
 */
export async function authorizeGoogle(ref: ManagementRef, customerId: string, settings: GoogleSettings, client: () => GoogleDirectoryClient): Promise<{ principal: string }> {
  const federated = settings.credentials.type === "external_account";
  const principal = `service account ${settings.serviceAccountEmail}${federated ? " (through workload identity federation)" : ""} acting as ${settings.adminEmail}`;
  try {
    await client().verifyAccess(customerId);
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
