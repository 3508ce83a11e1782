/**
 * The web UI's files. From sources they are read from static/ on every request (edit and
 * reload); the bundled server, which has no static/ beside it, serves the copies embedded in
 * embedded-assets.ts at build time.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { EMBEDDED_ASSETS } from "./embedded-assets.js";

const CONTENT_TYPES: Record<string, string> = {
  html: "text/html; charset=utf-8",
  css: "text/css; charset=utf-8",
  js: "text/javascript; charset=utf-8",
};

/** Plain file names only: nothing a request could use to leave the folder. */
const ASSET_NAME = /^[a-z0-9][a-z0-9-]*\.(html|css|js)$/;

function staticDir(): string | undefined {
  try {
    const dir = fileURLToPath(new URL("./static/", import.meta.url));
    return existsSync(join(dir, "index.html")) ? dir : undefined;
  } catch {
    return undefined;
  }
}

const SOURCE_DIR = staticDir();

export interface UiAsset {
  body: string;
  contentType: string;
}

export function uiAsset(name: string): UiAsset | undefined {
  const match = ASSET_NAME.exec(name);
  if (!match) return undefined;
  const contentType = CONTENT_TYPES[match[1]!]!;
  if (SOURCE_DIR) {
    const path = join(SOURCE_DIR, name);
    return existsSync(path) ? { body: readFileSync(path, "utf8"), contentType } : undefined;
  }
  const body = EMBEDDED_ASSETS[name];
  return body === undefined ? undefined : { body, contentType };
}
