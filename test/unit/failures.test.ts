import { expect } from "chai";
import { PermissionError } from "../../provider/clientErrors";
import { explainFailure, namedFailure } from "../../provider/contract/failures";
import { PartialApplyError } from "../../provider/contract/partialApply";
import { withResourceContext } from "../../provider/contract/resourceName";

/** Errors as the libraries raise them (shapes taken from undici/fetch, MSAL, the Graph SDK and gaxios). */
const dnsFailure = () =>
  new TypeError("fetch failed", { cause: Object.assign(new Error("getaddrinfo ENOTFOUND graph.contoso.invalid"), { code: "ENOTFOUND", hostname: "graph.contoso.invalid", syscall: "getaddrinfo" }) });
const endpointsResolution = () =>
  Object.assign(new Error("endpoints_resolution_error: Endpoints cannot be resolved. See https://aka.ms/msal-js-errors for details."), { name: "ClientAuthError", errorCode: "endpoints_resolution_error" });
const graphConflict = () =>
  Object.assign(new Error("Another object with the same value for property mailNickname already exists."), { name: "GraphError", statusCode: 400, code: "Request_BadRequest" });
const googleBackend = () => Object.assign(new Error("Backend Error"), { response: { status: 500, data: { error: { message: "Backend Error" } } } });

describe("one wording for apply-time failures", () => {
  it("a DNS failure: what could not be reached, the settings to check and the docs section, not the library's words", () => {
    const text = explainFailure(dnsFailure());
    expect(text).to.match(/^could not reach graph\.contoso\.invalid \(ENOTFOUND\): nothing was changed by this request\. Fix: check the network/);
    expect(text).to.include('see docs/guides/scale.md');
    expect(text).to.not.match(/fetch failed|getaddrinfo/);
  });

  it("Graph's endpoints_resolution_error: the sign-in endpoint could not be resolved; the authority setting and the Credentials section", () => {
    const text = explainFailure(endpointsResolution());
    expect(text).to.match(/^could not reach the sign-in endpoint \(endpoints_resolution_error\)/);
    expect(text).to.include("groupExport:entraAuthorityHost");
    expect(text).to.include('see docs/guides/credentials.md');
    expect(text, "the library's link is dropped").to.not.include("aka.ms");
  });

  it("an API refusal that names one of the resource's fields says which field", () => {
    const text = explainFailure(graphConflict(), ["displayName", "description", "mailNickname"]);
    expect(text).to.match(/^field mailNickname: the directory's API refused the request \(HTTP 400: Another object with the same value for property mailNickname already exists\.\)\. Fix: check mailNickname's value/);
  });

  it("a server error that outlasted the retries: nothing is lost, run up again", () => {
    expect(explainFailure(googleBackend())).to.match(/^the directory's API kept failing \(HTTP 500: Backend Error\) after every retry: nothing is lost, run pulumi up again \(see docs\/guides\/scale\.md\)$/);
  });

  it("this package's own messages keep their words", () => {
    const permission = new PermissionError("Entra", "create group Eng", "application app", "Group.ReadWrite.All is missing", "403");
    expect(explainFailure(permission)).to.equal(permission.message);
    expect(explainFailure(new Error("email: group 01 already has address eng@example.com and onExisting is \"fail\": choose a free address"))).to.equal(
      'email: group 01 already has address eng@example.com and onExisting is "fail": choose a free address',
    );
  });

  it("namedFailure names the resource, keeps a partial apply's record, and drops the stack", () => {
    const partial = new PartialApplyError("could not add 1 member(s)", "g1", { members: {} });
    const named = namedFailure('GroupBinding eng (user group "Eng" to eng@example.com)', "GroupBinding", dnsFailure());
    expect(named.message).to.match(/^GroupBinding eng \(user group "Eng" to eng@example\.com\): could not reach graph\.contoso\.invalid \(ENOTFOUND\)/);
    expect(named.stack).to.equal(named.message);
    const kept = namedFailure("GroupBinding eng", "GroupBinding", partial);
    expect(kept).to.equal(partial);
    expect(kept).to.include({ id: "g1" });
    expect(kept.message).to.match(/^GroupBinding eng: could not add 1 member\(s\)/);
    const already = namedFailure('GoogleDistributionGroup "eng"', "GoogleDistributionGroup", new Error('GoogleDistributionGroup "eng" (group eng@example.com): worded before'));
    expect(already.message, "a message that names its resource is not named twice").to.equal('GoogleDistributionGroup "eng" (group eng@example.com): worded before');
  });

  it("withResourceContext words the library's failure under the resource and the group", async () => {
    const error = await withResourceContext('EntraSecurityGroup "eng"', 'group "Engineering"', () => Promise.reject(graphConflict())).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error?.message).to.match(/^EntraSecurityGroup "eng" \(group "Engineering"\): the directory's API refused the request \(HTTP 400: Another object with the same value for property mailNickname/);
  });
});
