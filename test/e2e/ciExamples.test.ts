import { expect } from "chai";
import { spawn, spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { startSandbox, type Sandbox } from "../../provider/sandbox";
import { ensureActionlint } from "../support/actionlint";
import { ensureEngine, REPO_ROOT } from "../support/pulumiCli";
import { RootProjectStack } from "../support/rootProject";
import { entraGroupsNamed, googleMembers, writeRequests } from "../support/sandboxViews";
import { memberLineChanges } from "../support/previewText";

const CI = join(REPO_ROOT, "examples/ci");
const GITHUB = ["group-export-preview.yml", "group-export-drift.yml"].map((f) => join(CI, "github", f));

type Job = { env?: Record<string, string>; steps?: { uses?: string; run?: string; with?: Record<string, unknown> }[]; rules?: { if: string }[]; script?: string[] };

function yamlOf(path: string): Record<string, unknown> {
  return parse(readFileSync(path, "utf8")) as Record<string, unknown>;
}

describe("CI examples (examples/ci): linted, and what they run works against the sandbox", function () {
  it("actionlint accepts both GitHub workflows, and rejects a broken one", () => {
    const actionlint = ensureActionlint();
    const ok = spawnSync(actionlint, ["-no-color", ...GITHUB], { encoding: "utf8" });
    expect(ok.status, ok.stdout + ok.stderr).to.equal(0);
    // The linter can fail: an unknown context name in a copy of the preview workflow.
    const broken = join(mkdtempSync(join(tmpdir(), "actionlint-")), "broken.yml");
    writeFileSync(broken, readFileSync(GITHUB[0]!, "utf8").replace("${{ vars.PULUMI_STACK || 'prod' }}", "${{ varz.PULUMI_STACK }}"));
    const bad = spawnSync(actionlint, ["-no-color", broken], { encoding: "utf8" });
    expect(bad.status).to.equal(1);
    expect(bad.stdout).to.include("varz");
  });

  it("every pipeline runs read-only, the preview comments on the pull request, the drift check is scheduled", () => {
    const preview = yamlOf(GITHUB[0]!) as { on: Record<string, unknown>; jobs: Record<string, Job> };
    expect(Object.keys(preview.on)).to.deep.equal(["pull_request"]);
    const action = preview.jobs.preview!.steps!.find((s) => s.uses?.startsWith("pulumi/actions@"));
    expect(action?.with).to.include({ command: "preview", "comment-on-pr": true, diff: true });
    expect(preview.jobs.preview!.env!.GROUP_EXPORT_READ_ONLY).to.equal("true");

    const drift = yamlOf(GITHUB[1]!) as { on: Record<string, unknown>; jobs: Record<string, Job> };
    expect(drift.on).to.have.property("schedule");
    expect(drift.jobs.drift!.env!.GROUP_EXPORT_READ_ONLY).to.equal("true");
    expect(drift.jobs.drift!.steps!.map((s) => s.run ?? "")).to.include('bash examples/ci/drift-check.sh "$STACK"');

    const gitlab = yamlOf(join(CI, "gitlab/.gitlab-ci.yml")) as Record<string, Job> & { variables: Record<string, string> };
    expect(gitlab.variables.GROUP_EXPORT_READ_ONLY).to.equal("true");
    expect(gitlab.preview!.rules![0]!.if).to.equal('$CI_PIPELINE_SOURCE == "merge_request_event"');
    expect(gitlab.preview!.script!.join("\n")).to.include("pulumi preview --diff");
    expect(gitlab.drift!.rules![0]!.if).to.equal('$CI_PIPELINE_SOURCE == "schedule"');
    expect(gitlab.drift!.script).to.deep.equal(['bash examples/ci/drift-check.sh "$STACK"']);
  });

  describe("their commands against the sandbox (root project, read-only as in CI)", function () {
    let sandbox: Sandbox;
    let stack: RootProjectStack;
    const people = ["alice", "bob", "carol", "mallory"].map((n) => `${n}@example.com`);
    const dir = mkdtempSync(join(tmpdir(), "group-export-ci-"));
    const groupsFile = join(dir, "groups.yaml");
    /** The environment CI gives the commands: the stack's backend and GROUP_EXPORT_READ_ONLY=true. */
    let ciEnv: NodeJS.ProcessEnv;

    /** Runs examples/ci/drift-check.sh as CI does (asynchronously: the sandbox answers from this process). */
    const runScript = (stackName: string, env: NodeJS.ProcessEnv) =>
      new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
        const child = spawn("bash", [join(CI, "drift-check.sh"), stackName], { cwd: REPO_ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d: Buffer) => (stdout += d));
        child.stderr.on("data", (d: Buffer) => (stderr += d));
        child.on("error", reject);
        child.on("close", (code) => resolve({ code, stdout, stderr }));
      });
    const driftCheck = async () => {
      const summary = join(dir, "step-summary.md");
      writeFileSync(summary, "");
      const r = await runScript(stack.stack, { ...ciEnv, GITHUB_STEP_SUMMARY: summary });
      return { code: r.code, output: r.stdout + r.stderr, summary: readFileSync(summary, "utf8") };
    };

    before(async function () {
      sandbox = await startSandbox({
        google: { domains: ["example.com"], admins: ["admin@example.com"], users: people.map((primaryEmail) => ({ primaryEmail })) },
        entra: { users: people.map((userPrincipalName) => ({ userPrincipalName })) },
      });
      copyFileSync(join(REPO_ROOT, "groups.yaml"), groupsFile);
      stack = await RootProjectStack.create(sandbox, "test-ci", { groupsFile, googleDomains: "example.com", entraTenantId: sandbox.entra.tenantId });
      const up = await stack.workspace.up();
      expect(up.code, up.output).to.equal(0);
      ciEnv = {
        ...process.env,
        ...sandbox.env(),
        PATH: `${ensureEngine()}:${process.env.PATH}`,
        PULUMI_HOME: stack.workspace.home,
        PULUMI_BACKEND_URL: `file://${stack.workspace.backend}`,
        PULUMI_CONFIG_PASSPHRASE: "group-export-test-passphrase",
        PULUMI_SKIP_UPDATE_CHECK: "true",
        GROUP_EXPORT_READ_ONLY: "true",
      };
      stack.workspace.setEnv("GROUP_EXPORT_READ_ONLY", "true");
    });
    after(async () => {
      stack?.close();
      await sandbox?.close();
    });

    it("the pull-request preview runs with read-only credentials; an apply in read-only mode writes nothing and says why", async () => {
      writeFileSync(groupsFile, readFileSync(groupsFile, "utf8").replace("      - bob@example.com", "      - bob@example.com\n      - mallory@example.com"));
      const preview = await stack.workspace.preview();
      expect(preview.code, preview.output).to.equal(0);
      expect(memberLineChanges(preview.stdout)).to.include("+ mallory@example.com");
      sandbox.resetRequestCounts();
      const up = await stack.workspace.up();
      expect(up.code).to.not.equal(0);
      // The provider refuses every write itself, before any request, for both directories.
      expect(up.output).to.include("this stack is read-only");
      expect(writeRequests(sandbox), "nothing written").to.deep.equal([]);
      expect(googleMembers(sandbox, "engineering@example.com")).to.deep.equal(["alice@example.com", "bob@example.com"]);
      copyFileSync(join(REPO_ROOT, "groups.yaml"), groupsFile);
      stack.workspace.setEnv("GROUP_EXPORT_READ_ONLY", "false");
      const reset = await stack.workspace.up("--refresh");
      stack.workspace.setEnv("GROUP_EXPORT_READ_ONLY", "true");
      expect(reset.code, reset.output).to.equal(0);
    });

    it("the drift check exits 0 when the directories match", async () => {
      const r = await driftCheck();
      expect(r.code, r.output).to.equal(0);
      expect(r.output).to.include("no drift: stack test-ci matches its directories");
    });

    it("the drift check exits 1 and names what drifted: a member added by hand in Google, one removed in Entra", async () => {
      const engineering = sandbox.google.tenant.groups.find((g) => g.email === "engineering@example.com")!;
      engineering.members!.push({ id: "1999", email: "mallory@example.com", role: "MEMBER", type: "USER", delivery_settings: "ALL_MAIL", etag: '"e"' });
      const [sales] = entraGroupsNamed(sandbox, "Sales Team");
      sales!.members.splice(0, sales!.members.length);
      const r = await driftCheck();
      console.log(`      [drift output]\n${r.output.replace(/^/gm, "        ")}`);
      expect(r.code, r.output).to.equal(1);
      expect(r.output).to.include("DRIFT in stack test-ci");
      // Which bindings refresh found changed (a binding stores its ids packed, so its refresh line
      // names the binding), then member by member what `pulumi up` would do about them.
      expect(r.output).to.include("~ GroupBinding groups-sales-entra (refresh)");
      expect(r.output).to.include("~ GroupBinding groups-sales-entra (update)\n      + carol@example.com\n");
      expect(r.output).to.match(/~ GroupBinding groups-engineering-google \(update\)\n {6}- mallory@example\.com\n/);
      expect(r.summary).to.include("DRIFT in stack test-ci");
    });

    it("the drift check exits 2 (not 1) when it cannot run", async () => {
      const r = await runScript("no-such-stack", ciEnv);
      expect(r.code, r.stdout + r.stderr).to.equal(2);
      expect(r.stderr).to.include("drift check FAILED to run for stack no-such-stack");
    });
  });
});
