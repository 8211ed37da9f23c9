#!/usr/bin/env node
/**
 * `group-export-sandbox`: runs the local sandbox until interrupted and prints what a Pulumi
 * program needs to use it (the CA to trust and the stack configuration), so users can try
 * their own programs offline. With --dir (or --state) its files stay in one folder and are
 * used again at the next start, so the printed configuration stays valid across restarts.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { basename, dirname, extname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { z } from "zod";
import { lockSandboxDir } from "./dirLock";
import { startSandbox, type Sandbox, type SandboxOptions } from "./index";

const USAGE = `Usage: group-export-sandbox [--dir DIR] [--state FILE] [--seed FILE] [--port N]

  --dir DIR     keep the sandbox's files in DIR: the CA (ca.pem), its TLS key, the Google
                service-account key, the Entra client secret, the JumpCloud key, the port, and
                the directories (DIR/state.json unless --state names another file). A restart
                with the same DIR serves the same CA, keys, tenants and port, so the printed
                configuration stays valid. Default: beside --state (FILE without its extension,
                plus "-files"), else a new temporary folder at each start
  --state FILE  keep the directories in FILE: loaded at start if it exists (it wins over
                --seed), written back after every change and on exit
  --seed FILE   JSON seed: { "google": { "domains": [...], "users": [...], "groups": [...] },
                "entra": { ... }, "jumpcloud": { ... } } (the format of the state file and of
                GET /__sandbox/google; an example: examples/sandbox/seed.json in the package)
  --port N      port on 127.0.0.1 (default: the port of the last start with this --dir, else a free one)
  --help        this text
`;

/** Quotes a value for a POSIX shell, only where needed. */
function shellQuote(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/** A mistake in the command line or its files: one line, then the usage. */
class UsageError extends Error {}

function readSeed(path: string): Pick<SandboxOptions, "google" | "entra" | "jumpcloud"> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new UsageError(`--seed ${path}: cannot read it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  try {
    return JSON.parse(text) as Pick<SandboxOptions, "google" | "entra" | "jumpcloud">;
  } catch (error) {
    throw new UsageError(`--seed ${path}: not JSON (${(error as Error).message})`);
  }
}

/** The port the last start with this folder listened on, if it recorded one. */
function savedPort(dir: string | undefined): number | undefined {
  const file = dir && join(dir, "sandbox.json");
  if (!file || !existsSync(file)) return undefined;
  const port = (JSON.parse(readFileSync(file, "utf8")) as { port?: unknown }).port;
  return typeof port === "number" && Number.isInteger(port) && port > 0 ? port : undefined;
}

/** What a program needs: the CA to trust and the stack config, as lines that run as printed. */
function instructions(sandbox: Sandbox, state: string | undefined, dir: string | undefined): string[] {
  // `--plaintext`: the CLI refuses, without it, values of keys that "look like a secret" (a token URL, a file path).
  const set = (key: string, value: string, secret: boolean) => `pulumi config set ${secret ? "--secret" : "--plaintext"} ${key} ${shellQuote(value)}`;
  return [
    `Sandbox listening on ${sandbox.url} (Ctrl-C to stop).`,
    state ? `Directories are kept in ${state}.` : "Directories live in memory: pass --state FILE (or --dir DIR) to keep them.",
    dir ? `Its CA and keys are kept in ${dir}: a restart with the same --dir keeps this configuration valid.` : "Its CA and keys are made anew at each start: pass --dir DIR to keep them.",
    "",
    "# In the shell that runs pulumi, so the provider trusts the sandbox's CA:",
    `export NODE_EXTRA_CA_CERTS=${shellQuote(sandbox.caPath)}`,
    "",
    "# In the stack's directory:",
    ...Object.entries(sandbox.providerConfig()).map(([key, { value, secret }]) => set(key, value, secret)),
    "",
    "# To read user groups from the sandbox's JumpCloud (the root project: pulumi config set source jumpcloud):",
    ...Object.entries(sandbox.jumpcloud.programConfig()).map(([key, { value, secret }]) => set(key, value, secret)),
    "",
    "# To see or edit the directories by hand (docs/guides/sandbox.md#editing-a-running-sandbox-by-hand):",
    `curl --cacert ${shellQuote(sandbox.caPath)} ${sandbox.url}/__sandbox/google`,
    "",
  ];
}

async function main(): Promise<void> {
  let values: { port?: string; seed?: string; state?: string; dir?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      options: { port: { type: "string" }, seed: { type: "string" }, state: { type: "string" }, dir: { type: "string" }, help: { type: "boolean", short: "h" } },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  const dir = values.dir ? resolve(values.dir) : values.state ? join(dirname(resolve(values.state)), `${basename(values.state, extname(values.state))}-files`) : undefined;
  const state = values.state ? resolve(values.state) : dir ? join(dir, "state.json") : undefined;
  const requested = values.port === undefined ? undefined : Number(values.port);
  if (requested !== undefined && (!Number.isInteger(requested) || requested < 0 || requested > 65535)) throw new UsageError(`--port: not a port number: ${values.port}`);
  const seed = values.seed ? readSeed(values.seed) : {};
  // Before anything reads or writes the folder: a second sandbox on it would overwrite the first's state.
  if (dir) lockSandboxDir(dir);
  const options: SandboxOptions = { google: seed.google, entra: seed.entra, jumpcloud: seed.jumpcloud, stateFile: state, filesDir: dir };
  const remembered = requested === undefined ? savedPort(dir) : undefined;
  let sandbox: Sandbox;
  try {
    sandbox = await startSandbox({ ...options, port: requested ?? remembered ?? 0 });
  } catch (error) {
    // The remembered port is taken (e.g. by another program now): a free one, said in the output.
    if ((error as Error).name !== "SandboxPortInUseError" || remembered === undefined) throw error;
    sandbox = await startSandbox({ ...options, port: 0 });
    process.stdout.write(
      `Port ${remembered} (the last start's) is in use by another program, so the sandbox takes another and the URLs below changed.\n`,
    );
  }
  // The port is remembered for the next start, except a stand-in taken because the remembered one was busy.
  const port = Number(new URL(sandbox.url).port);
  if (dir && (remembered === undefined || port === remembered || requested !== undefined)) writeFileSync(join(dir, "sandbox.json"), `${JSON.stringify({ port })}\n`);
  process.stdout.write(instructions(sandbox, state, dir).join("\n"));

  const stop = () => {
    void sandbox.close().then(() => process.exit(0));
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

main().catch((error: unknown) => {
  const message = error instanceof z.ZodError ? z.prettifyError(error) : error instanceof Error ? error.message : String(error);
  process.stderr.write(`group-export-sandbox: ${message}${error instanceof UsageError ? `\n\n${USAGE}` : "\n"}`);
  process.exit(error instanceof UsageError ? 2 : 1);
});
