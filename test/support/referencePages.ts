import { classOutputs, interfaceFields, type SdkField } from "./sdkDocs";

/**
 * Which SDK declarations each reference page in docs/resources/ and docs/sources/ documents:
 * the page's "Input" table lists the fields of `inputs` (nested ones under their prefix, e.g.
 * `google.domains`), its "Output" table the outputs of `outputs`. Shared by the writer
 * (test/docs/writeReference.ts) and the drift test (test/unit/docsReference.test.ts).
 */
export interface ReferencePage {
  page: string;
  title: string;
  inputs: { file: string; declaration: string; prefix?: string }[];
  outputs?: { file: string; declaration: string; all?: boolean };
}

export const REFERENCE_PAGES: ReferencePage[] = [
  {
    page: "docs/resources/directory-group-management.md",
    title: "DirectoryGroupManagement",
    inputs: [
      { file: "sdk/directoryGroupManagement.ts", declaration: "DirectoryGroupManagementArgs" },
      { file: "sdk/directoryGroupManagement.ts", declaration: "GoogleDirectoryArgs", prefix: "google." },
      { file: "sdk/directoryGroupManagement.ts", declaration: "EntraDirectoryArgs", prefix: "entra." },
    ],
    outputs: { file: "sdk/directoryGroupManagement.ts", declaration: "DirectoryGroupManagement" },
  },
  {
    page: "docs/resources/google-distribution-group.md",
    title: "GoogleDistributionGroup",
    inputs: [{ file: "sdk/googleDistributionGroup.ts", declaration: "GoogleDistributionGroupArgs" }],
    outputs: { file: "sdk/googleDistributionGroup.ts", declaration: "GoogleDistributionGroup" },
  },
  {
    page: "docs/resources/entra-security-group.md",
    title: "EntraSecurityGroup",
    inputs: [{ file: "sdk/entraSecurityGroup.ts", declaration: "EntraSecurityGroupArgs" }],
    outputs: { file: "sdk/entraSecurityGroup.ts", declaration: "EntraSecurityGroup" },
  },
  {
    page: "docs/resources/group-binding.md",
    title: "GroupBinding",
    inputs: [
      { file: "sdk/groupBinding.ts", declaration: "GroupBindingArgs" },
      { file: "sdk/groupBinding.ts", declaration: "UserGroup", prefix: "userGroup." },
      { file: "sdk/groupBinding.ts", declaration: "GoogleGroupReference", prefix: "target." },
      { file: "sdk/groupBinding.ts", declaration: "EntraGroupReference", prefix: "target." },
    ],
    outputs: { file: "sdk/groupBinding.ts", declaration: "GroupBinding" },
  },
  {
    page: "docs/resources/user-group-export.md",
    title: "UserGroupExport",
    inputs: [
      { file: "sdk/userGroupExport.ts", declaration: "UserGroupExportArgs" },
      { file: "sdk/exportedUserGroup.ts", declaration: "ExportedUserGroup", prefix: "userGroups[]." },
    ],
    outputs: { file: "sdk/userGroupExport.ts", declaration: "UserGroupExport", all: true },
  },
  {
    page: "docs/resources/user-group-index.md",
    title: "UserGroupIndex",
    inputs: [],
    outputs: { file: "sdk/userGroupIndex.ts", declaration: "UserGroupIndex" },
  },
  {
    page: "docs/sources/jumpcloud.md",
    title: "JumpCloud",
    inputs: [{ file: "sdk/jumpcloudSource.ts", declaration: "JumpCloudSourceArgs", prefix: "jumpcloud." }],
  },
];

/** A page's fields, read from the SDK source now: inputs with their prefix, then outputs. */
export function pageFields(page: ReferencePage): { inputs: SdkField[]; outputs: SdkField[] } {
  const inputs: SdkField[] = [];
  for (const { file, declaration, prefix = "" } of page.inputs) {
    for (const field of interfaceFields(file, declaration)) {
      const name = prefix + field.name;
      if (!inputs.some((f) => f.name === name)) inputs.push({ ...field, name });
    }
  }
  const outputs = page.outputs ? classOutputs(page.outputs.file, page.outputs.declaration, page.outputs.all) : [];
  return { inputs, outputs };
}
