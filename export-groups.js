// The root project's program (see Pulumi.yaml): exports the groups file to the
// directories configured on the stack. Everything about the groups is in the groups file;
// everything about the directories is stack configuration:
//
//   group-export:groupsFile        groups.yaml (default), or another .yaml/.yml/.csv file
//   group-export:googleDomains     the Workspace customer's domains, comma-separated (exports to Google)
//   group-export:googleCustomerId  optional: the customer id (default: that of the admin)
//   group-export:entraTenantId     the Entra tenant id (exports to Entra ID)
//   group-export:source            groupsFile (default) or jumpcloud: the user groups JumpCloud binds
//                                  to its Google Workspace / Microsoft 365 directories (docs/sources/jumpcloud.md;
//                                  its key: groupExport:jumpcloudApiKeyFile)
//   group-export:jumpcloudGoogleDirectory / jumpcloudOffice365Directory
//                                  which JumpCloud directory (id or name), when it has several
//   group-export:jumpcloudOnMissingEmail
//                                  fail (default) or skip: a group bound to Google without an email
//
// Credentials are NOT configured here: see docs/guides/credentials.md (groupExport:* settings).
"use strict";
const path = require("node:path");
// Pulumi's modules rather than its index, which also loads the Automation API (the same classes;
// see sdk/pulumi.ts for what it saves).
const pulumi = { ...require("@pulumi/pulumi/config"), ...require("@pulumi/pulumi/errors"), ...require("@pulumi/pulumi/output") };

let sdk;
try {
  // The installed package (in the package's own repository, package.json links it to its own build).
  sdk = require("pulumi-group-export");
} catch (error) {
  throw new Error(`cannot load pulumi-group-export (${error.message.split("\n")[0]}): install it beside this file (\`npm install pulumi-group-export @pulumi/pulumi\`), or, in a clone of its repository, run \`npm ci && npm run build\` first`);
}

const config = new pulumi.Config();
const root = __dirname;
const groupsFile = path.resolve(root, config.get("groupsFile") || "groups.yaml");
const domains = (config.get("googleDomains") || "").split(/[\s,]+/).filter(Boolean);
const customerId = config.get("googleCustomerId");
const tenantId = config.get("entraTenantId");
if (domains.length === 0 && !tenantId) {
  throw new Error("no directory configured: set group-export:googleDomains (Google Workspace) and/or group-export:entraTenantId (Entra ID), e.g. `pulumi config set googleDomains example.com`");
}

const source = config.get("source") || "groupsFile";
if (source !== "groupsFile" && source !== "jumpcloud") {
  throw new Error(`group-export:source is "${source}": use groupsFile (the default) or jumpcloud`);
}
const directories = {
  google: domains.length > 0 ? { domains, ...(customerId ? { customerId } : {}) } : undefined,
  entra: tenantId ? { tenantId } : undefined,
};

// The stack's outputs wait for every binding too: were they registered while a binding's check
// fails, the engine would stop with that registration in flight and print gRPC shutdown noise
// (pulumi/pulumi #16853) after the one error that matters.
// Two outputs, each its own Output: one Output for the whole object previews as its text spread
// into one-character keys while it is unknown.
function outputs(groups) {
  const bound = pulumi.all(Object.values(groups.bindings).map((b) => b.id));
  return {
    googleGroups: bound.apply(() => Object.fromEntries(Object.entries(groups.googleGroups).map(([name, g]) => [name, { email: g.email, origin: g.origin }]))),
    entraGroups: bound.apply(() => Object.fromEntries(Object.entries(groups.entraGroups).map(([name, g]) => [name, { id: g.groupId, origin: g.origin }]))),
  };
}

// The program is an async function: JumpCloud is read (read-only) when it runs.
module.exports = async () => {
  try {
    if (source === "jumpcloud") {
      const onMissingEmail = config.get("jumpcloudOnMissingEmail");
      return outputs(await sdk.UserGroupExport.fromJumpCloud("groups", {
        ...directories,
        jumpcloud: {
          googleDirectory: config.get("jumpcloudGoogleDirectory"),
          office365Directory: config.get("jumpcloudOffice365Directory"),
          ...(onMissingEmail ? { onMissingEmail } : {}),
        },
      }));
    }
    return outputs(sdk.UserGroupExport.fromGroupsFile("groups", { groupsFile, ...directories }));
  } catch (error) {
    // A bad groups file or a JumpCloud problem: show only the problems and their fixes, not a stack trace.
    if (error instanceof sdk.GroupsFileError || error instanceof sdk.JumpCloudSourceError || error instanceof sdk.JumpCloudApiError) throw new pulumi.RunError(error.message);
    throw error;
  }
};
