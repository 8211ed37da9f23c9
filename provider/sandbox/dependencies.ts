import { readFileSync } from "node:fs";

/**
 * The packages only the sandbox's server needs (an HTTP framework, X.509 for its CA and client
 * certificates). They are not dependencies of pulumi-group-export, so users who only export
 * groups do not install a web server; nor are they peer dependencies, because npm checks an
 * optional peer that a project already has, and a project on express 4 could then not install
 * this package at all. The sandbox's entry points check for them (and their major version)
 * before loading any emulator, and say what to install. They are dev dependencies here.
 *
 * Keep in step with `devDependencies` in package.json (test/unit/sandboxBoundary.test.ts checks).
 */
export const SANDBOX_PACKAGES: Readonly<Record<string, string>> = {
  express: "^5.3.0",
  "@peculiar/x509": "^2.2.0",
  // @peculiar/x509 (through tsyringe) needs the Reflect metadata polyfill.
  "reflect-metadata": "^0.2.2",
};

/** Thrown by `startSandbox` and `group-export-sandbox` when some of the sandbox's packages are not installed (or too old). */
export class SandboxDependenciesMissingError extends Error {
  constructor(
    readonly missing: string[],
    readonly tooOld: string[] = [],
  ) {
    const install = Object.entries(SANDBOX_PACKAGES)
      .map(([name, range]) => `${name}@${range}`)
      .join(" ");
    const problems = [
      missing.length > 0 ? `the sandbox needs packages that are not installed: ${missing.join(", ")}` : "",
      tooOld.length > 0 ? `the sandbox needs newer versions of: ${tooOld.join(", ")}` : "",
    ].filter(Boolean);
    super(
      `${problems.join("; ")}. Install them next to pulumi-group-export: npm install --save-dev ${install} ` +
        `(left out of a plain install because only the sandbox uses them; see docs/guides/sandbox.md)`,
    );
    this.name = "SandboxDependenciesMissingError";
  }
}

/** The sandbox packages `resolve` cannot find (by default: Node's resolution from this package). */
export function missingSandboxDependencies(resolve: (name: string) => string = require.resolve): string[] {
  return Object.keys(SANDBOX_PACKAGES).filter((name) => {
    try {
      resolve(name);
      return false;
    } catch {
      return true;
    }
  });
}

/**
 * The sandbox packages found with another major version than the one it is written for, as
 * `name (found x.y.z, needs range)` (a project's own express 4 is found before none).
 */
export function outdatedSandboxDependencies(versionOf: (name: string) => string | undefined = installedVersion): string[] {
  return Object.entries(SANDBOX_PACKAGES).flatMap(([name, range]) => {
    const found = versionOf(name);
    const needed = /^\^(\d+)\.(\d+)/.exec(range);
    const have = found ? /^(\d+)\.(\d+)/.exec(found) : null;
    if (!found || !needed || !have) return [];
    // A caret range: the same major; for 0.x, the same minor.
    const compatible = needed[1] === "0" ? have[1] === "0" && have[2] === needed[2] : have[1] === needed[1];
    return compatible ? [] : [`${name} (found ${found}, needs ${range})`];
  });
}

function installedVersion(name: string): string | undefined {
  try {
    const manifest = JSON.parse(readFileSync(require.resolve(`${name}/package.json`), "utf8")) as { version?: unknown };
    return typeof manifest.version === "string" ? manifest.version : undefined;
  } catch {
    return undefined;
  }
}

/** Throws {@link SandboxDependenciesMissingError} naming every missing or outdated package. */
export function assertSandboxDependencies(resolve?: (name: string) => string): void {
  const missing = missingSandboxDependencies(resolve);
  const tooOld = outdatedSandboxDependencies();
  if (missing.length > 0 || tooOld.length > 0) throw new SandboxDependenciesMissingError(missing, tooOld);
}
