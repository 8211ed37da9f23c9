import { graphDirectoryClient } from "../entra/graphClient";
import { entraMemberDirectory } from "../entra/memberDirectory";
import { googleDirectoryClient } from "../google/directoryClient";
import { googleMemberDirectory } from "../google/memberDirectory";
import type { ManagementRef } from "../management/managementSchema";
import { entraSettings, googleSettings } from "../settings";
import type { MemberDirectory } from "./memberDirectory";

/** The member operations of a service, with the provider's shared client for it. */
export function memberDirectoryFor(management: ManagementRef): MemberDirectory {
  switch (management.service) {
    case "google":
      return googleMemberDirectory(googleDirectoryClient(googleSettings()));
    case "entra":
      return entraMemberDirectory(graphDirectoryClient(management.tenantId ?? "", entraSettings()));
  }
}
