import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { startSandbox, type Sandbox } from "../../provider/sandbox";
import { installProgram, PulumiWorkspace, REPO_ROOT, type CliResult } from "../support/pulumiCli";
import { entraMembers, googleGroup, googleMembers } from "../support/sandboxViews";
import { memberLineChanges } from "../support/previewText";

/**
 * Previews, provider stubs and the SDK's getters at their edges, as a user meets them, through the real Pulumi CLI against
 * the sandbox: members as a list of lines in previews (big groups, first and last member,
 * unusual addresses, nested Entra groups with odd display names, empty <-> non-empty, secrets,
 * member maps of earlier states, drift and examples/ci/drift-check.sh), provider stubs written
 * as a `require` of their module (and states of the older by-value form), and the SDK's
 * getters, `dependsOn` forms and secret detection.
 */

/**
 * A program of its own (not test/e2e/program): it gives `dependsOn` in each form, users as a
 * secret, with an Output or a secret element, owners as a secret, reads the getters, and with
 * `byValue` constructs its resources with the working directory inside the installed package,
 * so the stubs are written by value, as releases before the `require` form wrote them.
 */
const PROGRAM = `
const fs = require("fs");
const path = require("path");
const pulumi = require("@pulumi/pulumi");
const { DirectoryGroupManagement, EntraSecurityGroup, GoogleDistributionGroup, GroupBinding } = require("pulumi-group-export");
const spec = JSON.parse(fs.readFileSync(process.env.BREAK_SPEC, "utf8"));
const home = process.cwd();
if (spec.byValue) process.chdir(path.dirname(require.resolve("pulumi-group-export/package.json")));
const managements = {
  google: new DirectoryGroupManagement("google", { google: { domains: ["example.com"] } }),
  entra: new DirectoryGroupManagement("entra", { entra: { tenantId: spec.tenantId } }),
};
const dependency = (form, res) => ({ resource: res, array: [res], output: pulumi.output([res]), promise: Promise.resolve([res]), outputResource: pulumi.output(res) })[form];
const groups = {};
const outputs = {};
for (const [name, { kind, dependsOn, ...args }] of Object.entries(spec.groups || {})) {
  const opts = dependsOn ? { dependsOn: dependency(dependsOn.form, groups[dependsOn.on]) } : undefined;
  const group = kind === "google"
    ? new GoogleDistributionGroup(name, { ...args, management: managements.google }, opts)
    : new EntraSecurityGroup(name, { ...args, management: managements.entra }, opts);
  groups[name] = group;
  outputs[name] = { label: group.label, groupId: group.groupId };
}
for (const [name, { target, users, usersForm, owners, ownersSecret, memberGroups, ...args }] of Object.entries(spec.bindings || {})) {
  let u = users;
  if (usersForm === "secret") u = pulumi.secret(users);
  if (usersForm === "outputElement") u = users.map((x, i) => (i === 0 ? pulumi.output(x) : x));
  if (usersForm === "secretElement") u = users.map((x, i) => (i === 0 ? pulumi.secret(x) : x));
  const extra = {};
  if (owners) extra.owners = ownersSecret ? pulumi.secret(owners) : owners;
  if (memberGroups) extra.memberGroups = memberGroups.map((g) => groups[g]);
  const binding = new GroupBinding(name, { ...args, ...extra, target: groups[target], userGroup: { name, users: u } });
  if (!spec.quietOutputs) outputs[name] = { members: binding.members, userIds: binding.userIds, managedMembers: binding.managedMembers };
}
process.chdir(home);
module.exports = outputs;
`;

interface Spec {
  byValue?: boolean;
  quietOutputs?: boolean;
  groups: Record<string, Record<string, unknown>>;
  bindings: Record<string, Record<string, unknown>>;
}

interface StateResource {
  urn: string;
  type: string;
  inputs: Record<string, unknown>;
  outputs: Record<string, unknown>;
  dependencies?: string[];
}

let programDir: string | undefined;
function program(): string {
  if (!programDir) {
    programDir = mkdtempSync(join(tmpdir(), "group-export-break3-"));
    writeFileSync(join(programDir, "Pulumi.yaml"), "name: group-export-break3\nruntime: nodejs\n");
    writeFileSync(join(programDir, "index.js"), PROGRAM);
    installProgram(programDir);
  }
  return programDir;
}

class BreakStack {
  readonly workspace: PulumiWorkspace;
  private readonly specPath = join(mkdtempSync(join(tmpdir(), "group-export-break3-spec-")), "spec.json");
  constructor(private readonly sandbox: Sandbox) {
    this.workspace = new PulumiWorkspace(program(), { ...sandbox.env(), BREAK_SPEC: this.specPath });
  }
  declare(spec: Spec): void {
    writeFileSync(this.specPath, JSON.stringify({ ...spec, tenantId: this.sandbox.entra.tenantId }));
  }
  async resources(): Promise<StateResource[]> {
    return (JSON.parse((await this.workspace.ok(["stack", "export"])).stdout) as { deployment: { resources: StateResource[] } }).deployment.resources;
  }
}

const ok = (r: CliResult) => expect(r.code, r.output).to.equal(0);

// Sorted first: "-hyphen" ('-' sorts before digits and letters); an apostrophe, a plus and a
// dot-hyphen-plus address are valid local parts too (RFC 5322 atext).
const UNUSUAL = ["-hyphen@example.com", "o'brien@example.com", "first+tag@example.com", "x_y.z@example.com"];
const BIG = [...UNUSUAL, ...Array.from({ length: 300 }, (_, i) => `member-${String(i).padStart(3, "0")}@example.com`)];
const ADDED = ["a.b-c+d@example.com", "zzz-last@example.com", ...Array.from({ length: 20 }, (_, i) => `new-${String(i).padStart(2, "0")}@example.com`)];
const SECRET_PEOPLE = ["sec1-new@example.com", "sec1-user@example.com", "sec2-user@example.com", "sec2-plain@example.com", "sec4-user@example.com", "sec4-owner@example.com"];
const ENTRA_PEOPLE = ["alice@example.com", "bob@example.com", "carol@example.com", "o'brien@example.com"];
/** Entra display names with a colon and space, unicode, spaces. */
const OPS = "Ops: EMEA";
const UNICODE = "Ünïcode Team ✓";
const SALES = "Sales EMEA";
const WAITING = "Waiting: ü";

function groupsSpec(): Spec["groups"] {
  return {
    engineering: { kind: "google", email: "engineering@example.com", name: "Engineering" },
    // dependsOn in each form a program may give it.
    "dep-resource": { kind: "google", email: "dep-resource@example.com", dependsOn: { form: "resource", on: "engineering" } },
    "dep-array": { kind: "google", email: "dep-array@example.com", dependsOn: { form: "array", on: "engineering" } },
    "dep-output": { kind: "google", email: "dep-output@example.com", dependsOn: { form: "output", on: "engineering" } },
    "dep-promise": { kind: "google", email: "dep-promise@example.com", dependsOn: { form: "promise", on: "engineering" } },
    "dep-output-resource": { kind: "google", email: "dep-output-resource@example.com", dependsOn: { form: "outputResource", on: "engineering" } },
    s1: { kind: "google", email: "s1@example.com" },
    s2: { kind: "google", email: "s2@example.com" },
    s3: { kind: "google", email: "s3@example.com" },
    s4: { kind: "google", email: "s4@example.com" },
    platform: { kind: "entra", displayName: "Platform" },
    ops: { kind: "entra", displayName: OPS },
    unicode: { kind: "entra", displayName: UNICODE },
    sales: { kind: "entra", displayName: SALES },
  };
}

function spec(o: { s1?: string[]; engineering?: string[]; nested?: string[]; ops?: string[]; waiting?: string[]; byValue?: boolean } = {}): Spec {
  // "waiting": a group whose binding starts with an empty user group (allowEmpty), from the allowEmpty tests on.
  const waiting: Spec["groups"] = o.waiting === undefined ? {} : { waiting: { kind: "entra", displayName: WAITING } };
  const waitingBinding: Spec["bindings"] = o.waiting === undefined ? {} : { "waiting-members": { target: "waiting", users: o.waiting, allowEmpty: true } };
  return {
    byValue: o.byValue,
    groups: { ...groupsSpec(), ...waiting },
    bindings: {
      ...waitingBinding,
      "engineering-members": { target: "engineering", users: o.engineering ?? BIG },
      "platform-members": { target: "platform", users: ["alice@example.com", "o'brien@example.com"], memberGroups: o.nested ?? ["sales"] },
      "ops-members": { target: "ops", users: o.ops ?? ["bob@example.com"], allowEmpty: true },
      "s1-members": { target: "s1", users: o.s1 ?? ["sec1-user@example.com"], usersForm: "secret" },
      "s2-members": { target: "s2", users: ["sec2-user@example.com", "sec2-plain@example.com"], usersForm: "secretElement" },
      "s3-members": { target: "s3", users: ["carol@example.com", "bob@example.com"], usersForm: "outputElement" },
      "s4-members": { target: "s4", users: ["sec4-user@example.com"], owners: ["sec4-owner@example.com"], ownersSecret: true },
    },
  };
}

/** Engineering's users after the "many members changed" test. */
const CURRENT_ENGINEERING = [...BIG.slice(1).filter((m) => !BIG.slice(100, 120).includes(m)), "zzz-last@example.com", "a.b-c+d@example.com", ...ADDED.slice(2)];

const entraGroupId = (sandbox: Sandbox, displayName: string) => sandbox.entra.tenant.groups.find((g) => g.displayName === displayName)!.id;

describe("previews as lines, provider stubs as requires and the SDK's getters, through the real Pulumi CLI", function () {
  let sandbox: Sandbox;
  let stack: BreakStack;

  before(async function () {
    const googleUsers = [...new Set([...BIG, ...ADDED, ...SECRET_PEOPLE, "carol@example.com", "bob@example.com", "mallory@example.com"])];
    sandbox = await startSandbox({
      google: { domains: ["example.com"], admins: ["admin@example.com"], users: googleUsers.map((primaryEmail) => ({ primaryEmail })) },
      entra: { users: ENTRA_PEOPLE.map((userPrincipalName) => ({ userPrincipalName })) },
    });
    stack = new BreakStack(sandbox);
    await stack.workspace.initStack("break3", sandbox.providerConfig());
  });
  after(async () => sandbox?.close());

  it("creates everything; each __provider is a require of its kind's module; the getters, label and every dependsOn form work", async () => {
    stack.declare(spec());
    ok(await stack.workspace.up());
    expect(googleMembers(sandbox, "engineering@example.com")).to.deep.equal([...BIG].sort());
    const resources = await stack.resources();
    const ours = resources.filter((r) => r.type.includes("groupexport:"));
    expect(ours).to.have.length(2 + 14 + 7);
    for (const r of ours) {
      const kind = r.type.split(":").pop()!;
      expect(r.outputs.__provider, r.urn).to.be.a("string").and.include(`require("pulumi-group-export/providers/${kind}")`);
      expect(Buffer.byteLength(r.outputs.__provider as string), r.urn).to.be.below(600);
    }
    const urn = (name: string) => ours.find((r) => r.urn.endsWith(`::${name}`))!.urn;
    for (const form of ["resource", "array", "output", "promise", "output-resource"]) {
      const deps = ours.find((r) => r.urn.endsWith(`::dep-${form}`))!.dependencies ?? [];
      expect(deps, `dependsOn given as ${form}`).to.include.members([urn("engineering"), urn("google")]);
      expect(googleGroup(sandbox, `dep-${form}@example.com`), form).to.not.equal(undefined);
    }
    const outputs = JSON.parse((await stack.workspace.ok(["stack", "output", "--json", "--show-secrets"])).stdout) as Record<string, Record<string, unknown>>;
    expect(outputs.engineering!.label).to.equal("engineering@example.com");
    expect(outputs.ops!.label).to.equal(OPS);
    expect(Object.keys(outputs["engineering-members"]!.members as object)).to.have.length(BIG.length);
    expect(Object.keys(outputs["engineering-members"]!.userIds as object)).to.have.length(BIG.length);
    expect(Object.keys(outputs["engineering-members"]!.managedMembers as object)).to.have.length(BIG.length);
    expect(outputs["s3-members"]!.members).to.deep.equal({ "bob@example.com": "member", "carol@example.com": "member" });
    expect(entraMembers(sandbox, entraGroupId(sandbox, "Platform"))).to.include.members(["alice@example.com", "o'brien@example.com", entraGroupId(sandbox, SALES)]);
    expect(entraMembers(sandbox, entraGroupId(sandbox, OPS))).to.deep.equal(["bob@example.com"]);
  });

  it("secret users, a secret element, secret owners of plain users: no address in preview, outputs or state", async () => {
    const preview = await stack.workspace.preview("--show-full-output");
    ok(preview);
    const outputs = (await stack.workspace.ok(["stack", "output", "--json"])).stdout;
    const state = stack.workspace.stateFiles().join("\n");
    for (const person of SECRET_PEOPLE) {
      expect(preview.output, `${person} in the preview`).to.not.include(person);
      expect(outputs, `${person} in the stack outputs`).to.not.include(person);
      expect(state, `${person} in the state`).to.not.include(person);
    }
    expect(googleMembers(sandbox, "s1@example.com")).to.deep.equal(["sec1-user@example.com"]);
    expect(googleMembers(sandbox, "s2@example.com")).to.deep.equal(["sec2-plain@example.com", "sec2-user@example.com"]);
    expect(googleMembers(sandbox, "s4@example.com")).to.deep.equal(["sec4-owner@example.com", "sec4-user@example.com"]);
  });

  it("a change of secret users: preview --diff, the update and a refreshing preview show neither the kept nor the new member", async () => {
    stack.declare(spec({ s1: ["sec1-user@example.com", "sec1-new@example.com"] }));
    const preview = await stack.workspace.preview("--show-full-output");
    ok(preview);
    expect(preview.stdout).to.match(/GroupBinding: \(update\)[\s\S]*s1-members/);
    const up = await stack.workspace.up("--show-full-output");
    ok(up);
    expect(googleMembers(sandbox, "s1@example.com")).to.deep.equal(["sec1-new@example.com", "sec1-user@example.com"]);
    const refresh = await stack.workspace.run(["preview", "--refresh", "--diff", "--show-full-output", "--expect-no-changes"]);
    ok(refresh);
    const state = stack.workspace.stateFiles().join("\n");
    for (const person of ["sec1-user@example.com", "sec1-new@example.com"]) {
      for (const [what, text] of [["preview", preview.output], ["up", up.output], ["refresh preview", refresh.output], ["state", state]]) expect(text, `${person} in the ${what}`).to.not.include(person);
    }
    stack.declare(spec());
    ok(await stack.workspace.up());
  });

  it("a 304-member group: the first member removed and an address added last, one line each, unusual addresses intact", async () => {
    const next = [...BIG.slice(1), "zzz-last@example.com", "a.b-c+d@example.com"];
    stack.declare(spec({ engineering: next }));
    const preview = await stack.workspace.preview();
    ok(preview);
    // In list order: "-hyphen" sorts first ('-' before letters), "zzz-last" last.
    expect(memberLineChanges(preview.stdout)).to.deep.equal(["- -hyphen@example.com", "+ a.b-c+d@example.com", "+ zzz-last@example.com"]);
    expect(preview.stdout.split("\n").length).to.be.below(80);
    ok(await stack.workspace.up());
    expect(googleMembers(sandbox, "engineering@example.com")).to.deep.equal([...next].sort());
    ok(await stack.workspace.preview("--expect-no-changes"));
  });

  it("many members changed at once: every change is one line, nothing else", async () => {
    const removed = BIG.slice(100, 120);
    const added = ADDED.slice(2);
    const next = [...BIG.slice(1).filter((m) => !removed.includes(m)), "zzz-last@example.com", "a.b-c+d@example.com", ...added];
    stack.declare(spec({ engineering: next }));
    const preview = await stack.workspace.preview();
    ok(preview);
    const changes = memberLineChanges(preview.stdout);
    expect(changes.filter((c) => c.startsWith("-")).sort()).to.deep.equal(removed.map((m) => `- ${m}`).sort());
    expect(changes.filter((c) => c.startsWith("+")).sort()).to.deep.equal(added.map((m) => `+ ${m}`).sort());
    ok(await stack.workspace.up());
    expect(googleMembers(sandbox, "engineering@example.com")).to.deep.equal([...next].sort());
  });

  it("nested Entra groups whose display names hold a colon, unicode and spaces: one line each", async () => {
    stack.declare(spec({ engineering: CURRENT_ENGINEERING, nested: ["sales", "ops", "unicode"] }));
    const preview = await stack.workspace.preview();
    ok(preview);
    expect(memberLineChanges(preview.stdout)).to.deep.equal([`+ group:${OPS}`, `+ group:${UNICODE}`]);
    ok(await stack.workspace.up());
    expect(entraMembers(sandbox, entraGroupId(sandbox, "Platform"))).to.include.members([OPS, UNICODE, SALES].map((n) => entraGroupId(sandbox, n)));
    stack.declare(spec({ engineering: CURRENT_ENGINEERING, nested: ["unicode"] }));
    const back = await stack.workspace.preview();
    ok(back);
    expect(memberLineChanges(back.stdout)).to.deep.equal([`- group:${OPS}`, `- group:${SALES}`]);
    ok(await stack.workspace.up());
    expect(entraMembers(sandbox, entraGroupId(sandbox, "Platform"))).to.deep.equal(["alice@example.com", entraGroupId(sandbox, UNICODE), "o'brien@example.com"].sort());
  });

  it("a state written by the previous release (members as a map in the inputs) shows no change on preview and refresh", async () => {
    const exported = JSON.parse((await stack.workspace.ok(["stack", "export"])).stdout) as { deployment: { resources: StateResource[] } };
    let maps = 0;
    for (const r of exported.deployment.resources) {
      if (typeof r.inputs?.members === "string") {
        r.inputs.members = Object.fromEntries(r.inputs.members.split("\n").filter(Boolean).map((key) => [key, "member"]));
        maps++;
      }
    }
    // The bindings of secret users hold their members as secrets (not rewritten here).
    expect(maps).to.equal(4);
    const file = join(mkdtempSync(join(tmpdir(), "group-export-break3-state-")), "state.json");
    writeFileSync(file, JSON.stringify(exported));
    await stack.workspace.ok(["stack", "import", "--file", file]);
    ok(await stack.workspace.preview("--expect-no-changes"));
    const refresh = await stack.workspace.refresh("--expect-no-changes");
    ok(refresh);
    ok(await stack.workspace.preview("--expect-no-changes"));
  });

  it("drift: a member added by hand in Google and one removed in Entra; drift-check.sh names both groups and members, refresh + preview --diff shows them as lines", async () => {
    googleGroup(sandbox, "engineering@example.com")!.members!.push({ id: "1999", email: "mallory@example.com", role: "MEMBER", type: "USER", delivery_settings: "ALL_MAIL", etag: '"e"' });
    const platform = sandbox.entra.tenant.groups.find((g) => g.displayName === "Platform")!;
    const obrien = sandbox.entra.tenant.users.find((u) => u.userPrincipalName === "o'brien@example.com")!;
    platform.members = platform.members.filter((id) => id !== obrien.id);
    // Asynchronously: the sandbox answers from this process.
    const { code, check } = await new Promise<{ code: number; check: string }>((resolve, reject) => {
      execFile("bash", [join(REPO_ROOT, "examples/ci/drift-check.sh"), "break3"], { cwd: program(), env: stack.workspace.environment(), encoding: "utf8" }, (error, stdout, stderr) => {
        if (error && typeof error.code !== "number") reject(error);
        else resolve({ code: error ? (error.code as number) : 0, check: stdout + stderr });
      });
    });
    if (process.env.SHOW_PREVIEW) console.log(check);
    expect(code, check).to.equal(1);
    // The report names each drifted group once, with its members (group-export-summary --drift).
    expect(check).to.include("Google  engineering@example.com: updated\n    members: -1 removed: mallory@example.com\n");
    expect(check).to.include("Entra ID  Platform: updated\n    members: +1 added: o'brien@example.com\n");
    ok(await stack.workspace.refresh());
    const preview = await stack.workspace.preview();
    if (process.env.SHOW_PREVIEW) console.log(preview.output);
    ok(preview);
    const changes = memberLineChanges(preview.stdout);
    expect(changes).to.include("- mallory@example.com");
    expect(changes).to.include("+ o'brien@example.com");
    ok(await stack.workspace.up());
    expect(googleMembers(sandbox, "engineering@example.com")).to.not.include("mallory@example.com");
    expect(entraMembers(sandbox, platform.id)).to.include("o'brien@example.com");
    ok(await stack.workspace.preview("--expect-no-changes"));
  });

  it("allowEmpty: a binding of an empty user group waits, then its users are shown as added and exported", async () => {
    const base = { engineering: CURRENT_ENGINEERING, nested: ["unicode"] };
    stack.declare(spec({ ...base, waiting: [] }));
    ok(await stack.workspace.up());
    expect(entraMembers(sandbox, entraGroupId(sandbox, WAITING))).to.deep.equal([]);
    stack.declare(spec({ ...base, waiting: ["bob@example.com", "carol@example.com"] }));
    const grow = await stack.workspace.preview();
    ok(grow);
    // The binding was pending (no members input): the whole list shows as added.
    expect(grow.stdout, grow.stdout).to.match(/\+ members\s*: "bob@example\.com\\ncarol@example\.com\\n"/);
    ok(await stack.workspace.up());
    expect(entraMembers(sandbox, entraGroupId(sandbox, WAITING))).to.deep.equal(["bob@example.com", "carol@example.com"]);
    ok(await stack.workspace.preview("--expect-no-changes"));
  });

  // A defect this test was written for: the preview showed `- members: "bob…\ncarol…\n"` (a removal the
  // apply does not make: the binding only waits), and a waiting binding showed `~ update` on every
  // preview. A waiting binding now carries the members the group keeps and says why it waits.
  it("allowEmpty: a user group that becomes empty shows no member removal at preview, says the binding waits, and its members stay", async () => {
    const base = { engineering: CURRENT_ENGINEERING, nested: ["unicode"] };
    stack.declare(spec({ ...base, waiting: [] }));
    const shrink = await stack.workspace.preview();
    ok(shrink);
    expect(shrink.stdout, shrink.stdout).to.not.match(/- members\s*:/);
    expect(memberLineChanges(shrink.stdout), shrink.stdout).to.deep.equal([]);
    expect(shrink.stdout).to.match(/\+ waiting\s*: "the user group \S.* has no users: the binding waits \(allowEmpty\), and the group keeps its members"/);
    ok(await stack.workspace.up());
    expect(entraMembers(sandbox, entraGroupId(sandbox, WAITING))).to.deep.equal(["bob@example.com", "carol@example.com"]);
    ok(await stack.workspace.preview("--expect-no-changes"));
  });

  it("destroy with the require form removes every group", async () => {
    ok(await stack.workspace.destroy());
    expect(googleGroup(sandbox, "engineering@example.com")).to.equal(undefined);
    expect(sandbox.entra.tenant.groups.filter((g) => [OPS, UNICODE, SALES, WAITING, "Platform"].includes(g.displayName))).to.deep.equal([]);
  });

  it("a stack made with the older by-value __provider: refresh, preview and destroy with today's program", async () => {
    const old = new BreakStack(sandbox);
    await old.workspace.initStack("break3-old", sandbox.providerConfig());
    const small: Spec = {
      byValue: true,
      groups: { legacy: { kind: "google", email: "legacy@example.com" }, "legacy-entra": { kind: "entra", displayName: "Legacy Team" } },
      bindings: {
        "legacy-members": { target: "legacy", users: ["bob@example.com", "carol@example.com"] },
        "legacy-entra-members": { target: "legacy-entra", users: ["bob@example.com"] },
      },
    };
    old.declare(small);
    ok(await old.workspace.up());
    for (const r of (await old.resources()).filter((r) => r.type.includes("groupexport:"))) {
      expect(r.outputs.__provider as string, r.urn).to.not.include("pulumi-group-export/providers/");
      expect(r.outputs.__provider as string, r.urn).to.include('require("pulumi-group-export/provider")');
    }
    // As the previous release wrote it: by-value providers and the members as a map in the inputs.
    const exported = JSON.parse((await old.workspace.ok(["stack", "export"])).stdout) as { deployment: { resources: StateResource[] } };
    for (const r of exported.deployment.resources) {
      if (typeof r.inputs?.members === "string") r.inputs.members = Object.fromEntries(r.inputs.members.split("\n").filter(Boolean).map((key) => [key, "member"]));
    }
    const file = join(mkdtempSync(join(tmpdir(), "group-export-break3-state-")), "state.json");
    writeFileSync(file, JSON.stringify(exported));
    await old.workspace.ok(["stack", "import", "--file", file]);
    old.declare({ ...small, byValue: false });
    ok(await old.workspace.preview("--expect-no-changes"));
    ok(await old.workspace.refresh("--expect-no-changes"));
    const preview = await old.workspace.preview();
    if (process.env.SHOW_PREVIEW) console.log(preview.output);
    ok(preview);
    expect(preview.stdout).to.not.match(/to create|to delete|to replace/);
    old.declare({ ...small, byValue: false, bindings: { ...small.bindings, "legacy-members": { target: "legacy", users: ["bob@example.com"] } } });
    ok(await old.workspace.up());
    expect(googleMembers(sandbox, "legacy@example.com")).to.deep.equal(["bob@example.com"]);
    ok(await old.workspace.destroy());
    expect(googleGroup(sandbox, "legacy@example.com")).to.equal(undefined);
  });
});
