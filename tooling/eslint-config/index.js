// Shared flat config: typescript-eslint's recommended rules, with the few choices this repo makes.
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["**/dist/**", "**/build/**", "**/node_modules/**", "**/.turbo/**"] },
  ...tseslint.configs.recommended,
  {
    rules: {
      // Kernels index typed arrays in tight loops; non-null assertions there are deliberate.
      "@typescript-eslint/no-non-null-assertion": "off",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": "error",
    },
  },
);
