import * as pulumi from "@pulumi/pulumi";
import { expect } from "chai";
import { UserGroupExport } from "../../sdk";

// The component's wiring is program-side logic: Pulumi's mocks run it without any provider.
pulumi.runtime.setMocks({
  newResource: (args) => ({ id: `${args.name}-id`, state: args.inputs }),
  call: (args) => args.inputs,
});

describe("UserGroupExport (the common case in a few lines)", () => {
  it("builds one management per directory and a group and binding per user group and directory", () => {
    const exported = new UserGroupExport("people", {
      google: { domains: ["example.com"] },
      entra: { tenantId: "11111111-2222-4333-8444-555555555555" },
      userGroups: [
        { name: "Engineering", email: "engineering@example.com", users: ["alice@example.com"] },
        { name: "Ops", users: ["bob@example.com"], exportTo: ["entra"] },
      ],
    });
    expect(exported.googleManagement).to.not.equal(undefined);
    expect(exported.entraManagement).to.not.equal(undefined);
    expect(Object.keys(exported.googleGroups)).to.deep.equal(["Engineering"]);
    expect(Object.keys(exported.entraGroups)).to.deep.equal(["Engineering", "Ops"]);
    expect(Object.keys(exported.bindings)).to.deep.equal(["Engineering:google", "Engineering:entra", "Ops:entra"]);
  });

  it("a Google export of a user group without an email is declared released (the provider keeps what was exported, refuses what was not)", () => {
    const exported = new UserGroupExport("noemail", { google: { domains: ["example.com"] }, userGroups: [{ name: "Sales", users: ["carol@example.com"] }] });
    expect(Object.keys(exported.bindings)).to.deep.equal(["Sales:google"]);
  });

  it("refuses a directory it does not know in exportTo, naming the user group", () => {
    const userGroups = [{ name: "Sales", email: "sales@example.com", users: ["carol@example.com"], exportTo: ["slack"] }] as unknown as ConstructorParameters<typeof UserGroupExport>[1]["userGroups"];
    expect(() => new UserGroupExport("slack", { google: { domains: ["example.com"] }, userGroups })).to.throw('UserGroupExport slack: user group "Sales" has exportTo "slack": use "google" and/or "entra"');
  });

  it("nests other user groups' groups, and refuses an unknown name or a cycle when the program runs", () => {
    const google = { domains: ["example.com"] };
    const nested = new UserGroupExport("nested", {
      google,
      userGroups: [
        { name: "All", email: "all@example.com", users: ["a@example.com"], memberGroups: ["Eng"], owners: ["b@example.com"] },
        { name: "Eng", email: "eng@example.com", users: ["c@example.com"] },
      ],
    });
    expect(Object.keys(nested.bindings)).to.deep.equal(["All:google", "Eng:google"]);
    expect(() => new UserGroupExport("unknown", { google, userGroups: [{ name: "All", email: "all@example.com", users: ["a@example.com"], memberGroups: ["Nope"] }] })).to.throw(
      'UserGroupExport unknown: user group "All" lists memberGroups "Nope", which is no user group of this export: give the name of one of "All"',
    );
    expect(
      () =>
        new UserGroupExport("cycle", {
          google,
          userGroups: [
            { name: "A", email: "a@example.com", users: ["a@example.com"], memberGroups: ["B"] },
            { name: "B", email: "b@example.com", users: ["b@example.com"], memberGroups: ["A"] },
          ],
        }),
    ).to.throw('UserGroupExport cycle: memberGroups form a cycle: "A" contains "B" contains "A"; a group cannot contain itself: remove one of these memberGroups');
  });

  it("refuses an export to a directory that is not given", () => {
    expect(() => new UserGroupExport("bad2", { userGroups: [{ name: "Sales", email: "s@example.com", users: ["c@example.com"], exportTo: ["entra"] }] })).to.throw(/no entra directory is given: add entra/);
  });
});
