import { createPrivateKey, generateKeyPairSync } from "node:crypto";
import { expect } from "chai";
import { startSandbox, type Sandbox } from "../../provider/sandbox";
import { signJwtRs256 } from "../../provider/sandbox/google/oauth";
import { directoryClient, groupsSettingsClient, GOOGLE_SCOPES, NO_RETRY, outcome, rejection, sandboxJwt } from "../support/googleClients";

const INSUFFICIENT = { status: 403, reason: "insufficientPermissions", message: "Request had insufficient authentication scopes." };

/** The service-account JWT grant (google-auth-library's JWT client) and Google's scope rules per method. */
describe("Google sandbox conformance: token endpoint and scopes", function () {
  let sandbox: Sandbox;

  before(async () => {
    sandbox = await startSandbox({
      google: { domains: ["example.com"], admins: ["admin@example.com"], users: [{ primaryEmail: "dev@example.com" }], groups: [{ email: "eng@example.com", members: ["dev@example.com"] }] },
    });
  });
  after(async () => sandbox?.close());

  /** A Directory client whose token carries only `scopes`. */
  const withScopes = (...scopes: string[]) => directoryClient(sandbox, sandboxJwt(sandbox, scopes));

  it("issues a token for a delegated admin and the delegated scopes (domain-wide delegation)", async () => {
    const jwt = sandboxJwt(sandbox, [GOOGLE_SCOPES.group]);
    const credentials = await jwt.authorize();
    expect(credentials.access_token).to.match(/^ya29\./);
    expect(credentials.token_type).to.equal("Bearer");
  });

  it("refuses scopes that were not delegated; a user who is not an admin gets a token the Admin APIs refuse (403 forbidden)", async () => {
    const notDelegated = sandboxJwt(sandbox, [GOOGLE_SCOPES.user]);
    expect((await rejection(notDelegated.authorize())).message).to.match(/unauthorized_client/);
    // Delegation is per client id and scope, for any user: the token is issued...
    const notAdmin = sandboxJwt(sandbox, [GOOGLE_SCOPES.group, GOOGLE_SCOPES.groupsSettings], "dev@example.com");
    expect((await notAdmin.authorize()).access_token).to.match(/^ya29\./);
    // ...and every Directory API and Groups Settings call as that user is refused.
    const forbidden = { status: 403, reason: "forbidden", message: "Not Authorized to access this resource/api" };
    expect(await outcome(directoryClient(sandbox, notAdmin).groups.get({ groupKey: "eng@example.com" }, NO_RETRY))).to.include(forbidden);
    expect(await outcome(directoryClient(sandbox, notAdmin).groups.list({ customer: "my_customer" }, NO_RETRY))).to.include(forbidden);
    expect(await outcome(groupsSettingsClient(sandbox, notAdmin).groups.get({ groupUniqueId: "eng@example.com", alt: "json" }, NO_RETRY))).to.include(forbidden);
  });

  it("refuses an assertion signed with another key (invalid_grant)", async () => {
    const jwt = sandboxJwt(sandbox, [GOOGLE_SCOPES.group]);
    jwt.key = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    expect((await rejection(jwt.authorize())).message).to.match(/invalid_grant/);
  });

  it("checks the assertion as Google does: at most an hour long and current, for Google's token audience, for a known user", async () => {
    const key = sandbox.google.serviceAccountKey;
    const grant = async (claims: Record<string, unknown>) => {
      const now = Math.floor(Date.now() / 1000);
      const assertion = signJwtRs256({ iss: key.client_email, sub: "admin@example.com", scope: GOOGLE_SCOPES.group, aud: "https://oauth2.googleapis.com/token", iat: now, exp: now + 3600, ...claims }, createPrivateKey(key.private_key), key.private_key_id);
      const res = await outcome(
        sandboxJwt(sandbox, [GOOGLE_SCOPES.group]).transporter.request({
          url: sandbox.google.tokenUrl,
          method: "POST",
          headers: { "Content-Type": "application/x-www-form-urlencoded" },
          data: new URLSearchParams({ grant_type: "urn:ietf:params:oauth:grant-type:jwt-bearer", assertion }).toString(),
          retry: false,
        }),
      );
      return { status: res.status, ...(res.data as Record<string, unknown> | undefined) };
    };
    const now = Math.floor(Date.now() / 1000);
    expect(await grant({})).to.include({ status: 200 });
    const tooLong = "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.";
    expect(await grant({ exp: now + 7200 }), "valid for two hours").to.deep.include({ status: 400, error: "invalid_grant", error_description: tooLong });
    expect(await grant({ iat: now - 7200, exp: now - 3600 }), "expired").to.deep.include({ status: 400, error: "invalid_grant", error_description: tooLong });
    expect(await grant({ aud: "https://example.com/token" })).to.deep.include({ status: 400, error: "invalid_grant", error_description: "Invalid JWT: Failed audience check." });
    expect(await grant({ sub: "nobody@example.com" })).to.deep.include({ status: 400, error: "invalid_grant", error_description: "Invalid email or User ID" });
    // A user of the customer who is no admin still gets a token (the APIs refuse it); scopes not delegated: unauthorized_client.
    expect(await grant({ sub: "dev@example.com" })).to.include({ status: 200 });
    expect(await grant({ scope: GOOGLE_SCOPES.user })).to.deep.include({ status: 401, error: "unauthorized_client" });
  });

  it("answers 401 authError to a call without a valid token", async () => {
    const jwt = sandboxJwt(sandbox, [GOOGLE_SCOPES.group]);
    // The transporter alone sends no Authorization header (jwt.request would add one).
    const res = await outcome(jwt.transporter.request({ url: `${sandbox.google.rootUrl}admin/directory/v1/groups/eng@example.com`, retry: false }));
    expect(res).to.include({ status: 401, reason: "authError" });
    expect(res.data).to.deep.include({
      error: {
        code: 401,
        message:
          "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.",
        errors: [{ message: "Invalid Credentials", domain: "global", reason: "authError", location: "Authorization", locationType: "header" }],
        status: "UNAUTHENTICATED",
      },
    });
    const forged = await outcome(jwt.transporter.request({ url: `${sandbox.google.rootUrl}admin/directory/v1/groups/eng@example.com`, headers: { Authorization: "Bearer ya29.forged" }, retry: false }));
    expect(forged).to.include({ status: 401, reason: "authError" });
  });

  it("admin.directory.group.readonly: reads groups and members, writes nothing", async () => {
    const directory = withScopes(GOOGLE_SCOPES.groupReadonly);
    expect((await directory.groups.get({ groupKey: "eng@example.com" })).status).to.equal(200);
    expect((await directory.members.list({ groupKey: "eng@example.com" })).status).to.equal(200);
    expect(await outcome(directory.groups.insert({ requestBody: { email: "new@example.com" } }, NO_RETRY))).to.include(INSUFFICIENT);
    expect(await outcome(directory.groups.patch({ groupKey: "eng@example.com", requestBody: { name: "x" } }, NO_RETRY))).to.include(INSUFFICIENT);
    expect(await outcome(directory.members.insert({ groupKey: "eng@example.com", requestBody: { email: "admin@example.com" } }, NO_RETRY))).to.include(INSUFFICIENT);
    expect(await outcome(directory.users.get({ userKey: "dev@example.com" }, NO_RETRY))).to.include(INSUFFICIENT);
  });

  it("admin.directory.group.member: reads and writes members, not groups", async () => {
    const directory = withScopes(GOOGLE_SCOPES.member);
    const added = await directory.members.insert({ groupKey: "eng@example.com", requestBody: { email: "admin@example.com" } });
    expect(added.status).to.equal(200);
    expect((await directory.members.list({ groupKey: "eng@example.com" })).data.members).to.have.length(2);
    expect((await directory.members.hasMember({ groupKey: "eng@example.com", memberKey: "admin@example.com" })).data.isMember).to.equal(true);
    expect((await directory.members.delete({ groupKey: "eng@example.com", memberKey: "admin@example.com" })).status).to.equal(204);
    expect(await outcome(directory.groups.get({ groupKey: "eng@example.com" }, NO_RETRY))).to.include(INSUFFICIENT);
    expect(await outcome(directory.groups.list({ customer: "my_customer" }, NO_RETRY))).to.include(INSUFFICIENT);
  });

  it("admin.directory.group.member.readonly: reads members only", async () => {
    const directory = withScopes(GOOGLE_SCOPES.memberReadonly);
    expect((await directory.members.get({ groupKey: "eng@example.com", memberKey: "dev@example.com" })).status).to.equal(200);
    expect(await outcome(directory.members.insert({ groupKey: "eng@example.com", requestBody: { email: "admin@example.com" } }, NO_RETRY))).to.include(INSUFFICIENT);
    expect(await outcome(directory.groups.get({ groupKey: "eng@example.com" }, NO_RETRY))).to.include(INSUFFICIENT);
  });

  it("domains.list: the customer's domains with admin.directory.domain.readonly; another customer 403; without the scope 403 insufficientPermissions", async () => {
    const domains = withScopes(GOOGLE_SCOPES.domainReadonly);
    const list = await domains.domains.list({ customer: "my_customer" });
    expect(list.data).to.deep.include({ kind: "admin#directory#domains" });
    expect(list.data.domains?.map((d) => [d.domainName, d.isPrimary, d.verified])).to.deep.equal([["example.com", true, true]]);
    expect(await outcome(domains.domains.list({ customer: "C0other" }, NO_RETRY))).to.include({ status: 403, reason: "forbidden" });
    expect(await outcome(withScopes(GOOGLE_SCOPES.group).domains.list({ customer: "my_customer" }, NO_RETRY))).to.include(INSUFFICIENT);
  });

  it("admin.directory.user.readonly reads users; the Groups Settings API needs apps.groups.settings", async () => {
    const users = withScopes(GOOGLE_SCOPES.userReadonly);
    expect((await users.users.get({ userKey: "dev@example.com" })).data.primaryEmail).to.equal("dev@example.com");
    const groupOnly = groupsSettingsClient(sandbox, sandboxJwt(sandbox, [GOOGLE_SCOPES.group]));
    expect(await outcome(groupOnly.groups.get({ groupUniqueId: "eng@example.com", alt: "json" }, NO_RETRY))).to.include(INSUFFICIENT);
    const settingsOnly = sandboxJwt(sandbox, [GOOGLE_SCOPES.groupsSettings]);
    expect((await groupsSettingsClient(sandbox, settingsOnly).groups.get({ groupUniqueId: "eng@example.com", alt: "json" })).status).to.equal(200);
    expect(await outcome(directoryClient(sandbox, settingsOnly).groups.get({ groupKey: "eng@example.com" }, NO_RETRY))).to.include(INSUFFICIENT);
  });
});
