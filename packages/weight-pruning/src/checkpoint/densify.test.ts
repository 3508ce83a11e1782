/**
 * Pruned checkpoints re-exported: stories260K pruned 2:4 (every linear) and saved packed, then
 * densified into a GGUF file and a plain HF directory. Both compute the packed model's logits
 * (within 1e-5 relative on the reference backend; the sums differ only in skipped zeros), and
 * the packed directory carries the llama2.c source's tokenizer as tokenizer.json, which encodes
 * like tokenizer.bin. Also: densifying gives back exactly the kept values, f16 ones as f16.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { referenceBackend, type KernelBackend } from "@sieve/core";
import { expectedTensors, hfNames, LlamaModel, loadCheckpoint, loadGguf, loadHfDirectory, synthCheckpoint, writeGguf, writeHfDirectory, type LoadedCheckpoint } from "@sieve/model";
import { sparseLinearFactory } from "../layers/factory.js";
import { magnitudeNmMask } from "../testing/magnitude.js";
import { densifyPackedCheckpoint } from "./densify.js";
import { readPackedWeights } from "./metadata.js";
import { savePrunedCheckpoint, type PrunedLayerToSave } from "./save.js";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../../../..");
const ASSETS = process.env.SIEVE_ASSETS ?? resolve(repoRoot, "../shared/assets");
const STORIES = join(ASSETS, "stories260K", "stories260K.bin");
const haveStories = existsSync(STORIES) && existsSync(join(ASSETS, "stories260K", "tok512.bin"));
if (!haveStories) console.warn(`skipping the stories260K re-export tests: ${STORIES} not found (set SIEVE_ASSETS)`);

const TEXTS = ["Once upon a time, there was a little girl named Lily.", "She said: \"héllo wörld 😀\"", "  two  spaces\tand\nnewlines "];

/** Every linear inside the blocks pruned 2:4 by magnitude. */
function prune24(ck: LoadedCheckpoint): PrunedLayerToSave[] {
  return expectedTensors(ck.config)
    .filter((t) => t.shape.length === 2 && t.name !== hfNames.embed && t.name !== hfNames.lmHead)
    .map((t) => {
      const w = ck.weights.get(t.name)!;
      const [rows, cols] = w.shape as [number, number];
      const weight = w.toFloat32();
      return { path: t.name, weight, rows, cols, mask: magnitudeNmMask(weight, rows, cols, 2, 4), pattern: { n: 2, m: 4 } };
    });
}

function logits(model: LlamaModel, tokens: number[]): Float32Array {
  const pages = Math.ceil(tokens.length / 16);
  return model
    .forward(
      {
        tokens: Int32Array.from(tokens),
        positions: Int32Array.from(tokens, (_, i) => i),
        tokenSeq: new Int32Array(tokens.length),
        blockTable: Int32Array.from({ length: pages }, (_, i) => i),
        maxPagesPerSeq: pages,
        logitRows: Int32Array.from(tokens, (_, i) => i),
      },
      model.createKvCache(pages, 16),
    )
    .slice();
}

function maxRelativeError(a: Float32Array, b: Float32Array): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return diff / scale;
}

const backend = (): KernelBackend => referenceBackend;

describe.skipIf(!haveStories)("stories260K pruned 2:4, then re-exported", () => {
  let dir: string;
  let source: LoadedCheckpoint;
  let packed: LoadedCheckpoint;
  let tokens: number[];
  let packedLogits: Float32Array;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "sieve-densify-"));
    source = await loadCheckpoint(STORIES); // finds tok512.bin beside it
    await savePrunedCheckpoint(join(dir, "packed"), source, prune24(source), { recipe: { method: "magnitude", pattern: "2:4" } });
    packed = await loadHfDirectory(join(dir, "packed"));
    tokens = source.tokenizer!.encode(TEXTS[0]!);
    packedLogits = logits(new LlamaModel(packed.config, packed.weights, { backend, linearFactory: sparseLinearFactory }), tokens);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("the packed directory carries the llama2.c tokenizer as tokenizer.json, encoding the same", () => {
    expect(existsSync(join(dir, "packed", "tokenizer.json"))).toBe(true);
    expect(existsSync(join(dir, "packed", "tokenizer_config.json"))).toBe(true);
    expect(packed.tokenizer?.kind).toBe("hf");
    for (const text of TEXTS) expect(packed.tokenizer!.encode(text), text).toEqual(source.tokenizer!.encode(text));
    expect(readPackedWeights(packed.metadata).size).toBe(5 * 7);
  });

  it("densified into GGUF: same logits within 1e-5, the vocabulary embedded", async () => {
    const { checkpoint, densified } = densifyPackedCheckpoint(packed);
    expect(densified.size).toBe(35);
    expect([...densified.values()].every((f) => f === "nm-2:4")).toBe(true);
    expect(readPackedWeights(checkpoint.metadata).size).toBe(0);
    expect(checkpoint.metadata["sieve.recipe"]).toBeDefined();
    const file = join(dir, "dense.gguf");
    await writeGguf(file, checkpoint);
    const gguf = await loadGguf(file);
    const err = maxRelativeError(logits(new LlamaModel(gguf.config, gguf.weights, { backend }), tokens), packedLogits);
    expect(err).toBeLessThan(1e-5);
    expect(gguf.tokenizer?.kind).toBe("gguf-llama");
    for (const text of TEXTS) expect(gguf.tokenizer!.encode(text), text).toEqual(source.tokenizer!.encode(text));
  });

  it("densified into a plain HF directory: same logits, no packed metadata", async () => {
    const out = join(dir, "dense-hf");
    await writeHfDirectory(out, densifyPackedCheckpoint(packed).checkpoint);
    const dense = await loadHfDirectory(out);
    expect(dense.metadata["sieve.packed"]).toBeUndefined();
    expect(dense.weights.get("model.layers.0.mlp.up_proj.weight")?.shape).toEqual([172, 64]);
    expect(maxRelativeError(logits(new LlamaModel(dense.config, dense.weights, { backend }), tokens), packedLogits)).toBeLessThan(1e-5);
  });
});

describe("densifyPackedCheckpoint", () => {
  it("gives back exactly the kept values (zeros elsewhere), f16 values as f16, and leaves dense checkpoints alone", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sieve-densify-f16-"));
    try {
      const source = synthCheckpoint("test-tiny", "f16", 3);
      const layers = prune24(source);
      await savePrunedCheckpoint(dir, source, layers);
      const loaded = await loadHfDirectory(dir);
      const { checkpoint } = densifyPackedCheckpoint(loaded);
      const name = "model.layers.1.mlp.down_proj.weight";
      const dense = checkpoint.weights.get(name)!;
      expect(dense.dtype).toBe("f16");
      const layer = layers.find((l) => l.path === name)!;
      const want = source.weights.get(name)!.toFloat32().map((x, i) => (layer.mask[i] ? x : 0));
      expect(dense.toFloat32()).toEqual(want);
      expect([...checkpoint.weights.keys()].some((k) => k.includes("nm_"))).toBe(false);
      expect(densifyPackedCheckpoint(source).checkpoint).toBe(source);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
