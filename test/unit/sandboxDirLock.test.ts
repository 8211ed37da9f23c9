import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { REPO_ROOT } from "../support/pulumiCli";

/**
 * `group-export-sandbox --dir`: one sandbox per folder. The CLI itself, started twice: the second
 * fails at start naming the first's pid and the way out; a killed first leaves no stuck lock.
 */

interface SandboxProcess {
  child: ChildProcess;
  out: string;
  exited: Promise<number | null>;
}

async function runSandbox(dir: string): Promise<SandboxProcess> {
  // One process (tsx as a loader, not its wrapper CLI), so the pid the lock holds is the child's.
  const child = spawn(process.execPath, ["--import", "tsx", join(REPO_ROOT, "provider/sandbox/cli.ts"), "--dir", dir], { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"] });
  const running: SandboxProcess = { child, out: "", exited: new Promise((resolve) => child.on("exit", resolve)) };
  child.stdout!.on("data", (d: Buffer) => (running.out += d));
  child.stderr!.on("data", (d: Buffer) => (running.out += d));
  for (let i = 0; i < 600 && !running.out.includes("/__sandbox/google") && child.exitCode === null && child.signalCode === null; i++) await new Promise((r) => setTimeout(r, 50));
  return running;
}

const lockHolder = (dir: string) => (JSON.parse(readFileSync(join(dir, "sandbox.lock"), "utf8")) as { pid: number }).pid;

describe("group-export-sandbox: one sandbox per --dir", function () {
  this.timeout(60_000);
  const dir = join(mkdtempSync(join(tmpdir(), "group-export-sandbox-lock-")), "sandbox");
  const started: SandboxProcess[] = [];

  after(() => {
    for (const s of started) if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill("SIGINT");
  });

  it("a second start on the same --dir fails at start, naming the running one's pid and how to proceed; the first keeps serving", async () => {
    const first = await runSandbox(dir);
    started.push(first);
    expect(first.out).to.include("Sandbox listening on");
    const pid = first.child.pid!;
    expect(lockHolder(dir)).to.equal(pid);

    const second = await runSandbox(dir);
    started.push(second);
    expect(await second.exited).to.equal(1);
    expect(second.out).to.match(new RegExp(`^group-export-sandbox: --dir ${dir} is in use by another sandbox \\(pid ${pid}, started [^)]+\\); two sandboxes on one folder overwrite each other's state\\. `));
    expect(second.out).to.include(`Stop that one (kill ${pid}, or Ctrl-C in its terminal), or start this one with another --dir.`);
    expect(second.out.trimEnd().split("\n"), "one line, no trace").to.have.length(1);
    expect(first.child.exitCode, "the first still runs").to.equal(null);
    expect(lockHolder(dir), "the lock is still the first's").to.equal(pid);
  });

  it("a sandbox killed with SIGKILL leaves no stuck lock: the next start takes the folder over", async () => {
    const first = started[0]!;
    first.child.kill("SIGKILL");
    await first.exited;
    expect(existsSync(join(dir, "sandbox.lock")), "SIGKILL leaves the lock file behind").to.equal(true);

    const next = await runSandbox(dir);
    started.push(next);
    expect(next.out).to.include("Sandbox listening on");
    expect(lockHolder(dir)).to.equal(next.child.pid);
  });

  it("a sandbox stopped with Ctrl-C removes its lock", async () => {
    const running = started[2]!;
    running.child.kill("SIGINT");
    expect(await running.exited).to.equal(0);
    expect(existsSync(join(dir, "sandbox.lock"))).to.equal(false);
  });
});
