import { defineProject } from "vitest/config";
import { sieveSourceAliases } from "../../vitest.shared.js";

export default defineProject({
  resolve: { alias: sieveSourceAliases() },
  test: {
    name: "cuda-kernels",
    include: ["src/**/*.test.ts"],
  },
});
