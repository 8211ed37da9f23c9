import { cpSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Sandbox } from "../../provider/sandbox";
import { installProgram, PulumiWorkspace, REPO_ROOT } from "./pulumiCli";

let installedProgram: string | undefined;

/** The e2e program (test/e2e/program), installed once per test run with the packed package. */
export function e2eProgramDir(): string {
  if (!installedProgram) {
    installedProgram = mkdtempSync(join(tmpdir(), "group-export-program-"));
    cpSync(join(REPO_ROOT, "test/e2e/program"), installedProgram, { recursive: true });
    installProgram(installedProgram);
  }
  return installedProgram;
}

/** What test/e2e/program/index.js declares: resources by name, args as plain JSON. */
export interface ProgramSpec {
  management?: Record<string, Record<string, unknown>>;
  /** Each: { management: <management name>, ...GoogleDistributionGroup args }. */
  googleGroups?: Record<string, Record<string, unknown>>;
  /** Each: { management: <management name>, ...EntraSecurityGroup args }. */
  entraGroups?: Record<string, Record<string, unknown>>;
  /** Each: { target: <group name> | { google|entra: <id>, management: <management name> }, ...GroupBinding args }. */
  bindings?: Record<string, Record<string, unknown>>;
  /** Benchmarks: this many dynamic resources that do nothing (the baseline for program cost). */
  trivial?: number;
  /** Benchmarks: how many properties each of those has (default 1, its name). */
  trivialProperties?: number;
  /**
   * False: the program exports no stack outputs. Tests read each group's and binding's outputs
   * from the stack's (six per resource); the scale benchmark turns them off, since its baseline
   * exports none and they are the test program's cost, not the resources'.
   */
  stackOutputs?: boolean;
  /** Management switches read with get: name -> directory key. */
  gotManagements?: Record<string, string>;
  /** Groups read with get (not managed): each { management: <management name>, id }. */
  gotGoogleGroups?: Record<string, { management: string; id: string }>;
  gotEntraGroups?: Record<string, { management: string; id: string }>;
  /** Members read with GroupBinding.get: each { target: <group name> | reference, id }. */
  gotBindings?: Record<string, { target: string | Record<string, string>; id: string }>;
}

/** A stack of the e2e program pointed at a sandbox; `declare` rewrites what the program declares. */
export class E2eStack {
  readonly workspace: PulumiWorkspace;
  private readonly specPath: string;

  private constructor(readonly sandbox: Sandbox) {
    this.specPath = join(mkdtempSync(join(tmpdir(), "group-export-spec-")), "spec.json");
    this.declare({});
    this.workspace = new PulumiWorkspace(e2eProgramDir(), { ...sandbox.env(), GROUP_EXPORT_TEST_SPEC: this.specPath });
  }

  static async create(sandbox: Sandbox, stackName = "e2e"): Promise<E2eStack> {
    const stack = new E2eStack(sandbox);
    await stack.workspace.initStack(stackName, sandbox.providerConfig());
    return stack;
  }

  declare(spec: ProgramSpec): void {
    writeFileSync(this.specPath, JSON.stringify(spec, null, 2));
  }
}
