import { GoogleFederationError } from "./auth";
import { DIRECTORY_DOMAIN_READONLY_SCOPE, DIRECTORY_GROUP_SCOPE, googleReason, googleStatus, type CustomerDomain, type GoogleDirectoryClient } from "./client";
import type { ManagementRef } from "../groups/management";
import { SEE_CREDENTIALS } from "../contract/docs";
import type { GoogleSettings } from "../settings";

/**
 * The seed's "authorize sync first" for a Google Workspace customer: proves the configured
 * credentials can manage its groups and that the declared domains are the customer's, or fails
 * naming the directory, the principal, the real cause and the one fix. Read-only: it runs at
 * preview (a new or changed management) and at create/update.
 */
export async function authorizeGoogle(
  ref: ManagementRef,
  customerId: string,
  settings: GoogleSettings,
  client: () => GoogleDirectoryClient,
): Promise<{ principal: string; domainsVerified: boolean }> {
  const federated = settings.credentials.type === "external_account";
  const principal = `service account ${settings.serviceAccountEmail}${federated ? " (through workload identity federation)" : ""} acting as ${settings.adminEmail}`;
  try {
    await client().verifyAccess(customerId);
  } catch (error) {
    throw await accessFailure(error, ref, customerId, settings, principal, client);
  }
  const domains = await client().listDomains(customerId);
  if (domains) {
    const problem = domainProblem(ref.domains ?? [], domains, customerId);
    if (problem) throw new Error(`directory ${ref.directoryKey}: ${problem} (${SEE_CREDENTIALS})`);
  }
  return { principal, domainsVerified: domains !== undefined };
}

/** Why the declared domains do not fit the customer's, with the fix; undefined when they do. */
export function domainProblem(declared: readonly string[], owned: readonly CustomerDomain[], customerId: string): string | undefined {
  const byName = new Map<string, CustomerDomain>();
  for (const d of owned) {
    byName.set(d.domainName, d);
    for (const alias of d.aliases) byName.set(alias, d);
  }
  const foreign = declared.filter((d) => !byName.has(d.toLowerCase()));
  const unverified = declared.filter((d) => byName.get(d.toLowerCase())?.verified === false);
  const list = owned.flatMap((d) => [d.domainName, ...d.aliases]).join(", ") || "none";
  if (foreign.length > 0) {
    return (
      `${foreign.join(", ")} ${foreign.length === 1 ? "is not a domain" : "are not domains"} of customer ${customerId} (its domains: ${list}). ` +
      `Fix: remove ${foreign.length === 1 ? "it" : "them"} from google.domains of the DirectoryGroupManagement, or add and verify ${foreign.length === 1 ? "it" : "them"} in the Google Admin console (Account > Domains > Manage domains)`
    );
  }
  if (unverified.length > 0) {
    return `${unverified.join(", ")} ${unverified.length === 1 ? "is a domain" : "are domains"} of customer ${customerId} not yet verified, so Google refuses groups there. Fix: verify ${unverified.length === 1 ? "it" : "them"} in the Google Admin console (Account > Domains > Manage domains), or remove ${unverified.length === 1 ? "it" : "them"} from google.domains`;
  }
  return undefined;
}

/** The one cause of a failed access check: the sign-in, the delegation, the admin or the customer id. */
async function accessFailure(error: unknown, ref: ManagementRef, customerId: string, settings: GoogleSettings, principal: string, client: () => GoogleDirectoryClient): Promise<unknown> {
  const text = String((error as Error)?.message ?? error);
  const status = googleStatus(error);
  if (error instanceof GoogleFederationError) {
    const fix =
      error.step === "federation"
        ? "check the credentials file's audience and credential_source, and that the workload identity pool provider accepts the token's issuer, audience and subject"
        : `grant the workload identity principal roles/iam.serviceAccountTokenCreator on ${settings.serviceAccountEmail} (roles/iam.workloadIdentityUser alone does not allow signJwt)`;
    return new Error(`directory ${ref.directoryKey}: ${principal} could not sign in: ${text}. Fix: ${fix} (${SEE_CREDENTIALS})`);
  }
  if (/invalid_grant/.test(text) && /Invalid email or User ID/i.test(text)) {
    return new Error(
      `directory ${ref.directoryKey}: ${settings.adminEmail} is no user of the Google Workspace customer, so the service account cannot act as it. ` +
        `Fix: set groupExport:googleAdminEmail to a super admin of the customer (${SEE_CREDENTIALS})`,
    );
  }
  if (/unauthorized_client/.test(text)) {
    return new Error(
      `directory ${ref.directoryKey}: ${principal} is not authorized: domain-wide delegation does not grant the scope ${DIRECTORY_GROUP_SCOPE} to the service account's client id. ` +
        `Fix: in the Google Admin console, Security > API controls > Domain-wide delegation, allow that client id the scope (and ${DIRECTORY_DOMAIN_READONLY_SCOPE} to have the domains checked) (${SEE_CREDENTIALS})`,
    );
  }
  if (status === 403 && googleReason(error) === "forbidden") {
    // One answer for two causes: another customer's id, or an impersonated user who is no admin. The admin's own customer tells them apart.
    if (customerId !== "my_customer" && (await client().verifyAccess("my_customer").then(() => true, () => false))) {
      return new Error(
        `directory ${ref.directoryKey}: customer ${customerId} is not the customer of ${settings.adminEmail} (Google answered 403 Not Authorized for it, and allows its own customer). ` +
          `Fix: set google.customerId of the DirectoryGroupManagement to the customer's id (Admin console > Account > Account settings > Customer ID), or leave it out for the admin's own customer (${SEE_CREDENTIALS})`,
      );
    }
    return new Error(
      `directory ${ref.directoryKey}: ${settings.adminEmail} may not manage groups: Google answered 403 Not Authorized to ${principal}, which it does when the impersonated user is not an administrator. ` +
        `Fix: set groupExport:googleAdminEmail to a super admin (or a user with the Groups Administrator role) of the customer (${SEE_CREDENTIALS})`,
    );
  }
  if (status === 401 || status === 403) {
    return new Error(`directory ${ref.directoryKey}: ${principal} may not manage groups of customer ${customerId} (HTTP ${status}: ${text}). Fix: grant the scope ${DIRECTORY_GROUP_SCOPE} and check the customer id (${SEE_CREDENTIALS})`);
  }
  return error;
}
