/** The web UI's files: the embedded copy (what the bundle serves) matches static/, and lookups stay inside it. */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { uiAsset } from "./assets.js";
import { EMBEDDED_FILE, renderEmbeddedAssets } from "./embed-assets.js";
import { EMBEDDED_ASSETS } from "./embedded-assets.js";

describe("web UI assets", () => {
  it("embedded-assets.ts is up to date with static/ (else run: pnpm exec tsx apps/server/src/ui/embed-assets.ts)", () => {
    expect(readFileSync(EMBEDDED_FILE, "utf8")).toBe(renderEmbeddedAssets());
  });

  it("serves every file the page and its modules import", () => {
    const referenced = new Set<string>();
    for (const [name, body] of Object.entries(EMBEDDED_ASSETS)) {
      const pattern = name.endsWith(".html") ? /\/ui\/([\w-]+\.(?:js|css))/g : /from "\.\/([\w-]+\.js)"/g;
      for (const match of body.matchAll(pattern)) referenced.add(match[1]!);
    }
    expect(referenced.size).toBeGreaterThan(4);
    for (const name of referenced) expect(uiAsset(name), name).toBeDefined();
    expect(uiAsset("index.html")!.contentType).toMatch(/^text\/html/);
  });

  it("refuses names that could leave the folder", () => {
    for (const name of ["../package.json", "..%2Fpackage.json", "/etc/passwd", "static/index.html", ".env", "x.ts"]) expect(uiAsset(name)).toBeUndefined();
  });
});
