/**
 * Runs one journey: a fresh sandbox seeded with the groups of world.ts, a stack of the root
 * project (groups file) or of the e2e program (JSON spec) on it, then for every step: the edit,
 * a recorded `pulumi preview --json`, the `up` (the CLI's `pulumi up --yes`, which previews
 * again, or the Automation API's up, which does not), and the invariants (invariants.ts).
 * A journey stops at its first failing step.
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { LocalWorkspace, PulumiCommand, Stack } from "@pulumi/pulumi/automation";
import { parse } from "yaml";
import { startSandbox, type EntraGroup, type Sandbox, type SandboxTls } from "../../provider/sandbox";
import { findGoogleGroup } from "../../provider/sandbox/google/tenant";
import { e2eProgramDir } from "../support/e2eProgram";
import { pendingCreates, waitFor, writeCount } from "../support/interruption";
import { ensureEngine, PulumiWorkspace, REPO_ROOT, type CliResult } from "../support/pulumiCli";
import { applyEdit, type EditContext, type EditEffect } from "./edits";
import {
  changesOf,
  checkMembers,
  checkRemovalsAnnounced,
  checkRemovalsReal,
  checkNoDuplicates, checkSeededGroups,
  findGroup,
  snapshot,
  writesBetween,
  type DirectorySnapshot,
  type Failure,
  type PreviewStep,
  type StateGroups,
} from "./invariants";
import { cloneModel, emptyModel, exportedTo, groupResourceName, journeyGroupSchema, renderGroupsFile, renderProgramSpec, type Directory, type JourneyGroup, type JourneyModel, type JourneySequence } from "./model";
import { entraSeed, googleSeed } from "./world";

export interface CallTiming {
  call: string;
  seconds: number;
  code: number;
}

export interface StepReport {
  index: number;
  says: string;
  apply: "preview" | "automation";
  refresh: boolean;
  skipped: boolean;
  /** The up was refused at preview and wrote nothing (the edit is then reverted). */
  refused: boolean;
  calls: CallTiming[];
  seconds: number;
  failures: Failure[];
}

export interface JourneyResult {
  steps: StepReport[];
  /** The failures of the first failing step (the journey stops there). */
  failures: (Failure & { step: number; says: string })[];
  seconds: number;
  /** Ups run (steps not skipped). */
  ups: number;
}

export interface RunOptions {
  /** Progress lines (one per step and call). */
  log?: (line: string) => void;
  /** TLS material shared between journeys (generating a CA costs a moment). */
  tls?: SandboxTls;
}

const SEEDED_IN = (sandbox: Sandbox) => [
  ...sandbox.google.tenant.groups.map((g) => ({ directory: "google" as const, id: g.id, name: g.email })),
  ...sandbox.entra.tenant.groups.map((g) => ({ directory: "entra" as const, id: g.id, name: g.displayName })),
];

/** The last lines of a CLI run that say what went wrong. */
function errorLines(output: string, max = 12): string {
  const lines = output.split("\n").filter((l) => l.trim() !== "");
  // The engine's summary lines ("error: update failed", "2 errored") say nothing about the cause.
  const errors = lines.filter((l) => /error|fail|refus|guard/i.test(l) && !/error: update failed\s*$|^\s*\d+ errored|\*\*creating failed|\*\*updating failed/.test(l));
  return (errors.length ? errors : lines).slice(-max).join("\n    ");
}

function parsePreview(result: CliResult): { steps: PreviewStep[]; errors: string[] } {
  try {
    const json = JSON.parse(result.stdout) as { steps?: PreviewStep[]; diagnostics?: { severity?: string; message?: string }[] };
    return { steps: json.steps ?? [], errors: (json.diagnostics ?? []).filter((d) => d.severity === "error").map((d) => (d.message ?? "").trim()) };
  } catch {
    return { steps: [], errors: result.code === 0 ? [] : [errorLines(result.output)] };
  }
}

/** A child process's exit code and what it printed (stdout alone, and both streams together). */
function finished(child: ChildProcessWithoutNullStreams): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    let stdout = "";
    let output = "";
    child.stdout.on("data", (d: Buffer) => ((stdout += d), (output += d)));
    child.stderr.on("data", (d: Buffer) => (output += d));
    child.on("error", reject);
    child.on("close", (c) => resolve({ code: c ?? 1, stdout, stderr: "", output }));
  });
}

class Journey {
  readonly model: JourneyModel;
  private readonly handDeleted = new Set<string>();
  /** Groups released by a step (id -> directory), watched by checkReleased. */
  private readonly released = new Map<string, Directory>();
  private readonly seeded: ReturnType<typeof SEEDED_IN>;
  private automation: Stack | undefined;
  /** Whether an up has succeeded yet (before that, a refused first step leaves no stack to check). */
  private applied = false;
  private readonly programFile: string;

  constructor(
    readonly sequence: JourneySequence,
    readonly sandbox: Sandbox,
    readonly workspace: PulumiWorkspace,
    readonly stackName: string,
    programFile: string,
    private readonly log: (line: string) => void,
  ) {
    this.model = emptyModel(sequence.flavour);
    this.seeded = SEEDED_IN(sandbox);
    this.programFile = programFile;
  }

  static async create(sequence: JourneySequence, options: RunOptions): Promise<Journey> {
    const sandbox = await startSandbox({ tls: options.tls, google: googleSeed(), entra: entraSeed() });
    const dir = mkdtempSync(join(tmpdir(), "group-export-journey-"));
    const file = join(dir, sequence.flavour === "file" ? "groups.yaml" : "spec.json");
    const env = { ...sandbox.env(), PULUMI_SKIP_CHECKPOINTS: "true" };
    const stackName = `test-journey-${randomBytes(4).toString("hex")}`;
    const workspace =
      sequence.flavour === "file" ? new PulumiWorkspace(REPO_ROOT, env) : new PulumiWorkspace(e2eProgramDir(), { ...env, GROUP_EXPORT_TEST_SPEC: file });
    const journey = new Journey(sequence, sandbox, workspace, stackName, file, options.log ?? (() => undefined));
    const config = Object.entries(sandbox.providerConfig()).map(([key, { value }]) => [key, value]);
    if (sequence.flavour === "file") config.push(["group-export:groupsFile", file], ["group-export:googleDomains", "example.com"], ["group-export:entraTenantId", sandbox.entra.tenantId]);
    await workspace.ok(["stack", "init", stackName]);
    // One call for all settings (none is secret: the sandbox's secrets are files).
    await workspace.ok(["config", "set-all", ...config.flatMap(([key, value]) => ["--plaintext", `${key}=${value}`])]);
    return journey;
  }

  async close(): Promise<void> {
    if (this.sequence.flavour === "file") rmSync(join(REPO_ROOT, `Pulumi.${this.stackName}.yaml`), { force: true });
    await this.sandbox.close();
  }

  /** The stack's group resources (name, group id, origin), from the backend's state file. */
  private stateGroupResources(): { name: string; groupId: string; origin?: string }[] {
    const found: { name: string; groupId: string; origin?: string }[] = [];
    const stacks = join(this.workspace.backend, ".pulumi", "stacks");
    if (!existsSync(stacks)) return found;
    for (const project of readdirSync(stacks)) {
      const file = join(stacks, project, `${this.stackName}.json`);
      if (!existsSync(file)) continue;
      const state = JSON.parse(readFileSync(file, "utf8")) as { checkpoint?: { latest?: { resources?: { urn: string; type: string; outputs?: { groupId?: string; origin?: string } }[] } } };
      for (const r of state.checkpoint?.latest?.resources ?? []) {
        if (/groupexport:(GoogleDistributionGroup|EntraSecurityGroup)$/.test(r.type) && r.outputs?.groupId) found.push({ name: r.urn.slice(r.urn.lastIndexOf("::") + 2), groupId: r.outputs.groupId, origin: r.outputs.origin });
      }
    }
    return found;
  }

  /** The stack's group resources and their ids. */
  stateGroups(): StateGroups {
    return new Map(this.stateGroupResources().map((r) => [r.name, r.groupId]));
  }

  /** Group id -> its origin in the state (`created` or `adopted`). */
  stateOrigins(): Map<string, string | undefined> {
    return new Map(this.stateGroupResources().map((r) => [r.groupId, r.origin]));
  }

  private resourceName = (g: JourneyGroup, d: Directory) => groupResourceName(this.model, g, d);

  context(): EditContext {
    const state = this.stateGroups();
    return {
      sandbox: this.sandbox,
      googleGroup: (g) => (g.email ? findGoogleGroup(this.sandbox.google.tenant, g.email) : undefined),
      entraGroup: (g) => {
        const found = findGroup(this.model, g, "entra", snapshot(this.sandbox), state, this.resourceName(g, "entra"));
        return found ? this.sandbox.entra.tenant.groups.find((x: EntraGroup) => x.id === found.id) : undefined;
      },
    };
  }

  writeProgram(): void {
    if (this.model.flavour === "file") writeFileSync(this.programFile, renderGroupsFile(this.model));
    else writeFileSync(this.programFile, JSON.stringify(renderProgramSpec(this.model, this.sandbox.entra.tenantId), null, 2));
  }

  /** Bootstrap first: the groups file `group-export-bootstrap` writes from the seeded directories becomes the model. */
  async bootstrap(): Promise<string> {
    const settings = Object.entries(this.sandbox.providerConfig()).flatMap(([key, { value }]) => ["--setting", `${key}=${value}`]);
    const args = [join(REPO_ROOT, "dist/provider/bootstrap/cli.js"), "--google-customer", "my_customer", "--entra-tenant", this.sandbox.entra.tenantId, "--out", this.programFile, ...settings];
    // Asynchronously: the sandbox answers from this process.
    const { code, output } = await finished(spawn(process.execPath, args, { env: { ...process.env, ...this.sandbox.env() } }));
    if (code !== 0) throw new Error(`group-export-bootstrap exited ${code}: ${output}`);
    const file = parse(readFileSync(this.programFile, "utf8")) as { groups: unknown[] };
    this.model.groups = file.groups.map((g) => journeyGroupSchema.parse(g));
    return output.trim();
  }

  private async timed(calls: CallTiming[], call: string, run: () => Promise<CliResult>): Promise<CliResult> {
    const t = Date.now();
    const result = await run();
    calls.push({ call, seconds: (Date.now() - t) / 1000, code: result.code });
    this.log(`    ${call}: exit ${result.code} in ${((Date.now() - t) / 1000).toFixed(1)} s`);
    return result;
  }

  /** `up` through the Automation API (`--skip-preview`, as pulumi/actions runs it), on the CLI's project, backend and PULUMI_HOME. */
  private async automationUp(refresh: boolean): Promise<CliResult> {
    if (!this.automation) {
      const env = Object.fromEntries(Object.entries(this.workspace.environment()).filter((e): e is [string, string] => e[1] !== undefined));
      const pulumiCommand = await PulumiCommand.get({ root: dirname(ensureEngine()), skipVersionCheck: true });
      const workspace = await LocalWorkspace.create({ workDir: this.workspace.programDir, pulumiHome: this.workspace.home, envVars: env, pulumiCommand });
      this.automation = await Stack.select(this.stackName, workspace);
    }
    let output = "";
    try {
      const result = await this.automation.up({ refresh, onOutput: (s) => (output += s) });
      return { code: 0, stdout: result.stdout, stderr: result.stderr, output };
    } catch (error) {
      const text = error instanceof Error ? error.message : String(error);
      return { code: 1, stdout: output, stderr: text, output: `${output}\n${text}` };
    }
  }

  /**
   * `up` killed (SIGKILL of the CLI, as a cancelled CI job) once the directories took
   * `afterWrites` writes, then docs/guides/recovery.md's commands in its order; the result is the
   * recovery's up, or the first recovery command that failed. An up that ends before the kill
   * point is returned as it is (an ordinary up).
   */
  private async killedUp(apply: JourneySequence["steps"][number]["apply"], refresh: boolean, afterWrites: number, calls: CallTiming[]): Promise<CliResult> {
    const writesAtStart = writeCount(this.sandbox);
    const started = Date.now();
    const child = this.workspace.start(["up", "--yes", "--suppress-outputs", ...(apply === "automation" ? ["--skip-preview"] : []), ...(refresh ? ["--refresh"] : [])]);
    let ended: CliResult | undefined;
    const closed = finished(child).then((result) => (ended = result));
    await waitFor("the kill point", () => ended !== undefined || writeCount(this.sandbox) - writesAtStart >= afterWrites, 900_000);
    const seconds = (Date.now() - started) / 1000;
    if (ended !== undefined) {
      calls.push({ call: `up --yes (ended before ${afterWrites} write(s): not killed)`, seconds, code: ended.code });
      this.log(`    the up ended before the kill point: exit ${ended.code}`);
      return ended;
    }
    child.kill("SIGKILL");
    await closed;
    calls.push({ call: `up --yes killed after ${afterWrites} write(s)`, seconds, code: -9 });
    this.log(`    up killed after ${writeCount(this.sandbox) - writesAtStart} write(s) in ${seconds.toFixed(1)} s`);
    // The provider's watchdog stops it within a fraction of a second; a request already on the wire may still land.
    await new Promise((r) => setTimeout(r, 2_000));
    const failed = (command: string, result: CliResult): CliResult => ({ ...result, code: result.code || 1, output: `recovery: \`${command}\` exited ${result.code}\n${result.output}` });
    const cancel = await this.timed(calls, "cancel --yes", () => this.workspace.run(["cancel", "--yes"]));
    if (cancel.code !== 0) return failed("pulumi cancel --yes", cancel);
    const recover = await this.timed(calls, "group-export-recover", () => this.recover());
    if (recover.code !== 0) return failed("group-export-recover", recover);
    const cleared = await this.timed(calls, "refresh --yes --clear-pending-creates", () => this.workspace.run(["refresh", "--yes", "--clear-pending-creates"]));
    if (cleared.code !== 0) return failed("pulumi refresh --yes --clear-pending-creates", cleared);
    const up = await this.timed(calls, apply === "automation" ? "automation up (after recovery)" : "up --yes (after recovery)", () =>
      apply === "automation" ? this.automationUp(false) : this.workspace.run(["up", "--yes", "--suppress-outputs"]),
    );
    if (up.code !== 0) return failed(apply === "automation" ? "the Automation API's up" : "pulumi up --yes", up);
    const pending = await pendingCreates(this.workspace);
    if (pending.length > 0) return failed("pulumi up --yes", { ...up, code: 1, output: `the stack still has pending creates after the recovery: ${pending.map((p) => p.urn).join(", ")}` });
    return up;
  }

  /** `npx group-export-recover` as docs/guides/recovery.md runs it (asynchronously: the sandbox answers from this process). */
  private recover(): Promise<CliResult> {
    return finished(spawn(process.execPath, [join(REPO_ROOT, "dist/provider/recovery/cli.js"), "--stack", this.stackName], { cwd: this.workspace.programDir, env: this.workspace.environment() }));
  }

  /**
   * A released group is left as it is by every later up while it stays released, also after its
   * user group left the program: it exists, with the members it had before the up (hand drift
   * included). It is no longer watched once a user group of the program syncs it again.
   */
  private checkReleased(before: DirectorySnapshot, after: DirectorySnapshot, state: StateGroups): Failure[] {
    const failures: Failure[] = [];
    for (const [id, directory] of this.released) {
      const synced = this.model.groups.some((g) => exportedTo(g).includes(directory) && findGroup(this.model, g, directory, after, state, this.resourceName(g, directory))?.id === id);
      if (synced || this.handDeleted.has(id)) {
        this.released.delete(id);
        continue;
      }
      const was = before[directory][id];
      const now = after[directory][id];
      const members = (g: typeof was) => (g === undefined ? [] : Array.isArray(g.members) ? [...g.members].sort() : Object.keys(g.members).sort());
      if (was && !now) failures.push({ invariant: "E", message: `the released ${directory} group ${id} was deleted` });
      else if (was && JSON.stringify(members(was)) !== JSON.stringify(members(now))) failures.push({ invariant: "E", message: `the released ${directory} group ${id}'s members changed: ${members(was).join(", ")} -> ${members(now).join(", ")}` });
    }
    return failures;
  }

  /** Group ids of every user group before an edit: a rename must keep them (see EditEffect.keeps). */
  private idsOf(state: StateGroups, view: DirectorySnapshot): Map<JourneyGroup, Partial<Record<Directory, string>>> {
    return new Map(this.model.groups.map((g) => [g, Object.fromEntries(exportedTo(g).map((d) => [d, findGroup(this.model, g, d, view, state, this.resourceName(g, d))?.id]))]));
  }

  async step(index: number): Promise<StepReport> {
    const step = this.sequence.steps[index]!;
    const started = Date.now();
    const calls: CallTiming[] = [];
    const report = (says: string, extra: Partial<StepReport>): StepReport => ({ index, says, apply: step.apply, refresh: step.refresh, skipped: false, refused: false, calls, seconds: (Date.now() - started) / 1000, failures: [], ...extra });
    const previous = cloneModel(this.model);
    const idsBefore = this.idsOf(this.stateGroups(), snapshot(this.sandbox));
    const originsBefore = this.stateOrigins();
    let effect: EditEffect | undefined;
    if (index === 0 && step.edit.kind !== "start") throw new Error(`a journey's first step is kind "start", not "${step.edit.kind}"`);
    if (index === 0 && this.sequence.bootstrap) effect = { says: `bootstrap: ${await this.bootstrap()}` };
    else effect = applyEdit(this.model, step.edit, this.context());
    if (!effect) return report(`(${step.edit.kind} does not fit here: skipped)`, { skipped: true });
    this.log(`  step ${index}: ${effect.says} [${step.apply}${step.refresh || effect.drift ? ", refresh" : ""}]`);
    for (const id of effect.handDeleted ?? []) this.handDeleted.add(id);
    this.writeProgram();
    const refresh = step.refresh || effect.drift === true;
    const before = snapshot(this.sandbox);
    const releasedBefore = effect.releases && findGroup(previous, effect.releases.group, effect.releases.directory, before, this.stateGroups(), groupResourceName(previous, effect.releases.group, effect.releases.directory));
    const previewRun = await this.timed(calls, `preview${refresh ? " --refresh" : ""} --json`, () => this.workspace.run(["preview", "--json", ...(refresh ? ["--refresh"] : [])]));
    const preview = parsePreview(previewRun);
    const up = effect.interrupt
      ? await this.killedUp(step.apply, refresh, effect.interrupt.afterWrites, calls)
      : step.apply === "preview"
        ? await this.timed(calls, `up --yes${refresh ? " --refresh" : ""}`, () => this.workspace.run(["up", "--yes", "--suppress-outputs", ...(refresh ? ["--refresh"] : [])]))
        : await this.timed(calls, `automation up${refresh ? " (refresh)" : ""}`, () => this.automationUp(refresh));
    const after = snapshot(this.sandbox);
    const failures: Failure[] = [];
    const writes = writesBetween(before, after);
    let refused = false;
    if (effect.refused) {
      if (previewRun.code === 0) failures.push({ invariant: "I0", message: `the preview accepted a step designed to be refused (${effect.says})` });
      if (up.code === 0) failures.push({ invariant: "I0", message: `the ${step.apply === "automation" ? "Automation API's up (no preview)" : "up"} accepted a step designed to be refused; writes: ${writes.join("; ") || "none"}` });
      else if (writes.length > 0) failures.push({ invariant: "I0", message: `the refused up wrote: ${writes.join("; ")}\n    ${errorLines(up.output)}` });
      refused = true;
    } else if (up.code !== 0) {
      if (previewRun.code === 0) failures.push({ invariant: "I0", message: `the up failed although its preview passed; writes: ${writes.join("; ") || "none"}\n    ${errorLines(up.output)}` });
      else if (writes.length > 0) failures.push({ invariant: "I0", message: `the up was refused (as its preview) but wrote: ${writes.join("; ")}\n    ${errorLines(up.output)}` });
      refused = true;
    } else if (previewRun.code !== 0) {
      failures.push({ invariant: "I0", message: `the preview failed but the up passed: ${preview.errors.join(" | ").slice(0, 600)}` });
    }
    const state = this.stateGroups();
    failures.push(...checkSeededGroups(this.seeded, this.handDeleted, after), ...checkNoDuplicates(this.seeded, after));
    if (refused && effect.mustApply) failures.push({ invariant: "E", message: `${effect.says}: refused, but this step must apply: ${(preview.errors[0] ?? errorLines(up.output, 3)).slice(0, 400)}` });
    if (refused) {
      // A team reverts a refused pull request; the next step starts from the previous program.
      this.log(`    refused: ${(preview.errors[0] ?? errorLines(up.output, 3)).split("\n")[0]!.slice(0, 200)}`);
      this.model.groups = previous.groups;
      this.model.enabled = previous.enabled;
      this.model.conflict = previous.conflict;
      this.writeProgram();
    } else if (up.code === 0) {
      failures.push(...checkMembers(this.model, after, state, this.resourceName, this.sandbox));
      if (previewRun.code === 0) failures.push(...checkRemovalsAnnounced(preview.steps, before, after), ...checkRemovalsReal(preview.steps, before, after));
      const originsAfter = this.stateOrigins();
      for (const keep of effect.keeps ?? []) {
        const was = idsBefore.get(keep.from ?? keep.group)?.[keep.directory];
        const now = findGroup(this.model, keep.group, keep.directory, after, state, this.resourceName(keep.group, keep.directory))?.id;
        if (was && now !== was) failures.push({ invariant: "E", message: `${effect.says}: the ${keep.directory} group ${was} should stay the user group's group, but it is ${now ?? "none"} now (${was in after[keep.directory] ? "the old one still exists" : "the old one was deleted"})` });
        const origin = was ? originsBefore.get(was) : undefined;
        if (was && now === was && origin !== undefined && !keep.adopts && originsAfter.get(was) !== origin) {
          failures.push({ invariant: "E", message: `${effect.says}: the ${keep.directory} group ${was} was ${origin} in the state and is ${originsAfter.get(was) ?? "not in it"} now (removing it later would ${origin === "created" ? "leave it behind" : "delete a group the stack did not make"})` });
        }
      }
      if (effect.releases && releasedBefore) this.released.set(releasedBefore.id, effect.releases.directory);
      failures.push(...this.checkReleased(before, after, state));
    }
    // I3: right after the up, a refreshing preview finds nothing to do (not checked after an up that already broke I0: it says nothing more).
    if (up.code === 0) this.applied = true;
    if (failures.some((f) => f.invariant === "I0") || !this.applied) return report(effect.says, { refused, failures, seconds: (Date.now() - started) / 1000 });
    const drift = await this.timed(calls, "preview --refresh --expect-no-changes --json", () => this.workspace.run(["preview", "--refresh", "--expect-no-changes", "--json"]));
    if (drift.code !== 0) {
      const parsed = parsePreview(drift);
      failures.push({ invariant: "I3", message: `preview --refresh --expect-no-changes exited ${drift.code}: ${[...changesOf(parsed.steps), ...parsed.errors].join("; ").slice(0, 1500) || errorLines(drift.output)}` });
    }
    return report(effect.says, { refused, failures, seconds: (Date.now() - started) / 1000 });
  }
}

/** Runs a journey to its end or its first failing step. */
export async function runJourney(sequence: JourneySequence, options: RunOptions = {}): Promise<JourneyResult> {
  const started = Date.now();
  const journey = await Journey.create(sequence, options);
  const steps: StepReport[] = [];
  try {
    for (let i = 0; i < sequence.steps.length; i++) {
      let report: StepReport;
      try {
        report = await journey.step(i);
      } catch (error) {
        report = { index: i, says: "(harness error)", apply: sequence.steps[i]!.apply, refresh: sequence.steps[i]!.refresh, skipped: false, refused: false, calls: [], seconds: 0, failures: [{ invariant: "harness", message: error instanceof Error ? (error.stack ?? error.message) : String(error) }] };
      }
      steps.push(report);
      for (const f of report.failures) options.log?.(`    FAILED ${f.invariant}: ${f.message}`);
      if (report.failures.length > 0) break;
    }
  } finally {
    await journey.close();
  }
  const failing = steps.find((s) => s.failures.length > 0);
  return {
    steps,
    failures: failing ? failing.failures.map((f) => ({ ...f, step: failing.index, says: failing.says })) : [],
    seconds: (Date.now() - started) / 1000,
    ups: steps.filter((s) => !s.skipped).length,
  };
}

