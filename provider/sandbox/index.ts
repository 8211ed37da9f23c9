/**
 * The local sandbox: HTTPS emulators of the Google Directory API (and, later, Microsoft
 * Graph) that the official client libraries talk to unchanged but for base URLs and trust.
 */
export { startSandbox, type Sandbox, type SandboxOptions, type ProviderStackConfig } from "./server";
export { type GoogleTenant, type GoogleTenantSeed, type SandboxGoogleGroup } from "./google/tenant";
export { type GoogleServiceAccountKey } from "./google/oauth";
