import { rmSync } from "node:fs";
import { join } from "node:path";
import type { Sandbox } from "../../provider/sandbox";
import { readGroupsFile } from "../../sdk/groupsFile";
import { PulumiWorkspace, REPO_ROOT } from "./pulumiCli";

/**
 * A stack of the repository's root project (../../Pulumi.yaml) on a private file backend,
 * pointed at a sandbox. The project runs in place, as a user runs it from a clone; its stack
 * config file (Pulumi.<stack>.yaml at the root, gitignored for these names) is removed by close().
 */
export class RootProjectStack {
  readonly workspace: PulumiWorkspace;

  private constructor(
    readonly sandbox: Sandbox,
    readonly stack: string,
    env: Record<string, string>,
  ) {
    this.workspace = new PulumiWorkspace(REPO_ROOT, { ...sandbox.env(), ...env });
  }

  static async create(sandbox: Sandbox, stack: string, config: { groupsFile?: string; googleDomains?: string; entraTenantId?: string }, env: Record<string, string> = {}): Promise<RootProjectStack> {
    const s = new RootProjectStack(sandbox, stack, env);
    await s.workspace.initStack(stack, {
      ...sandbox.providerConfig(),
      ...(config.groupsFile ? { "group-export:groupsFile": { value: config.groupsFile, secret: false } } : {}),
      ...(config.googleDomains ? { "group-export:googleDomains": { value: config.googleDomains, secret: false } } : {}),
      ...(config.entraTenantId ? { "group-export:entraTenantId": { value: config.entraTenantId, secret: false } } : {}),
    });
    return s;
  }

  close(): void {
    rmSync(join(REPO_ROOT, `Pulumi.${this.stack}.yaml`), { force: true });
  }
}

/** The users a groups file names, to seed a sandbox's directories with them. */
export function usersOf(groupsFile: string): string[] {
  const users = new Set<string>();
  for (const { group } of readGroupsFile(groupsFile).groups) for (const u of group.users as string[]) users.add(u.toLowerCase());
  return [...users];
}
