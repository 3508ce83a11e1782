// Shared by every package's vitest project: resolve @sieve/* imports to their TypeScript
// sources, so tests run against sources without building anything first.
import { readdirSync, readFileSync, existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const repoRoot = dirname(fileURLToPath(import.meta.url));

export function sieveSourceAliases(): Record<string, string> {
  const aliases: Record<string, string> = {};
  for (const group of ["packages", "apps"]) {
    const dir = join(repoRoot, group);
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir)) {
      const pkgJson = join(dir, name, "package.json");
      const entry = join(dir, name, "src", "index.ts");
      if (!existsSync(pkgJson) || !existsSync(entry)) continue;
      aliases[JSON.parse(readFileSync(pkgJson, "utf8")).name] = entry;
    }
  }
  return aliases;
}
