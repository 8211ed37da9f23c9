import { mkdirSync, openSync, readFileSync, rmSync, writeSync, closeSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";

/** What `DIR/sandbox.lock` holds: the process that serves from DIR. */
const LockFile = z.object({ pid: z.number().int().positive(), startedAt: z.string() });
type LockFile = z.infer<typeof LockFile>;

/** Another live sandbox serves from this folder. */
export class SandboxDirInUseError extends Error {
  override name = "SandboxDirInUseError";
  constructor(dir: string, holder: LockFile, lockPath: string) {
    super(
      `--dir ${dir} is in use by another sandbox (pid ${holder.pid}, started ${holder.startedAt}); two sandboxes on one folder overwrite each other's state. ` +
        `Stop that one (kill ${holder.pid}, or Ctrl-C in its terminal), or start this one with another --dir. ` +
        `If no sandbox runs as pid ${holder.pid}, remove ${lockPath}.`,
    );
  }
}

/** Whether a process with this id runs (EPERM: it exists, owned by someone else). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
  // A killed process whose parent has not reaped it yet still answers signal 0: on Linux, its state says so.
  try {
    return !/^\d+ \(.*\) Z/s.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return true;
  }
}

function readHolder(path: string): LockFile | undefined {
  try {
    const parsed = LockFile.safeParse(JSON.parse(readFileSync(path, "utf8")));
    return parsed.success ? parsed.data : undefined;
  } catch {
    // Gone since, or half-written by a start that was killed at that instant: not a holder.
    return undefined;
  }
}

/**
 * Takes `DIR/sandbox.lock` for this process, or throws SandboxDirInUseError naming the live
 * process that holds it. A lock whose process is gone (a sandbox killed with SIGKILL, a
 * reboot) is taken over, so it never stays stuck. Returns the release function; the lock is
 * also released when this process exits.
 */
export function lockSandboxDir(dir: string): () => void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, "sandbox.lock");
  const mine: LockFile = { pid: process.pid, startedAt: new Date().toISOString() };
  for (let attempt = 0; ; attempt++) {
    let fd: number;
    try {
      // "wx": created only if absent, atomically, so of two starts at once only one wins.
      fd = openSync(path, "wx", 0o600);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST" || attempt > 2) throw error;
      const holder = readHolder(path);
      if (holder && holder.pid !== process.pid && alive(holder.pid)) throw new SandboxDirInUseError(dir, holder, path);
      rmSync(path, { force: true });
      continue;
    }
    writeSync(fd, `${JSON.stringify(mine)}\n`);
    closeSync(fd);
    break;
  }
  const release = () => {
    // Only our own lock: a later sandbox may have taken over a lock we no longer hold.
    if (readHolder(path)?.pid === process.pid) rmSync(path, { force: true });
    process.off("exit", release);
  };
  process.on("exit", release);
  return release;
}
