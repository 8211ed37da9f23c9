import * as pulumi from "@pulumi/pulumi";
import { join, relative } from "node:path";
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
        'groups.yaml:6:5: groups[1].emial: unknown field "emial". Fix: did you mean "email"? Otherwise remove it; allowed here: name, key, description, users, email, googleName, entraDisplayName, entraMailNickname, owners, managers, memberGroups, released, membershipMode, maxRemovalPercent, removalGuardFloor, allowEmpty, nonUserMembers, exportTo, deletionPolicy',
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
      '1 problem in groups.csv:\ngroups.csv:1:3: column 3: unknown column "emial". Fix: did you mean "email"? Otherwise remove it; allowed columns: group, user, key, email, googleName, entraDisplayName, entraMailNickname, description, membershipMode, exportTo, maxRemovalPercent, removalGuardFloor, allowEmpty, nonUserMembers, deletionPolicy, released',
    );
    const conflict = problemsOf(() =>
      parseGroupsCsv(["group,user,email", "Engineering,alice@example.com,engineering@example.com", "Engineering,bob@example.com,eng@example.com"].join("\n"), "groups.csv"),
    );
    expect(conflict).to.equal(
      '1 problem in groups.csv:\ngroups.csv:3:3: Engineering.email: "eng@example.com" differs from "engineering@example.com" on line 2. Fix: give email once per group, or the same value on every line of "Engineering"',
    );
  });

  it("bad file 5 (CSV): a user without a domain and a line with a field too many; a line without its trailing empty fields is fine", () => {
    const address = problemsOf(() => parseGroupsCsv(["group,user", "Engineering,alice@example.com", "Engineering,bob"].join("\n"), "groups.csv"));
    expect(address).to.equal("1 problem in groups.csv:\ngroups.csv:3:2: Engineering.user: \"bob\" is not an email address. Fix: write the user's full address, e.g. alice@example.com, one per list item");
    const syntax = problemsOf(() => parseGroupsCsv(["group,user,email", "Engineering,alice@example.com,eng@example.com,x"].join("\n"), "groups.csv"));
    expect(syntax).to.match(/^1 problem in groups\.csv:\ngroups\.csv:2:1: CSV syntax: the line has 4 fields, the header 3\. Fix: quote fields that contain commas/);
    // Spreadsheets drop trailing empty fields when they export.
    const short = parseGroupsCsv(["group,user,email,membershipMode", "Engineering,alice@example.com,engineering@example.com", "Engineering,bob@example.com"].join("\n"), "groups.csv");
    expect(short.groups.map((g) => [g.group.name, g.group.users, g.group.email])).to.deep.equal([["Engineering", ["alice@example.com", "bob@example.com"], "engineering@example.com"]]);
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

describe("groups file: every problem in one round", () => {
  const fixture = (name: string) => join(__dirname, "..", "fixtures", "groupsFiles", name);

  /** The fixture's problems, all in one error: `count` of them, one starting with each of `starts`. */
  function expectProblems(name: string, count: number, starts: string[]): string {
    const message = problemsOf(() => groupsForDirectories(fixture(name), { google: true, entra: false }));
    const lines = message.split("\n");
    // Named by its path from the program's directory (here the repository's), as the user wrote it.
    const label = relative(process.cwd(), fixture(name));
    expect(lines[0]).to.equal(`${count} problems in ${label}:`);
    for (const expected of starts.map((e) => e.replace(name, label))) expect(lines.some((l) => l.startsWith(expected)), `${expected}\nin\n${message}`).to.equal(true);
    return message;
  }

  it("a YAML file with ten different kinds of mistakes reports all of them, syntax, fields and between groups, at once", () => {
    expectProblems("ten-mistakes.yaml", 13, [
      'ten-mistakes.yaml:4:3: defaults.membershipMod: unknown field "membershipMod". Fix: did you mean "membershipMode"?',
      'ten-mistakes.yaml:9:32: groups[0].users[1]: "bob@" is not an email address.',
      'ten-mistakes.yaml:10:20: groups[0].memberGroups[0]: "Platfrom" is no group of this file.',
      'ten-mistakes.yaml:12:10: groups[1].key: "ENG" is already used by groups[0] on line 7 (keys are compared case-insensitively).',
      'ten-mistakes.yaml:13:5: groups[1].emial: unknown field "emial". Fix: did you mean "email"?',
      'ten-mistakes.yaml:15:11: groups[2].name: "engineering" is already used by groups[0] on line 6',
      'ten-mistakes.yaml:16:12: groups[2].email: "Engineering@example.com" is already used by groups[0] on line 8',
      'ten-mistakes.yaml:17:21: groups[2].membershipMode: "authoritive" is not one of "authoritative", "additive".',
      'ten-mistakes.yaml:18:31: groups[2].users[1]: "dave@example.com" is listed twice (also users[0]).',
      'ten-mistakes.yaml:20:21: groups[3].deletionPolicy: "keep" is not one of "delete", "release".',
      "ten-mistakes.yaml:21:24: groups[3].maxRemovalPercent: 150 is too large (maximum 100).",
      'ten-mistakes.yaml:22:12: groups[3].users: "Support" has no users. Fix: add its users, or allowEmpty: true',
      "ten-mistakes.yaml:24:5: YAML syntax: Map keys must be unique. Fix: keep one of the two keys",
    ]);
  });

  it("a CSV file with ten different kinds of mistakes reports all of them at once", () => {
    expectProblems("ten-mistakes.csv", 13, [
      'ten-mistakes.csv:1:9: column 9: unknown column "emial". Fix: did you mean "email"?',
      'ten-mistakes.csv:3:2: Engineering.user: "bob@" is not an email address.',
      'ten-mistakes.csv:4:3: Engineering.email: "eng@example.com" differs from "engineering@example.com" on line 2.',
      'ten-mistakes.csv:5:4: Sales.membershipMode: "authoritive" is not one of "authoritative", "additive".',
      'ten-mistakes.csv:6:2: Sales.user: "dave@example.com" is listed twice (also on line 5).',
      'ten-mistakes.csv:7:2: Support.user: "Support" has no users.',
      "ten-mistakes.csv:7:5: Support.maxRemovalPercent: 150 is too large (maximum 100).",
      'ten-mistakes.csv:7:6: Support.allowEmpty: expected a boolean, found "maybe".',
      'ten-mistakes.csv:7:7: Support.deletionPolicy: "keep" is not one of "delete", "release".',
      "ten-mistakes.csv:8:1: group: the group column is empty.",
      'ten-mistakes.csv:9:3: Ops.email: "Engineering@example.com" is already used by group "Engineering" on line 2',
      'ten-mistakes.csv:9:8: Ops.key: "ENG" is already used by group "Engineering" on line 2',
      "ten-mistakes.csv:10:1: CSV syntax: the line has 10 fields, the header 9.",
    ]);
  });

  it("memberGroups cycles and unknown names are file problems with their lines", () => {
    const message = problemsOf(() =>
      parseGroupsYaml(
        ["groups:", "  - name: A", "    users: [a@example.com]", "    memberGroups: [B]", "  - name: B", "    users: [b@example.com]", "    memberGroups: [A, c]", "  - name: C", "    users: [c@example.com]"].join("\n"),
        "groups.yaml",
      ),
    );
    expect(message).to.equal(
      [
        "2 problems in groups.yaml:",
        'groups.yaml:4:19: groups[0].memberGroups: memberGroups form a cycle: "A" contains "B" contains "A". Fix: a group cannot contain itself: remove one of these memberGroups',
        'groups.yaml:7:23: groups[1].memberGroups[1]: "c" is no group of this file. Fix: did you mean "C"? Names are written as the group declares them',
      ].join("\n"),
    );
  });

  it("deletionPolicy (per group, or under defaults) and key reach the exported groups; a key is unique case-insensitively", () => {
    const parsed = parseGroupsYaml(
      ["defaults:", "  deletionPolicy: release", "groups:", "  - name: Eng", "    key: eng", "    users: [a@example.com]", "  - name: Ops", "    deletionPolicy: delete", "    users: [b@example.com]"].join("\n"),
    );
    expect(parsed.groups.map((g) => [g.group.key, g.group.deletionPolicy])).to.deep.equal([
      ["eng", "release"],
      [undefined, "delete"],
    ]);
    const csv = parseGroupsCsv(["group,user,key,deletionPolicy", "Eng,a@example.com,eng,release", "Ops,b@example.com"].join("\n"));
    expect(csv.groups.map((g) => [g.group.key, g.group.deletionPolicy])).to.deep.equal([
      ["eng", "release"],
      [undefined, undefined],
    ]);
    expect(problemsOf(() => parseGroupsYaml(["groups:", "  - name: Eng", "    key: eng team", "    users: [a@example.com]"].join("\n")))).to.include(
      'groups.yaml:3:10: groups[0].key: "eng team" is not a usable key. Fix: a stable identity of the group',
    );
    // The guard's floor, in YAML (per group or as a default) and CSV, and a wrong value at its line.
    const floors = parseGroupsYaml(["defaults:", "  removalGuardFloor: 0", "groups:", "  - name: Eng", "    users: [a@example.com]", "  - name: Ops", "    removalGuardFloor: 3", "    users: [b@example.com]"].join("\n"));
    expect(floors.groups.map((g) => g.group.removalGuardFloor)).to.deep.equal([0, 3]);
    expect(parseGroupsCsv(["group,user,removalGuardFloor", "Eng,a@example.com,2"].join("\n")).groups[0]!.group.removalGuardFloor).to.equal(2);
    expect(parseGroupsYaml(["groups:", "  - name: Eng", "    users: [a@example.com]"].join("\n")).groups[0]!.group).to.not.have.property("removalGuardFloor");
    expect(problemsOf(() => parseGroupsYaml(["groups:", "  - name: Eng", "    removalGuardFloor: -1", "    users: [a@example.com]"].join("\n")))).to.include("groups.yaml:3:24: groups[0].removalGuardFloor:");
    // The keys group-export-bootstrap writes: the directory and the group's id.
    const bootstrapped = parseGroupsYaml(["groups:", "  - name: Eng", "    key: google:0a0680406a9ba74", "    users: [a@example.com]", "  - name: Ops", "    key: entra:5d39539f-6f39-41a0-8bf0-dd4de603fd94", "    users: [b@example.com]"].join("\n"));
    expect(bootstrapped.groups.map((g) => g.group.key)).to.deep.equal(["google:0a0680406a9ba74", "entra:5d39539f-6f39-41a0-8bf0-dd4de603fd94"]);
  });

  it("released (YAML list or CSV column) reaches the exported group; anything but google or entra is a problem at its line", () => {
    const parsed = parseGroupsYaml(["groups:", "  - name: Eng", "    released: [entra]", "    users: [a@example.com]", "  - name: Ops", "    users: [b@example.com]"].join("\n"));
    expect(parsed.groups.map((g) => g.group.released)).to.deep.equal([["entra"], undefined]);
    expect(parseGroupsCsv(["group,user,released", "Eng,a@example.com,google;entra"].join("\n")).groups[0]!.group.released).to.deep.equal(["google", "entra"]);
    expect(problemsOf(() => parseGroupsYaml(["groups:", "  - name: Eng", "    released: [azure]", "    users: [a@example.com]"].join("\n")))).to.include("groups.yaml:3:16: groups[0].released[0]:");
    expect(problemsOf(() => parseGroupsYaml(["groups:", "  - name: Eng", "    released: [azure]", "    users: [a@example.com]"].join("\n")))).to.include("Fix: use google or entra");
  });

  it("an empty group is a problem at its line unless allowEmpty (in the group or the defaults)", () => {
    expect(problemsOf(() => parseGroupsYaml(["groups:", "  - name: Eng", "    users: []"].join("\n")))).to.equal(
      '1 problem in groups.yaml:\ngroups.yaml:3:12: groups[0].users: "Eng" has no users. Fix: add its users, or allowEmpty: true to declare it now and export it once it has a user (nothing is made until then)',
    );
    expect(parseGroupsYaml(["groups:", "  - name: Eng", "    allowEmpty: true", "    users: []"].join("\n")).groups).to.have.length(1);
    expect(parseGroupsYaml(["defaults: { allowEmpty: true }", "groups:", "  - name: Eng", "    users: []"].join("\n")).groups).to.have.length(1);
    expect(problemsOf(() => parseGroupsCsv(["group,user,email", "Eng,,eng@example.com"].join("\n")))).to.equal(
      '1 problem in groups.csv:\ngroups.csv:2:2: Eng.user: "Eng" has no users. Fix: add its users, or allowEmpty: true to declare it now and export it once it has a user (nothing is made until then)',
    );
  });

  it("a GroupsFileError is a Pulumi RunError: the program prints its message, no stack trace, no dump of problems", () => {
    try {
      parseGroupsYaml("groups: []\nfoo: 1");
      expect.fail("accepted");
    } catch (error) {
      expect(pulumi.RunError.isInstance(error)).to.equal(true);
      expect(Object.keys(error as object)).to.not.include("problems");
      expect((error as GroupsFileError).problems).to.have.length(1);
    }
  });
});
