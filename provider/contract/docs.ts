/**
 * The documentation sections messages may cite, as paths in the package (docs/ ships with it,
 * next to README.md). Messages cite them through `see`, never by a heading's words, so a
 * renamed section cannot leave a message pointing nowhere: test/unit/docsLinks.test.ts fails
 * when one of these files or anchors does not exist.
 */
export const DOCS = {
  credentials: "docs/guides/credentials.md",
  readOnly: "docs/guides/credentials.md#read-only-mode",
  scale: "docs/guides/scale.md",
  failures: "docs/guides/errors.md#when-a-call-fails-anyway",
  recovery: "docs/guides/recovery.md",
  migrating: "docs/guides/migrating.md#moving-an-existing-group-under-management",
  renaming: "docs/guides/migrating.md#renaming-a-user-group",
  groupsFile: "docs/sources/groups-file.md#the-file",
  jumpcloud: "docs/sources/jumpcloud.md",
  tenantsFile: "docs/guides/fleet.md#the-tenants-file",
  sandbox: "docs/guides/sandbox.md",
} as const;

export type DocsSection = keyof typeof DOCS;

/** How a message cites a section: `see docs/guides/credentials.md`. */
export function see(section: DocsSection): string {
  return `see ${DOCS[section]}`;
}

/** Whether a message already cites a documentation section (so it is this package's own wording, fix included). */
export function citesDocs(message: string): boolean {
  return /\bsee docs\/[\w/.-]+\.md/.test(message);
}

export const SEE_CREDENTIALS = see("credentials");
export const SEE_READ_ONLY = see("readOnly");
export const SEE_SCALE = see("scale");
