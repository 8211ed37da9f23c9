/**
 * `npm run demo`: starts the local sandbox (its directories hold the users of groups.yaml),
 * runs the repository's root project (Pulumi.yaml: export groups.yaml to the configured
 * directories) with a real `pulumi up`, prints the summary of what it did
 * (group-export-summary, from the engine's events) and what the sandbox's directories hold
 * afterwards; the engine's own `--diff` output goes to a file it names. No credentials, no network, nothing written outside temporary folders.
 * `SOURCE=jumpcloud npm run demo`: the same groups, held by the sandbox's JumpCloud
 * organisation (bound to its Google Workspace and Microsoft 365 directories), are read from
 * there instead (`group-export:source jumpcloud`).
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startSandbox } from "../../provider/sandbox";
import { readEngineOutput } from "../../provider/summary/engineOutput";
import { summarize } from "../../provider/summary/groupSummary";
import { toText } from "../../provider/summary/render";
import { REPO_ROOT } from "../support/pulumiCli";
import { readGroupsFile } from "../../sdk/groupsFile";
import { RootProjectStack, usersOf } from "../support/rootProject";

const jumpcloud = process.env.SOURCE === "jumpcloud";

/** A JumpCloud organisation holding a groups file's groups, each bound to the directories it is exported to. */
function jumpCloudOrgOf(groupsFile: string, users: string[]) {
  return {
    directories: [
      { name: "Google Workspace", type: "g_suite" as const },
      { name: "Microsoft 365", type: "office_365" as const },
    ],
    users: users.map((email) => ({ email })),
    userGroups: readGroupsFile(groupsFile).groups.map(({ group }) => ({
      name: group.name,
      description: group.description,
      email: group.email,
      members: group.users as string[],
      boundTo: (group.exportTo ?? ["google", "entra"]).map((d) => (d === "google" ? "Google Workspace" : "Microsoft 365")),
    })),
  };
}

async function main(): Promise<void> {
  const groupsFile = process.env.GROUPS_FILE ?? join(REPO_ROOT, "groups.yaml");
  const users = usersOf(groupsFile);
  const domains = [...new Set(users.map((u) => u.split("@")[1]!))];
  const sandbox = await startSandbox({
    google: { domains, admins: [`admin@${domains[0]}`], users: users.map((primaryEmail) => ({ primaryEmail })) },
    entra: { users: users.map((userPrincipalName) => ({ userPrincipalName })) },
    ...(jumpcloud ? { jumpcloud: jumpCloudOrgOf(groupsFile, users) } : {}),
  });
  const stack = await RootProjectStack.create(sandbox, "demo", { groupsFile, googleDomains: domains.join(","), entraTenantId: sandbox.entra.tenantId });
  if (jumpcloud) await stack.workspace.setConfig({ "group-export:source": { value: "jumpcloud", secret: false }, ...sandbox.jumpcloud.programConfig() });
  try {
    console.log(`sandbox listening on ${sandbox.url}; exporting ${jumpcloud ? `the user groups of its JumpCloud organisation (seeded from ${groupsFile})` : groupsFile}`);
    const logs = mkdtempSync(join(tmpdir(), "group-export-demo-"));
    const events = join(logs, "pulumi-up-events.json");
    const output = join(logs, "pulumi-up.log");
    // The engine's events (the stream the Automation API reads; the flag needs PULUMI_DEBUG_COMMANDS) feed the summary.
    stack.workspace.setEnv("PULUMI_DEBUG_COMMANDS", "true");
    const up = await stack.workspace.up("--event-log", events);
    writeFileSync(output, up.output);
    console.log(`\n${toText(summarize(readEngineOutput(readFileSync(events, "utf8"))))}`);
    console.log(`The engine's full output (pulumi up --diff): ${output}`);
    if (up.code !== 0) throw new Error(`pulumi up failed (exit ${up.code}): see ${output}`);
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
