import { defineConfig } from "vitest/config";
export default defineConfig({ resolve: { alias: { "@sieve/core": "/tmp/shim/core.ts" } }, test: { include: ["src/loaders/*.test.ts"], testTimeout: 60000 } });
