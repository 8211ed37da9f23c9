import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "chai";
import { startSandbox, type ProviderStackConfig, type Sandbox } from "../../provider/sandbox";
import { E2eStack } from "../support/e2eProgram";
import { entraGroupsNamed, googleGroup } from "../support/sandboxViews";

/** Keeps the Google keys of `config` and replaces the Entra credential keys with `entra`. */
function withEntra(sandbox: Sandbox, entra: ProviderStackConfig): ProviderStackConfig {
  const base = Object.fromEntries(Object.entries(sandbox.providerConfig()).filter(([key]) => key !== "groupExport:entraClientSecretFile"));
  return { ...base, ...entra };
}

/** Every credential kind of SPEC §3 signs in, applies, and leaves nothing secret in state. */
describe("Credential kinds through the real Pulumi CLI", function () {
  let sandbox: Sandbox;

  before(async () => {
    sandbox = await startSandbox({ google: { domains: ["example.com"] } });
  });
  after(async () => sandbox?.close());

  async function applyOne(stack: E2eStack, entraGroup: string): Promise<string> {
    stack.declare({
      management: { workspace: { google: { domains: ["example.com"] } }, tenant: { entra: { tenantId: sandbox.entra.tenantId } } },
      googleGroups: { g: { management: "workspace", email: `${entraGroup.toLowerCase()}@example.com` } },
      entraGroups: { e: { management: "tenant", displayName: entraGroup } },
    });
    const up = await stack.workspace.up();
    expect(up.code, up.output).to.equal(0);
    expect(entraGroupsNamed(sandbox, entraGroup)).to.have.length(1);
    expect(googleGroup(sandbox, `${entraGroup.toLowerCase()}@example.com`)).to.not.equal(undefined);
    const exported = (await stack.workspace.ok(["stack", "export", "--show-secrets"])).stdout;
    const destroy = await stack.workspace.destroy();
    expect(destroy.code, destroy.output).to.equal(0);
    return exported + up.output;
  }

  it("Entra client certificate, with a Google service-account key", async () => {
    const certificate = await sandbox.entra.addClientCertificate();
    const stack = await E2eStack.create(sandbox, "certificate");
    await stack.workspace.ok(["config", "rm", "groupExport:entraClientSecretFile"]);
    await stack.workspace.setConfig(
      withEntra(sandbox, {
        "groupExport:entraCredential": { value: "clientCertificate", secret: false },
        "groupExport:entraClientCertificatePath": { value: certificate.certificatePath, secret: false },
      }),
    );
    const seen = await applyOne(stack, "CertificateTeam");
    expect(seen, "the management's principal names the credential kind used").to.include("(clientCertificate)");
    expect(seen).to.not.include(certificate.privateKeyPem.split("\n")[1]);
    expect(seen).to.not.include(sandbox.google.serviceAccountKey.private_key.split("\n")[1]);
  });

  it("Entra workload identity and Google workload identity federation: no secret anywhere", async () => {
    const tokenFile = join(sandbox.caPath, "..", "entra-federated-token");
    writeFileSync(tokenFile, await sandbox.entra.issueFederatedToken(), { mode: 0o600 });
    const stack = await E2eStack.create(sandbox, "federated");
    await stack.workspace.ok(["config", "rm", "groupExport:entraClientSecretFile"]);
    await stack.workspace.ok(["config", "rm", "groupExport:googleCredentialsFile"]);
    const config = { ...sandbox.google.externalAccountProviderConfig(), "groupExport:entraFederatedTokenFile": { value: tokenFile, secret: false } };
    await stack.workspace.setConfig(config);
    const seen = await applyOne(stack, "FederatedTeam");
    expect(seen).to.not.include(readFileSync(tokenFile, "utf8"));
    expect(seen).to.not.include(readFileSync(sandbox.google.federatedTokenPath, "utf8"));
    expect(seen).to.include("workload identity federation");
    expect(seen).to.include("(workloadIdentity)");
  });
});
