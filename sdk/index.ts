/**
 * Pulumi resources that export user groups to Google Workspace distribution groups and
 * Microsoft Entra ID security groups.
 */
export { GoogleDistributionGroup, type GoogleDistributionGroupArgs } from "./googleDistributionGroup";
