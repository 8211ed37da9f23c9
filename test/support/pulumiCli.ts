import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";

/** The repository root (this file is test/support/pulumiCli.ts). */
export const REPO_ROOT = resolve(__dirname, "..", "..");

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout and stderr together, for assertions on what a user sees. */
  output: string;
}

let engineBin: string | undefined;

/** Runs test/engine/ensure-pulumi.sh once: the real CLI, built from the Go module proxy if needed. */
export function ensureEngine(): string {
  if (!engineBin) {
    const out = execFileSync("bash", [join(REPO_ROOT, "test/engine/ensure-pulumi.sh")], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
    engineBin = out.trim().split("\n").pop()!;
  }
  return engineBin;
}

let packedTarball: string | undefined;

/** `npm pack`s the built package once, so programs install it the way users do. */
export function packPackage(): string {
  if (!packedTarball) {
    const dir = mkdtempSync(join(tmpdir(), "group-export-pack-"));
    const name = execFileSync("npm", ["pack", "--silent", "--pack-destination", dir], { cwd: REPO_ROOT, encoding: "utf8" }).trim().split("\n").pop()!;
    packedTarball = join(dir, name);
  }
  return packedTarball;
}

/**
 * The @pulumi/pulumi version test programs pin (the newest that supports Node.js 20), unless
 * GROUP_EXPORT_PULUMI_SDK_VERSION names another (test/node22/run.sh: the newest, on Node 22).
 */
export const PULUMI_SDK_VERSION =
  process.env.GROUP_EXPORT_PULUMI_SDK_VERSION || (require(join(REPO_ROOT, "package.json")) as { devDependencies: Record<string, string> }).devDependencies["@pulumi/pulumi"];

/** Installs a program's dependencies: the packed package plus @pulumi/pulumi. */
export function installProgram(programDir: string, extraDependencies: Record<string, string> = {}): void {
  const pkg = {
    name: "group-export-program",
    private: true,
    dependencies: { "@pulumi/pulumi": PULUMI_SDK_VERSION, "pulumi-group-export": `file:${packPackage()}`, ...extraDependencies },
  };
  writeFileSync(join(programDir, "package.json"), JSON.stringify(pkg, null, 2));
  execFileSync("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error"], { cwd: programDir, stdio: ["ignore", "ignore", "inherit"] });
}

/**
 * A Pulumi project and stack on a local file backend, with its own PULUMI_HOME and a
 * passphrase secrets provider: nothing touches the user's own Pulumi setup.
 */
export class PulumiWorkspace {
  readonly home: string;
  readonly backend: string;
  private readonly env: NodeJS.ProcessEnv;

  constructor(
    readonly programDir: string,
    extraEnv: Record<string, string> = {},
  ) {
    const root = mkdtempSync(join(tmpdir(), "group-export-pulumi-"));
    this.home = join(root, "home");
    this.backend = join(root, "state");
    mkdirSync(this.home);
    mkdirSync(this.backend);
    const bin = ensureEngine();
    this.env = {
      ...process.env,
      PATH: `${bin}:${process.env.PATH}`,
      PULUMI_HOME: this.home,
      PULUMI_BACKEND_URL: `file://${this.backend}`,
      PULUMI_CONFIG_PASSPHRASE: "group-export-test-passphrase",
      PULUMI_SKIP_UPDATE_CHECK: "true",
      PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
      PULUMI_SKIP_CONFIRMATIONS: "true",
      NO_COLOR: "1",
      ...extraEnv,
    };
  }

  /** Sets an environment variable for the CLI and the provider processes it starts. */
  setEnv(key: string, value: string): void {
    this.env[key] = value;
  }

  /** The environment the CLI runs with (for tools a test runs beside it). */
  environment(): NodeJS.ProcessEnv {
    return { ...this.env };
  }

  /** Starts `pulumi <args>` and returns the process (for tests that interrupt a run). */
  start(args: string[]): ChildProcessWithoutNullStreams {
    return spawn("pulumi", ["--non-interactive", "--color=never", ...args], { cwd: this.programDir, env: this.env });
  }

  /** Runs `pulumi <args>` in the program directory; never throws on a non-zero exit. */
  run(args: string[], input?: string): Promise<CliResult> {
    return new Promise((resolvePromise, reject) => {
      const child = spawn("pulumi", ["--non-interactive", "--color=never", ...args], { cwd: this.programDir, env: this.env });
      let stdout = "";
      let stderr = "";
      let output = "";
      child.stdout.on("data", (d: Buffer) => ((stdout += d), (output += d)));
      child.stderr.on("data", (d: Buffer) => ((stderr += d), (output += d)));
      child.on("error", reject);
      child.on("close", (code) => resolvePromise({ code: code ?? -1, stdout, stderr, output }));
      child.stdin.end(input ?? "");
    });
  }

  /** Like run, but throws with the CLI's output when it fails. */
  async ok(args: string[], input?: string): Promise<CliResult> {
    const result = await this.run(args, input);
    if (result.code !== 0) throw new Error(`pulumi ${args.join(" ")} exited ${result.code}:\n${result.output}`);
    return result;
  }

  async initStack(stack: string, config: Record<string, { value: string; secret: boolean }>): Promise<void> {
    await this.ok(["stack", "init", stack]);
    await this.setConfig(config);
  }

  async setConfig(config: Record<string, { value: string; secret: boolean }>): Promise<void> {
    const entries = Object.entries(config);
    // Plain settings in one call (each CLI call costs a quarter of a second)...
    const plain = entries.filter(([, { secret }]) => !secret).flatMap(([key, { value }]) => ["--plaintext", `${key}=${value}`]);
    if (plain.length > 0) await this.ok(["config", "set-all", ...plain]);
    // ...secrets through stdin, so they never appear in a process list or an error message.
    for (const [key, { value }] of entries.filter(([, { secret }]) => secret)) await this.ok(["config", "set", key, "--secret"], value);
  }

  preview(...extra: string[]) {
    return this.run(["preview", "--diff", ...extra]);
  }

  /** `pulumi up` without a preview, as the Automation API (and so pulumi/actions) runs it. */
  up(...extra: string[]) {
    return this.run(["up", "--yes", "--skip-preview", "--diff", ...extra]);
  }

  /**
   * `up` through Pulumi's Automation API (`Stack.up()`), as pulumi/actions and other CI drivers run
   * it: no preview first (`--skip-preview`). Same project, stack, backend and environment as the
   * CLI runs; never throws on a failed update (code 1, the error in `output`).
   */
  async automationUp(stack: string): Promise<CliResult> {
    const { LocalWorkspace, PulumiCommand } = await import("@pulumi/pulumi/automation/index.js");
    const envVars = Object.fromEntries(Object.entries(this.env).filter((e): e is [string, string] => typeof e[1] === "string"));
    const pulumiCommand = await PulumiCommand.get({ root: dirname(ensureEngine()), skipVersionCheck: true });
    const selected = await LocalWorkspace.selectStack({ stackName: stack, workDir: this.programDir }, { envVars, pulumiHome: this.home, pulumiCommand });
    let output = "";
    try {
      const result = await selected.up({ onOutput: (text) => void (output += text), diff: true, color: "never" });
      return { code: result.summary.result === "succeeded" ? 0 : 1, stdout: output, stderr: "", output };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      return { code: 1, stdout: output, stderr: message, output: `${output}\n${message}` };
    }
  }

  /** `pulumi up` as a person runs it: the CLI previews first, then applies. */
  upWithPreview(...extra: string[]) {
    return this.run(["up", "--yes", "--diff", ...extra]);
  }

  refresh(...extra: string[]) {
    return this.run(["refresh", "--yes", "--skip-preview", ...extra]);
  }

  destroy(...extra: string[]) {
    return this.run(["destroy", "--yes", "--skip-preview", ...extra]);
  }

  /** The raw state file(s) of the backend, for searching for leaked secrets. */
  stateFiles(): string[] {
    const found: string[] = [];
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const p = join(dir, entry.name);
        if (entry.isDirectory()) walk(p);
        else found.push(p);
      }
    };
    if (existsSync(this.backend)) walk(this.backend);
    return found;
  }
}
