import { readFileSync } from "node:fs";
import {
  ClientCertificateCredential,
  ClientSecretCredential,
  DefaultAzureCredential,
  WorkloadIdentityCredential,
  type TokenCredential,
} from "@azure/identity";
import type { EntraSettings } from "../settings";

/** An @azure/identity credential for one tenant, of the kind the settings chose. */
export function entraCredential(tenantId: string, settings: EntraSettings): TokenCredential {
  // The sandbox (or a sovereign cloud) has its own authority; instance discovery would call the public cloud.
  const common = settings.authorityHost ? { authorityHost: settings.authorityHost, disableInstanceDiscovery: true } : {};
  switch (settings.kind) {
    case "clientSecret":
      return new ClientSecretCredential(tenantId, settings.clientId!, settings.clientSecret!, common);
    case "clientCertificate":
      return new ClientCertificateCredential(tenantId, settings.clientId!, { certificate: readFileSync(settings.certificatePath!, "utf8") }, common);
    case "workloadIdentity":
      return new WorkloadIdentityCredential({ tenantId, clientId: settings.clientId!, tokenFilePath: settings.federatedTokenFile!, ...common });
    case "default":
      return new DefaultAzureCredential({ tenantId, ...common });
  }
}
