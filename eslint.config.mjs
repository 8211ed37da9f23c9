// Lint: typescript-eslint's recommended rules over the package and its tests, and the
// boundary between the provider (what users run) and the sandbox (what only testers run).
import path from "node:path";
import tseslint from "typescript-eslint";

const root = import.meta.dirname;
const sandboxDir = path.join(root, "provider", "sandbox");
const inSandbox = (file) => file === sandboxDir || file.startsWith(sandboxDir + path.sep);

/**
 * `boundary/provider-sandbox`: provider and SDK code never import the sandbox, and the sandbox
 * never imports provider or SDK code. The sandbox emulates the real services; sharing code
 * with the client side would let a bug on one side hide the same bug on the other, and the
 * sandbox's server packages are optional peer dependencies that users do not install.
 */
const providerSandboxBoundary = {
  meta: { type: "problem", schema: [], messages: { crossing: "{{from}} must not import {{to}} ({{spec}}): {{why}}" } },
  create(context) {
    const file = context.filename;
    const fromSandbox = inSandbox(file);
    const check = (node, spec) => {
      if (typeof spec !== "string") return;
      let toSandbox;
      if (spec.startsWith(".")) {
        const target = path.resolve(path.dirname(file), spec);
        toSandbox = inSandbox(target);
        // Outside the package's own code (tests, scripts) nothing is checked.
        if (fromSandbox && !toSandbox) {
          context.report({ node, messageId: "crossing", data: { from: "sandbox code", to: "code outside provider/sandbox", spec, why: "the sandbox emulates the services on its own" } });
        }
      } else if (spec === "pulumi-group-export/sandbox" || spec.startsWith("pulumi-group-export/sandbox/")) {
        toSandbox = true;
      } else if (fromSandbox && (spec === "pulumi-group-export" || spec.startsWith("pulumi-group-export/"))) {
        context.report({ node, messageId: "crossing", data: { from: "sandbox code", to: "the provider or SDK", spec, why: "the sandbox emulates the services on its own" } });
        return;
      }
      if (!fromSandbox && toSandbox) {
        context.report({ node, messageId: "crossing", data: { from: "provider and SDK code", to: "the sandbox", spec, why: "its packages are optional and users do not install them" } });
      }
    };
    const inPackage = file.startsWith(path.join(root, "provider") + path.sep) || file.startsWith(path.join(root, "sdk") + path.sep);
    if (!inPackage) return {};
    return {
      ImportDeclaration: (node) => check(node, node.source.value),
      ExportNamedDeclaration: (node) => node.source && check(node, node.source.value),
      ExportAllDeclaration: (node) => check(node, node.source.value),
      ImportExpression: (node) => node.source.type === "Literal" && check(node, node.source.value),
      TSImportType: (node) => node.argument?.literal && check(node, node.argument.literal.value),
      CallExpression: (node) => {
        if (node.callee.type === "Identifier" && node.callee.name === "require" && node.arguments[0]?.type === "Literal") check(node, node.arguments[0].value);
      },
    };
  },
};

export default tseslint.config(
  { ignores: ["dist/", "node_modules/", "**/node_modules/", "test/e2e/program/", "examples/**/node_modules/"] },
  ...tseslint.configs.recommended,
  {
    rules: {
      // The provider loads its implementation by package name at run time, on purpose.
      "@typescript-eslint/no-require-imports": "off",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", destructuredArrayIgnorePattern: "^_" }],
    },
  },
  {
    files: ["provider/**/*.ts", "sdk/**/*.ts"],
    plugins: { boundary: { rules: { "provider-sandbox": providerSandboxBoundary } } },
    rules: { "boundary/provider-sandbox": "error" },
  },
);
