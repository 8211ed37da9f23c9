import { expect } from "chai";
import { resourceProvider, type ResourceKind } from "../../provider";

/**
 * Bad input fails in `check` (that is, at preview), naming the field and the fix, before
 * any remote call: each case here would otherwise need credentials and a directory.
 */
const google = { directoryKey: "google:my_customer", service: "google", enabled: true, domains: ["example.com"] };
const entra = { directoryKey: "entra:11111111-2222-4333-8444-555555555555", service: "entra", enabled: true, tenantId: "11111111-2222-4333-8444-555555555555" };
const googleTarget = { directoryKey: google.directoryKey, service: "google", groupId: "g1", label: "eng@example.com" };

/** The failures by field: the engine gets them on no property, each reason led by its field ("email: ...", "email is ..."). */
async function failures(kind: ResourceKind, news: Record<string, unknown>): Promise<Record<string, string>> {
  const result = await resourceProvider(kind).check!({}, news);
  const byProperty: Record<string, string> = {};
  for (const f of result.failures ?? []) {
    expect(f.property, "no property: the engine would print its whole value").to.equal("");
    // A nested field ("entra.tenantId is ...") counts under its input ("entra"), with its path kept in the reason.
    const [, path, reason] = /^([\w.]+)(?::)? ([\s\S]*)$/.exec(f.reason)!;
    const [field, ...rest] = path.split(".");
    const text = rest.length > 0 ? `${rest.join(".")} ${reason}` : reason;
    byProperty[field] = byProperty[field] ? `${byProperty[field]}; ${text}` : text;
  }
  return byProperty;
}

describe("input validation at preview", () => {
  it("GoogleDistributionGroup: an address outside the directory's domains", async () => {
    expect((await failures("GoogleDistributionGroup", { management: google, email: "eng@elsewhere.org" })).email).to.equal(
      "eng@elsewhere.org is not in the directory's domains (example.com): use an address in one of them, or add its domain to the DirectoryGroupManagement's google.domains",
    );
  });

  it("GoogleDistributionGroup: an Entra directory's management", async () => {
    expect((await failures("GoogleDistributionGroup", { management: entra, email: "eng@example.com" })).management).to.match(/needs a Google Workspace DirectoryGroupManagement/);
  });

  it("EntraSecurityGroup: an illegal or over-long mail nickname, an over-long name, a bad adoptId, conflicting options", async () => {
    const bad = await failures("EntraSecurityGroup", { management: entra, displayName: "x".repeat(257), mailNickname: "sales team@x", adoptId: "not-a-guid" });
    expect(bad.displayName).to.match(/longer than Entra's 256 characters/);
    expect(bad.mailNickname).to.match(/characters Entra does not allow/);
    expect(bad.adoptId).to.match(/is not an object id/);
    const conflicting = await failures("EntraSecurityGroup", { management: entra, displayName: "Eng", adoptId: "11111111-2222-4333-8444-555555555555", onAmbiguousName: "create" });
    expect(conflicting.onAmbiguousName).to.match(/has no effect with adoptId.*remove one of them/);
  });

  it("EntraSecurityGroup: a Google directory's management", async () => {
    expect((await failures("EntraSecurityGroup", { management: google, displayName: "Eng" })).management).to.match(/needs an Entra ID DirectoryGroupManagement/);
  });

  it("GroupBinding: a target group in another directory", async () => {
    const bad = await failures("GroupBinding", { management: entra, target: googleTarget, userGroup: { name: "Eng", users: ["a@example.com"] } });
    expect(bad.target).to.match(/group eng@example.com is in directory google:my_customer, but this binding's management is entra:/);
  });

  it("GroupBinding: an out-of-range removal limit and an unknown membership mode", async () => {
    const bad = await failures("GroupBinding", { management: google, target: googleTarget, userGroup: { name: "Eng", users: ["a@example.com"] }, maxRemovalPercent: 150, membershipMode: "sometimes" });
    expect(bad.maxRemovalPercent).to.equal("must be between 0 and 100");
    expect(bad.membershipMode).to.match(/authoritative|additive/);
  });

  it("DirectoryGroupManagement: both or neither directory, a bad tenant id or domain", async () => {
    expect((await failures("DirectoryGroupManagement", { google: { domains: ["example.com"] }, entra: { tenantId: "11111111-2222-4333-8444-555555555555" } })).entra).to.match(/exactly one of google and entra/);
    expect((await failures("DirectoryGroupManagement", {})).google).to.match(/exactly one of google and entra/);
    expect((await failures("DirectoryGroupManagement", { entra: { tenantId: "contoso" } })).entra).to.match(/is not a tenant id/);
    const badDomain = await failures("DirectoryGroupManagement", { google: { domains: ["not a domain"] } });
    expect(badDomain.google).to.equal('domains.0 is not a domain name: give e.g. "example.com"');
  });
});
