/**
 * Whether a model directory holds synthetic (random) weights: `sieve synth` and the default
 * model write "synth.preset" into the safetensors metadata. Only the header is read.
 */
import { existsSync } from "node:fs";
import { open, readFile } from "node:fs/promises";
import { join } from "node:path";

/** Headers larger than this are not worth reading for one metadata key. */
const MAX_HEADER_BYTES = 64 * 1024 * 1024;

async function firstShard(dir: string): Promise<string | undefined> {
  if (existsSync(join(dir, "model.safetensors"))) return join(dir, "model.safetensors");
  const indexPath = join(dir, "model.safetensors.index.json");
  if (!existsSync(indexPath)) return undefined;
  const index = JSON.parse(await readFile(indexPath, "utf8")) as { weight_map?: Record<string, string> };
  const file = Object.values(index.weight_map ?? {})[0];
  return file ? join(dir, file) : undefined;
}

/** The synthetic preset a checkpoint directory was generated from, or undefined (also when unreadable). */
export async function syntheticPresetOf(dir: string): Promise<string | undefined> {
  try {
    const file = await firstShard(dir);
    if (!file) return undefined;
    const handle = await open(file, "r");
    try {
      const head = Buffer.alloc(8);
      await handle.read(head, 0, 8, 0);
      const length = Number(head.readBigUInt64LE(0));
      if (length <= 0 || length > MAX_HEADER_BYTES) return undefined;
      const header = Buffer.alloc(length);
      await handle.read(header, 0, length, 8);
      const metadata = (JSON.parse(header.toString("utf8")) as { __metadata__?: Record<string, string> }).__metadata__;
      return metadata?.["synth.preset"];
    } finally {
      await handle.close();
    }
  } catch {
    return undefined;
  }
}
