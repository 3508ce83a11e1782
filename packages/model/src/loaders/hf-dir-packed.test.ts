/**
 * loadHfDirectory on checkpoints whose safetensors metadata "sieve.packed" lists weights stored
 * in a packed (pruned) format: those weights need no <name>.weight, and their <name>.* tensors
 * are loaded for the model's LinearFactory. Everything else behaves as before.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SafetensorsFile, Tensor, writeSafetensors } from "@sieve/core";
import { hfNames } from "../arch/weights.js";
import { CheckpointFormatError } from "./format-error.js";
import { loadHfDirectory } from "./hf-dir.js";
import { writeHfDirectory } from "./hf-export.js";
import { synthCheckpoint } from "./synth.js";

describe("loadHfDirectory with packed weights", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "sieve-hfdir-packed-"));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  /** Rewrites model.safetensors without the tensors `drop` selects (writeHfDirectory insists on every <name>.weight). */
  async function rewriteWithout(drop: (name: string) => boolean): Promise<void> {
    const file = await SafetensorsFile.open(join(dir, "model.safetensors"));
    const tensors: Array<[string, Tensor]> = [];
    for (const info of file.infos()) if (!drop(info.name)) tensors.push([info.name, await file.read(info.name)]);
    const metadata = file.metadata;
    await file.close();
    await writeSafetensors(join(dir, "model.safetensors"), tensors, metadata);
  }

  /** test-tiny with layer 0's up_proj stored as two stand-in packed tensors (plus a dummy .weight to drop). */
  function packedCheckpoint(packedMeta: string) {
    const ck = synthCheckpoint("test-tiny", "f32", 1);
    const up = hfNames.layer(0).up;
    const base = up.replace(/\.weight$/, "");
    ck.weights.delete(up);
    ck.weights.set(`${base}.nm_values`, Tensor.wrap("f32", new Float32Array(6), [2, 3]));
    ck.weights.set(`${base}.nm_indices`, Tensor.wrap("u8", new Uint8Array(4), [4]));
    ck.weights.set(up, Tensor.zeros([160, 64], "f32"));
    ck.metadata = { ...ck.metadata, "sieve.packed": packedMeta };
    return { ck, up, base };
  }

  it("accepts a listed weight without <name>.weight and loads its tensors without loadExtraTensors", async () => {
    const { ck, up, base } = packedCheckpoint(JSON.stringify({ [hfNames.layer(0).up]: "nm-2:4" }));
    await writeHfDirectory(dir, ck);
    await rewriteWithout((name) => name === up);

    const loaded = await loadHfDirectory(dir);
    expect(loaded.weights.has(up)).toBe(false);
    expect(loaded.weights.get(`${base}.nm_values`)!.shape).toEqual([2, 3]);
    expect(loaded.weights.get(`${base}.nm_indices`)!.dtype).toBe("u8");
    expect(loaded.warnings).toEqual([]);
    expect(loaded.metadata["sieve.packed"]).toBe(JSON.stringify({ [up]: "nm-2:4" }));
  });

  it("still requires <name>.weight of weights the metadata does not list", async () => {
    const { ck, up } = packedCheckpoint(JSON.stringify({ "model.layers.1.mlp.up_proj.weight": "nm-2:4" }));
    await writeHfDirectory(dir, ck);
    await rewriteWithout((name) => name === up);
    await expect(loadHfDirectory(dir)).rejects.toThrow(/lacks tensors config.json implies: model\.layers\.0\.mlp\.up_proj\.weight/);
  });

  it("rejects a sieve.packed entry that is not a JSON object, naming the metadata key", async () => {
    const { ck } = packedCheckpoint("[1, 2]");
    await writeHfDirectory(dir, ck);
    const error = await loadHfDirectory(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CheckpointFormatError);
    expect(String(error)).toContain('__metadata__["sieve.packed"]');
  });
});
