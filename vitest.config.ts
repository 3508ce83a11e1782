import { defineConfig } from "vitest/config";

// One root config; each package is a project. Tests import sources, so no build is needed.
export default defineConfig({
  test: {
    projects: ["packages/*", "apps/*"],
  },
});
