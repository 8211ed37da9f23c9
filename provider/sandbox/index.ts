/**
 * The local sandbox: HTTPS emulators of the Google Directory API and of Entra ID / Microsoft
 * Graph that the official client libraries talk to unchanged but for base URLs and trust.
 */
export { startSandbox, type Sandbox, type SandboxOptions, type ProviderStackConfig } from "./server";
export { type GoogleTenant, type GoogleTenantSeed, type SandboxGoogleGroup, type SandboxGoogleMember, type SandboxGoogleUser } from "./google/tenant";
export { type GoogleBehaviour, type SandboxGoogle } from "./google/googleSandbox";
export { type GroupSettings } from "./google/settingsSchema";
export { type FaultRule } from "./faults";
export {
  type EntraTenant,
  type EntraTenantSeed,
  type EntraApp,
  type EntraAppSeed,
  type EntraUser,
  type EntraGroup,
  type EntraServicePrincipal,
  type EntraDevice,
  type EntraContact,
  type GraphPermission,
} from "./entra/tenant";
export { type EntraBehaviour, type SandboxEntra } from "./entra/entraSandbox";
export { type EntraClientCertificate } from "./entra/certificates";
export { type GoogleServiceAccountKey } from "./google/oauth";
export { generateSandboxTls, type SandboxTls } from "./tls";
export { type JumpCloudOrg, type JumpCloudOrgSeed, type SandboxJumpCloudUser, type SandboxJumpCloudUserGroup, type SandboxJumpCloudDirectory } from "./jumpcloud/org";
export { type SandboxJumpCloud } from "./jumpcloud/jumpcloudSandbox";
