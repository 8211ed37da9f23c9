#!/usr/bin/env node
/**
 * group-export-bootstrap: writes a groups file from the groups that exist (read-only). Its
 * settings are the stack's, as the provider reads them: the stack configuration (the current
 * stack of the Pulumi project in this directory, or --stack), then the environment; --setting
 * overrides either.
 */
import { execFileSync } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { ProviderSettings } from "../settings";
import { readExistingGroups, toGroupsYaml } from "./readDirectories";

const USAGE = `Usage: group-export-bootstrap [--google-customer ID] [--entra-tenant ID] [--out FILE] [--force]
                              [--stack NAME] [--setting groupExport:<key>=<value> ...]

Reads the groups of a Google Workspace customer and/or an Entra tenant (read-only) and writes a
groups file that the root project adopts with no change at its first preview.

  --google-customer ID  the Google Workspace customer (e.g. my_customer); default: the stack's
                        googleCustomerId, else my_customer when it sets googleDomains
  --entra-tenant ID     the Entra tenant id; default: the stack's entraTenantId
  --out FILE            where to write the groups file (default: groups.yaml); an existing file is
                        never replaced without --force
  --force               replace FILE if it exists (its groups are not merged into the new file)
  --stack NAME          the stack whose configuration to read (default: the current stack of the
                        Pulumi project in this directory, if there is one)
  --setting K=V         a groupExport:* setting, over the stack's (repeatable)
  --help                this text

Credentials as for the provider (docs/guides/credentials.md): the stack's groupExport:* settings,
or their environment variables.
`;

class UsageError extends Error {}

/** The stack's configuration, as `pulumi config --json` prints it in the project directory. */
function stackConfig(stack: string | undefined): { values: Map<string, string>; note?: string } {
  const explicit = stack !== undefined;
  if (!explicit && !existsSync("Pulumi.yaml") && !existsSync("Pulumi.yml")) {
    return { values: new Map(), note: "no Pulumi project in this directory: settings come from the environment and --setting" };
  }
  let text: string;
  try {
    text = execFileSync("pulumi", ["config", "--json", "--show-secrets", "--non-interactive", ...(explicit ? ["--stack", stack] : [])], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 60_000 });
  } catch (error) {
    const detail = `${String((error as { stderr?: unknown }).stderr ?? "")}`.trim().split("\n").pop() || (error as Error).message;
    if (explicit) throw new Error(`cannot read the configuration of stack ${stack} (pulumi config --json: ${detail}): run it from the Pulumi project's directory, logged in to its backend`);
    return { values: new Map(), note: `the current stack's configuration could not be read (${detail}): settings come from the environment and --setting; pass --stack NAME to read a stack's` };
  }
  const parsed = JSON.parse(text) as Record<string, { value?: unknown }>;
  const values = new Map(Object.entries(parsed).flatMap(([key, entry]) => (entry?.value === undefined ? [] : [[key, String(entry.value)] as [string, string]])));
  return { values };
}

/** A project setting (`<project>:key`, or `groupExport:key` as the sandbox prints it). */
function projectSetting(values: Map<string, string>, key: string): string | undefined {
  return values.get(`groupExport:${key}`) ?? [...values].find(([k]) => !k.startsWith("groupExport:") && k.endsWith(`:${key}`))?.[1];
}

async function main(argv: string[]): Promise<void> {
  let values: { "google-customer"?: string; "entra-tenant"?: string; out?: string; force?: boolean; stack?: string; setting?: string[]; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        "google-customer": { type: "string" },
        "entra-tenant": { type: "string" },
        out: { type: "string" },
        force: { type: "boolean" },
        stack: { type: "string" },
        setting: { type: "string", multiple: true },
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  const { values: config, note } = stackConfig(values.stack);
  for (const setting of values.setting ?? []) {
    const at = setting.indexOf("=");
    if (at < 0) throw new UsageError(`--setting ${setting}: write groupExport:<key>=<value>`);
    config.set(setting.slice(0, at), setting.slice(at + 1));
  }
  const googleCustomer = values["google-customer"] ?? projectSetting(config, "googleCustomerId") ?? (projectSetting(config, "googleDomains") ? "my_customer" : undefined);
  const entraTenant = values["entra-tenant"] ?? projectSetting(config, "entraTenantId");
  if (!googleCustomer && !entraTenant) {
    throw new UsageError(`nothing to read: give --google-customer (e.g. my_customer) and/or --entra-tenant <tenant id>, or run it in the project of a stack that sets googleDomains or entraTenantId${note ? ` (${note})` : ""}`);
  }
  if (note) console.log(`note: ${note}`);
  // Read-only, whatever the credentials could do.
  process.env.GROUP_EXPORT_READ_ONLY = "true";
  const out = values.out ?? "groups.yaml";
  // The file may be the one the stack exports: replacing it by accident loses its edits.
  if (existsSync(out) && !values.force) throw new Error(`${out} exists: give another --out FILE, or add --force to replace it (its groups are not merged)`);
  const result = await readExistingGroups(new ProviderSettings({ get: (key) => config.get(key) }), {
    google: googleCustomer ? { customerId: googleCustomer } : undefined,
    entra: entraTenant ? { tenantId: entraTenant } : undefined,
  });
  writeFileSync(out, toGroupsYaml(result), { flag: values.force ? "w" : "wx" });
  console.log(`wrote ${out}: ${result.groups.length} user group(s)${result.notes.length ? `; notes:\n  ${result.notes.join("\n  ")}` : ""}`);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(`group-export-bootstrap: ${error instanceof Error ? error.message : String(error)}${error instanceof UsageError ? `\n\n${USAGE}` : ""}`);
  process.exit(error instanceof UsageError ? 2 : 1);
});
