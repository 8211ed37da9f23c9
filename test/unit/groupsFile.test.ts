import { expect } from "chai";
import { groupsForDirectories, GroupsFileError, parseGroupsCsv, parseGroupsYaml } from "../../sdk/groupsFile";

/** The error's message for a bad file (it must be a GroupsFileError). */
function problemsOf(parse: () => unknown): string {
  try {
    parse();
  } catch (error) {
    expect(error).to.be.instanceOf(GroupsFileError);
    return (error as Error).message;
  }
  throw new Error("the file was accepted");
}

describe("groups file (YAML and CSV)", () => {
  it("reads a YAML file: defaults, per-group overrides, Google address and Entra display name", () => {
    const parsed = parseGroupsYaml(
      [
        "version: 1",
        "defaults:",
        "  membershipMode: additive",
        "  maxRemovalPercent: 20",
        "groups:",
        "  - name: Engineering",
        "    email: Engineering@Example.com",
        "    users: [alice@example.com, bob@example.com]",
        "  - name: Sales",
        "    entraDisplayName: Sales Team",
        "    membershipMode: authoritative",
        "    exportTo: [entra]",
        "    users:",
        "      - carol@example.com",
      ].join("\n"),
    );
    expect(parsed.groups.map((g) => g.group)).to.deep.equal([
      { name: "Engineering", description: undefined, users: ["alice@example.com", "bob@example.com"], email: "engineering@example.com", entraDisplayName: undefined, entraMailNickname: undefined, exportTo: undefined, membershipMode: "additive", maxRemovalPercent: 20, allowEmpty: undefined, nonUserMembers: undefined },
      { name: "Sales", description: undefined, users: ["carol@example.com"], email: undefined, entraDisplayName: "Sales Team", entraMailNickname: undefined, exportTo: ["entra"], membershipMode: "authoritative", maxRemovalPercent: 20, allowEmpty: undefined, nonUserMembers: undefined },
    ]);
    expect(parsed.groups.map((g) => g.line)).to.deep.equal([6, 9]);
  });

  it("reads a flat CSV export (one line per group and user) into the same groups", () => {
    const parsed = parseGroupsCsv(
      ["group,user,email,membershipMode", "Engineering,alice@example.com,engineering@example.com,", "Engineering,bob@example.com,,", "Sales,carol@example.com,sales@example.com,additive"].join("\n"),
    );
    expect(parsed.groups.map((g) => [g.group.name, g.group.users, g.group.email, g.group.membershipMode, g.line])).to.deep.equal([
      ["Engineering", ["alice@example.com", "bob@example.com"], "engineering@example.com", undefined, 2],
      ["Sales", ["carol@example.com"], "sales@example.com", "additive", 4],
    ]);
  });

  // The five bad files of the report: each message names the file, line, column, field and fix.
  it("bad file 1 (YAML): a malformed address, a misspelt field and a wrong mode, each with its line", () => {
    const message = problemsOf(() =>
      parseGroupsYaml(
        ["groups:", "  - name: Engineering", "    email: engineering@example.com", "    users: [alice@example.com, bob@]", "  - name: Sales", "    emial: sales@example.com", "    membershipMode: authoritive", "    users: [carol@example.com]"].join("\n"),
        "groups.yaml",
      ),
    );
    expect(message).to.equal(
      [
        "3 problems in groups.yaml:",
        'groups.yaml:4:32: groups[0].users[1]: "bob@" is not an email address. Fix: write the user\'s full address, e.g. bob@example.com, one per list item',
        'groups.yaml:6:5: groups[1].emial: unknown field "emial". Fix: did you mean "email"? Otherwise remove it; allowed here: name, description, users, email, googleName, entraDisplayName, entraMailNickname, owners, managers, memberGroups, membershipMode, maxRemovalPercent, allowEmpty, nonUserMembers, exportTo',
        'groups.yaml:7:21: groups[1].membershipMode: "authoritive" is not one of "authoritative", "additive". Fix: use "authoritative" (members added by hand are removed) or "additive"',
      ].join("\n"),
    );
  });

  it("bad file 2 (YAML): a group without users and a case-duplicate name", () => {
    const missing = problemsOf(() => parseGroupsYaml(["groups:", "  - name: Engineering", "    email: engineering@example.com"].join("\n"), "groups.yaml"));
    expect(missing).to.equal(
      "1 problem in groups.yaml:\ngroups.yaml:2:5: groups[0].users: is required. Fix: add users: a list of the users' addresses, e.g. users: [alice@example.com, bob@example.com]",
    );
    const duplicate = problemsOf(() => parseGroupsYaml(["groups:", "  - name: Engineering", "    users: [alice@example.com]", "  - name: engineering", "    users: [bob@example.com]"].join("\n"), "groups.yaml"));
    expect(duplicate).to.equal(
      '1 problem in groups.yaml:\ngroups.yaml:4:11: groups[1].name: "engineering" is already used by groups[0] on line 2 (names are compared case-insensitively). Fix: merge the two groups or rename one',
    );
  });

  it("bad file 3 (YAML syntax): a duplicate key is reported at its place", () => {
    const message = problemsOf(() => parseGroupsYaml(["groups:", "  - name: Engineering", "    name: Sales", "    users: [alice@example.com]"].join("\n"), "groups.yaml"));
    expect(message).to.equal("1 problem in groups.yaml:\ngroups.yaml:3:5: YAML syntax: Map keys must be unique. Fix: keep one of the two keys");
  });

  it("bad file 4 (CSV): an unknown column, then conflicting group values on two lines", () => {
    const column = problemsOf(() => parseGroupsCsv(["group,user,emial", "Engineering,alice@example.com,engineering@example.com"].join("\n"), "groups.csv"));
    expect(column).to.equal(
      '1 problem in groups.csv:\ngroups.csv:1:1: column 3: unknown column "emial". Fix: did you mean "email"? Otherwise remove it; allowed columns: group, user, email, googleName, entraDisplayName, entraMailNickname, description, membershipMode, exportTo, maxRemovalPercent, allowEmpty, nonUserMembers',
    );
    const conflict = problemsOf(() =>
      parseGroupsCsv(["group,user,email", "Engineering,alice@example.com,engineering@example.com", "Engineering,bob@example.com,eng@example.com"].join("\n"), "groups.csv"),
    );
    expect(conflict).to.equal(
      '1 problem in groups.csv:\ngroups.csv:3:3: Engineering.email: "eng@example.com" differs from "engineering@example.com" on line 2. Fix: give email once per group, or the same value on every line of "Engineering"',
    );
  });

  it("bad file 5 (CSV): a user without a domain and a line with a missing field", () => {
    const address = problemsOf(() => parseGroupsCsv(["group,user", "Engineering,alice@example.com", "Engineering,bob"].join("\n"), "groups.csv"));
    expect(address).to.equal("1 problem in groups.csv:\ngroups.csv:3:2: Engineering.user: \"bob\" is not an email address. Fix: write the user's full address, e.g. alice@example.com, one per list item");
    const syntax = problemsOf(() => parseGroupsCsv(["group,user,email", "Engineering,alice@example.com"].join("\n"), "groups.csv"));
    expect(syntax).to.match(/^1 problem in groups\.csv:\ngroups\.csv:2:1: CSV syntax: Invalid Record Length: .*Fix: give every line as many comma-separated fields as the header/);
  });

  it("carries owners, managers and memberGroups to the export", () => {
    const parsed = parseGroupsYaml(
      ["groups:", "  - name: All", "    email: all@example.com", "    users: [a@example.com]", "    owners: [ b@example.com ]", "    managers: [c@example.com]", "    memberGroups: [Eng]", "  - name: Eng", "    email: eng@example.com", "    users: [d@example.com]"].join("\n"),
      "groups.yaml",
    );
    const [all, eng] = groupsForDirectories(parsed, { google: true, entra: false });
    expect(all).to.deep.include({ owners: ["b@example.com"], managers: ["c@example.com"], memberGroups: ["Eng"] });
    expect(eng).to.not.have.any.keys("owners", "managers", "memberGroups");
  });

  it("a group exported to Google without an address goes to the export with its line (the provider releases it, or refuses it naming the line)", () => {
    const parsed = parseGroupsYaml(["groups:", "  - name: Ops", "    users: [bob@example.com]"].join("\n"), "groups.yaml");
    expect(groupsForDirectories(parsed, { google: false, entra: true })).to.have.length(1);
    const [ops] = groupsForDirectories(parsed, { google: true, entra: true });
    expect(ops).to.include({ name: "Ops", email: undefined, source: "groups.yaml:2" });
  });
});
