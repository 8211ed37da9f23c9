import { generateKeyPairSync } from "node:crypto";
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { expect } from "chai";
import { createLocalJWKSet, decodeJwt, jwtVerify, SignJWT, type JSONWebKeySet } from "jose";
import type { Sandbox } from "../../provider/sandbox";
import { generateClientCertificate } from "../../provider/sandbox/entra/certificates";
import {
  assertionCredential,
  certificateCredential,
  GRAPH_SCOPE,
  graphClient,
  graphFailure,
  sandboxFetch,
  sandboxPerSuite,
  secretCredential,
  tokenFailure,
  workloadIdentityCredential,
} from "../support/entraClients";

describe("Entra sandbox: identity platform, through @azure/identity", function () {
  let sandbox: Sandbox;
  let tid: string;

  sandboxPerSuite({}, (s) => {
    sandbox = s;
    tid = s.entra.tenantId;
  });

  it("serves the OIDC metadata MSAL reads, and the keys that verify its tokens", async () => {
    const meta = await sandboxFetch(sandbox, `/${tid}/v2.0/.well-known/openid-configuration`);
    expect(meta.status).to.equal(200);
    expect(meta.json).to.include({
      token_endpoint: `${sandbox.url}/${tid}/oauth2/v2.0/token`,
      issuer: `${sandbox.url}/${tid}/v2.0`,
      authorization_endpoint: `${sandbox.url}/${tid}/oauth2/v2.0/authorize`,
      jwks_uri: `${sandbox.url}/${tid}/discovery/v2.0/keys`,
    });
    for (const field of ["token_endpoint_auth_methods_supported", "response_types_supported", "scopes_supported", "subject_types_supported", "id_token_signing_alg_values_supported"]) {
      expect(meta.json?.[field], field).to.be.an("array").with.length.greaterThan(0);
    }
    // A domain of the tenant names it too.
    expect((await sandboxFetch(sandbox, "/example.com/v2.0/.well-known/openid-configuration")).status).to.equal(200);

    const keys = await sandboxFetch(sandbox, `/${tid}/discovery/v2.0/keys`);
    const { token } = await secretCredential(sandbox).getToken(GRAPH_SCOPE);
    const { payload, protectedHeader } = await jwtVerify(token, createLocalJWKSet(keys.json as unknown as JSONWebKeySet));
    expect(protectedHeader).to.include({ alg: "RS256", typ: "JWT" });
    expect(payload.iss).to.equal(`https://sts.windows.net/${tid}/`);
  });

  it("issues a Graph token for the client secret carrying the app's roles, tid and appid", async () => {
    const { token, expiresOnTimestamp } = await secretCredential(sandbox).getToken(GRAPH_SCOPE);
    const claims = decodeJwt(token);
    const app = sandbox.entra.tenant.apps[0];
    expect(claims).to.include({ aud: "https://graph.microsoft.com", tid, appid: app.clientId, appidacr: "1", idtyp: "app", oid: app.servicePrincipalId });
    expect(claims.roles).to.deep.equal(["Group.ReadWrite.All", "GroupMember.ReadWrite.All", "User.Read.All"]);
    expect(expiresOnTimestamp - Date.now()).to.be.within(3500_000, 3600_000);
  });

  it("also accepts the sandbox's own URL as the resource", async () => {
    const { token } = await secretCredential(sandbox).getToken(`${sandbox.url}/.default`);
    expect(decodeJwt(token).aud).to.equal(sandbox.url);
  });

  it("refuses a wrong secret with invalid_client AADSTS7000215, in AAD's error shape", async () => {
    const error = await tokenFailure(secretCredential(sandbox, { clientSecret: "wrong" }));
    expect(error.message).to.match(/^invalid_client: Error\(s\): 7000215 .*AADSTS7000215: Invalid client secret provided\./);

    const raw = await sandboxFetch(sandbox, `/${tid}/oauth2/v2.0/token`, {
      form: { grant_type: "client_credentials", client_id: sandbox.entra.clientId, client_secret: "wrong", scope: GRAPH_SCOPE },
    });
    expect(raw.status).to.equal(401);
    expect(raw.json).to.have.all.keys("error", "error_description", "error_codes", "timestamp", "trace_id", "correlation_id", "error_uri");
    expect(raw.json).to.deep.include({ error: "invalid_client", error_codes: [7000215], error_uri: "https://login.microsoftonline.com/error?code=7000215" });
    expect(raw.json?.error_description).to.match(/^AADSTS7000215: .* Trace ID: [0-9a-f-]{36} Correlation ID: [0-9a-f-]{36} Timestamp: \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/);
  });

  it("refuses an unknown client, an unknown tenant, a scope without /.default and an unknown resource", async () => {
    const unknownClient = await tokenFailure(secretCredential(sandbox, { clientId: "11111111-2222-3333-4444-555555555555" }));
    expect(unknownClient.message).to.match(/^unauthorized_client: .*AADSTS700016: Application with identifier '11111111-2222-3333-4444-555555555555' was not found/);
    // MSAL reads the metadata first: an unknown tenant fails there (AAD answers 400 AADSTS90002).
    const unknownTenant = await tokenFailure(secretCredential(sandbox, { tenantId: "99999999-2222-3333-4444-555555555555" }));
    expect(unknownTenant.name).to.equal("CredentialUnavailableError");
    expect(unknownTenant.message).to.include("endpoints_resolution_error");
    const rawTenant = await sandboxFetch(sandbox, "/99999999-2222-3333-4444-555555555555/v2.0/.well-known/openid-configuration");
    expect(rawTenant.status).to.equal(400);
    expect(rawTenant.json).to.deep.include({ error: "invalid_tenant", error_codes: [90002] });
    expect(rawTenant.json?.error_description).to.match(/^AADSTS90002: Tenant .99999999-2222-3333-4444-555555555555. not found\. Check to make sure you have the correct tenant ID/);

    const delegatedScope = await tokenFailure(secretCredential(sandbox), "https://graph.microsoft.com/Group.Read.All");
    expect(delegatedScope.message).to.match(/^invalid_scope: .*AADSTS1002012: .*Client credential flows must have a scope value with \/.default suffixed/);
    const unknownResource = await tokenFailure(secretCredential(sandbox), "https://management.example/.default");
    expect(unknownResource.message).to.match(/^invalid_scope: .*AADSTS500011: The resource principal named https:\/\/management.example was not found/);
    const grant = await sandboxFetch(sandbox, `/${tid}/oauth2/v2.0/token`, { form: { grant_type: "password", client_id: sandbox.entra.clientId, scope: GRAPH_SCOPE } });
    expect(grant.json).to.deep.include({ error: "unsupported_grant_type", error_codes: [70003] });
  });

  it("signs in with a client certificate (PS256 assertion with x5t#S256) and refuses an unregistered one", async () => {
    const registered = await sandbox.entra.addClientCertificate();
    expect(sandbox.entra.tenant.apps[0].certificates).to.include(registered.certificatePem);
    const { token } = await certificateCredential(sandbox, registered.certificatePath).getToken(GRAPH_SCOPE);
    expect(decodeJwt(token)).to.include({ appid: sandbox.entra.clientId, appidacr: "2" });

    const stranger = await generateClientCertificate("stranger");
    const strangerPath = join(dirname(sandbox.caPath), "stranger.pem");
    writeFileSync(strangerPath, `${stranger.certificatePem.trimEnd()}\n${stranger.privateKeyPem}`, { mode: 0o600 });
    const refused = await tokenFailure(certificateCredential(sandbox, strangerPath));
    expect(refused.message).to.match(/^invalid_client: .*AADSTS700027: The certificate with identifier used to sign the client assertion is not registered on application/);
  });

  it("signs in with workload identity: a federated token in a file (WorkloadIdentityCredential)", async () => {
    const credential = workloadIdentityCredential(sandbox, await sandbox.entra.issueFederatedToken());
    const { token } = await credential.getToken(GRAPH_SCOPE);
    expect(decodeJwt(token)).to.include({ appid: sandbox.entra.clientId, appidacr: "2", tid });
  });

  it("signs in with a client assertion callback (ClientAssertionCredential)", async () => {
    const { token } = await assertionCredential(sandbox, () => sandbox.entra.issueFederatedToken()).getToken(GRAPH_SCOPE);
    expect(decodeJwt(token).roles).to.include("Group.ReadWrite.All");
  });

  it("refuses federated tokens no federated credential matches (AADSTS70021) and expired ones (AADSTS700024)", async () => {
    const wrongSubject = await tokenFailure(workloadIdentityCredential(sandbox, await sandbox.entra.issueFederatedToken({ subject: "repo:someone/else:ref:refs/heads/main" })));
    expect(wrongSubject.message).to.match(/^invalid_request: .*AADSTS70021: No matching federated identity record found for presented assertion\. Assertion Issuer: 'https:\/\/oidc\.group-export\.sandbox'\. Assertion Subject: 'repo:someone\/else:ref:refs\/heads\/main'\./);
    const wrongAudience = await tokenFailure(workloadIdentityCredential(sandbox, await sandbox.entra.issueFederatedToken({ audience: "api://something-else" })));
    expect(wrongAudience.message).to.include("AADSTS70021");
    const expired = await tokenFailure(workloadIdentityCredential(sandbox, await sandbox.entra.issueFederatedToken({ expiresInSeconds: -3600 })));
    expect(expired.message).to.match(/^invalid_client: .*AADSTS700024: Client assertion is not within its valid time range/);
  });

  it("Graph answers 401 InvalidAuthenticationToken to a missing, forged or foreign token", async () => {
    const empty = await graphFailure(graphClient(sandbox, { getAccessToken: async () => "" }).api("/groups").get());
    expect(empty).to.deep.include({ status: 401, code: "InvalidAuthenticationToken", message: "Access token is empty." });
    expect(empty.headers?.get("www-authenticate")).to.match(/^Bearer realm=""/);
    const forged = await graphFailure(graphClient(sandbox, { getAccessToken: async () => "eyJhbGciOiJub25lIn0.e30." }).api("/groups").get());
    expect(forged).to.deep.include({ status: 401, code: "InvalidAuthenticationToken", message: "Access token validation failure." });
    const { token } = await secretCredential(sandbox).getToken(GRAPH_SCOPE);
    const before = sandbox.entra.tenantId;
    sandbox.seedEntra({});
    expect(sandbox.entra.tenantId).to.not.equal(before);
    const foreign = await graphFailure(graphClient(sandbox, { getAccessToken: async () => token }).api("/groups").get());
    expect(foreign).to.deep.include({ status: 401, code: "InvalidAuthenticationToken" });
    tid = sandbox.entra.tenantId;
  });

  it("trusts a federated issuer by the public key configured on the app", async () => {
    const issuerKeys = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const otherKeys = generateKeyPairSync("rsa", { modulusLength: 2048 });
    sandbox.seedEntra({
      apps: [{ federatedCredentials: [{ issuer: "https://ci.example", subject: "pipeline:deploy", publicKeyPem: issuerKeys.publicKey.export({ type: "spki", format: "pem" }).toString() }] }],
    });
    const sign = (key: typeof issuerKeys.privateKey) =>
      new SignJWT({}).setProtectedHeader({ alg: "RS256" }).setIssuer("https://ci.example").setSubject("pipeline:deploy").setAudience("api://AzureADTokenExchange").setIssuedAt().setExpirationTime("10m").sign(key);
    const { token } = await workloadIdentityCredential(sandbox, await sign(issuerKeys.privateKey)).getToken(GRAPH_SCOPE);
    expect(decodeJwt(token).appid).to.equal(sandbox.entra.clientId);
    const forged = await tokenFailure(workloadIdentityCredential(sandbox, await sign(otherKeys.privateKey)));
    expect(forged.message).to.match(/^invalid_client: .*AADSTS700027: Client assertion failed signature validation\./);
  });
});
