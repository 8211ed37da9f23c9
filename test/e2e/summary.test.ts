import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startSandbox, type Sandbox } from "../../provider/sandbox";
import { run as runSummary } from "../../provider/summary/cli";
import { bootstrapSeed, runBootstrap } from "../support/bootstrapCli";
import { runCiScript } from "../support/ciScripts";
import { E2eStack, type ProgramSpec } from "../support/e2eProgram";
import { markdownTables } from "../support/markdownTable";
import { REPO_ROOT, type PulumiWorkspace } from "../support/pulumiCli";
import { RootProjectStack } from "../support/rootProject";
import { entraGroupsNamed } from "../support/sandboxViews";

/**
 * group-export-summary on real runs: the e2e program and the root project against the sandbox,
 * `pulumi preview --json` (plain, `--refresh`), `pulumi refresh --preview-only --json` and
 * `pulumi up --json`, every kind of change in both directories, drift, and failing previews.
 * Each summary is checked as the reader sees it: the Markdown through a Markdown parser (one
 * table row per group), the text line by line.
 */

const PEOPLE = ["alice", "bob", "carol", "dave", "erin", "frank", "mallory", "sam"].map((n) => `${n}@example.com`);
const BIG = Array.from({ length: 500 }, (_, i) => `user${String(i).padStart(3, "0")}@example.com`);
/** A user only the secret binding names: never in any summary. */
const SECRET_USER = "sam@example.com";

type Row = { directory: string; group: string; change: string; members: string; other: string; notes: string };

interface Summarized {
  code: number;
  status: number;
  markdown: string;
  text: string;
  rows: Row[];
}

/** Runs `pulumi <args> --json` and summarizes its output in both formats. */
async function summarized(workspace: PulumiWorkspace, args: string[], flags: string[] = []): Promise<Summarized> {
  const cli = await workspace.run([...args, "--json"]);
  const markdown = runSummary(["-", "--format", "markdown", ...flags], () => cli.stdout, {});
  const text = runSummary(["-", "--format", "text", ...flags], () => cli.stdout, {});
  expect(text.status, "one exit status whatever the format").to.equal(markdown.status);
  return checked({ code: cli.code, status: markdown.status, markdown: markdown.output, text: text.output, rows: [] });
}

/** Runs examples/ci/drift-check.sh on the stack, in its program's directory, as CI does: its report (text) and step summary (Markdown). */
async function driftCheck(workspace: PulumiWorkspace, stackName: string): Promise<Summarized> {
  const stepSummary = join(mkdtempSync(join(tmpdir(), "summary-drift-")), "step-summary.md");
  writeFileSync(stepSummary, "");
  const r = await runCiScript("drift-check.sh", [stackName], { ...workspace.environment(), GITHUB_STEP_SUMMARY: stepSummary }, workspace.programDir);
  return checked({ code: r.code ?? -1, status: r.code ?? -1, markdown: readFileSync(stepSummary, "utf8"), text: r.stdout + r.stderr, rows: [] });
}

/** Reads the Markdown's table (one at most, the six columns), and checks what every summary must hold. */
function checked(s: Summarized): Summarized {
  const tables = markdownTables(s.markdown);
  expect(tables.length, s.markdown).to.be.at.most(1);
  if (tables[0]) expect(tables[0].header).to.deep.equal(["Directory", "Group", "Change", "Members", "Roles, settings, aliases, names", "Notes"]);
  s.rows = (tables[0]?.rows ?? []).map(([directory, group, change, members, other, notes]) => ({ directory: directory!, group: group!, change: change!, members: members!, other: other!, notes: notes! }));
  // Never a removal written with "+", never the secret user.
  for (const row of s.rows) for (const removed of removedIn(row.members)) expect(`${row.members}\n${row.other}`).to.not.match(new RegExp(`\\+[^\\n]*\\b${removed.replace(/[.]/g, "\\.")}`));
  expect(s.markdown + s.text).to.not.include(SECRET_USER);
  return s;
}

function removedIn(members: string): string[] {
  return [...members.matchAll(/−\d+ removed: ([^\n]*)/g)].flatMap((m) => m[1]!.split(", "));
}

function rowOf(s: Summarized, group: string): Row {
  const row = s.rows.find((r) => r.group === group);
  expect(row, `a row for ${group} in:\n${s.markdown}`).to.not.equal(undefined);
  return row!;
}

function show(label: string, s: Summarized): void {
  console.log(`      [${label}: exit ${s.status}]\n${s.text.replace(/^/gm, "        ")}`);
}

describe("group-export-summary on real runs against the sandbox", function () {
  let sandbox: Sandbox;
  let stack: E2eStack;
  let spec: ProgramSpec & Required<Pick<ProgramSpec, "googleGroups" | "entraGroups" | "bindings">>;

  before(async function () {
    sandbox = await startSandbox({
      google: {
        domains: ["example.com"],
        admins: ["admin@example.com"],
        users: [...PEOPLE, ...BIG].map((primaryEmail) => ({ primaryEmail })),
        groups: [{ email: "legacy@example.com", name: "Legacy", members: ["alice@example.com", "mallory@example.com"] }],
      },
      entra: { users: PEOPLE.map((userPrincipalName) => ({ userPrincipalName })), groups: [{ displayName: "Ops" }] },
    });
    stack = await E2eStack.create(sandbox, "summary");
    spec = {
      management: { g: { google: { domains: ["example.com"] } }, e: { entra: { tenantId: sandbox.entra.tenantId } } },
      googleGroups: {
        web: { management: "g", email: "web@example.com", name: "Web", settings: { whoCanJoin: "INVITED_CAN_JOIN" }, aliases: ["www@example.com"] },
        legacy: { management: "g", email: "legacy@example.com" },
        big: { management: "g", email: "big@example.com" },
        later: { management: "g", email: "later@example.com", enabled: false },
        moving: { management: "g", email: "old@example.com" },
        hidden: { management: "g", email: "hidden@example.com" },
      },
      entraGroups: { webE: { management: "e", displayName: "Web Team" }, ops: { management: "e", displayName: "Ops" }, gone: { management: "e", displayName: "Gone" } },
      bindings: {
        webB: { target: "web", userGroup: { name: "Web", users: ["alice@example.com", "bob@example.com", "carol@example.com"] }, owners: ["alice@example.com"] },
        legacyB: { target: "legacy", userGroup: { name: "Legacy", users: ["alice@example.com"] } },
        bigB: { target: "big", userGroup: { name: "Big", users: BIG } },
        laterB: { target: "later", userGroup: { name: "Later", users: [] }, allowEmpty: true },
        movingB: { target: "moving", userGroup: { name: "Moving", users: ["dave@example.com"] } },
        hiddenB: { target: "hidden", userGroup: { name: "Hidden", users: [SECRET_USER] }, secretUsers: true },
        webEB: { target: "webE", userGroup: { name: "Web", users: ["alice@example.com", "bob@example.com", "carol@example.com"] } },
        opsB: { target: "ops", userGroup: { name: "Ops", users: ["dave@example.com"] }, owners: ["dave@example.com"] },
      },
    };
  });
  after(async () => {
    await sandbox?.close();
  });

  it("a first preview: created and adopted groups in both directories, members added, a removal on adoption, a waiting group, a secret list", async () => {
    stack.declare(spec);
    const s = await summarized(stack.workspace, ["preview"]);
    show("first preview", s);
    expect(s.code, s.markdown).to.equal(0);
    expect(s.status).to.equal(0);
    expect(s.rows.map((r) => `${r.directory} ${r.group} ${r.change}`).sort()).to.deep.equal(
      [
        "Google web@example.com created",
        "Google legacy@example.com adopted",
        "Google big@example.com created",
        "Google later@example.com waiting",
        "Google old@example.com created",
        "Google hidden@example.com created",
        "Entra ID Web Team created",
        "Entra ID Ops adopted",
        "Entra ID Gone created",
      ].sort(),
    );
    const web = rowOf(s, "web@example.com");
    expect(web.members).to.equal("+3 added: alice@example.com, bob@example.com, carol@example.com");
    expect(web.other).to.equal("owners: alice@example.com\nsettings: distribution-list default\naliases: +www@example.com");
    // Adopted: alice is already a member (not added); mallory is not in the user group and goes.
    const legacy = rowOf(s, "legacy@example.com");
    expect(legacy.members).to.equal("−1 removed: mallory@example.com");
    expect(legacy.notes).to.include("guard: removes 1 of 2 members (50%; stops above 50% and 10 members)");
    expect(rowOf(s, "big@example.com").members).to.match(/^\+500 added: user000@example\.com, .*user029@example\.com, … and 470 more$/);
    expect(rowOf(s, "later@example.com").notes).to.include("not made yet");
    expect(rowOf(s, "hidden@example.com").members).to.equal("a secret user list: not shown");
    expect(rowOf(s, "Ops").members).to.equal("+1 added: dave@example.com");
    expect(rowOf(s, "Ops").other).to.equal("owners: dave@example.com");
    expect(s.markdown).to.include("**Totals**: groups: 6 created, 2 adopted, 1 waiting · members: +508 added, −1 removed");
    const up = await stack.workspace.up();
    expect(up.code, up.output).to.equal(0);
  });

  it("a one-member change of a 500-member group is one row naming that member", async () => {
    spec.bindings.bigB = { ...spec.bindings.bigB, userGroup: { name: "Big", users: [...BIG, "frank@example.com"] } };
    stack.declare(spec);
    const s = await summarized(stack.workspace, ["preview"]);
    show("one member of 500", s);
    expect(s.rows).to.deep.equal([{ directory: "Google", group: "big@example.com", change: "updated", members: "+1 added: frank@example.com", other: "", notes: "" }]);
    expect(s.text.split("\n").length, "fits on a screen").to.be.below(12);
  });

  it("every kind of change in one preview: members, owners and managers, settings, aliases, renames, deleted, released, replaced, a waiting group made", async () => {
    Object.assign(spec.bindings, {
      webB: { ...spec.bindings.webB, userGroup: { name: "Web", users: ["alice@example.com", "bob@example.com", "erin@example.com"] }, owners: ["bob@example.com"], managers: ["erin@example.com"] },
      laterB: { target: "later", userGroup: { name: "Later", users: ["erin@example.com"] }, allowEmpty: true },
    });
    Object.assign(spec.googleGroups, {
      web: { ...spec.googleGroups.web, name: "Web Site", settings: { whoCanJoin: "ALL_IN_DOMAIN_CAN_JOIN" }, aliases: ["w3@example.com"] },
      later: { management: "g", email: "later@example.com" },
      moving: { management: "g", email: "new@example.com" },
    });
    spec.entraGroups.webE = { management: "e", displayName: "Web People" };
    delete spec.entraGroups.gone;
    delete spec.googleGroups.legacy;
    delete spec.bindings.legacyB;
    stack.declare(spec);
    const s = await summarized(stack.workspace, ["preview"]);
    show("every kind of change", s);
    expect(s.status).to.equal(0);
    const web = rowOf(s, "web@example.com");
    expect(web.change).to.equal("updated");
    expect(web.members).to.equal("+1 added: erin@example.com\n−1 removed: carol@example.com");
    expect(web.other.split("\n")).to.deep.equal([
      "+owner bob@example.com; alice@example.com: owner → member; managers: erin@example.com",
      "setting whoCanJoin: INVITED_CAN_JOIN → ALL_IN_DOMAIN_CAN_JOIN",
      "aliases: +w3@example.com, −www@example.com (removed)",
      'name: "Web" → "Web Site"',
    ]);
    expect(web.notes).to.equal("guard: removes 1 of 3 members (33%; stops above 50% and 10 members)");
    expect(rowOf(s, "Web People")).to.include({ change: "updated", other: 'displayName: "Web Team" → "Web People"' });
    expect(rowOf(s, "Gone")).to.include({ change: "deleted" });
    expect(rowOf(s, "legacy@example.com")).to.include({ change: "released" });
    const moved = rowOf(s, "new@example.com");
    expect(moved.change).to.equal("replaced");
    expect(moved.notes).to.include("replaces the group of old@example.com");
    // The binding moves to the new group: the members it added leave the old one, announced (hedged: the preview cannot see which it added).
    expect(moved.members).to.equal("+1 added: dave@example.com\n−1 leave old@example.com (if this binding added them): dave@example.com");
    expect(moved.notes).to.include("members move from old@example.com");
    // A group that waited for its first user is created, not "replaced".
    expect(rowOf(s, "later@example.com")).to.include({ change: "created", members: "+1 added: erin@example.com" });
    expect(rowOf(s, "later@example.com").notes).to.include("was waiting");
    const up = await stack.workspace.up();
    expect(up.code, up.output).to.equal(0);
  });

  it("the drift check (examples/ci/drift-check.sh) reports every kind of drift once per group: members, roles, settings, aliases, names, a deleted group; exit 1", async () => {
    const web = sandbox.google.tenant.groups.find((g) => g.email === "web@example.com")!;
    web.settings!.whoCanJoin = "ANYONE_CAN_JOIN";
    web.aliases.push("hand@example.com");
    web.members = web.members!.filter((m) => m.email !== "alice@example.com");
    web.members.find((m) => m.email === "bob@example.com")!.role = "MEMBER";
    web.members.push({ id: "1999", email: "mallory@example.com", role: "MEMBER", type: "USER", delivery_settings: "ALL_MAIL", etag: '"e"' });
    const [webE] = entraGroupsNamed(sandbox, "Web People");
    webE!.displayName = "Web Renamed";
    webE!.members.splice(0, 1);
    const [ops] = entraGroupsNamed(sandbox, "Ops");
    ops!.owners = [];
    sandbox.google.deleteGroup("new@example.com");
    const s = await driftCheck(stack.workspace, "summary");
    show("drift (examples/ci/drift-check.sh)", s);
    expect(s.status).to.equal(1);
    expect(s.markdown).to.include("`pulumi up --refresh` would make these changes");
    expect(new Set(s.rows.map((r) => r.group)).size, "each group once").to.equal(s.rows.length);
    const row = rowOf(s, "web@example.com");
    expect(row.members).to.equal("+1 added: alice@example.com\n−1 removed: mallory@example.com");
    expect(row.other).to.include("+owner bob@example.com");
    expect(row.other).to.include("setting whoCanJoin: ANYONE_CAN_JOIN → ALL_IN_DOMAIN_CAN_JOIN");
    expect(row.other).to.include("aliases: −hand@example.com (removed)");
    const renamed = rowOf(s, "Web People");
    expect(renamed.other).to.equal('displayName: "Web Renamed" → "Web People"');
    expect(renamed.members).to.match(/^\+1 added: \S+@example\.com$/);
    expect(rowOf(s, "Ops").other).to.equal("+owner dave@example.com");
    expect(rowOf(s, "new@example.com")).to.include({ change: "re-created", members: "+1 added: dave@example.com" });
    expect(rowOf(s, "new@example.com").notes).to.include("deleted outside Pulumi");
  });

  it("refresh --preview-only: the deleted group, and why the engine's JSON says no more", async () => {
    stack.workspace.setEnv("PULUMI_SKIP_CONFIRMATIONS", "false");
    const s = await summarized(stack.workspace, ["refresh", "--preview-only"]);
    stack.workspace.setEnv("PULUMI_SKIP_CONFIRMATIONS", "true");
    show("refresh --preview-only", s);
    expect(s.rows.map((r) => `${r.group} ${r.change}`)).to.deep.equal(["new@example.com gone"]);
    expect(s.markdown).to.include("pulumi/pulumi#16278");
  });

  it("up --refresh --json: what the update did; afterwards the drift check is clean (exit 0)", async () => {
    const s = await summarized(stack.workspace, ["up", "--yes", "--refresh"]);
    show("up --refresh", s);
    expect(s.code, s.markdown).to.equal(0);
    expect(s.markdown).to.include("Update of stack `summary`");
    expect(rowOf(s, "web@example.com").members).to.equal("+1 added: alice@example.com\n−1 removed: mallory@example.com");
    expect(rowOf(s, "new@example.com").change).to.equal("re-created");
    const clean = await driftCheck(stack.workspace, "summary");
    expect(clean.status, clean.text).to.equal(0);
    expect(clean.text).to.include("No drift: every group matches the program.");
    expect(clean.rows).to.deep.equal([]);
  });

  it("a failing preview is summarized with its error, exit 2: an unknown user; a tripped guard", async () => {
    spec.bindings.webEB = { ...spec.bindings.webEB, userGroup: { name: "Web", users: ["alice@example.com", "nobody@example.com"] } };
    stack.declare(spec);
    const unknown = await summarized(stack.workspace, ["preview"]);
    show("failing preview", unknown);
    expect(unknown.code).to.not.equal(0);
    expect(unknown.status).to.equal(2);
    expect(unknown.markdown).to.include("**The preview failed**");
    // The binding failed at check: the engine planned no step for it, so its row names the binding.
    expect(rowOf(unknown, "GroupBinding webEB")).to.include({ directory: "?", change: "FAILED" });
    expect(rowOf(unknown, "GroupBinding webEB").notes).to.include("nobody@example.com");
    spec.bindings.webEB = { ...spec.bindings.webEB, userGroup: { name: "Web", users: ["alice@example.com", "bob@example.com", "carol@example.com"] } };
    spec.bindings.bigB = { ...spec.bindings.bigB, userGroup: { name: "Big", users: BIG.slice(0, 100) } };
    stack.declare(spec);
    const guard = await summarized(stack.workspace, ["preview"]);
    show("guard", guard);
    expect(guard.status).to.equal(2);
    expect(rowOf(guard, "GroupBinding bigB").notes).to.include("mass-removal guard TRIPPED");
    expect(rowOf(guard, "GroupBinding bigB").notes).to.include("maxRemovalPercent: mass-removal guard: would remove 401 of 501 members");
  });

  it("the built command reads a file or stdin and prints the same", () => {
    const file = join(mkdtempSync(join(tmpdir(), "summary-")), "preview.json");
    writeFileSync(file, JSON.stringify({ steps: [], diagnostics: [{ severity: "error", message: "error: something broke\n" }] }));
    const cli = join(REPO_ROOT, "dist/provider/summary/cli.js");
    const fromFile = spawnSync(process.execPath, [cli, file, "--format", "text"], { encoding: "utf8" });
    const fromStdin = spawnSync(process.execPath, [cli, "--format", "text"], { encoding: "utf8", input: readFileSync(file) });
    expect(fromFile.status).to.equal(2);
    expect(fromFile.stdout).to.include("error: something broke");
    expect(fromStdin.stdout).to.equal(fromFile.stdout);
  });

  it("a failed up (read-only mode): the failed group's members are marked as planned, not counted as done; one error", async () => {
    spec.bindings.bigB = { ...spec.bindings.bigB, userGroup: { name: "Big", users: BIG } };
    spec.bindings.opsB = { ...spec.bindings.opsB, userGroup: { name: "Ops", users: ["dave@example.com", "erin@example.com"] } };
    stack.declare(spec);
    stack.workspace.setEnv("GROUP_EXPORT_READ_ONLY", "true");
    try {
      const s = await summarized(stack.workspace, ["up", "--yes", "--skip-preview"]);
      show("failed up", s);
      expect(s.code).to.not.equal(0);
      expect(s.markdown).to.include("**The update failed**");
      const failedRows = s.rows.filter((r) => r.change.startsWith("FAILED"));
      expect(failedRows.length, s.markdown).to.be.greaterThan(0);
      for (const r of failedRows) expect(r.members, r.group).to.match(/^planned, failed \(see the error\):/);
      expect(s.markdown, "no member counted as added or removed").to.not.match(/\*\*Totals\*\*:[^\n]*(added|removed)/);
      // One error per failed group: the engine's closing "update failed" is not counted again.
      const failed = s.rows.filter((r) => r.change.startsWith("FAILED")).length;
      expect(s.markdown).to.include(` · ${failed} error${failed === 1 ? "" : "s"}\n`);
    } finally {
      stack.workspace.setEnv("GROUP_EXPORT_READ_ONLY", "false");
    }
  });

  it("destroy --json: headed as the destroy it was, with what it deleted and released", async () => {
    const s = await summarized(stack.workspace, ["destroy", "--yes"]);
    show("destroy", s);
    expect(s.code, s.markdown).to.equal(0);
    expect(s.markdown).to.include("Destroy of stack `summary`");
    expect(s.markdown).to.include("What `pulumi destroy` did:");
    expect(s.markdown).to.not.include("pulumi up");
    expect(s.rows.length, "a row per group").to.be.greaterThan(0);
  });
});

describe("group-export-summary: the first preview of a bootstrapped tenant", function () {
  let sandbox: Sandbox;
  let stack: RootProjectStack | undefined;
  before(async () => {
    sandbox = await startSandbox(bootstrapSeed());
  });
  after(async () => {
    stack?.close();
    await sandbox?.close();
  });

  it("adopts every group and changes no member", async () => {
    const out = join(mkdtempSync(join(tmpdir(), "summary-bootstrap-")), "groups.yaml");
    const b = await runBootstrap(sandbox, ["--google-customer", "my_customer", "--entra-tenant", sandbox.entra.tenantId, "--out", out]);
    expect(b.code, b.output).to.equal(0);
    stack = await RootProjectStack.create(sandbox, "test-summary-bootstrap", { groupsFile: out, googleDomains: "example.com", entraTenantId: sandbox.entra.tenantId });
    const s = await summarized(stack.workspace, ["preview"]);
    show("bootstrapped tenant, first preview", s);
    expect(s.status).to.equal(0);
    // Every group adopted, no member added or removed; non-user members are kept, and said so.
    expect(s.rows.map((r) => `${r.directory} ${r.group} ${r.change}: ${r.members}`).sort()).to.deep.equal(
      [
        "Google engineering@example.com adopted: no change: 2 already members",
        "Google partners@example.com adopted: no change: 2 already members",
        "Google sales@example.com adopted: no change: 1 already member",
        "Google team@example.com adopted: no change: 1 already member",
        "Google team2@example.com adopted: no change: 1 already member",
        "Entra ID Engineering adopted: no change: 2 already members",
        "Entra ID Ops adopted: no change: 2 already members",
        "Entra ID Sales adopted: no change: 2 already members",
      ].sort(),
    );
    expect(rowOf(s, "partners@example.com").notes).to.include("keeps customer:");
    expect(s.text.split("\n").length, "fits on a screen").to.be.below(40);
    expect(s.markdown).to.include("**Totals**: groups: 8 adopted\n");
  });
});

describe("group-export-summary: a released group synced again says why", function () {
  let sandbox: Sandbox;
  let stack: RootProjectStack | undefined;
  const file = join(mkdtempSync(join(tmpdir(), "summary-resync-")), "groups.yaml");
  /** One user group, Sales, on line 3 of the file. */
  const salesFile = (extra: { email?: boolean; released?: string[]; users: string[] }) =>
    ["version: 1", "groups:", "  - name: Sales", ...(extra.email === false ? [] : ["    email: resync-sales@example.com"]), ...(extra.released ? [`    released: [${extra.released.join(", ")}]`] : []), `    users: [${extra.users.join(", ")}]`, ""].join("\n");

  before(async () => {
    const people = ["alice@example.com", "bob@example.com"];
    sandbox = await startSandbox({
      google: { domains: ["example.com"], admins: ["admin@example.com"], users: people.map((primaryEmail) => ({ primaryEmail })) },
      entra: { users: people.map((userPrincipalName) => ({ userPrincipalName })) },
    });
    writeFileSync(file, salesFile({ users: people }));
    stack = await RootProjectStack.create(sandbox, "test-summary-resync", { groupsFile: file, googleDomains: "example.com", entraTenantId: sandbox.entra.tenantId });
    const made = await stack.workspace.up();
    expect(made.code, made.output).to.equal(0);
  });
  after(async () => {
    stack?.close();
    await sandbox?.close();
  });

  it("released taken out of a user group: the Entra row says it is synced again, and which release it undoes (file:line)", async () => {
    writeFileSync(file, salesFile({ released: ["entra"], users: ["alice@example.com"] }));
    const released = await summarized(stack!.workspace, ["up", "--yes"]);
    expect(released.code, released.text).to.equal(0);
    expect(rowOf(released, "Sales")).to.include({ change: "released" });
    expect(entraGroupsNamed(sandbox, "Sales")).to.have.length(1);

    writeFileSync(file, salesFile({ users: ["alice@example.com"] }));
    const s = await summarized(stack!.workspace, ["preview"]);
    show("released taken out", s);
    expect(s.status, s.text).to.equal(0);
    const row = rowOf(s, "Sales");
    expect(row.change).to.equal("updated");
    expect(row.notes).to.match(/synced again: no longer released \(was: user group "Sales" \([^)]*groups\.yaml:3\) has released: \[entra\]\)/);
    // The member the release left in place goes now that the group is synced again.
    expect(row.members).to.include("removed: bob@example.com");
    expect(s.text).to.include("synced again: no longer released");
    // Said once per group, though both the group and its binding come back.
    expect(s.markdown.split("synced again").length - 1).to.equal(1);
    expect(s.rows.map((r) => r.group), "the Google side was never released: unchanged, no row").to.deep.equal(["Sales"]);
    const applied = await stack!.workspace.up();
    expect(applied.code, applied.output).to.equal(0);
  });

  it("an email restored at the source: the Google row says it is synced again, and why it was released", async () => {
    writeFileSync(file, salesFile({ email: false, users: ["alice@example.com"] }));
    const released = await stack!.workspace.up();
    expect(released.code, released.output).to.equal(0);

    writeFileSync(file, salesFile({ users: ["alice@example.com", "bob@example.com"] }));
    const s = await summarized(stack!.workspace, ["preview"]);
    show("email restored", s);
    expect(s.status, s.text).to.equal(0);
    const row = rowOf(s, "resync-sales@example.com");
    expect(row.notes).to.match(/synced again: no longer released \(was: user group "Sales" \([^)]*groups\.yaml:3\) has no email\)/);
    expect(row.members).to.include("bob@example.com");
    expect(rowOf(s, "Sales").notes, "the Entra side went on").to.not.include("synced again");
  });
});
