import * as pulumi from "@pulumi/pulumi";
import { UserGroupExport } from "pulumi-group-export";

// Which directories to export to is stack configuration: `pulumi config set
// quickstart:googleDomain your-domain.com` and/or `quickstart:entraTenantId <tenant id>` (with
// neither, nothing is exported); credentials as in docs/guides/credentials.md. The program only
// says what the user groups are. `npm run demo:quickstart` sets both for the sandbox.
const config = new pulumi.Config("quickstart");
const googleDomain = config.get("googleDomain");
const entraTenantId = config.get("entraTenantId");

const groups = new UserGroupExport("people", {
  google: googleDomain ? { domains: [googleDomain] } : undefined,
  entra: entraTenantId ? { tenantId: entraTenantId } : undefined,
  userGroups: [
    {
      name: "Engineering",
      email: `engineering@${googleDomain ?? "example.com"}`,
      description: "Everyone who builds the product",
      users: ["alice@example.com", "bob@example.com"],
    },
    {
      name: "Sales",
      email: `sales@${googleDomain ?? "example.com"}`,
      description: "Account executives and sales engineers",
      users: ["carol@example.com"],
    },
  ],
});

export const googleGroups = Object.fromEntries(Object.entries(groups.googleGroups).map(([name, g]) => [name, { email: g.email, origin: g.origin }]));
export const entraGroups = Object.fromEntries(Object.entries(groups.entraGroups).map(([name, g]) => [name, { id: g.groupId, origin: g.origin }]));
export const members = Object.fromEntries(Object.entries(groups.bindings).map(([name, b]) => [name, b.members]));
