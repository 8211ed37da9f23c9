import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { ProviderSettings } from "../../provider/settings";

const dir = mkdtempSync(join(tmpdir(), "group-export-settings-"));
const secretFile = join(dir, "secret");
writeFileSync(secretFile, "s3cret\n");

let settings = new ProviderSettings();
const entraSettings = () => settings.entra();
const googleSettings = () => settings.google();

function configure(values: Record<string, string>): void {
  settings = new ProviderSettings({ get: (key) => values[key] });
}

/** Settings read the environment too; each test starts from an environment without them. */
const ENV_KEYS = ["AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET", "AZURE_CLIENT_CERTIFICATE_PATH", "AZURE_FEDERATED_TOKEN_FILE", "GOOGLE_APPLICATION_CREDENTIALS", "GROUP_EXPORT_GOOGLE_CREDENTIALS", "GROUP_EXPORT_GOOGLE_ADMIN_EMAIL", "GROUP_EXPORT_ENTRA_CREDENTIAL", "GROUP_EXPORT_READ_ONLY", "GROUP_EXPORT_GOOGLE_QUOTA_PER_MINUTE", "GROUP_EXPORT_GRAPH_RESOURCE_UNITS_PER_10_SECONDS"];

describe("provider settings (credentials)", () => {
  const saved: Record<string, string | undefined> = {};
  beforeEach(() => {
    for (const key of ENV_KEYS) {
      saved[key] = process.env[key];
      delete process.env[key];
    }
  });
  afterEach(() => {
    for (const key of ENV_KEYS) {
      if (saved[key] === undefined) delete process.env[key];
      else process.env[key] = saved[key];
    }
    configure({});
  });

  it("picks the Entra credential kind from what is configured, reading secrets from files", () => {
    configure({ "groupExport:entraClientId": "app", "groupExport:entraClientSecretFile": secretFile });
    expect(entraSettings()).to.include({ kind: "clientSecret", clientId: "app", clientSecret: "s3cret" });
    configure({ "groupExport:entraClientId": "app", "groupExport:entraFederatedTokenFile": "/var/run/token" });
    expect(entraSettings()).to.include({ kind: "workloadIdentity", federatedTokenFile: "/var/run/token" });
    configure({});
    expect(entraSettings().kind).to.equal("default");
  });

  it("takes the environment's AZURE_* variables as DefaultAzureCredential does", () => {
    process.env.AZURE_CLIENT_ID = "env-app";
    process.env.AZURE_CLIENT_CERTIFICATE_PATH = "/certs/app.pem";
    configure({});
    expect(entraSettings()).to.include({ kind: "clientCertificate", clientId: "env-app", certificatePath: "/certs/app.pem" });
  });

  it("names the missing piece and the fix for an Entra credential", () => {
    configure({ "groupExport:entraCredential": "clientSecret", "groupExport:entraClientId": "app" });
    expect(() => entraSettings()).to.throw(/Entra credential "clientSecret" needs a client secret: set groupExport:entraClientSecretFile.*see docs\/guides\/credentials\.md/);
    configure({ "groupExport:entraCredential": "password" });
    expect(() => entraSettings()).to.throw(/entraCredential is "password": use one of clientSecret, clientCertificate, workloadIdentity, default/);
    configure({ "groupExport:entraClientSecretFile": secretFile });
    expect(() => entraSettings()).to.throw(/client id is not set: run `pulumi config set groupExport:entraClientId/);
  });

  it("names the fix when Google credentials are missing or unusable", () => {
    configure({});
    expect(() => googleSettings()).to.throw(/Google credentials are not configured: run `pulumi config set groupExport:googleCredentialsFile/);
    const notJson = join(dir, "not.json");
    writeFileSync(notJson, "nope");
    configure({ "groupExport:googleCredentialsFile": notJson });
    expect(() => googleSettings()).to.throw(/not JSON/);
    configure({ "groupExport:googleCredentialsFile": join(dir, "missing.json") });
    expect(() => googleSettings()).to.throw(/cannot read the Google credentials file .*missing\.json \(ENOENT\)/);
  });

  it("reads the key file once per configuration and requires the admin to impersonate", () => {
    const key = join(dir, "key.json");
    writeFileSync(key, JSON.stringify({ type: "service_account", client_email: "sa@p.iam.gserviceaccount.com", private_key: "-----BEGIN PRIVATE KEY-----\nx\n-----END PRIVATE KEY-----\n" }));
    configure({ "groupExport:googleCredentialsFile": key });
    expect(() => googleSettings()).to.throw(/googleAdminEmail is not set/);
    configure({ "groupExport:googleCredentialsFile": key, "groupExport:googleAdminEmail": "admin@example.com" });
    const first = googleSettings();
    expect(first.adminEmail).to.equal("admin@example.com");
    expect(googleSettings(), "one settings object per configuration, so clients are shared").to.equal(first);
  });

  it("reads the quotas to pace to (documented defaults, overridable by config or environment) and read-only mode for both services", () => {
    const key = join(dir, "key.json");
    writeFileSync(key, JSON.stringify({ type: "service_account", client_email: "sa@p.iam.gserviceaccount.com", private_key: "-----BEGIN PRIVATE KEY-----\nx\n-----END PRIVATE KEY-----\n" }));
    const google = { "groupExport:googleCredentialsFile": key, "groupExport:googleAdminEmail": "admin@example.com" };
    configure(google);
    expect(googleSettings()).to.include({ quotaPerMinute: 2400, readOnly: false });
    expect(entraSettings()).to.include({ resourceUnitsPer10Seconds: 3500, writesPer150Seconds: 3000, readOnly: false });
    configure({ ...google, "groupExport:googleQuotaPerMinute": "600", "groupExport:graphResourceUnitsPer10Seconds": "8000", "groupExport:readOnly": "true" });
    expect(googleSettings()).to.include({ quotaPerMinute: 600, readOnly: true });
    expect(entraSettings()).to.include({ resourceUnitsPer10Seconds: 8000, readOnly: true });
    process.env.GROUP_EXPORT_GOOGLE_QUOTA_PER_MINUTE = "120";
    process.env.GROUP_EXPORT_READ_ONLY = "TRUE";
    configure(google);
    expect(googleSettings()).to.include({ quotaPerMinute: 120, readOnly: true });
    expect(entraSettings().readOnly).to.equal(true);
    configure({ ...google, "groupExport:googleQuotaPerMinute": "lots" });
    expect(() => googleSettings()).to.throw(/groupExport:googleQuotaPerMinute \(or GROUP_EXPORT_GOOGLE_QUOTA_PER_MINUTE\) is "lots": use a positive whole number/);
    process.env.GROUP_EXPORT_READ_ONLY = "yes";
    configure(google);
    expect(() => entraSettings()).to.throw(/GROUP_EXPORT_READ_ONLY\) is "yes": use "true" or "false"/);
  });
});
