import { subscribe, unsubscribe } from "node:diagnostics_channel";
import { readFileSync } from "node:fs";
import { connect } from "node:net";

/**
 * Stops the dynamic-provider process once the Pulumi engine that started it is gone.
 *
 * When `pulumi up` is killed (a CI timeout, a cancelled job, SIGKILL), nothing tells the
 * dynamic-provider process: it is re-parented and would go on sending the writes it had queued
 * (measured: hundreds of writes after the kill, a process alive 14 minutes later) to a run
 * whose checkpoint nobody will ever write. Two signals, either of which ends the process:
 *
 * - the parent changes: the CLI starts the plugin through a shell script that `exec`s node (as
 *   this repository's engine does), so node's parent IS the CLI; when the CLI dies, `ppid`
 *   changes at once;
 *   On Linux, when node's parent is the released plugin script (which runs node WITHOUT
 *   `exec`, so the shell outlives the CLI), the shell's parent is compared instead;
 * - the engine's gRPC address (the host address Pulumi passes as the plugin's argument) refuses
 *   connections: the portable signal for a shell in between (the engine's port closes with the
 *   CLI). Only a refused connection counts (never a timeout), and only twice in a row, so a busy
 *   engine is never mistaken for a dead one.
 *
 * Besides the timers, the parent is compared synchronously whenever the process is about to
 * send an HTTP request (Node's `http.client.request.start` and undici's `undici:request:create`
 * diagnostics channels: the Google clients use the first, Graph's fetch the second), so a
 * request the CLI's death would orphan is never sent, whatever the timers' phase.
 */

/** How often the parent is compared (getppid costs nothing). */
const PARENT_INTERVAL_MS = 100;
/** How often the engine's address is probed. */
const PROBE_INTERVAL_MS = 1000;
/** Consecutive refusals that mean the engine is gone. */
const REFUSALS_TO_EXIT = 2;

/** Exit status of a provider whose engine disappeared (distinct from a crash's 1). */
export const ENGINE_GONE_EXIT_CODE = 75;

export interface WatchdogOptions {
  /** The engine's address, `host:port` (the dynamic provider's first argument). */
  engineAddress?: string;
  /** The CLI's process id at start (node's parent, or the plugin shell's parent). */
  parentPid: number;
  /** Reads the CLI's process id as seen now. */
  currentParent: () => number;
  /** Called once when the engine is gone (default: exit the process). */
  onEngineGone: (reason: string) => void;
  /** Probes the engine: resolves "refused" when nothing listens there any more. */
  probe?: (address: string) => Promise<"ok" | "refused" | "unknown">;
  parentIntervalMs?: number;
  probeIntervalMs?: number;
  /** Also compare the parent before every outgoing HTTP request (default true). */
  beforeRequests?: boolean;
}

/** Diagnostics channels published when an HTTP request is created, before anything is sent. */
const REQUEST_CHANNELS = ["http.client.request.start", "undici:request:create"];

export interface Watchdog {
  stop(): void;
}

/** Parses `host:port` (IPv6 hosts may be bracketed); undefined when it is no address. */
export function parseEngineAddress(arg: string | undefined): { host: string; port: number } | undefined {
  if (!arg) return undefined;
  const match = /^\[?([^\]]+?)\]?:(\d{1,5})$/.exec(arg.trim());
  if (!match) return undefined;
  const port = Number(match[2]);
  if (port <= 0 || port > 65535) return undefined;
  return { host: match[1], port };
}

/** One TCP connection attempt to the engine; only ECONNREFUSED means "gone". */
export function probeEngine(address: string): Promise<"ok" | "refused" | "unknown"> {
  const parsed = parseEngineAddress(address);
  if (!parsed) return Promise.resolve("unknown");
  return new Promise((resolve) => {
    const socket = connect({ host: parsed.host, port: parsed.port });
    const done = (result: "ok" | "refused" | "unknown") => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(2000, () => done("unknown"));
    socket.once("connect", () => done("ok"));
    socket.once("error", (error: NodeJS.ErrnoException) => done(error.code === "ECONNREFUSED" ? "refused" : "unknown"));
    socket.unref();
  });
}

/** Starts both checks; the timers are unref'd, so they never keep a finished process alive. */
export function startWatchdog(options: WatchdogOptions): Watchdog {
  let stopped = false;
  const gone = (reason: string) => {
    if (stopped) return;
    stop();
    options.onEngineGone(reason);
  };
  const checkParent = () => {
    const now = options.currentParent();
    if (now !== options.parentPid) gone(`its parent process ${options.parentPid} exited (now ${now})`);
  };
  const parentTimer = setInterval(checkParent, options.parentIntervalMs ?? PARENT_INTERVAL_MS);
  parentTimer.unref();
  const beforeRequests = options.beforeRequests !== false;
  if (beforeRequests) for (const channel of REQUEST_CHANNELS) subscribe(channel, checkParent);

  let probeTimer: NodeJS.Timeout | undefined;
  const address = options.engineAddress;
  if (address && parseEngineAddress(address)) {
    const probe = options.probe ?? probeEngine;
    let refusals = 0;
    let probing = false;
    probeTimer = setInterval(() => {
      if (probing) return;
      probing = true;
      void probe(address).then((result) => {
        probing = false;
        refusals = result === "refused" ? refusals + 1 : 0;
        if (refusals >= REFUSALS_TO_EXIT) gone(`the engine at ${address} no longer accepts connections`);
      });
    }, options.probeIntervalMs ?? PROBE_INTERVAL_MS);
    probeTimer.unref();
  }

  function stop() {
    stopped = true;
    clearInterval(parentTimer);
    if (beforeRequests) for (const channel of REQUEST_CHANNELS) unsubscribe(channel, checkParent);
    if (probeTimer) clearInterval(probeTimer);
  }
  return { stop };
}

let started: Watchdog | undefined;

/** The parent of `pid` from /proc (Linux); undefined where /proc is not available or it is gone. */
export function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // "pid (comm) state ppid …": comm may hold spaces and parentheses, so read after the last ")".
    const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    return Number.isInteger(ppid) ? ppid : undefined;
  } catch {
    return undefined;
  }
}

/** Whether `pid` is the plugin's shell script (Pulumi's released one runs node without exec). */
export function isPluginShell(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("pulumi-resource-");
  } catch {
    return false;
  }
}

/**
 * Starts the watchdog once per process, and only inside Pulumi's dynamic-provider host (never
 * in a test runner or a program that merely imports this package).
 */
export function watchEngineOnce(): void {
  if (started) return;
  // Off only to measure what happens without it (the e2e baseline); never needed otherwise.
  if (process.env.GROUP_EXPORT_ENGINE_WATCHDOG === "off") return;
  const script = process.argv[1] ?? "";
  if (!/dynamic-provider/.test(script)) return;
  // Node's parent is the CLI, or (Linux, released plugin script) a shell whose parent is the CLI.
  // Only that exact shell is looked through: the CLI's own parent may come and go (nohup, CI shells).
  const shell = isPluginShell(process.ppid) ? process.ppid : undefined;
  const cli = () => (shell === undefined ? process.ppid : process.ppid === shell ? (parentOf(shell) ?? -1) : process.ppid);
  started = startWatchdog({
    // The host address is the plugin's first non-flag argument (flags such as --logtostderr may come first).
    engineAddress: process.argv.slice(2).find((arg) => parseEngineAddress(arg) !== undefined),
    parentPid: cli(),
    currentParent: cli,
    onEngineGone: (reason) => {
      // stderr may be a pipe nobody reads any more: never let a failed write keep us alive.
      try {
        process.stderr.write(`pulumi-group-export: the Pulumi engine is gone (${reason}); stopping the provider so nothing more is written\n`);
      } catch {
        // ignored: exiting is what matters
      }
      process.exit(ENGINE_GONE_EXIT_CODE);
    },
  });
}
