import { readFileSync } from "node:fs";
import { expect } from "chai";
import { startSandbox, type Sandbox } from "../../provider/sandbox";
import { E2eStack } from "../support/e2eProgram";
import { writeRequests } from "../support/sandboxViews";

const WORKSPACE = { workspace: { google: { domains: ["example.com"] } } };

/** The GoogleDistributionGroup steps a `--diff` preview or update shows: operation and resource name. */
function stepsOf(output: string): { op: string; name: string }[] {
  const re = /pulumi-nodejs:dynamic\/groupexport:GoogleDistributionGroup: \((\w[\w-]*)\)\s+(?:\[id=[^\]]*\]\s+)?\[urn=[^\]]*::([^\]:]+)\]/g;
  return [...output.matchAll(re)].map((m) => ({ op: m[1], name: m[2] }));
}

/** The group as the sandbox's Google tenant holds it (the test's view of "remote"). */
function remoteGroup(sandbox: Sandbox, email: string) {
  return sandbox.google.tenant.groups.find((g) => g.email === email);
}

describe("GoogleDistributionGroup through the real Pulumi CLI", function () {
  let sandbox: Sandbox;
  let stack: E2eStack;

  before(async function () {
    sandbox = await startSandbox({ google: { domains: ["example.com"], admins: ["admin@example.com"] } });
    stack = await E2eStack.create(sandbox);
  });
  after(async () => sandbox?.close());

  it("previews a create without touching the directory", async () => {
    stack.declare({ management: WORKSPACE, googleGroups: { engineering: { management: "workspace", email: "Engineering@Example.com", description: "All engineers" } } });
    sandbox.resetRequestCounts();
    const preview = await stack.workspace.preview();
    expect(preview.code, preview.output).to.equal(0);
    expect(stepsOf(preview.stdout)).to.deep.include({ op: "create", name: "engineering" });
    expect(preview.stdout).to.include("engineering@example.com");
    expect(sandbox.google.tenant.groups).to.have.length(0);
    const writes = writeRequests(sandbox);
    expect(writes, "preview must not write").to.deep.equal([]);
  });

  it("creates the group on up, with a lowercased email and a tiny secret-free state", async () => {
    const up = await stack.workspace.up();
    expect(up.code, up.output).to.equal(0);
    const group = remoteGroup(sandbox, "engineering@example.com");
    expect(group, "group created in the sandbox").to.not.equal(undefined);
    expect(group!.description).to.equal("All engineers");
    expect(group!.name).to.equal("engineering");

    const outputs = JSON.parse((await stack.workspace.ok(["stack", "output", "--json", "--show-secrets"])).stdout);
    expect(outputs.engineering).to.include({ email: "engineering@example.com", origin: "created", groupId: group!.id });

    const exported = (await stack.workspace.ok(["stack", "export", "--show-secrets"])).stdout;
    const state = JSON.parse(exported);
    const resource = state.deployment.resources.find((r: { type: string }) => r.type.endsWith(":GoogleDistributionGroup"));
    const providerSize = Buffer.byteLength(resource.outputs.__provider as string);
    console.log(`      __provider size: ${providerSize} bytes`);
    // Installed under node_modules, the provider is written as a require of its module, not as code (sdk/providerStub.ts).
    expect(resource.outputs.__provider).to.include('require("pulumi-group-export/providers/GoogleDistributionGroup")');
    expect(providerSize).to.be.lessThan(512);
    const key = sandbox.google.serviceAccountKey;
    const privateKeyBody = key.private_key.split("\n")[1];
    for (const file of stack.workspace.stateFiles()) {
      const text = readFileSync(file, "utf8");
      expect(text, `state file ${file} leaks the private key`).to.not.include(privateKeyBody);
    }
    expect(exported).to.not.include(privateKeyBody);
    expect(up.output).to.not.include(privateKeyBody);
  });

  it("updates a description change in place", async () => {
    stack.declare({ management: WORKSPACE, googleGroups: { engineering: { management: "workspace", email: "engineering@example.com", description: "Engineers, all of them" } } });
    const idBefore = remoteGroup(sandbox, "engineering@example.com")!.id;
    const up = await stack.workspace.up();
    expect(up.code, up.output).to.equal(0);
    expect(stepsOf(up.stdout)).to.deep.include({ op: "update", name: "engineering" });
    expect(up.stdout).to.include('~ description: "All engineers" => "Engineers, all of them"');
    const group = remoteGroup(sandbox, "engineering@example.com")!;
    expect(group.id).to.equal(idBefore);
    expect(group.description).to.equal("Engineers, all of them");
  });

  it("finds a change made by hand and reverts it on the next up", async () => {
    remoteGroup(sandbox, "engineering@example.com")!.description = "edited in the admin console";
    const refresh = await stack.workspace.refresh("--diff");
    expect(refresh.code, refresh.output).to.equal(0);
    expect(refresh.output, "refresh shows what changed by hand").to.include("edited in the admin console");
    const drift = await stack.workspace.preview("--expect-no-changes");
    expect(drift.code, drift.output).to.not.equal(0);
    expect(drift.output).to.include("edited in the admin console");
    const up = await stack.workspace.up("--refresh");
    expect(up.code, up.output).to.equal(0);
    expect(remoteGroup(sandbox, "engineering@example.com")!.description).to.equal("Engineers, all of them");
    const clean = await stack.workspace.preview("--refresh", "--expect-no-changes");
    expect(clean.code, clean.output).to.equal(0);
  });

  it("adopts an existing group instead of duplicating it, and releases it on destroy", async () => {
    sandbox.google.tenant.groups.push({ id: "0adopted01", email: "sales@example.com", name: "Sales (old)", description: "made by hand", adminCreated: true, aliases: [], etag: '"x"' });
    stack.declare({
      management: WORKSPACE,
      googleGroups: {
        engineering: { management: "workspace", email: "engineering@example.com", description: "Engineers, all of them" },
        sales: { management: "workspace", email: "sales@example.com", name: "Sales", description: "Sales team" },
      },
    });
    const preview = await stack.workspace.preview();
    // No settings are declared: an adopted group keeps its own (nothing to name).
    expect(preview.stdout, "preview says the group will be adopted").to.match(/adoption\s+: "adopt existing group 0adopted01"/);
    const up = await stack.workspace.up();
    expect(up.code, up.output).to.equal(0);
    const sales = sandbox.google.tenant.groups.filter((g) => g.email === "sales@example.com");
    expect(sales).to.have.length(1);
    expect(sales[0]).to.include({ id: "0adopted01", name: "Sales", description: "Sales team" });
    const outputs = JSON.parse((await stack.workspace.ok(["stack", "output", "--json"])).stdout);
    expect(outputs.sales.origin).to.equal("adopted");

    const destroy = await stack.workspace.destroy();
    expect(destroy.code, destroy.output).to.equal(0);
    expect(remoteGroup(sandbox, "engineering@example.com"), "created group deleted").to.equal(undefined);
    expect(remoteGroup(sandbox, "sales@example.com"), "adopted group released, not deleted").to.not.equal(undefined);
  });

  it("rejects a malformed email at preview, naming the resource, the field and the fix", async () => {
    stack.declare({ management: WORKSPACE, googleGroups: { broken: { management: "workspace", email: "not-an-address" } } });
    sandbox.resetRequestCounts();
    const preview = await stack.workspace.preview();
    expect(preview.code).to.not.equal(0);
    expect(preview.output).to.include("broken");
    expect(preview.output).to.include("email");
    expect(preview.output).to.include("is not an email address");
    // The management verifies its directory at check (a token and reads); nothing is written.
    expect(writeRequests(sandbox)).to.deep.equal([]);
  });
});
