import { cpSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Sandbox } from "../../provider/sandbox";
import type { ProgramSpec } from "./e2eProgram";
import { installProgram, PulumiWorkspace, REPO_ROOT } from "./pulumiCli";

let installed: string | undefined;

/** test/e2e/ownershipProgram, installed once per test run with the packed package. */
function programDir(): string {
  if (!installed) {
    installed = mkdtempSync(join(tmpdir(), "group-ownership-program-"));
    cpSync(join(REPO_ROOT, "test/e2e/ownershipProgram"), installed, { recursive: true });
    installProgram(installed);
  }
  return installed;
}

/** A stack of the ownership program on a sandbox; `declare` rewrites what it declares. */
export class OwnershipStack {
  readonly workspace: PulumiWorkspace;
  private readonly specPath: string;

  /** A string only this stack's processes carry in their environment (its spec file's path). */
  get marker(): string {
    return this.specPath;
  }

  private constructor(sandbox: Sandbox) {
    this.specPath = join(mkdtempSync(join(tmpdir(), "group-ownership-spec-")), "spec.json");
    this.declare({});
    this.workspace = new PulumiWorkspace(programDir(), { ...sandbox.env(), GROUP_EXPORT_TEST_SPEC: this.specPath });
  }

  static async create(sandbox: Sandbox, stackName: string): Promise<OwnershipStack> {
    const stack = new OwnershipStack(sandbox);
    await stack.workspace.initStack(stackName, sandbox.providerConfig());
    return stack;
  }

  declare(spec: ProgramSpec): void {
    writeFileSync(this.specPath, JSON.stringify(spec, null, 2));
  }

  /** The stack's outputs (`pulumi stack output --json`). */
  async outputs(): Promise<Record<string, Record<string, unknown>>> {
    return JSON.parse((await this.workspace.ok(["stack", "output", "--json"])).stdout) as Record<string, Record<string, unknown>>;
  }

  /** The Pulumi ids of the resources of one type, by resource name (from `pulumi stack export`). */
  async ids(type: string): Promise<Record<string, string>> {
    const state = JSON.parse((await this.workspace.ok(["stack", "export"])).stdout) as { deployment: { resources?: { type: string; urn: string; id?: string }[] } };
    const found: Record<string, string> = {};
    for (const r of state.deployment.resources ?? []) if (r.type.endsWith(`:${type}`)) found[r.urn.split("::").pop()!] = r.id ?? "";
    return found;
  }
}
