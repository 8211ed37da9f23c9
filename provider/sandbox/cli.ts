#!/usr/bin/env node
/**
 * `group-export-sandbox`: runs the local sandbox until interrupted and prints what a Pulumi
 * program needs to use it (the CA to trust and the stack configuration), so users can try
 * their own programs offline.
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { z } from "zod";
import { startSandbox, type SandboxOptions } from "./index";

const USAGE = `Usage: group-export-sandbox [--port N] [--seed FILE] [--state FILE]

  --port N      port on 127.0.0.1 (default: a free one)
  --seed FILE   JSON seed: { "google": { "domains": [...], "users": [...], "groups": [...] },
                "entra": { ... }, "jumpcloud": { ... } } (the format of the state file and of GET /__sandbox/google)
  --state FILE  keep the directories in FILE: loaded at start if it exists (it wins over
                --seed), written back after every change and on exit
`;

/** Quotes a value for a POSIX shell, only where needed. */
function shellQuote(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { port: { type: "string" }, seed: { type: "string" }, state: { type: "string" }, help: { type: "boolean", short: "h" } },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port: not a port number: ${values.port}\n\n${USAGE}`);
  const seed = values.seed ? (JSON.parse(readFileSync(values.seed, "utf8")) as Pick<SandboxOptions, "google" | "entra" | "jumpcloud">) : {};
  const sandbox = await startSandbox({ port, google: seed.google, entra: seed.entra, jumpcloud: seed.jumpcloud, stateFile: values.state });

  const lines = [
    `Sandbox listening on ${sandbox.url} (Ctrl-C to stop).`,
    values.state ? `Directories are kept in ${values.state}.` : "Directories live in memory: pass --state FILE to keep them.",
    "",
    "# In the shell that runs pulumi, so the provider trusts the sandbox's CA:",
    `export NODE_EXTRA_CA_CERTS=${shellQuote(sandbox.caPath)}`,
    "",
    "# In the stack's directory:",
    ...Object.entries(sandbox.providerConfig()).map(([key, { value, secret }]) => `pulumi config set ${secret ? "--secret " : ""}${key} ${shellQuote(value)}`),
    "",
    "# To read user groups from the sandbox's JumpCloud (the root project: pulumi config set source jumpcloud):",
    ...Object.entries(sandbox.jumpcloud.programConfig()).map(([key, { value }]) => `pulumi config set ${key} ${shellQuote(value)}`),
    "",
  ];
  process.stdout.write(lines.join("\n"));

  const stop = () => {
    void sandbox.close().then(() => process.exit(0));
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`group-export-sandbox: ${error instanceof z.ZodError ? z.prettifyError(error) : error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
