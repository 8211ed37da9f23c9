import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import * as ts from "typescript";
import { DOCS } from "../../provider/contract/docs";
import { brokenCitations, collectCitations } from "../support/docsCitations";
import { docOf } from "../support/sdkDocs";
import { packPackage, PULUMI_SDK_VERSION } from "../support/pulumiCli";

/**
 * Issue 10, items 4 and 6, on the package as users get it (`npm pack` of the build, the way
 * every e2e program installs it): the declarations carry the docs, and a plain install
 * leaves out the sandbox's server packages, which the sandbox then names.
 */

/** The four resources: their class, their Args and the argument types they use, per declaration file. */
const DECLARATIONS: Record<string, { classes: string[]; interfaces: string[] }> = {
  "directoryGroupManagement.d.ts": { classes: ["DirectoryGroupManagement"], interfaces: ["DirectoryGroupManagementArgs", "GoogleDirectoryArgs", "EntraDirectoryArgs"] },
  "googleDistributionGroup.d.ts": { classes: ["GoogleDistributionGroup"], interfaces: ["GoogleDistributionGroupArgs", "GoogleDistributionGroupLookup"] },
  "entraSecurityGroup.d.ts": { classes: ["EntraSecurityGroup"], interfaces: ["EntraSecurityGroupArgs", "EntraSecurityGroupLookup"] },
  "groupBinding.d.ts": { classes: ["GroupBinding"], interfaces: ["GroupBindingArgs", "GroupBindingLookup", "UserGroup", "GoogleGroupReference", "EntraGroupReference"] },
};

interface Member {
  owner: string;
  name: string;
  doc: string;
}

/** Every property of the named interfaces, and every property, accessor, constructor and static method of the named classes. */
function membersOf(file: string, wanted: { classes: string[]; interfaces: string[] }): { members: Member[]; found: string[] } {
  const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.ES2022, true);
  const members: Member[] = [];
  const found: string[] = [];
  const nameOf = (m: ts.ClassElement | ts.TypeElement) => (ts.isConstructorDeclaration(m) ? "constructor" : m.name && ts.isIdentifier(m.name) ? m.name.text : "?");
  source.forEachChild((node) => {
    if (ts.isInterfaceDeclaration(node) && wanted.interfaces.includes(node.name.text)) {
      found.push(node.name.text);
      for (const m of node.members) if (ts.isPropertySignature(m)) members.push({ owner: node.name.text, name: nameOf(m), doc: docOf(m) });
    }
    if (ts.isClassDeclaration(node) && node.name && wanted.classes.includes(node.name.text)) {
      found.push(node.name.text);
      members.push({ owner: node.name.text, name: "(class)", doc: docOf(node) });
      for (const m of node.members) {
        const isPrivate = ts.getCombinedModifierFlags(m as ts.Declaration) & ts.ModifierFlags.Private;
        if (isPrivate || !(ts.isPropertyDeclaration(m) || ts.isConstructorDeclaration(m) || ts.isMethodDeclaration(m) || ts.isGetAccessorDeclaration(m))) continue;
        members.push({ owner: node.name.text, name: nameOf(m), doc: docOf(m) });
      }
    }
  });
  return { members, found };
}

describe("The published package (npm pack), as users install it", function () {
  let unpacked: string;

  before(function () {
    unpacked = mkdtempSync(join(tmpdir(), "group-export-unpacked-"));
    execFileSync("tar", ["-xzf", packPackage(), "-C", unpacked]);
  });

  it("declares every Args field and every output of the four resources with a doc comment (read with the TypeScript compiler)", () => {
    const undocumented: string[] = [];
    const all: string[] = [];
    for (const [file, wanted] of Object.entries(DECLARATIONS)) {
      const path = join(unpacked, "package", "dist", "sdk", file);
      expect(existsSync(path), `${file} is in the package`).to.equal(true);
      const { members, found } = membersOf(path, wanted);
      expect(found.sort(), file).to.deep.equal([...wanted.classes, ...wanted.interfaces].sort());
      for (const m of members) {
        all.push(`${m.owner}.${m.name}`);
        if (m.doc.length < 10) undocumented.push(`${file}: ${m.owner}.${m.name}`);
      }
      // Types read as written, not as mapped helpers (the complaint of issue 10: `Input<NonNullable<…|undefined>>`).
      expect(readFileSync(path, "utf8"), file).to.not.include("NonNullable<");
    }
    expect(undocumented, "undocumented declarations").to.deep.equal([]);
    // What a reader hovers most, so the test cannot pass on an empty or mis-parsed file.
    for (const name of [
      "GoogleDistributionGroupArgs.email", "GoogleDistributionGroupArgs.adoptId", "EntraSecurityGroupArgs.displayName", "GroupBindingArgs.target",
      "DirectoryGroupManagementArgs.enabled", "GoogleDirectoryArgs.domains", "GoogleDistributionGroup.groupId", "GoogleDistributionGroup.get",
      "EntraSecurityGroup.origin", "GroupBinding.members", "GroupBinding.get", "DirectoryGroupManagement.principal", "DirectoryGroupManagement.get",
    ]) expect(all, name).to.include(name);
    console.log(`      [measure] ${all.length} documented declarations in dist/sdk of the packed package`);
  });

  it("ships the docs the README links to and the sections messages cite (links into test/ are the repository's, not the package's)", () => {
    const root = join(unpacked, "package");
    const citations = collectCitations(root).filter((c) => !c.file.startsWith("test/"));
    expect(citations.filter((c) => c.at.startsWith("README.md")).length, "README links").to.be.greaterThan(30);
    expect(brokenCitations(root, citations)).to.deep.equal([]);
    const cited = Object.values(DOCS).map((target) => {
      const [file, anchor] = target.split("#");
      return { at: "provider/contract/docs.ts", file, ...(anchor ? { anchor } : {}) };
    });
    expect(brokenCitations(root, cited)).to.deep.equal([]);
  });

  it("ships what the docs tell users to copy: the root project, the CI files and the quickstart", () => {
    const root = join(unpacked, "package");
    const shipped = ["Pulumi.yaml", "export-groups.js", "groups.yaml", "examples/ci/preview.sh", "examples/ci/drift-check.sh", "examples/ci/apply.sh", "examples/ci/post-summary.sh", "examples/ci/github/group-export-preview.yml", "examples/ci/gitlab/.gitlab-ci.yml", "examples/quickstart/index.ts", "examples/quickstart/Pulumi.yaml"];
    expect(shipped.filter((f) => !existsSync(join(root, f))), "missing from the package").to.deep.equal([]);
    // The root project's program is plain JavaScript that loads the installed package by its name.
    expect(readFileSync(join(root, "export-groups.js"), "utf8")).to.include('require("pulumi-group-export")');
    expect(readFileSync(join(root, "Pulumi.yaml"), "utf8")).to.match(/main: export-groups\.js/);
  });

  it("installs without the sandbox's server packages; the SDK and provider load, the sandbox names what to install, and starts once it is installed", async () => {
    const dir = mkdtempSync(join(tmpdir(), "group-export-install-"));
    writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "user-program", private: true, dependencies: { "@pulumi/pulumi": PULUMI_SDK_VERSION, "pulumi-group-export": `file:${packPackage()}` } }));
    const npm = (args: string[]) => execFileSync("npm", [...args, "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error"], { cwd: dir, encoding: "utf8" });
    npm(["install"]);
    for (const name of ["express", "@peculiar/x509", "reflect-metadata", "bottleneck"]) expect(existsSync(join(dir, "node_modules", name)), `${name} not installed`).to.equal(false);
    const node = (code: string) => execFileSync(process.execPath, ["-e", code], { cwd: dir, encoding: "utf8" });
    expect(node('const sdk = require("pulumi-group-export"); console.log(typeof sdk.GroupBinding.get)').trim()).to.equal("function");
    expect(node('console.log(typeof require("pulumi-group-export/provider").resourceProvider)').trim()).to.equal("function");

    const bin = join(dir, "node_modules", ".bin", "group-export-sandbox");
    const missing = await run(bin, dir, 30_000);
    expect(missing.code).to.equal(1);
    expect(missing.output).to.include("the sandbox needs packages that are not installed: express, @peculiar/x509, reflect-metadata");
    expect(missing.output).to.include("npm install --save-dev express@^5.3.0 @peculiar/x509@^2.2.0 reflect-metadata@^0.2.2");
    expect(missing.output, "no stack trace").to.not.match(/\n\s+at /);

    npm(["install", "--save-dev", "express@^5.3.0", "@peculiar/x509@^2.2.0", "reflect-metadata@^0.2.2"]);
    const started = await run(bin, dir, 60_000, /Sandbox listening on https:\/\/127\.0\.0\.1:\d+/);
    expect(started.output).to.match(/Sandbox listening on https:\/\/127\.0\.0\.1:\d+/);
    expect(started.output).to.include("export NODE_EXTRA_CA_CERTS=");
  });
});

/** Runs a command until it exits, or until its output matches `until` (then stops it). */
function run(command: string, cwd: string, timeoutMs: number, until?: RegExp): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, [], { cwd });
    let output = "";
    let stopping = false;
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${command} did not ${until ? "start" : "exit"} in ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    const onData = (d: Buffer) => {
      output += d;
      if (!stopping && until?.test(output)) {
        stopping = true;
        // Wait for the whole banner, then stop it the way a user does (Ctrl-C).
        setTimeout(() => child.kill("SIGINT"), 200);
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}
