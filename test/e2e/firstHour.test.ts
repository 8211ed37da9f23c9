import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { startSandbox, type Sandbox } from "../../provider/sandbox";
import { E2eStack } from "../support/e2eProgram";
import { installProgram, PulumiWorkspace, REPO_ROOT, type CliResult } from "../support/pulumiCli";
import { writeRequests } from "../support/sandboxViews";

/**
 * Issue 23: the mistakes of a first hour (wrong tenant, no or wrong Entra credential, a domain the
 * customer does not own, an impersonated user who is no admin, an unknown user, a typo, a bad
 * exportTo, a bad groups file) fail at preview through the real CLI with the real cause and the
 * one fix, said once: no engine dump of a map, no echo of the same error, no internal error
 * beside it, no stack trace; and nothing is written.
 */

const PEOPLE = ["alice", "bob", "carol"].map((n) => `${n}@example.com`);
const UNKNOWN_TENANT = "11111111-2222-4333-8444-555555555555";
const CREDENTIALS_DOCS = '(see docs/guides/credentials.md)';
/** A JavaScript stack frame, as Node prints one. */
const STACK_FRAME = /\n\s+at .*\(?[^\s()]+\.[jt]s:\d+:\d+\)?/;

/** The Diagnostics section of a CLI run: what the user reads after the progress lines. */
function diagnostics(result: CliResult): string {
  const at = result.output.indexOf("Diagnostics:");
  expect(at, result.output).to.be.greaterThan(-1);
  return result.output.slice(at);
}

/** `text` occurs exactly once in the Diagnostics section, and none of the noise of issue 23 does. */
function saidOnce(result: CliResult, text: string): void {
  const section = diagnostics(result);
  expect(section.split(text).length - 1, `once in:\n${section}`).to.equal(1);
  expect(result.output, "no echo of the error by the provider host").to.not.match(/^\s*Error: /m);
  expect(result.output, "no engine dump of the input's value").to.not.match(/property \w+ value/);
  expect(result.output, "no SDK-internal error").to.not.include("read before the group is constructed");
  expect(result.output, "no stack trace").to.not.match(STACK_FRAME);
}

/** `pulumi preview` fails, saying each of `texts` once, and writes nothing. */
async function previewFails(workspace: PulumiWorkspace, sandbox: Sandbox, ...texts: string[]): Promise<CliResult> {
  const preview = await workspace.run(["preview"]);
  expect(preview.code, preview.output).to.not.equal(0);
  for (const text of texts) saidOnce(preview, text);
  expect(writeRequests(sandbox), "nothing written").to.deep.equal([]);
  return preview;
}

describe("the first hour: every mistake named once with its cause and fix, through the real Pulumi CLI", function () {
  let sandbox: Sandbox;
  const dir = mkdtempSync(join(tmpdir(), "group-export-first-hour-"));

  before(async () => {
    sandbox = await startSandbox({
      google: { domains: ["example.com"], admins: ["admin@example.com"], users: PEOPLE.map((primaryEmail) => ({ primaryEmail })) },
      entra: { users: PEOPLE.map((userPrincipalName) => ({ userPrincipalName })) },
    });
  });
  after(async () => sandbox?.close());
  beforeEach(() => sandbox.resetRequestCounts());

  const entraProgram = (tenantId: string, groups: Record<string, string> = { eng: "Eng" }) => ({
    management: { tenant: { entra: { tenantId } } },
    entraGroups: Object.fromEntries(Object.entries(groups).map(([name, displayName]) => [name, { management: "tenant", displayName }])),
  });
  const googleProgram = (domains: string[]) => ({
    management: { workspace: { google: { domains } } },
    googleGroups: { eng: { management: "workspace", email: "eng@example.com" } },
  });

  it("a tenant id the credentials do not belong to: the tenant does not exist, fix entra.tenantId (not the network, not the authority host)", async () => {
    const stack = await E2eStack.create(sandbox, "wrong-tenant");
    stack.declare(entraProgram(UNKNOWN_TENANT));
    const preview = await previewFails(stack.workspace, sandbox,
      `error: pulumi-nodejs:dynamic/groupexport:DirectoryGroupManagement resource 'tenant' has a problem: directory entra:${UNKNOWN_TENANT}: tenant ${UNKNOWN_TENANT} does not exist (${sandbox.url} answered AADSTS90002: tenant not found). ` +
        `Fix: set entra.tenantId of the DirectoryGroupManagement to your tenant's id (Entra admin center > Overview > Tenant ID) ${CREDENTIALS_DOCS}`,
    );
    expect(preview.output).to.not.match(/endpoints_resolution_error|entraAuthorityHost/);
  });

  it("no Entra credential configured: names the settings to set", async () => {
    const stack = await E2eStack.create(sandbox, "no-credential");
    await stack.workspace.ok(["config", "rm", "groupExport:entraClientSecretFile"]);
    await stack.workspace.ok(["config", "rm", "groupExport:entraClientId"]);
    for (const name of ["AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET", "AZURE_TENANT_ID", "AZURE_CLIENT_CERTIFICATE_PATH", "AZURE_FEDERATED_TOKEN_FILE"]) stack.workspace.setEnv(name, "");
    stack.declare(entraProgram(sandbox.entra.tenantId));
    const preview = await previewFails(stack.workspace, sandbox,
      `has a problem: directory entra:${sandbox.entra.tenantId}: no Entra credential is configured: none of groupExport:entraClientSecretFile, groupExport:entraClientCertificatePath and groupExport:entraFederatedTokenFile ` +
        "(nor AZURE_CLIENT_SECRET, AZURE_CLIENT_CERTIFICATE_PATH, AZURE_FEDERATED_TOKEN_FILE) is set, and DefaultAzureCredential found none either (environment, managed identity, Azure CLI). " +
        "Fix: run `pulumi config set groupExport:entraClientId <application (client) id>` and `pulumi config set groupExport:entraClientSecretFile <file holding the secret's Value>`",
    );
    expect(preview.output).to.not.include("ChainedTokenCredential");
  });

  it("a wrong client secret: AADSTS7000215's own advice kept (the secret's value, not its id) and the setting named", async () => {
    const stack = await E2eStack.create(sandbox, "wrong-secret");
    const wrong = join(dir, "wrong-secret");
    writeFileSync(wrong, "not-the-secret");
    await stack.workspace.setConfig({ "groupExport:entraClientSecretFile": { value: wrong, secret: false } });
    stack.declare(entraProgram(sandbox.entra.tenantId));
    await previewFails(stack.workspace, sandbox,
      `has a problem: directory entra:${sandbox.entra.tenantId}: application ${sandbox.entra.clientId} was refused: wrong client secret (AADSTS7000215: Invalid client secret provided. ` +
        `Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${sandbox.entra.clientId}'.). ` +
        "Fix: put the secret's Value (App registrations > the application > Certificates & secrets > Client secrets: the Value column, shown once when the secret is made; not the Secret ID) " +
        `in the file groupExport:entraClientSecretFile names (or AZURE_CLIENT_SECRET) ${CREDENTIALS_DOCS}`,
    );
  });

  it("a sign-in error thrown by a group's check (a stack already up, its secret then broken) is printed once, not echoed", async () => {
    const stack = await E2eStack.create(sandbox, "echo");
    stack.declare(entraProgram(sandbox.entra.tenantId));
    const up = await stack.workspace.up();
    expect(up.code, up.output).to.equal(0);
    const wrong = join(dir, "wrong-secret-2");
    writeFileSync(wrong, "not-the-secret");
    await stack.workspace.setConfig({ "groupExport:entraClientSecretFile": { value: wrong, secret: false } });
    // The management is unchanged (no call); the new group's check looks its name up and meets the refusal.
    stack.declare(entraProgram(sandbox.entra.tenantId, { eng: "Eng", ops: "Ops" }));
    sandbox.resetRequestCounts();
    await previewFails(stack.workspace, sandbox, `error: EntraSecurityGroup "ops" (group "Ops"): application ${sandbox.entra.clientId} was refused: wrong client secret (AADSTS7000215:`);
  });

  it("a Google domain the customer does not own: DirectoryGroupManagement refuses it at preview, naming the customer's domains", async () => {
    const stack = await E2eStack.create(sandbox, "foreign-domain");
    stack.declare(googleProgram(["example.com", "notours.example"]));
    const preview = await previewFails(stack.workspace, sandbox,
      "error: pulumi-nodejs:dynamic/groupexport:DirectoryGroupManagement resource 'workspace' has a problem: directory google:my_customer: notours.example is not a domain of customer my_customer (its domains: example.com). " +
        "Fix: remove it from google.domains of the DirectoryGroupManagement, or add and verify it in the Google Admin console (Account > Domains > Manage domains) " +
        CREDENTIALS_DOCS,
    );
    expect(preview.output).to.not.include("super admin");
  });

  it("an impersonated user who is not an admin: the fix is groupExport:googleAdminEmail, not the delegation", async () => {
    const stack = await E2eStack.create(sandbox, "not-admin");
    await stack.workspace.setConfig({ "groupExport:googleAdminEmail": { value: "alice@example.com", secret: false } });
    stack.declare(googleProgram(["example.com"]));
    const preview = await previewFails(stack.workspace, sandbox,
      "has a problem: directory google:my_customer: alice@example.com may not manage groups: Google answered 403 Not Authorized to service account group-export@sandbox-project.iam.gserviceaccount.com acting as alice@example.com, " +
        "which it does when the impersonated user is not an administrator. Fix: set groupExport:googleAdminEmail to a super admin (or a user with the Groups Administrator role) of the customer " +
        CREDENTIALS_DOCS,
    );
    expect(preview.output).to.not.match(/Domain-wide delegation/i);
  });

  it("an unknown Google user is found at preview (admin.directory.user.readonly delegated), before any group is made", async () => {
    const stack = await E2eStack.create(sandbox, "unknown-user");
    stack.declare({
      ...googleProgram(["example.com"]),
      bindings: { "eng-members": { target: "eng", userGroup: { name: "Eng", users: ["alice@example.com", "nobody@example.com", "friend@elsewhere.example"] } } },
    });
    // Only the address in the customer's domain can be known to be nobody; another domain's is an external member.
    await previewFails(
      stack.workspace,
      sandbox,
      "error: pulumi-nodejs:dynamic/groupexport:GroupBinding resource 'eng-members' has a problem: userGroup: user group \"Eng\" has 1 user(s) not found in google:my_customer: nobody@example.com; fix the user group or create the users",
    );
    // Without the optional scope the lookup is skipped (the CREDENTIALS_DOCS says so): the preview passes, and Google refuses the user at apply.
    const delegated = sandbox.google.tenant.delegatedScopes;
    sandbox.google.tenant.delegatedScopes = delegated.filter((s) => !s.endsWith("/admin.directory.user.readonly"));
    try {
      const without = await stack.workspace.run(["preview"]);
      expect(without.code, without.output).to.equal(0);
    } finally {
      sandbox.google.tenant.delegatedScopes = delegated;
    }
  });

  it("a typo in one input: its own problems, without the binding of that group failing inside the SDK", async () => {
    const stack = await E2eStack.create(sandbox, "typo");
    stack.declare({
      management: { workspace: { google: { domains: ["example.com"] } } },
      googleGroups: { eng: { management: "workspace", emial: "eng@example.com" } },
      bindings: { "eng-members": { target: "eng", userGroup: { name: "Eng", users: ["alice@example.com"] } } },
    });
    const preview = await previewFails(stack.workspace, sandbox,
      "error: pulumi-nodejs:dynamic/groupexport:GoogleDistributionGroup resource 'eng' has a problem: emial is not an input of GoogleDistributionGroup: did you mean email? Otherwise remove it",
    );
    saidOnce(preview, "error: pulumi-nodejs:dynamic/groupexport:GoogleDistributionGroup resource 'eng' has a problem: email is required by GoogleDistributionGroup: set it");
  });

  it("a problem of a map input (the binding's userGroup) is said without the engine's dump of the map", async () => {
    const stack = await E2eStack.create(sandbox, "map-input");
    stack.declare({
      ...googleProgram(["example.com"]),
      bindings: { "eng-members": { target: "eng", userGroup: { name: "Eng", users: ["alice@example.com", "bob"] } } },
    });
    const preview = await previewFails(stack.workspace, sandbox,
      "error: pulumi-nodejs:dynamic/groupexport:GroupBinding resource 'eng-members' has a problem: userGroup: user group \"Eng\" has users that are not email addresses/user principal names: bob; give each user as name@domain",
    );
    expect(preview.output).to.not.include("map[");
  });

  describe("in a TypeScript program", () => {
    let workspace: PulumiWorkspace;

    before(async () => {
      const program = mkdtempSync(join(tmpdir(), "group-export-ts-program-"));
      writeFileSync(join(program, "Pulumi.yaml"), "name: first-hour-ts\nruntime:\n  name: nodejs\n  options:\n    typescript: true\n");
      writeFileSync(join(program, "tsconfig.json"), JSON.stringify({ compilerOptions: { strict: true, target: "es2022", module: "commonjs", moduleResolution: "node", esModuleInterop: true, skipLibCheck: true } }));
      writeFileSync(
        join(program, "index.ts"),
        [
          'import { UserGroupExport } from "pulumi-group-export";',
          "// What to export comes from the test: a groups file, or the user groups themselves.",
          "const scenario = JSON.parse(process.env.FIRST_HOUR_SCENARIO ?? \"{}\");",
          'if (scenario.groupsFile) UserGroupExport.fromGroupsFile("people", { groupsFile: scenario.groupsFile, google: { domains: ["example.com"] } });',
          'else new UserGroupExport("people", { google: { domains: ["example.com"] }, userGroups: scenario.userGroups });',
          "",
        ].join("\n"),
      );
      installProgram(program, { typescript: "~5.9.3" });
      workspace = new PulumiWorkspace(program, sandbox.env());
      await workspace.initStack("ts", sandbox.providerConfig());
    });

    it('exportTo: ["slack"] is refused, naming the user group and the directories there are', async () => {
      workspace.setEnv("FIRST_HOUR_SCENARIO", JSON.stringify({ userGroups: [{ name: "Eng", email: "eng@example.com", users: ["alice@example.com"], exportTo: ["slack"] }] }));
      await previewFails(workspace, sandbox, 'error: UserGroupExport people: user group "Eng" has exportTo "slack": use "google" and/or "entra"');
    });

    it("a bad groups file prints its problems, all of them, without a stack trace or a dump of `problems`", async () => {
      workspace.setEnv("FIRST_HOUR_SCENARIO", JSON.stringify({ groupsFile: join(REPO_ROOT, "test/fixtures/groupsFiles/ten-mistakes.yaml") }));
      const preview = await previewFails(workspace, sandbox, "error: 13 problems in ten-mistakes.yaml:\n");
      for (const line of [
        'ten-mistakes.yaml:4:3: defaults.membershipMod: unknown field "membershipMod".',
        'ten-mistakes.yaml:9:32: groups[0].users[1]: "bob@" is not an email address.',
        "ten-mistakes.yaml:24:5: YAML syntax: Map keys must be unique.",
      ]) {
        saidOnce(preview, line);
      }
      expect(preview.output).to.not.match(/problems: \[|GroupsFileError/);
    });
  });
});
