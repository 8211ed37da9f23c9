/**
 * The local sandbox: HTTPS emulators of the Google Directory API and of Entra ID / Microsoft
 * Graph that the official client libraries talk to unchanged but for base URLs and trust.
 *
 * Its server needs the optional peer dependencies listed in `SANDBOX_PEER_DEPENDENCIES`
 * (express, @peculiar/x509, reflect-metadata): this entry point loads the emulators only when
 * a function is called, after checking those packages are installed.
 */
import type * as ServerModule from "./server";
import type { Sandbox, SandboxOptions } from "./server";
import { assertSandboxDependencies } from "./dependencies";
import type * as TlsModule from "./tls";
import type { SandboxTls } from "./tls";

export { type Sandbox, type SandboxOptions } from "./server";
export { type ProviderStackConfig } from "./stackConfig";
export { SANDBOX_PEER_DEPENDENCIES, SandboxDependenciesMissingError, missingSandboxDependencies } from "./dependencies";
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
export { type JumpCloudOrg, type JumpCloudOrgSeed, type SandboxJumpCloudUser, type SandboxJumpCloudUserGroup, type SandboxJumpCloudDirectory } from "./jumpcloud/org";
export { type SandboxJumpCloud } from "./jumpcloud/jumpcloudSandbox";
export { type SandboxTls } from "./tls";

/**
 * Starts the sandbox on 127.0.0.1 (HTTPS, a locally generated CA).
 * @throws SandboxDependenciesMissingError when express, @peculiar/x509 or reflect-metadata is not installed (the message says what to install).
 */
export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  assertSandboxDependencies();
  // Loaded here, not imported at the top: the server's packages are optional.
  return (require("./server") as typeof ServerModule).startSandbox(options);
}

/**
 * A fresh CA and a server certificate for 127.0.0.1 (to share one CA between sandboxes).
 * @throws SandboxDependenciesMissingError when @peculiar/x509 or reflect-metadata is not installed.
 */
export async function generateSandboxTls(): Promise<SandboxTls> {
  assertSandboxDependencies();
  return (require("./tls") as typeof TlsModule).generateSandboxTls();
}
