import { expect } from "chai";
import { asResourceProblem, isHostEcho, withoutHostEcho } from "../../provider/contract/failures";
import { aadError, diagnoseEntraSignIn, EntraSignInError } from "../../provider/entra/auth";
import { domainProblem } from "../../provider/google/authorize";
import { missingPermissions } from "../../provider/entra/authorize";
import { entraTenantSchema } from "../../provider/sandbox/entra/tenant";
import type { EntraSettings } from "../../provider/settings";

/** The logic behind issue 23's messages; each message itself is tested through the CLI (test/e2e/firstHour.test.ts). */

const SETTINGS: EntraSettings = { kind: "clientSecret", clientId: "app-1", clientSecret: "s", readOnly: false, resourceUnitsPer10Seconds: 3500, writesPer150Seconds: 3000 };
const TENANT = "11111111-2222-4333-8444-555555555555";

describe("first hour: sign-in causes, domains, problem wording (unit)", () => {
  it("reads AAD's code and description out of MSAL's message, without trace, correlation id and timestamp", () => {
    const msal =
      "invalid_client: Error(s): 7000215 - Timestamp: 2026-12-06 01:18:25Z - Description: AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app 'x'. Trace ID: f59b Correlation ID: d593 Timestamp: 2026-12-06 01:18:25Z - Correlation ID: d593 - Trace ID: f59b";
    expect(aadError(msal)).to.deep.equal({
      code: 7000215,
      description: "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app 'x'.",
    });
    expect(aadError("AADSTS90002: Tenant 'x' not found.\r\nTrace ID: 1")).to.deep.equal({ code: 90002, description: "Tenant 'x' not found." });
    expect(aadError("fetch failed")).to.equal(undefined);
  });

  it("each sign-in refusal becomes its cause and fix, worded (so explainFailure keeps it)", async () => {
    const secret = await diagnoseEntraSignIn(new Error("invalid_client: Error(s): 7000215 - Description: AADSTS7000215: Invalid client secret provided. Trace ID: 1"), TENANT, SETTINGS);
    expect(secret).to.be.instanceOf(EntraSignInError).and.include({ code: 7000215 });
    expect(secret.message).to.match(/^application app-1 was refused: wrong client secret \(AADSTS7000215: Invalid client secret provided\.\)\. Fix: put the secret's Value/);
    const app = await diagnoseEntraSignIn(new Error("unauthorized_client: Error(s): 700016 - Description: AADSTS700016: Application with identifier 'app-1' was not found in the directory 'X'. Trace ID: 1"), TENANT, SETTINGS);
    expect(app.message).to.match(new RegExp(`^application app-1 is not registered in tenant ${TENANT} \\(AADSTS700016: application not found in the directory\\)\\. Fix: set entra\\.tenantId`));
    const expired = await diagnoseEntraSignIn(new Error("invalid_client: AADSTS7000222: The provided client secret keys for app 'app-1' are expired."), TENANT, SETTINGS);
    expect(expired.message).to.include("its client secret has expired (AADSTS7000222");
    const chain = Object.assign(new Error("ChainedTokenCredential authentication failed.\nCredentialUnavailableError: EnvironmentCredential is unavailable."), { name: "AggregateAuthenticationError" });
    const none = await diagnoseEntraSignIn(chain, TENANT, { ...SETTINGS, kind: "default", clientId: undefined, clientSecret: undefined });
    expect(none.message).to.match(/^no Entra credential is configured: none of groupExport:entraClientSecretFile/);
    for (const e of [secret, app, expired, none]) expect(e.message).to.include('(see docs/guides/credentials.md)');
    const other = new Error("something else");
    expect(await diagnoseEntraSignIn(other, TENANT, SETTINGS), "an unknown failure is left as it is").to.equal(other);
  });

  it("an unknown tenant behind MSAL's endpoints_resolution_error is asked of the authority; an authority that cannot be reached says so", async () => {
    const unreachable = await diagnoseEntraSignIn(new Error("endpoints_resolution_error: See https://aka.ms/msal.js.errors#endpoints_resolution_error for details"), TENANT, {
      ...SETTINGS,
      authorityHost: "https://authority.no-such-host.invalid",
    });
    expect(unreachable.message).to.match(/^could not reach the sign-in endpoint https:\/\/authority\.no-such-host\.invalid \(ENOTFOUND\): nothing was changed/);
    expect(unreachable.message).to.include("groupExport:entraAuthorityHost");
  });

  it("declared Google domains against the customer's: foreign and unverified ones named with the customer's list; aliases count", () => {
    const owned = [
      { domainName: "example.com", verified: true, isPrimary: true, aliases: ["example.net"] },
      { domainName: "new.example", verified: false, isPrimary: false, aliases: [] },
    ];
    expect(domainProblem(["example.com", "EXAMPLE.net"], owned, "my_customer")).to.equal(undefined);
    expect(domainProblem(["example.com", "notours.com"], owned, "my_customer")).to.match(/^notours\.com is not a domain of customer my_customer \(its domains: example\.com, example\.net, new\.example\)\. Fix: remove it from google\.domains/);
    expect(domainProblem(["new.example"], owned, "my_customer")).to.match(/^new\.example is a domain of customer my_customer not yet verified/);
  });

  it("check failures go to the engine on no property, led by their field", () => {
    expect(asResourceProblem({ property: "email", reason: "is required by GoogleDistributionGroup: set it" })).to.deep.equal({ property: "", reason: "email is required by GoogleDistributionGroup: set it" });
    expect(asResourceProblem({ property: "userGroup", reason: 'user group "Eng" has no users' })).to.deep.equal({ property: "", reason: 'userGroup: user group "Eng" has no users' });
    expect(asResourceProblem({ property: "", reason: "as it is" })).to.deep.equal({ property: "", reason: "as it is" });
  });

  it("the host's stderr echo of an error handed over is recognised, once; anything else is not", () => {
    const error = withoutHostEcho(Object.assign(new Error("GroupBinding x: worded"), { stack: "GroupBinding x: worded" }));
    // The dynamic-provider host prints `${e}: ${e.stack}`.
    expect(isHostEcho([`${String(error)}: ${error.stack}`])).to.equal(true);
    expect(isHostEcho([`${String(error)}: ${error.stack}`]), "a second, identical line is printed").to.equal(false);
    expect(isHostEcho(["another line"])).to.equal(false);
    expect(isHostEcho([error])).to.equal(false);
  });

  it("sandbox: seeded Entra groups of one name get numbered mail nicknames; given ones are kept", () => {
    const tenant = entraTenantSchema.parse({ groups: [{ displayName: "Team" }, { displayName: "Team" }, { displayName: "Other", mailNickname: "Team2" }] });
    expect(tenant.groups.map((g) => g.mailNickname)).to.deep.equal(["Team", "Team3", "Team2"]);
    expect(() => entraTenantSchema.parse({ groups: [{ displayName: "A", mailNickname: "x" }, { displayName: "B", mailNickname: "x" }] })).to.throw(/duplicate mailNickname x/);
  });
});

describe("Entra permissions checked at a management's check", () => {
  it("a read-only stack needs only read permissions; one that writes needs the write permission; users are read either way", () => {
    const read = ["Group.Read.All", "User.Read.All"];
    expect(missingPermissions(read, true), "read-only: a preview with a read-only application").to.deep.equal([]);
    expect(missingPermissions(["GroupMember.Read.All", "User.ReadBasic.All"], true)).to.deep.equal([]);
    expect(missingPermissions(read, false)).to.deep.equal(["Group.ReadWrite.All (or Group.Create + GroupMember.ReadWrite.All)"]);
    expect(missingPermissions(["Group.ReadWrite.All", "User.Read.All"], false)).to.deep.equal([]);
    expect(missingPermissions(["Group.Create", "GroupMember.ReadWrite.All", "Directory.Read.All"], false)).to.deep.equal([]);
    expect(missingPermissions([], true)).to.deep.equal(["Group.Read.All", "User.Read.All"]);
    expect(missingPermissions(["Group.ReadWrite.All"], true), "write includes read").to.deep.equal(["User.Read.All"]);
  });
});
