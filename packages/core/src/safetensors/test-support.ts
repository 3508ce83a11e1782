/**
 * Helpers for the safetensors tests: hand-crafted file images and temporary files. Tests only;
 * not exported from the package index.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseSafetensorsBuffer } from "./buffer.js";
import { SafetensorsError } from "./errors.js";
import type { SafetensorsReadOptions } from "./options.js";
import { SafetensorsFile } from "./reader.js";

export interface CraftOptions {
  /** Overrides the length prefix (defaults to the header's real length). */
  declaredLength?: bigint | number;
}

/**
 * A file image: 8-byte little-endian length, the header exactly as given (a string is UTF-8
 * encoded, bytes are used verbatim, no padding added), then `data` (bytes, or a count of zeros).
 */
export function craft(header: string | Uint8Array, data: Uint8Array | number = 0, options: CraftOptions = {}): Uint8Array {
  const headerBytes = typeof header === "string" ? new TextEncoder().encode(header) : header;
  const dataBytes = typeof data === "number" ? new Uint8Array(data) : data;
  const out = new Uint8Array(8 + headerBytes.length + dataBytes.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(options.declaredLength ?? headerBytes.length), true);
  out.set(headerBytes, 8);
  out.set(dataBytes, 8 + headerBytes.length);
  return out;
}

/** File offset of the first occurrence of `needle` inside the header text of craft(header). */
export function headerOffsetOf(header: string, needle: string): number {
  const index = header.indexOf(needle);
  if (index < 0) throw new Error(`${needle} not in header`);
  return 8 + Buffer.byteLength(header.slice(0, index), "utf8");
}

/** A temporary directory removed by the returned cleanup function. */
export function makeTempDir(prefix = "sieve-safetensors-"): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function writeTempFile(dir: string, name: string, bytes: Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

/**
 * Opens (or parses) and returns the SafetensorsError thrown, failing if something else happens.
 * Closes the file if it unexpectedly opens.
 */
export async function openError(path: string, options?: SafetensorsReadOptions): Promise<SafetensorsError> {
  let file: SafetensorsFile | undefined;
  try {
    file = await SafetensorsFile.open(path, options);
  } catch (error) {
    if (error instanceof SafetensorsError) return error;
    throw error;
  } finally {
    await file?.close();
  }
  throw new Error(`expected ${path} to be rejected`);
}

export function parseError(bytes: Uint8Array, options?: SafetensorsReadOptions): SafetensorsError {
  try {
    parseSafetensorsBuffer(bytes, options);
  } catch (error) {
    if (error instanceof SafetensorsError) return error;
    throw error;
  }
  throw new Error("expected the buffer to be rejected");
}
