/**
 * `npm run demo`: starts the local sandbox, installs examples/quickstart with the packed
 * package (as a user would), runs a real `pulumi up` against the sandbox, and shows what
 * the sandbox's directory holds afterwards. No credentials, no network.
 */
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startSandbox } from "../../provider/sandbox";
import { installProgram, PulumiWorkspace, REPO_ROOT } from "../support/pulumiCli";

async function main(): Promise<void> {
  const people = ["alice", "bob", "carol"];
  const sandbox = await startSandbox({
    google: { domains: ["example.com"], admins: ["admin@example.com"], users: people.map((p) => ({ primaryEmail: `${p}@example.com` })) },
    entra: { users: people.map((p) => ({ userPrincipalName: `${p}@example.com` })) },
  });
  const programDir = mkdtempSync(join(tmpdir(), "group-export-quickstart-"));
  try {
    console.log(`sandbox listening on ${sandbox.url}`);
    cpSync(join(REPO_ROOT, "examples/quickstart"), programDir, {
      recursive: true,
      filter: (src) => !src.includes("node_modules") && !src.endsWith("package.json"),
    });
    console.log("installing the quickstart program with the packed package...");
    installProgram(programDir, { "ts-node": "^10.9.2", typescript: "~5.9.3" });
    const workspace = new PulumiWorkspace(programDir, sandbox.env());
    await workspace.initStack("demo", {
      ...sandbox.providerConfig(),
      "quickstart:googleDomain": { value: "example.com", secret: false },
      "quickstart:entraTenantId": { value: sandbox.entra.tenantId, secret: false },
    });
    const up = await workspace.up();
    process.stdout.write(up.output);
    if (up.code !== 0) throw new Error(`pulumi up failed (exit ${up.code})`);
    console.log("\nGroups now in the sandbox's Google Workspace directory:");
    for (const g of sandbox.google.tenant.groups) console.log(`  ${g.email}  "${g.name}"  members: ${(g.members ?? []).map((m) => m.email).join(", ")}`);
    console.log("\nSecurity groups now in the sandbox's Entra ID tenant:");
    const upn = (id: string) => sandbox.entra.tenant.users.find((u) => u.id === id)?.userPrincipalName ?? id;
    for (const g of sandbox.entra.tenant.groups) console.log(`  "${g.displayName}"  id=${g.id}  members: ${g.members.map(upn).join(", ")}`);
  } finally {
    await sandbox.close();
    rmSync(programDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
