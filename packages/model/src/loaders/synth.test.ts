import { mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SafetensorsFile, type Tensor } from "@sieve/core";
import { parseHfConfig } from "../arch/hf-config.js";
import { LlamaModel } from "../arch/llama.js";
import { expectedTensors, hfNames } from "../arch/weights.js";
import { SYNTH_PRESETS, synthCheckpoint, synthPresetConfig, writeSynthHfDir } from "./synth.js";

function bits(t: Tensor): Buffer {
  const d = t.contiguousData() as Float32Array | Uint16Array;
  return Buffer.from(d.buffer, d.byteOffset, d.byteLength);
}

function stats(values: Float32Array): { mean: number; std: number } {
  let sum = 0;
  for (const v of values) sum += v;
  const mean = sum / values.length;
  let sq = 0;
  for (const v of values) sq += (v - mean) ** 2;
  return { mean, std: Math.sqrt(sq / values.length) };
}

function paramCount(preset: string): number {
  return expectedTensors(synthPresetConfig(preset))
    .filter((t) => !t.optional)
    .reduce((n, t) => n + t.shape.reduce((a, b) => a * b, 1), 0);
}

describe("synthetic presets", () => {
  it("have the shapes of the models they stand for", () => {
    expect(SYNTH_PRESETS).toEqual(["llama-110m", "smollm-135m", "tinyllama-1.1b", "test-tiny"]);
    expect(synthPresetConfig("tinyllama-1.1b")).toMatchObject({ dim: 2048, nLayers: 22, nHeads: 32, nKvHeads: 4, headDim: 64, hiddenDim: 5632, vocabSize: 32000, maxSeqLen: 2048 });
    expect(synthPresetConfig("smollm-135m")).toMatchObject({ dim: 576, nLayers: 30, nHeads: 9, nKvHeads: 3, headDim: 64, tiedEmbeddings: true });
    // Parameter counts of the real models (TinyLlama 1,100,048,384; SmolLM 134,515,008).
    expect(paramCount("tinyllama-1.1b")).toBe(1_100_048_384);
    expect(paramCount("smollm-135m")).toBe(134_515_008);
    expect(paramCount("llama-110m")).toBe(109_529_856);
  });

  it("rejects unknown presets and dtypes with the known values", () => {
    expect(() => synthCheckpoint("llama-7b")).toThrow(/unknown synthetic preset "llama-7b" \(known: llama-110m, smollm-135m, tinyllama-1.1b, test-tiny\)/);
    expect(() => synthCheckpoint("test-tiny", "i8" as never)).toThrow(/f32, f16 or bf16/);
  });
});

describe("synthCheckpoint", () => {
  it("is deterministic per seed and differs across seeds", () => {
    const a = synthCheckpoint("test-tiny", "f16", 1);
    const b = synthCheckpoint("test-tiny", "f16", 1);
    const c = synthCheckpoint("test-tiny", "f16", 2);
    for (const [name, t] of a.weights) {
      expect(bits(t).equals(bits(b.weights.get(name)!)), name).toBe(true);
      expect(bits(t).equals(bits(c.weights.get(name)!)), name).toBe(false);
    }
  });

  it("holds every tensor of the config in the asked dtype, with the intended statistics", () => {
    for (const dtype of ["f32", "f16", "bf16"] as const) {
      const ck = synthCheckpoint("test-tiny", dtype, 3);
      expect(ck.tokenizer).toBeUndefined();
      expect(ck.format).toBe("synth");
      for (const t of expectedTensors(ck.config)) {
        const w = ck.weights.get(t.name)!;
        expect(w.dtype).toBe(dtype);
        expect(w.shape).toEqual(t.shape);
      }
      const embed = stats(ck.weights.get(hfNames.embed)!.toFloat32());
      expect(Math.abs(embed.mean)).toBeLessThan(0.002);
      expect(embed.std).toBeGreaterThan(0.019);
      expect(embed.std).toBeLessThan(0.021);
      const norm = stats(ck.weights.get(hfNames.layer(0).attnNorm)!.toFloat32());
      expect(Math.abs(norm.mean - 1)).toBeLessThan(0.01);
      expect(norm.std).toBeGreaterThan(0.01);
      expect(norm.std).toBeLessThan(0.03);
    }
  });

  it("runs through LlamaModel to finite logits", () => {
    const ck = synthCheckpoint("test-tiny", "f16", 0);
    const model = new LlamaModel(ck.config, ck.weights);
    const kv = model.createKvCache(2);
    const tokens = Int32Array.from([1, 72, 101, 108, 108, 111]);
    const logits = model.forward(
      {
        tokens,
        positions: Int32Array.from(tokens, (_, i) => i),
        tokenSeq: new Int32Array(tokens.length),
        blockTable: Int32Array.from([0, 1]),
        maxPagesPerSeq: 2,
        logitRows: Int32Array.from([tokens.length - 1]),
      },
      kv,
    );
    expect(logits.length).toBe(256);
    expect(logits.every(Number.isFinite)).toBe(true);
  });
});

describe("writeSynthHfDir", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "sieve-synth-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("writes config.json, generation_config.json and model.safetensors holding the in-memory weights", async () => {
    const out = join(dir, "single");
    const written = await writeSynthHfDir(out, "test-tiny", "bf16", { seed: 5 });
    expect(written.files).toEqual(["model.safetensors"]);
    expect((await readdir(out)).sort()).toEqual(["config.json", "generation_config.json", "model.safetensors"]);
    const ck = synthCheckpoint("test-tiny", "bf16", 5);
    const config = JSON.parse(await readFile(join(out, "config.json"), "utf8"));
    expect(config.torch_dtype).toBe("bfloat16");
    expect(parseHfConfig(config)).toEqual(ck.config);
    expect(JSON.parse(await readFile(join(out, "generation_config.json"), "utf8"))).toEqual({ bos_token_id: 1, eos_token_id: 2 });

    const file = await SafetensorsFile.open(join(out, "model.safetensors"));
    try {
      expect(file.names().sort()).toEqual([...ck.weights.keys()].sort());
      expect(file.metadata["synth.seed"]).toBe("5");
      for (const [name, t] of ck.weights) {
        const read = await file.read(name);
        expect(read.dtype).toBe("bf16");
        expect(read.shape).toEqual(t.shape);
        expect(bits(read).equals(bits(t)), name).toBe(true);
      }
    } finally {
      await file.close();
    }
  });

  it("shards with an index when the weights exceed one shard", async () => {
    const out = join(dir, "sharded");
    const written = await writeSynthHfDir(out, "test-tiny", "f32", { maxShardBytes: (1 << 20) + 200_000 });
    expect(written.files.length).toBeGreaterThan(1);
    expect(written.files[0]).toBe(`model-00001-of-0000${written.files.length}.safetensors`);
    const index = JSON.parse(await readFile(join(out, "model.safetensors.index.json"), "utf8"));
    expect(index.metadata.total_size).toBe(written.totalBytes);
    const ck = synthCheckpoint("test-tiny", "f32", 0);
    expect(Object.keys(index.weight_map).sort()).toEqual([...ck.weights.keys()].sort());
    for (const shard of written.files) {
      const file = await SafetensorsFile.open(join(out, shard));
      try {
        for (const name of file.names()) {
          expect(index.weight_map[name]).toBe(shard);
          expect(bits(await file.read(name)).equals(bits(ck.weights.get(name)!)), name).toBe(true);
        }
      } finally {
        await file.close();
      }
    }
  });
});
