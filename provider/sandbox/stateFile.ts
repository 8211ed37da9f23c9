import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import type { NextFunction, Request, Response } from "express";

/** One emulated service's data, as the state file holds it (e.g. "google": the tenant). */
export interface StateSection {
  dump(): unknown;
  load(value: unknown): void;
}

/**
 * `startSandbox({ stateFile })`: the sandbox's directories survive restarts. The file is a
 * JSON object with one key per service; it is loaded at start if it exists and written back
 * shortly after every successful write request, after a reseed, and on close.
 */
export class SandboxStateFile {
  private timer: NodeJS.Timeout | undefined;
  private readonly sections: Record<string, StateSection> = {};

  constructor(readonly path: string) {}

  /** Registers a service; loads its part of the file if the file has one. */
  register(name: string, section: StateSection): void {
    this.sections[name] = section;
    if (!existsSync(this.path)) return;
    const saved = (JSON.parse(readFileSync(this.path, "utf8")) as Record<string, unknown>)[name];
    if (saved !== undefined) section.load(saved);
  }

  /** Middleware: a write that succeeded schedules a save. */
  middleware() {
    return (req: Request, res: Response, next: NextFunction): void => {
      if (req.method !== "GET" && !req.path.startsWith("/__sandbox/requests")) {
        res.on("finish", () => {
          if (res.statusCode < 400) this.scheduleSave();
        });
      }
      next();
    };
  }

  scheduleSave(): void {
    this.timer ??= setTimeout(() => this.save(), 200);
  }

  /** Writes now (atomically: a temporary file renamed over the old one). */
  save(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const state = Object.fromEntries(Object.entries(this.sections).map(([name, s]) => [name, s.dump()]));
    writeFileSync(`${this.path}.tmp`, JSON.stringify(state, null, 2) + "\n");
    renameSync(`${this.path}.tmp`, this.path);
  }
}
