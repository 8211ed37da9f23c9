/**
 * `npm run demo`: starts the local sandbox (its directories hold the users of groups.yaml),
 * runs the repository's root project (Pulumi.yaml: export groups.yaml to the configured
 * directories) with a real `pulumi up`, and shows what the sandbox's directories hold
 * afterwards. No credentials, no network, nothing written outside temporary folders.
 */
import { join } from "node:path";
import { startSandbox } from "../../provider/sandbox";
import { REPO_ROOT } from "../support/pulumiCli";
import { RootProjectStack, usersOf } from "../support/rootProject";

async function main(): Promise<void> {
  const groupsFile = process.env.GROUPS_FILE ?? join(REPO_ROOT, "groups.yaml");
  const users = usersOf(groupsFile);
  const domains = [...new Set(users.map((u) => u.split("@")[1]!))];
  const sandbox = await startSandbox({
    google: { domains, admins: [`admin@${domains[0]}`], users: users.map((primaryEmail) => ({ primaryEmail })) },
    entra: { users: users.map((userPrincipalName) => ({ userPrincipalName })) },
  });
  const stack = await RootProjectStack.create(sandbox, "demo", { groupsFile, googleDomains: domains.join(","), entraTenantId: sandbox.entra.tenantId });
  try {
    console.log(`sandbox listening on ${sandbox.url}; exporting ${groupsFile}`);
    const up = await stack.workspace.up();
    process.stdout.write(up.output);
    if (up.code !== 0) throw new Error(`pulumi up failed (exit ${up.code})`);
    console.log("\nGroups now in the sandbox's Google Workspace directory:");
    for (const g of sandbox.google.tenant.groups) console.log(`  ${g.email}  "${g.name}"  members: ${(g.members ?? []).map((m) => m.email).join(", ")}`);
    console.log("\nSecurity groups now in the sandbox's Entra ID tenant:");
    const upn = (id: string) => sandbox.entra.tenant.users.find((u) => u.id === id)?.userPrincipalName ?? id;
    for (const g of sandbox.entra.tenant.groups) console.log(`  "${g.displayName}"  id=${g.id}  members: ${g.members.map(upn).join(", ")}`);
  } finally {
    stack.close();
    await sandbox.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
