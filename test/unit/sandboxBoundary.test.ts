import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "chai";
import { ESLint } from "eslint";
import {
  missingSandboxDependencies,
  SANDBOX_PEER_DEPENDENCIES,
  SandboxDependenciesMissingError,
  startSandbox,
} from "../../provider/sandbox";

const root = join(__dirname, "..", "..");

/** Lints `code` as if it were the file at `file` (relative to the repository) with the repository's config. */
async function lintAs(file: string, code: string): Promise<string[]> {
  const eslint = new ESLint({ cwd: root });
  const [result] = await eslint.lintText(code, { filePath: join(root, file) });
  return result.messages.filter((m) => m.ruleId === "boundary/provider-sandbox").map((m) => m.message);
}

describe("sandbox boundary", () => {
  describe("lint rule boundary/provider-sandbox", () => {
    it("refuses provider code importing the sandbox, relatively or by package name", async () => {
      expect(await lintAs("provider/google/x.ts", 'import { startSandbox } from "../sandbox";\nexport const s = startSandbox;\n')).to.have.length(1);
      expect(await lintAs("provider/resources/x.ts", 'import type { Sandbox } from "../sandbox/server";\nexport type S = Sandbox;\n')).to.have.length(1);
      expect(await lintAs("sdk/x.ts", 'export { startSandbox } from "pulumi-group-export/sandbox";\n')).to.have.length(1);
      expect(await lintAs("provider/x.ts", 'export const s = require("./sandbox/tls");\n')).to.have.length(1);
    });

    it("refuses sandbox code importing the provider or the SDK", async () => {
      const messages = await lintAs("provider/sandbox/google/x.ts", 'import { googleStatus } from "../../google/directoryClient";\nexport const g = googleStatus;\n');
      expect(messages).to.have.length(1);
      expect(messages[0]).to.contain("sandbox code must not import code outside provider/sandbox");
      expect(await lintAs("provider/sandbox/x.ts", 'import { GoogleDistributionGroup } from "pulumi-group-export";\nexport const g = GoogleDistributionGroup;\n')).to.have.length(1);
    });

    it("allows imports inside each side, and tests that use both", async () => {
      expect(await lintAs("provider/sandbox/entra/x.ts", 'import { Propagation } from "../propagation";\nexport const p = Propagation;\n')).to.deep.equal([]);
      expect(await lintAs("provider/google/x.ts", 'import { retry } from "../retry";\nexport const r = retry;\n')).to.deep.equal([]);
      expect(await lintAs("test/unit/x.test.ts", 'import { startSandbox } from "../../provider/sandbox";\nimport { configure } from "../../provider";\nexport const a = [startSandbox, configure];\n')).to.deep.equal([]);
    });

    it("holds for the repository as it is", async () => {
      const eslint = new ESLint({ cwd: root });
      const results = await eslint.lintFiles(["provider/**/*.ts", "sdk/**/*.ts"]);
      const crossings = results.flatMap((r) => r.messages.filter((m) => m.ruleId === "boundary/provider-sandbox").map((m) => `${r.filePath}: ${m.message}`));
      expect(crossings).to.deep.equal([]);
    });
  });

  describe("optional server packages", () => {
    it("declares exactly the checked packages as optional peer dependencies (and dev dependencies), none as dependencies", () => {
      const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
        dependencies: Record<string, string>;
        devDependencies: Record<string, string>;
        peerDependencies: Record<string, string>;
        peerDependenciesMeta: Record<string, { optional?: boolean }>;
      };
      for (const [name, range] of Object.entries(SANDBOX_PEER_DEPENDENCIES)) {
        expect(pkg.peerDependencies[name], name).to.equal(range);
        expect(pkg.peerDependenciesMeta[name]?.optional, name).to.equal(true);
        expect(pkg.devDependencies[name], name).to.equal(range);
        expect(pkg.dependencies[name], name).to.equal(undefined);
      }
    });

    it("names every missing package and the command that installs them", () => {
      const resolve = (name: string): string => {
        if (name === "reflect-metadata") return "/somewhere/reflect-metadata/index.js";
        throw new Error(`Cannot find module '${name}'`);
      };
      expect(missingSandboxDependencies(resolve)).to.deep.equal(["express", "@peculiar/x509"]);
      const error = new SandboxDependenciesMissingError(missingSandboxDependencies(resolve));
      expect(error.message).to.match(/^the sandbox needs packages that are not installed: express, @peculiar\/x509\. /);
      expect(error.message).to.contain("npm install --save-dev express@^5.3.0 @peculiar/x509@^2.2.0 reflect-metadata@^0.2.2");
    });

    it("finds them all where they are installed (here, as dev dependencies), so startSandbox works", async () => {
      expect(missingSandboxDependencies()).to.deep.equal([]);
      const sandbox = await startSandbox();
      await sandbox.close();
    });
  });
});
