import type * as pulumi from "@pulumi/pulumi";
import { configureContext } from "./context";
import { watchEngineOnce } from "./engineWatchdog";
import { directoryGroupManagementProvider } from "./resources/directoryGroupManagement";
import { entraSecurityGroupProvider } from "./resources/entraSecurityGroup";
import { googleDistributionGroupProvider } from "./resources/googleDistributionGroup";
import { groupBindingProvider } from "./resources/groupBinding";
import { userGroupIndexProvider } from "./resources/userGroupIndex";
import { withManagementReference } from "./resources/referenceText";

/**
 * Entry point of the code that runs inside Pulumi's dynamic-provider process. The SDK's
 * serialized providers are tiny stubs that `require` this module by package name when
 * they run, so state stays small, holds no secrets, and refresh runs the installed code.
 */

const providers = {
  DirectoryGroupManagement: directoryGroupManagementProvider,
  EntraSecurityGroup: entraSecurityGroupProvider,
  GoogleDistributionGroup: googleDistributionGroupProvider,
  GroupBinding: groupBindingProvider,
  UserGroupIndex: userGroupIndexProvider,
} satisfies Record<string, pulumi.dynamic.ResourceProvider>;

export type ResourceKind = keyof typeof providers;

const wrapped = new Map<ResourceKind, pulumi.dynamic.ResourceProvider>();

/** A resource's provider; groups and bindings carry their management, bindings also their target, as one line of text each (see resources/referenceText.ts). */
export function resourceProvider(kind: ResourceKind): pulumi.dynamic.ResourceProvider {
  let provider = wrapped.get(kind);
  if (!provider) wrapped.set(kind, (provider = withManagementReference(providers[kind])));
  return provider;
}

/** Receives the stack config (credentials, endpoints) from the dynamic-provider host: builds (or re-reads) the provider context. */
export function configure(req: pulumi.dynamic.ConfigureRequest): void {
  // Once per process: a provider whose engine was killed stops instead of writing on.
  watchEngineOnce();
  configureContext(req.config);
}
