/**
 * Pulumi resources that export user groups to Google Workspace distribution groups and
 * Microsoft Entra ID security groups.
 */
export { DirectoryGroupManagement, type DirectoryGroupManagementArgs } from "./directoryGroupManagement";
export { EntraSecurityGroup, type EntraSecurityGroupArgs } from "./entraSecurityGroup";
export { GoogleDistributionGroup, type GoogleDistributionGroupArgs } from "./googleDistributionGroup";
export { GroupBinding, type GroupBindingArgs, type UserGroup, type BindableGroup } from "./groupBinding";
export { UserGroupExport, type UserGroupExportArgs, type ExportedUserGroup } from "./userGroupExport";
export {
  readGroupsFile, parseGroupsYaml, parseGroupsCsv, groupsForDirectories, formatProblem, GroupsFileError,
  type GroupsFileProblem, type ParsedGroupsFile, type GroupsFileGroup,
} from "./groupsFile";
export {
  readJumpCloudGroups, jumpCloudSettings, JumpCloudSourceError, JumpCloudApiError, JumpCloudClient, type JumpCloudSettings,
  type JumpCloudSourceArgs, type JumpCloudGroups,
} from "./jumpcloudSource";
