import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { expect } from "chai";
import { startSandbox, type Sandbox } from "../../provider/sandbox";
import { e2eProgramDir } from "../support/e2eProgram";
import { PulumiWorkspace, REPO_ROOT } from "../support/pulumiCli";
import { RootProjectStack } from "../support/rootProject";
import { googleMembers, writeRequests } from "../support/sandboxViews";

/**
 * Issue 23, the tools of a first hour through the real CLI: the sandbox command (files kept in one
 * folder across restarts, config lines that run as printed, a port in use in one line, the example
 * seed), the groups file (every problem of a YAML file and of a CSV file in one preview, an empty
 * group at file:line even without a preview, a CSV line without its trailing empty fields) and
 * bootstrap (the stack's configuration, --help).
 */

const CLI = join(REPO_ROOT, "dist/provider/sandbox/cli.js");
const FIXTURES = join(REPO_ROOT, "test/fixtures/groupsFiles");

/** A running `group-export-sandbox`, and what it printed once ready. */
interface SandboxProcess {
  child: ChildProcess;
  out: string;
  exited: Promise<number | null>;
}

async function runSandbox(args: string[]): Promise<SandboxProcess> {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  const running: SandboxProcess = { child, out: "", exited: new Promise((resolve) => child.on("exit", resolve)) };
  child.stdout!.on("data", (d: Buffer) => (running.out += d));
  child.stderr!.on("data", (d: Buffer) => (running.out += d));
  for (let i = 0; i < 300 && !running.out.includes("/__sandbox/google") && child.exitCode === null; i++) await new Promise((r) => setTimeout(r, 50));
  return running;
}

async function stop(running: SandboxProcess): Promise<void> {
  running.child.kill("SIGINT");
  expect(await running.exited).to.equal(0);
}

describe("the first hour's tools: the sandbox command, the groups file, bootstrap", function () {
  describe("group-export-sandbox --dir", () => {
    const dir = join(mkdtempSync(join(tmpdir(), "group-export-sandbox-cli-")), "sandbox");
    let workspace: PulumiWorkspace;
    let first: SandboxProcess;

    after(async () => {
      if (first?.child.exitCode === null) first.child.kill("SIGINT");
    });

    it("serves the example seed; its printed `pulumi config set` lines run as printed, and up works", async () => {
      first = await runSandbox(["--dir", dir, "--seed", join(REPO_ROOT, "examples/sandbox/seed.json")]);
      expect(first.out).to.include(`Its CA and keys are kept in ${dir}`);
      const ca = /^export NODE_EXTRA_CA_CERTS=(\S+)$/m.exec(first.out)![1]!;
      expect(ca).to.equal(join(dir, "ca.pem"));
      workspace = new PulumiWorkspace(e2eProgramDir(), { NODE_EXTRA_CA_CERTS: ca, GROUP_EXPORT_TEST_SPEC: join(dir, "..", "spec.json") });
      await workspace.ok(["stack", "init", "cli"]);
      const lines = first.out.split("\n").filter((l) => l.startsWith("pulumi config set "));
      expect(lines.length).to.be.greaterThan(8);
      for (const line of lines) {
        // Verbatim, through a shell, as a user pastes them (the CLI would refuse "secret-looking" values without --plaintext).
        const ran = spawnSync("bash", ["-c", line.replace(/^pulumi /, "pulumi --non-interactive ")], { cwd: workspace.programDir, env: workspace.environment(), encoding: "utf8" });
        expect(ran.status, `${line}\n${ran.stdout}${ran.stderr}`).to.equal(0);
      }
      // The seed's two Entra groups named "Support" (no mailNickname given) are both there.
      const state = JSON.parse(readFileSync(join(dir, "state.json"), "utf8")) as { entra: { groups: { displayName: string; mailNickname: string }[] } };
      expect(state.entra.groups.map((g) => [g.displayName, g.mailNickname])).to.deep.equal([
        ["Support", "Support"],
        ["Support", "Support2"],
      ]);
      writeFileSync(
        join(dir, "..", "spec.json"),
        JSON.stringify({
          management: { workspace: { google: { domains: ["example.com"] } } },
          googleGroups: { eng: { management: "workspace", email: "eng@example.com" } },
          bindings: { "eng-members": { target: "eng", userGroup: { name: "Eng", users: ["alice@example.com", "bob@example.com"] } } },
        }),
      );
      const up = await workspace.up();
      expect(up.code, up.output).to.equal(0);
    });

    it("a restart with the same --dir serves the same CA, keys, tenants and port: the stack works with no config change", async () => {
      const before = first.out;
      await stop(first);
      first = await runSandbox(["--dir", dir]);
      expect(first.out, "the same instructions, line for line").to.equal(before);
      const again = await workspace.run(["preview", "--refresh", "--expect-no-changes"]);
      expect(again.code, again.output).to.equal(0);
    });

    it("a port in use is one line naming the port and the fix, not a trace", async () => {
      const port = new URL(/Sandbox listening on (\S+) /.exec(first.out)![1]!).port;
      const second = await runSandbox(["--port", port]);
      expect(await second.exited).to.equal(1);
      expect(second.out).to.equal(
        `group-export-sandbox: port ${port} on 127.0.0.1 is already in use (another sandbox, or another program, listens there): stop it, or choose another port with --port (leave it out for a free one)\n`,
      );
      await stop(first);
    });
  });

  describe("groups files through the root project", () => {
    let sandbox: Sandbox;
    let stack: RootProjectStack;
    const dir = mkdtempSync(join(tmpdir(), "group-export-first-hour-files-"));

    before(async () => {
      sandbox = await startSandbox({
        google: { domains: ["example.com"], admins: ["admin@example.com"], users: ["alice", "bob", "carol"].map((n) => ({ primaryEmail: `${n}@example.com` })) },
      });
      stack = await RootProjectStack.create(sandbox, "test-first-hour-files", { groupsFile: join(FIXTURES, "ten-mistakes.yaml"), googleDomains: "example.com" });
    });
    after(async () => {
      stack?.close();
      await sandbox?.close();
    });

    for (const [file, count] of [
      ["ten-mistakes.yaml", 13],
      ["ten-mistakes.csv", 13],
    ] as const) {
      it(`${file}: ten different kinds of mistakes, every one in one preview, nothing written`, async () => {
        await stack.workspace.setConfig({ "group-export:groupsFile": { value: join(FIXTURES, file), secret: false } });
        const preview = await stack.workspace.run(["preview"]);
        expect(preview.code).to.not.equal(0);
        // Named by its path from the project's directory (the repository's here), as the stack's config gives it.
        const label = relative(REPO_ROOT, join(FIXTURES, file));
        const reported = preview.output.split("\n").filter((l) => l.trim().startsWith(`${label}:`));
        expect(preview.output).to.include(`${count} problems in ${label}:`);
        // Each problem once (the Diagnostics section), each naming line, column, field and fix.
        expect(reported, preview.output).to.have.length(count);
        for (const line of reported) expect(line).to.match(new RegExp(`^\\s*${label.replace(/[./]/g, "\\$&")}:\\d+:\\d+: .+\\. Fix: .+`));
        expect(new Set(reported.map((l) => l.trim().split(":").slice(1, 3).join(":"))).size, "distinct places").to.be.greaterThan(9);
        expect(preview.output).to.not.match(/\n\s+at .*\.js:\d+:\d+/);
        expect(writeRequests(sandbox)).to.deep.equal([]);
      });
    }

    it("an empty group is reported at file:line even by an up that skips the preview; nothing is written", async () => {
      const file = join(dir, "groups.yaml");
      writeFileSync(file, ["groups:", "  - name: Engineering", "    email: engineering@example.com", "    users: [alice@example.com]", "  - name: Ops", "    email: ops@example.com", "    users: []"].join("\n"));
      await stack.workspace.setConfig({ "group-export:groupsFile": { value: file, secret: false } });
      const up = await stack.workspace.up();
      expect(up.code).to.not.equal(0);
      expect(up.output).to.include(
        'groups.yaml:7:12: groups[1].users: "Ops" has no users. Fix: add its users, or allowEmpty: true to declare it now and export it once it has a user (nothing is made until then)',
      );
      expect(writeRequests(sandbox), "not even Engineering is made").to.deep.equal([]);
    });

    it("a CSV whose lines leave out their trailing empty fields (as spreadsheets export it) is accepted and exported", async () => {
      const file = join(dir, "groups.csv");
      writeFileSync(file, ["group,user,email,membershipMode,allowEmpty", "Engineering,alice@example.com,engineering@example.com", "Engineering,bob@example.com", "Sales,carol@example.com,sales@example.com,additive"].join("\n"));
      await stack.workspace.setConfig({ "group-export:groupsFile": { value: file, secret: false } });
      const up = await stack.workspace.up();
      expect(up.code, up.output).to.equal(0);
      expect(googleMembers(sandbox, "engineering@example.com")).to.deep.equal(["alice@example.com", "bob@example.com"]);
      expect(googleMembers(sandbox, "sales@example.com")).to.deep.equal(["carol@example.com"]);
    });
  });

  describe("group-export-bootstrap", () => {
    let sandbox: Sandbox;
    let workspace: PulumiWorkspace;

    before(async () => {
      sandbox = await startSandbox({
        google: { domains: ["example.com"], admins: ["admin@example.com"], users: [{ primaryEmail: "alice@example.com" }], groups: [{ email: "eng@example.com", name: "Eng", members: ["alice@example.com"] }] },
        entra: { users: [{ userPrincipalName: "alice@example.com" }], groups: [{ displayName: "Ops" }] },
      });
      // A project directory of its own with a stack holding the sandbox's settings, as a user's would.
      const project = mkdtempSync(join(tmpdir(), "group-export-bootstrap-project-"));
      copyFileSync(join(e2eProgramDir(), "Pulumi.yaml"), join(project, "Pulumi.yaml"));
      workspace = new PulumiWorkspace(project, sandbox.env());
      await workspace.initStack("boot", sandbox.providerConfig());
    });
    after(async () => sandbox?.close());

    const bootstrap = (args: string[]) =>
      new Promise<{ code: number | null; output: string }>((resolve) => {
        const child = spawn(process.execPath, [join(REPO_ROOT, "dist/provider/bootstrap/cli.js"), ...args], { cwd: workspace.programDir, env: workspace.environment() });
        let output = "";
        child.stdout.on("data", (d: Buffer) => (output += d));
        child.stderr.on("data", (d: Buffer) => (output += d));
        child.on("close", (code) => resolve({ code, output }));
      });

    it("--help prints the usage", async () => {
      const help = await bootstrap(["--help"]);
      expect(help.code).to.equal(0);
      expect(help.output).to.match(/^Usage: group-export-bootstrap /);
      expect(help.output).to.include("--stack NAME");
    });

    it("reads the current stack's configuration (credentials, endpoints, the Entra tenant): no --setting needed", async () => {
      const out = join(workspace.programDir, "groups.yaml");
      const run = await bootstrap(["--google-customer", "my_customer", "--out", out]);
      expect(run.code, run.output).to.equal(0);
      expect(run.output).to.include(`wrote ${out}: 2 user group(s)`);
      const text = readFileSync(out, "utf8");
      expect(text).to.include("name: Eng").and.include("name: Ops");
      expect(writeRequests(sandbox)).to.deep.equal([]);
      // A second run never replaces the file (it may hold the stack's edits) unless --force.
      writeFileSync(out, `${text}# edited\n`);
      const again = await bootstrap(["--google-customer", "my_customer", "--out", out]);
      expect(again.code, again.output).to.equal(1);
      expect(again.output).to.equal(`group-export-bootstrap: ${out} exists: give another --out FILE, or add --force to replace it (its groups are not merged)\n`);
      expect(readFileSync(out, "utf8")).to.equal(`${text}# edited\n`);
      const forced = await bootstrap(["--google-customer", "my_customer", "--out", out, "--force"]);
      expect(forced.code, forced.output).to.equal(0);
      expect(readFileSync(out, "utf8")).to.equal(text);
      const named = await bootstrap(["--stack", "no-such-stack", "--google-customer", "my_customer", "--out", out]);
      expect(named.code).to.equal(1);
      expect(named.output).to.match(/^group-export-bootstrap: cannot read the configuration of stack no-such-stack \(pulumi config --json: .+\): run it from the Pulumi project's directory, logged in to its backend\n$/);
    });
  });
});
