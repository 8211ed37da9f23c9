import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { startSandbox, type Sandbox } from "../../provider/sandbox";
import { ensureActionlint } from "../support/actionlint";
import { ensureEngine, REPO_ROOT } from "../support/pulumiCli";
import { RootProjectStack } from "../support/rootProject";
import { entraGroupsNamed, entraMembers, googleMembers, writeRequests } from "../support/sandboxViews";
import { runCiScript } from "../support/ciScripts";
import { CommentApi } from "../support/commentApi";
import { markdownTables } from "../support/markdownTable";

const CI = join(REPO_ROOT, "examples/ci");
const GITHUB = ["group-export-preview.yml", "group-export-drift.yml", "group-export-apply.yml"].map((f) => join(CI, "github", f))
const FLEET_GITHUB = ["group-export-fleet.yml", "group-export-fleet-matrix.yml"].map((f) => join(REPO_ROOT, "examples/fleet/github", f));

type Job = { env?: Record<string, string>; variables?: Record<string, string>; steps?: { uses?: string; run?: string; with?: Record<string, unknown>; env?: Record<string, string> }[]; rules?: { if: string }[]; script?: string[] };
type Workflow = { on: Record<string, unknown>; permissions: Record<string, string>; jobs: Record<string, Job> };

function yamlOf(path: string): Record<string, unknown> {
  return parse(readFileSync(path, "utf8")) as Record<string, unknown>;
}

describe("CI examples (examples/ci): linted, and what they run works against the sandbox", function () {
  it("actionlint accepts the GitHub workflows (pull request, drift, apply, and the fleet's two), and rejects a broken one", () => {
    const actionlint = ensureActionlint();
    const ok = spawnSync(actionlint, ["-no-color", ...GITHUB, ...FLEET_GITHUB], { encoding: "utf8" });
    expect(ok.status, ok.stdout + ok.stderr).to.equal(0);
    // The linter can fail: an unknown context name in a copy of the preview workflow.
    const broken = join(mkdtempSync(join(tmpdir(), "actionlint-")), "broken.yml");
    writeFileSync(broken, readFileSync(GITHUB[0]!, "utf8").replace("${{ vars.PULUMI_STACK || 'prod' }}", "${{ varz.PULUMI_STACK }}"));
    const bad = spawnSync(actionlint, ["-no-color", broken], { encoding: "utf8" });
    expect(bad.status).to.equal(1);
    expect(bad.stdout).to.include("varz");
  });

  it("previews and drift checks run read-only and post the summary; the apply runs on main with --refresh --continue-on-error", () => {
    const [preview, drift, apply] = GITHUB.map((f) => yamlOf(f) as Workflow);
    expect(Object.keys(preview!.on)).to.deep.equal(["pull_request"]);
    expect(preview!.permissions["pull-requests"]).to.equal("write");
    expect(preview!.jobs.preview!.env!.GROUP_EXPORT_READ_ONLY).to.equal("true");
    const post = preview!.jobs.preview!.steps!.find((s) => s.run === 'bash examples/ci/preview.sh "$STACK"');
    expect(post?.env).to.deep.equal({ GITHUB_TOKEN: "${{ secrets.GITHUB_TOKEN }}", PR_NUMBER: "${{ github.event.pull_request.number }}" });

    expect(drift!.on).to.have.property("schedule");
    expect(drift!.jobs.drift!.env!.GROUP_EXPORT_READ_ONLY).to.equal("true");
    expect(drift!.jobs.drift!.steps!.map((s) => s.run ?? "")).to.include('bash examples/ci/drift-check.sh "$STACK"');

    expect(apply!.on).to.deep.include({ push: { branches: ["main"], paths: (preview!.on.pull_request as { paths: string[] }).paths } });
    expect(apply!.jobs.apply!.env!.GROUP_EXPORT_READ_ONLY, "the apply writes").to.equal(undefined);
    expect(apply!.jobs.apply!.steps!.map((s) => s.run ?? "")).to.include('bash examples/ci/apply.sh "$STACK"');
    expect(readFileSync(join(CI, "apply.sh"), "utf8")).to.include("pulumi up --yes --refresh --continue-on-error --json");

    const gitlab = yamlOf(join(CI, "gitlab/.gitlab-ci.yml")) as Record<string, Job> & { variables: Record<string, string> };
    expect(gitlab.variables.GROUP_EXPORT_READ_ONLY).to.equal("true");
    expect(gitlab.preview!.rules![0]!.if).to.equal('$CI_PIPELINE_SOURCE == "merge_request_event"');
    // A failing preview must still be posted: no pipe under pipefail stops the job first.
    expect(gitlab.preview!.script).to.deep.equal(['bash examples/ci/preview.sh "$STACK"']);
    expect(gitlab.drift!.rules![0]!.if).to.equal('$CI_PIPELINE_SOURCE == "schedule"');
    expect(gitlab.drift!.script).to.deep.equal(['bash examples/ci/drift-check.sh "$STACK"']);
    expect(gitlab.apply!.rules![0]!.if).to.equal('$CI_PIPELINE_SOURCE == "push" && $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH');
    expect(gitlab.apply!.variables).to.deep.equal({ GROUP_EXPORT_READ_ONLY: "false" });
    expect(gitlab.apply!.script).to.deep.equal(['bash examples/ci/apply.sh "$STACK"']);
  });

  describe("their commands against the sandbox (root project, read-only as in CI)", function () {
    let sandbox: Sandbox;
    let stack: RootProjectStack;
    let comments: CommentApi;
    const people = ["alice", "bob", "carol", "mallory"].map((n) => `${n}@example.com`);
    const dir = mkdtempSync(join(tmpdir(), "group-export-ci-"));
    const groupsFile = join(dir, "groups.yaml");
    /** The environment CI gives the commands: the stack's backend and GROUP_EXPORT_READ_ONLY=true. */
    let ciEnv: NodeJS.ProcessEnv;

    /** Runs a script with a fresh GitHub step summary file; returns its output and what it added to the step summary. */
    const withStepSummary = async (script: string, env: NodeJS.ProcessEnv = ciEnv, stackName = stack.stack) => {
      const summary = join(dir, "step-summary.md");
      writeFileSync(summary, "");
      const r = await runCiScript(script, [stackName], { ...env, GITHUB_STEP_SUMMARY: summary });
      return { code: r.code, stdout: r.stdout, output: r.stdout + r.stderr, summary: readFileSync(summary, "utf8") };
    };
    const editGroups = (from: string, to: string) => writeFileSync(groupsFile, readFileSync(groupsFile, "utf8").replace(from, to));

    before(async function () {
      sandbox = await startSandbox({
        google: { domains: ["example.com"], admins: ["admin@example.com"], users: people.map((primaryEmail) => ({ primaryEmail })) },
        entra: { users: people.map((userPrincipalName) => ({ userPrincipalName })) },
      });
      comments = await CommentApi.start();
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
      for (const key of ["GITHUB_ACTIONS", "GITLAB_CI", "PR_NUMBER", "CI_MERGE_REQUEST_IID"]) delete ciEnv[key];
      stack.workspace.setEnv("GROUP_EXPORT_READ_ONLY", "true");
    });
    // Each test starts from the repository's groups file.
    beforeEach(() => copyFileSync(join(REPO_ROOT, "groups.yaml"), groupsFile));
    after(async () => {
      stack?.close();
      await comments?.close();
      await sandbox?.close();
    });

    it("the pull-request preview posts the summary as one comment per stack (GitHub, GitLab), edited in place, also when the preview fails", async () => {
      comments.comments.push({ id: 1, body: "<!-- group-export-summary stack=other -->\nanother stack's summary" });
      const github = { ...ciEnv, ...comments.githubEnv() };
      editGroups("      - bob@example.com", "      - bob@example.com\n      - mallory@example.com");
      const first = await withStepSummary("preview.sh", github);
      console.log(`      [preview.sh output]\n${first.output.replace(/^/gm, "        ")}`);
      expect(first.code, first.output).to.equal(0);
      expect(first.stdout).to.include("Google  engineering@example.com: updated\n    members: +1 added: mallory@example.com");
      expect(first.stdout).to.include("Entra ID  Engineering: updated\n    members: +1 added: mallory@example.com");
      expect(comments.comments).to.have.length(2);
      const mine = comments.comments[1]!;
      expect(mine.body.split("\n")[0]).to.equal("<!-- group-export-summary stack=test-ci -->");
      expect(markdownTables(mine.body)[0]!.rows.map((r) => `${r[0]} ${r[1]} ${r[3]}`)).to.deep.equal(["Google engineering@example.com +1 added: mallory@example.com", "Entra ID Engineering +1 added: mallory@example.com"]);
      expect(first.summary, "the step summary too").to.equal(mine.body);

      editGroups("      - bob@example.com\n", "");
      const second = await withStepSummary("preview.sh", github);
      expect(second.code, second.output).to.equal(0);
      expect(comments.comments.map((c) => c.id), "edited, not posted again").to.deep.equal([1, mine.id]);
      expect(comments.comments[0]!.body, "another stack's comment is left alone").to.include("another stack's summary");
      expect(mine.body).to.include("−1 removed: bob@example.com");
      expect(comments.requests.filter((r) => r.method === "PATCH").map((r) => r.path)).to.deep.equal([`/repos/acme/groups/issues/comments/${mine.id}`]);

      // A broken groups file, on GitLab: the job fails (exit 2), and the merge request's note says why.
      editGroups("      - alice@example.com", "      - alice@");
      const gitlab = await withStepSummary("preview.sh", { ...ciEnv, ...comments.gitlabEnv() });
      expect(gitlab.code).to.equal(2);
      expect(comments.requests.filter((r) => r.path.startsWith("/api/v4/")).map((r) => r.method)).to.deep.equal(["GET", "POST"]);
      expect(comments.notes[0]!.body).to.include("**The preview failed**");
      expect(comments.notes[0]!.body).to.include('"alice@" is not an email address');
      expect(comments.requests.every((r) => r.auth !== "")).to.equal(true);
    });

    it("an apply in read-only mode writes nothing and says why", async () => {
      editGroups("      - bob@example.com", "      - bob@example.com\n      - mallory@example.com");
      sandbox.resetRequestCounts();
      const up = await stack.workspace.up();
      expect(up.code).to.not.equal(0);
      // The provider refuses every write itself, before any request, for both directories.
      expect(up.output).to.include("this stack is read-only");
      expect(writeRequests(sandbox), "nothing written").to.deep.equal([]);
      expect(googleMembers(sandbox, "engineering@example.com")).to.deep.equal(["alice@example.com", "bob@example.com"]);
      copyFileSync(join(REPO_ROOT, "groups.yaml"), groupsFile);
    });

    it("the drift check exits 0 when the directories match", async () => {
      const r = await withStepSummary("drift-check.sh");
      expect(r.code, r.output).to.equal(0);
      expect(r.output).to.include("No drift: every group matches the program.");
      expect(r.output).to.include("no drift: stack test-ci matches its directories");
    });

    it("the drift check exits 1 and reports each drifted group once: members, a setting, a rename", async () => {
      const engineering = sandbox.google.tenant.groups.find((g) => g.email === "engineering@example.com")!;
      engineering.members!.push({ id: "1999", email: "mallory@example.com", role: "MEMBER", type: "USER", delivery_settings: "ALL_MAIL", etag: '"e"' });
      engineering.settings!.whoCanJoin = "ANYONE_CAN_JOIN";
      const [sales] = entraGroupsNamed(sandbox, "Sales Team");
      sales!.members.splice(0, sales!.members.length);
      sales!.displayName = "Sales (renamed by hand)";
      const r = await withStepSummary("drift-check.sh");
      console.log(`      [drift output]\n${r.output.replace(/^/gm, "        ")}`);
      expect(r.code, r.output).to.equal(1);
      expect(r.stdout).to.include("Drift in stack test-ci");
      expect(r.stdout).to.include(
        "Google  engineering@example.com: updated\n    members: -1 removed: mallory@example.com\n    setting whoCanJoin: ANYONE_CAN_JOIN -> INVITED_CAN_JOIN\n",
      );
      expect(r.stdout).to.include('Entra ID  Sales Team: updated\n    members: +1 added: carol@example.com\n    displayName: "Sales (renamed by hand)" -> "Sales Team"\n');
      expect(r.stdout).to.include("run `pulumi up --refresh`");
      expect(r.stdout, "never a plain up").to.not.match(/the next `pulumi up` would/);
      expect(markdownTables(r.summary)[0]!.rows.map((row) => row[1])).to.deep.equal(["engineering@example.com", "Sales Team"]);
    });

    it("the drift check exits 2 (not 1) when it cannot run", async () => {
      const r = await withStepSummary("drift-check.sh", ciEnv, "no-such-stack");
      expect(r.code, r.output).to.equal(2);
      expect(r.output).to.include("The drift check could not run");
      expect(r.output).to.include("drift check FAILED to run for stack no-such-stack");
    });

    it("the apply (--refresh --continue-on-error): drift reverted, a group deleted by hand made again, and one failing group does not hold the others back", async () => {
      const write = { ...ciEnv, GROUP_EXPORT_READ_ONLY: "false" };
      editGroups("      - bob@example.com", "      - bob@example.com\n      - mallory@example.com");
      const [engineering] = entraGroupsNamed(sandbox, "Engineering");
      // Entra refuses to add members to Engineering (whatever the request's form); nothing else fails.
      sandbox.faults.add({ api: "entra", method: "POST", path: `${engineering!.id}/members`, kind: "serverError", status: 400 });
      sandbox.faults.add({ api: "entra", method: "PATCH", path: `groups/${engineering!.id}$`, kind: "serverError", status: 400 });
      sandbox.google.deleteGroup("sales@example.com");
      const r = await withStepSummary("apply.sh", write);
      console.log(`      [apply output]\n${r.output.replace(/^/gm, "        ")}`);
      sandbox.faults.clear();
      expect(r.code, r.output).to.not.equal(0);
      expect(r.stdout).to.include("Update of stack test-ci");
      expect(r.stdout).to.match(/Entra ID {2}Engineering: FAILED/);
      // mallory, added by hand in Google before (the drift test), is now in the groups file: only the setting changes there.
      expect(r.stdout).to.include("Google  engineering@example.com: updated\n    setting whoCanJoin: ANYONE_CAN_JOIN -> INVITED_CAN_JOIN\n");
      // The failed group's members are what its update planned; its error says what did not happen.
      expect(r.stdout).to.match(/Entra ID {2}Engineering: FAILED \(updated\)\n {4}members: planned, failed \(see the error\):\n\s+\+1 added: mallory@example.com\n {4}error: GroupBinding groups-engineering-entra .*could not add 1 member\(s\): mallory@example.com/);
      expect(r.stdout).to.match(/Entra ID {2}Sales Team: updated\n {4}members: \+1 added: carol@example.com\n {4}displayName: "Sales \(renamed by hand\)" -> "Sales Team"/);
      expect(googleMembers(sandbox, "engineering@example.com")).to.deep.equal(["alice@example.com", "bob@example.com", "mallory@example.com"]);
      expect(entraMembers(sandbox, engineering!.id), "the failed group only").to.deep.equal(["alice@example.com", "bob@example.com"]);
      expect(sandbox.google.tenant.groups.find((g) => g.email === "engineering@example.com")!.settings!.whoCanJoin).to.equal("INVITED_CAN_JOIN");
      expect(r.stdout).to.include("Google  sales@example.com: re-created\n    members: +1 added: carol@example.com\n");
      expect(r.stdout, "made again is no move").to.not.include("members move from");
      expect(googleMembers(sandbox, "sales@example.com")).to.deep.equal(["carol@example.com"]);
      expect(entraGroupsNamed(sandbox, "Sales Team")).to.have.length(1);
      copyFileSync(join(REPO_ROOT, "groups.yaml"), groupsFile);
    });
  });
});
