import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { DOCS } from "../../provider/contract/docs";
import { brokenCitations, collectCitations, githubSlug, headingsOf } from "../support/docsCitations";

/**
 * No code or doc cites a section that does not exist: every relative link of README.md and
 * docs/, every `docs/….md#anchor` in provider/, sdk/, test/ and examples/, every `README "…"`
 * citation, and every section messages may cite (provider/contract/docs.ts) names a file and a
 * heading that are there (anchors as GitHub makes them).
 */
describe("documentation citations", () => {
  const root = join(__dirname, "..", "..");

  it("GitHub's anchors: markup dropped, punctuation removed, repeats numbered", () => {
    expect(githubSlug("Stop managing a group (release)")).to.equal("stop-managing-a-group-release");
    expect(githubSlug("Summaries for reviewers: `group-export-summary`")).to.equal("summaries-for-reviewers-group-export-summary");
    expect(githubSlug("CI, verbatim: pull-request previews")).to.equal("ci-verbatim-pull-request-previews");
    expect([...headingsOf("# A\n## Inputs\n```\n# not a heading\n```\n## Inputs\n").anchors]).to.deep.equal(["a", "inputs", "inputs-1"]);
  });

  it("finds citations of every form, and says which point nowhere", () => {
    const dir = mkdtempSync(join(tmpdir(), "docs-citations-"));
    mkdirSync(join(dir, "docs", "guides"), { recursive: true });
    mkdirSync(join(dir, "provider"));
    writeFileSync(join(dir, "README.md"), "# Tool\n\n## Credentials\n\nSee [the sandbox](docs/guides/sandbox.md#seed-file) and [gone](docs/guides/gone.md).\n");
    writeFileSync(join(dir, "docs", "guides", "sandbox.md"), "# The sandbox\n\n## Seed file\n\nBack to [the README](../../README.md#credentials), [nowhere](#no-such).\n");
    writeFileSync(join(dir, "provider", "x.ts"), '// README "Credentials", README: "Layout"\nconst a = "see docs/guides/sandbox.md#seed-file"; const b = "docs/guides/sandbox.md#seed";\n');
    const citations = collectCitations(dir);
    expect(citations).to.have.length(8);
    expect(brokenCitations(dir, citations)).to.deep.equal([
      "README.md:5 -> docs/guides/gone.md: no such file",
      "docs/guides/sandbox.md:5 -> docs/guides/sandbox.md#no-such: no such section",
      'provider/x.ts:1 -> README.md "Layout": no such heading',
      "provider/x.ts:2 -> docs/guides/sandbox.md#seed: no such section",
    ]);
  });

  it("every citation in the repository points at an existing file and section", () => {
    const citations = collectCitations(root);
    expect(citations.length, "citations found").to.be.greaterThan(100);
    expect(brokenCitations(root, citations)).to.deep.equal([]);
  });

  it("every section messages may cite exists", () => {
    const citations = Object.entries(DOCS).map(([name, target]) => {
      const [file, anchor] = target.split("#");
      return { at: `provider/contract/docs.ts (${name})`, file, ...(anchor ? { anchor } : {}) };
    });
    expect(brokenCitations(root, citations)).to.deep.equal([]);
  });
});
