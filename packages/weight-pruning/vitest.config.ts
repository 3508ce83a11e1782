import { defineProject } from "vitest/config";
import { sieveSourceAliases } from "../../vitest.shared.js";

export default defineProject({
  resolve: { alias: sieveSourceAliases() },
  test: {
    name: "weight-pruning",
    include: ["src/**/*.test.ts"],
    testTimeout: 60_000,
  },
});
