#!/usr/bin/env node
/**
 * group-export-bootstrap: writes a groups file from the groups that exist (read-only).
 *
 *   group-export-bootstrap [--google-customer my_customer] [--entra-tenant <tenant id>] [--out groups.yaml]
 *                          [--setting groupExport:<key>=<value> ...]
 *
 * Credentials as for the provider (README.md, "Credentials"): environment variables, or
 * --setting for any groupExport:* stack setting (e.g. the sandbox's URLs).
 */
import { writeFileSync } from "node:fs";
import { ProviderSettings } from "../settings";
import { readExistingGroups, toGroupsYaml } from "./readDirectories";

async function main(argv: string[]): Promise<void> {
  const settings = new Map<string, string>();
  let googleCustomer: string | undefined;
  let entraTenant: string | undefined;
  let out = "groups.yaml";
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const value = argv[++i];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    if (flag === "--google-customer") googleCustomer = value;
    else if (flag === "--entra-tenant") entraTenant = value;
    else if (flag === "--out") out = value;
    else if (flag === "--setting") {
      const at = value.indexOf("=");
      if (at < 0) throw new Error(`--setting ${value}: write groupExport:<key>=<value>`);
      settings.set(value.slice(0, at), value.slice(at + 1));
    } else throw new Error(`unknown option ${flag}: use --google-customer, --entra-tenant, --out or --setting`);
  }
  if (!googleCustomer && !entraTenant) throw new Error("nothing to read: give --google-customer (e.g. my_customer) and/or --entra-tenant <tenant id>");
  // Read-only, whatever the credentials could do.
  process.env.GROUP_EXPORT_READ_ONLY = "true";
  const result = await readExistingGroups(new ProviderSettings({ get: (key) => settings.get(key) }), { google: googleCustomer ? { customerId: googleCustomer } : undefined, entra: entraTenant ? { tenantId: entraTenant } : undefined });
  writeFileSync(out, toGroupsYaml(result));
  console.log(`wrote ${out}: ${result.groups.length} user group(s)${result.notes.length ? `; notes:\n  ${result.notes.join("\n  ")}` : ""}`);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(`group-export-bootstrap: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
