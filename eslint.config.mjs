// Lint: typescript-eslint's recommended rules over the package and its tests.
import tseslint from "typescript-eslint";

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
);
