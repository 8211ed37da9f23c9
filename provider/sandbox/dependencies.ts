/**
 * The packages only the sandbox's server needs (an HTTP framework, X.509 for its CA and client
 * certificates). They are optional peer dependencies of pulumi-group-export, so users who only
 * export groups do not install a web server; the sandbox's entry points check for them before
 * loading any emulator, and say what to install.
 *
 * Keep in step with `peerDependencies` in package.json (test/unit/sandboxDependencies.test.ts checks).
 */
export const SANDBOX_PEER_DEPENDENCIES: Readonly<Record<string, string>> = {
  express: "^5.3.0",
  "@peculiar/x509": "^2.2.0",
  // @peculiar/x509 (through tsyringe) needs the Reflect metadata polyfill.
  "reflect-metadata": "^0.2.2",
};

/** Thrown by `startSandbox` and `group-export-sandbox` when some of the sandbox's packages are not installed. */
export class SandboxDependenciesMissingError extends Error {
  constructor(readonly missing: string[]) {
    const install = Object.entries(SANDBOX_PEER_DEPENDENCIES)
      .map(([name, range]) => `${name}@${range}`)
      .join(" ");
    super(
      `the sandbox needs packages that are not installed: ${missing.join(", ")}. ` +
        `Install them next to pulumi-group-export: npm install --save-dev ${install} ` +
        `(optional peer dependencies, left out of a plain install because only the sandbox uses them; README "The sandbox")`,
    );
    this.name = "SandboxDependenciesMissingError";
  }
}

/** The sandbox packages `resolve` cannot find (by default: Node's resolution from this package). */
export function missingSandboxDependencies(resolve: (name: string) => string = require.resolve): string[] {
  return Object.keys(SANDBOX_PEER_DEPENDENCIES).filter((name) => {
    try {
      resolve(name);
      return false;
    } catch {
      return true;
    }
  });
}

/** Throws {@link SandboxDependenciesMissingError} naming every missing package. */
export function assertSandboxDependencies(resolve?: (name: string) => string): void {
  const missing = missingSandboxDependencies(resolve);
  if (missing.length > 0) throw new SandboxDependenciesMissingError(missing);
}
