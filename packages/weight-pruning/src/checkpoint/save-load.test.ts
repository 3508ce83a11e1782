/**
 * Prune (magnitude masks: 2:4 in layer 0, unstructured 70% in layer 1), save with
 * savePrunedCheckpoint, load with loadHfDirectory + sparseLinearFactory: the logits equal those
 * of the in-memory pruned model (masked dense weights), for a whole prefill (GEMM path) and token
 * by token (GEMV path). Bit for bit on the reference backend (both sum the same products in the
 * same order); within f32 rounding on the native backend (other summation orders).
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { referenceBackend, SafetensorsFile, Tensor, type KernelBackend } from "@sieve/core";
import { expectedTensors, hfNames, LlamaModel, loadHfDirectory, synthCheckpoint, type LoadedCheckpoint } from "@sieve/model";
import { sparseLinearFactory } from "../layers/factory.js";
import { magnitudeMask, magnitudeNmMask } from "../testing/magnitude.js";
import { nativeBackendOrNull } from "../testing/native.js";
import { readPackedWeights, readRecipe } from "./metadata.js";
import { savePrunedCheckpoint, type PrunedLayerToSave } from "./save.js";

const native = nativeBackendOrNull();
const TOKENS = [1, 17, 42, 99, 3, 250, 7, 128, 64, 5, 200, 33, 12, 77, 180, 2, 90, 45];
const recipe = { method: "magnitude", layers: { "layers.0.*": "2:4", "layers.1.*": 0.7 } };

/** The linear weights of the model (every 2-D tensor but the embedding and the LM head). */
function linearNames(ck: LoadedCheckpoint): string[] {
  return expectedTensors(ck.config)
    .filter((t) => t.shape.length === 2 && t.name !== hfNames.embed && t.name !== hfNames.lmHead)
    .map((t) => t.name);
}

/** Masks per linear, the layers to save, and the in-memory pruned model's weights (masked dense, same dtype). */
function prune(ck: LoadedCheckpoint): { layers: PrunedLayerToSave[]; maskedWeights: Map<string, Tensor> } {
  const layers: PrunedLayerToSave[] = [];
  const maskedWeights = new Map(ck.weights);
  for (const name of linearNames(ck)) {
    const t = ck.weights.get(name)!;
    const [rows, cols] = t.shape as [number, number];
    const data = t.contiguousData() as Float32Array | Uint16Array;
    const nm = name.startsWith("model.layers.0.");
    const mask = nm ? magnitudeNmMask(data, rows, cols, 2, 4) : magnitudeMask(data, 0.7);
    const path = name.replace(/^model\./, "").replace(/\.weight$/, "");
    layers.push({ path, weight: t.toFloat32(), rows, cols, mask, pattern: nm ? { n: 2, m: 4 } : undefined });
    const masked = data.slice();
    for (let i = 0; i < mask.length; i++) if (!mask[i]) masked[i] = 0;
    maskedWeights.set(name, Tensor.wrap(t.dtype as "f32", masked as Float32Array, [rows, cols]));
  }
  return { layers, maskedWeights };
}

function forwardAll(model: LlamaModel, tokens: number[], oneByOne: boolean): Float32Array {
  const pages = Math.ceil(tokens.length / 16);
  const kv = model.createKvCache(pages, 16);
  const blockTable = Int32Array.from({ length: pages }, (_, i) => i);
  const vocab = model.config.vocabSize;
  const out = new Float32Array(tokens.length * vocab);
  const steps = oneByOne ? tokens.map((_, i) => [i]) : [tokens.map((_, i) => i)];
  for (const idx of steps) {
    const logits = model.forward(
      {
        tokens: Int32Array.from(idx, (i) => tokens[i]!),
        positions: Int32Array.from(idx),
        tokenSeq: new Int32Array(idx.length),
        blockTable,
        maxPagesPerSeq: pages,
        logitRows: Int32Array.from(idx, (_, j) => j),
      },
      kv,
    );
    out.set(logits, idx[0]! * vocab);
  }
  return out;
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

for (const dtype of ["f32", "f16"] as const) {
  describe(`a pruned ${dtype} checkpoint saved and loaded`, () => {
    let dir: string;
    let source: LoadedCheckpoint;
    let pruned: ReturnType<typeof prune>;
    let loaded: Awaited<ReturnType<typeof loadHfDirectory>>;

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), "sieve-pruned-"));
      source = synthCheckpoint("test-tiny", dtype, 7);
      pruned = prune(source);
      await savePrunedCheckpoint(dir, source, pruned.layers, { recipe });
      loaded = await loadHfDirectory(dir);
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it("stores packed tensors instead of <name>.weight, with the sieve.* metadata", async () => {
      const file = await SafetensorsFile.open(join(dir, "model.safetensors"));
      const names = new Set(file.infos().map((i) => i.name));
      await file.close();
      expect(names.has("model.layers.0.mlp.up_proj.weight")).toBe(false);
      expect(names.has("model.layers.0.mlp.up_proj.nm_values")).toBe(true);
      expect(names.has("model.layers.1.self_attn.q_proj.csr8_base")).toBe(true);
      expect(names.has("model.embed_tokens.weight")).toBe(true);
      expect(loaded.metadata["sieve.format"]).toBe("1");
      const packed = readPackedWeights(loaded.metadata);
      expect(packed.size).toBe(14);
      expect(packed.get("model.layers.0.self_attn.k_proj.weight")).toBe("nm-2:4");
      expect(packed.get("model.layers.1.mlp.down_proj.weight")).toBe("csr8");
      expect(readRecipe(loaded.metadata)).toEqual(recipe);
      expect(loaded.warnings).toEqual([]);
      expect(JSON.parse(readFileSync(join(dir, "config.json"), "utf8")).hidden_size).toBe(64);
    });

    it("is smaller on disk than the dense weights it replaces", () => {
      const denseBytes = [...source.weights.values()].reduce((n, t) => n + t.byteLength, 0);
      expect(statSync(join(dir, "model.safetensors")).size).toBeLessThan(denseBytes);
    });

    it("gives bit-identical logits on the reference backend (prefill and token by token)", () => {
      const backend = (): KernelBackend => referenceBackend;
      const masked = new LlamaModel(source.config, pruned.maskedWeights, { backend });
      const sparse = new LlamaModel(loaded.config, loaded.weights, { backend, linearFactory: sparseLinearFactory });
      expect(sparse.layers[0]!.mlp).toBeDefined();
      const kinds = sparse.tree.list<{ describe(): { kind: string; kernel: string } }>("linear").map((s) => s.get().describe());
      expect(kinds.filter((k) => k.kind === "nm-2:4")).toHaveLength(7);
      expect(kinds.filter((k) => k.kind === "csr8")).toHaveLength(7);
      expect(kinds.every((k) => k.kernel === "reference:typescript")).toBe(true);
      for (const oneByOne of [false, true]) {
        expect(forwardAll(sparse, TOKENS, oneByOne)).toEqual(forwardAll(masked, TOKENS, oneByOne));
      }
    });

    it.skipIf(!native)("gives the same logits within f32 rounding on the native backend", () => {
      const backend = (): KernelBackend => native!;
      const masked = new LlamaModel(source.config, pruned.maskedWeights, { backend });
      const sparse = new LlamaModel(loaded.config, loaded.weights, { backend, linearFactory: sparseLinearFactory });
      const kernels = sparse.tree.list<{ describe(): { kernel: string } }>("linear").map((s) => s.get().describe().kernel);
      expect(kernels.every((k) => /^native:(avx2|portable)-(nm24|csr8)-gemv\//.test(k))).toBe(true);
      for (const oneByOne of [false, true]) {
        expect(maxRelativeError(forwardAll(sparse, TOKENS, oneByOne), forwardAll(masked, TOKENS, oneByOne))).toBeLessThan(1e-4);
      }
    });
  });
}
