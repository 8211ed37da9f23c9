import { expect } from "chai";
import { parseAllDocuments } from "yaml";
import { groupBindingInputsSchema, memberListKeys, memberListSchema, memberListText } from "../../provider/groups/bindingSchema";
import { GOOGLE_BINDING } from "../support/bindingInputs";

/**
 * A binding's members as its checked inputs carry them: a list of lines, so that
 * `pulumi preview --diff` shows a change as a line diff (the end-to-end view of it:
 * test/e2e/previewLength.test.ts).
 */
describe("member list text (GroupBinding inputs)", () => {
  it("is the keys sorted, one a line, every line ending in a newline, duplicates once", () => {
    expect(memberListText(["bob@example.com", "alice@example.com", "group:Platform Team", "bob@example.com"])).to.equal("alice@example.com\nbob@example.com\ngroup:Platform Team\n");
    expect(memberListText([])).to.equal("");
  });

  it("adding a member last adds one line and changes no other (the line diff shows only it)", () => {
    const before = memberListText(["alice@example.com", "bob@example.com"]);
    const after = memberListText(["alice@example.com", "bob@example.com", "carol@example.com"]);
    expect(after.startsWith(before)).to.equal(true);
    expect(after.slice(before.length)).to.equal("carol@example.com\n");
  });

  it("reads back to the same keys, and as the member map the handlers use", () => {
    const keys = ["alice@example.com", "group:platform@example.com", "zoë@example.com"];
    expect(memberListKeys(memberListText(keys))).to.deep.equal(keys);
    expect(memberListSchema.parse(memberListText(keys))).to.deep.equal({ "alice@example.com": "member", "group:platform@example.com": "member", "zoë@example.com": "member" });
    expect(memberListSchema.parse("")).to.deep.equal({});
  });

  it("reads the member map earlier releases stored in the inputs as the same members", () => {
    const map = { "alice@example.com": "member", "bob@example.com": "member" } as const;
    expect(memberListSchema.parse(map)).to.deep.equal(map);
    expect(memberListSchema.parse(memberListText(Object.keys(map)))).to.deep.equal(map);
  });

  it("refuses anything else where the members go", () => {
    expect(memberListSchema.safeParse(["alice@example.com"]).success).to.equal(false);
    expect(memberListSchema.safeParse({ "alice@example.com": "owner" }).success).to.equal(false);
    expect(memberListSchema.safeParse(42).success).to.equal(false);
  });

  it("is what a binding's checked inputs parse from", () => {
    const inputs = { ...GOOGLE_BINDING, members: "alice@example.com\nbob@example.com\n" };
    expect(groupBindingInputsSchema.parse(inputs).members).to.deep.equal({ "alice@example.com": "member", "bob@example.com": "member" });
  });

  /**
   * Pulumi prints a string that parses as a YAML mapping or sequence as that object, and then
   * prints every unchanged entry again (backend/display/object_diff.go, decodeValue). Addresses
   * cannot make a list one: RFC 5322 allows these characters in a local part, and none of them
   * at a line's start, nor ":" inside, turns lines of addresses into a mapping or sequence.
   */
  it("addresses of every form RFC 5322 allows read as text, never as a YAML mapping or sequence", () => {
    const local = ["alice", "-dev", "#ops", "{a}", "it's", "a:b", "[x]", "?q", "!tag", "&a", "*a", "%x", "|x", ">x", "---", "a+b", "=x", "~x", "`x", "^x", "/x", "$x"];
    for (const first of local) {
      for (const second of ["bob", "-x", "#y"]) {
        const text = memberListText([`${first}@example.com`, `${second}@example.com`]);
        const documents = parseAllDocuments(text, { logLevel: "silent" });
        const docs = Array.isArray(documents) ? documents : [documents];
        const value = (): unknown => {
          try {
            return docs[0]!.toJS();
          } catch {
            return undefined; // e.g. an alias without its anchor: Pulumi's decoder fails the same way, so text
          }
        };
        const structured = docs.length === 1 && docs[0]!.errors.length === 0 && typeof value() === "object" && value() !== null;
        expect(structured, JSON.stringify(text)).to.equal(false);
      }
    }
  });
});
