/**
 * Pulumi resources that export user groups to Google Workspace distribution groups and
 * Microsoft Entra ID security groups.
 */
export { DirectoryGroupManagement, type DirectoryGroupManagementArgs, type GoogleDirectoryArgs, type EntraDirectoryArgs } from "./directoryGroupManagement";
export { EntraSecurityGroup, type EntraSecurityGroupArgs, type EntraSecurityGroupLookup } from "./entraSecurityGroup";
export { GoogleDistributionGroup, type GoogleDistributionGroupArgs, type GoogleDistributionGroupLookup } from "./googleDistributionGroup";
/** The distribution-list default of Google group settings, and the settings' types (values as the Groups Settings API takes them). */
export { DISTRIBUTION_LIST_SETTINGS, type GroupSettings, type GroupSettingsArgs, type SettingsDefault } from "../provider/google/settingsSchema";
export {
  GroupBinding, type GroupBindingArgs, type GroupBindingLookup, type UserGroup, type BindableGroup,
  type GroupReference, type GoogleGroupReference, type EntraGroupReference,
} from "./groupBinding";
export { UserGroupExport, type UserGroupExportArgs, type ExportedUserGroup } from "./userGroupExport";
export {
  readGroupsFile, parseGroupsYaml, parseGroupsCsv, groupsForDirectories, formatProblem, GroupsFileError,
  type GroupsFileProblem, type ParsedGroupsFile, type GroupsFileGroup,
} from "./groupsFile";
export {
  readJumpCloudGroups, jumpCloudSettings, JumpCloudSourceError, JumpCloudApiError, JumpCloudClient, type JumpCloudSettings,
  type JumpCloudSourceArgs, type JumpCloudGroups,
} from "./jumpcloudSource";
export {
  runFleet, selectTenants, tenantConfig, fleetExitCode, FLEET_COMMANDS, DEFAULT_CONCURRENCY,
  type FleetCommand, type FleetOptions, type FleetProgress, type FleetResult, type TenantResult,
} from "../provider/fleet/runFleet";
export {
  readTenantsFile, parseTenantsYaml, formatTenantsProblem, TenantsFileError, TENANT_SETTING_KEYS,
  type TenantsFile, type Tenant, type TenantsFileProblem, type FleetBudgets,
} from "../provider/fleet/tenantsFile";
export { planShares, type Budget, type SharePlan } from "../provider/fleet/budgets";
export { fleetToMarkdown, fleetToText, progressLine } from "../provider/fleet/render";
