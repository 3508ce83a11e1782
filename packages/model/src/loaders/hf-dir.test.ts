import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SafetensorsFile, Tensor, writeSafetensors } from "@sieve/core";
import { ModelConfigError } from "../arch/config.js";
import { hfNames } from "../arch/weights.js";
import { CheckpointFormatError } from "./format-error.js";
import { loadHfDirectory } from "./hf-dir.js";
import { writeHfDirectory } from "./hf-export.js";
import { parseGenerationConfig, toGenerationConfig } from "./hf-generation.js";
import { logitsOf, maxRelativeError } from "./hf-test-support.js";
import { synthCheckpoint } from "./synth.js";
import type { LoadedCheckpoint } from "./types.js";

function sameBits(a: Tensor, b: Tensor): boolean {
  const bytes = (t: Tensor) => {
    const d = t.contiguousData();
    return Buffer.from(d.buffer, d.byteOffset, d.byteLength);
  };
  return a.dtype === b.dtype && a.shape.join() === b.shape.join() && bytes(a).equals(bytes(b));
}

const recipe = JSON.stringify({ method: "wanda", sparsity: 0.5, pattern: "2:4" });

function tinyCheckpoint(dtype: "f32" | "f16" | "bf16" = "f32"): LoadedCheckpoint {
  const ck = synthCheckpoint("test-tiny", dtype, 3);
  ck.metadata = { ...ck.metadata, sieve: recipe };
  ck.generation = { temperature: 0.7, topK: 40, topP: 0.9, minP: 0.05, repetitionPenalty: 1.1, maxNewTokens: 64, eosTokenIds: [2], bosTokenId: 1 };
  return ck;
}

describe("loadHfDirectory", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "sieve-hfdir-"));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it("round-trips a checkpoint written by writeHfDirectory bit for bit, metadata included", async () => {
    const source = tinyCheckpoint("bf16");
    const written = await writeHfDirectory(dir, source);
    expect(written.files).toEqual(["model.safetensors", "config.json", "generation_config.json"]);
    const loaded = await loadHfDirectory(dir);
    expect(loaded.format).toBe("hf-dir");
    expect(loaded.source).toBe(dir);
    expect(loaded.config).toEqual(source.config);
    expect(loaded.generation).toEqual(source.generation);
    expect(loaded.metadata.sieve).toBe(recipe);
    expect(loaded.metadata.format).toBe("pt");
    expect(loaded.warnings).toEqual([]);
    expect(loaded.tokenizer).toBeUndefined();
    expect([...loaded.weights.keys()]).toEqual([...source.weights.keys()]);
    for (const [name, t] of source.weights) {
      expect(loaded.weights.get(name)!.dtype, name).toBe("bf16"); // half precision stays half
      expect(sameBits(loaded.weights.get(name)!, t), name).toBe(true);
    }
    const config = JSON.parse(readFileSync(join(dir, "config.json"), "utf8"));
    expect(config.torch_dtype).toBe("bfloat16");
  });

  it("writes and reads sharded checkpoints through the index, merging shard metadata", async () => {
    const source = tinyCheckpoint();
    const progress: number[] = [];
    const written = await writeHfDirectory(dir, source, { shardBytes: 100_000 });
    const shards = written.files.filter((f) => f.startsWith("model-"));
    expect(shards.length).toBeGreaterThan(2);
    expect(shards[0]).toMatch(/^model-00001-of-000\d\d\.safetensors$/);
    const index = JSON.parse(readFileSync(join(dir, "model.safetensors.index.json"), "utf8"));
    expect(Object.keys(index.weight_map).sort()).toEqual([...source.weights.keys()].sort());
    expect(index.metadata.total_size).toBe([...source.weights.values()].reduce((n, t) => n + t.byteLength, 0));

    const loaded = await loadHfDirectory(dir, { onProgress: (e) => progress.push(e.done) });
    for (const [name, t] of source.weights) expect(sameBits(loaded.weights.get(name)!, t), name).toBe(true);
    expect(loaded.metadata.sieve).toBe(recipe);
    expect(progress[progress.length - 1]).toBe(index.metadata.total_size);

    // Re-exporting unsharded removes the old shards, so no stale index can win over the new file.
    await writeHfDirectory(dir, source);
    expect(readdirSync(dir).filter((f) => f.includes("safetensors")).sort()).toEqual(["model.safetensors"]);
  });

  it("converts dtype on export when asked", async () => {
    const source = tinyCheckpoint("f32");
    await writeHfDirectory(dir, source, { dtype: "f16" });
    const loaded = await loadHfDirectory(dir);
    const embed = loaded.weights.get(hfNames.embed)!;
    expect(embed.dtype).toBe("f16");
    const a = source.weights.get(hfNames.embed)!.toFloat32();
    const b = embed.toFloat32();
    for (let i = 0; i < 100; i++) expect(b[i]).toBeCloseTo(a[i]!, 3);
  });

  it("exports an interleaved-RoPE model in HF order that computes the same logits", async () => {
    const source = synthCheckpoint("test-tiny", "f32", 5);
    source.config = { ...source.config, rope: { ...source.config.rope, style: "interleaved" } };
    await writeHfDirectory(dir, source);
    const loaded = await loadHfDirectory(dir);
    expect(loaded.config.rope.style).toBe("half");
    const q = hfNames.layer(0).q;
    expect(sameBits(loaded.weights.get(q)!, source.weights.get(q)!)).toBe(false);
    const prompt = [1, 17, 200, 33, 5, 250, 9, 42, 77];
    expect(maxRelativeError(logitsOf(source, prompt), logitsOf(loaded, prompt))).toBeLessThan(1e-5);
  });

  it("names what is wrong: missing or misshapen tensors, unsupported architectures and fields", async () => {
    const source = tinyCheckpoint();
    await writeHfDirectory(dir, source);
    const configPath = join(dir, "config.json");
    const config = JSON.parse(readFileSync(configPath, "utf8"));

    writeFileSync(configPath, JSON.stringify({ ...config, architectures: ["GPT2LMHeadModel"] }));
    await expect(loadHfDirectory(dir)).rejects.toThrow(/config\.json.*unsupported architecture.*architectures/);
    writeFileSync(configPath, JSON.stringify({ ...config, quantization_config: { quant_method: "gptq" } }));
    await expect(loadHfDirectory(dir)).rejects.toThrow(ModelConfigError);
    writeFileSync(configPath, JSON.stringify({ ...config, intermediate_size: 161 }));
    await expect(loadHfDirectory(dir)).rejects.toThrow(/gate_proj\.weight.*shape \[160, 64\] does not match \[161, 64\]/);
    writeFileSync(configPath, JSON.stringify({ ...config, num_hidden_layers: 3 }));
    await expect(loadHfDirectory(dir)).rejects.toThrow(/lacks tensors.*model\.layers\.2\.input_layernorm\.weight/);
    writeFileSync(configPath, "{ not json");
    await expect(loadHfDirectory(dir)).rejects.toThrow(CheckpointFormatError);
    writeFileSync(configPath, JSON.stringify(config));
    writeFileSync(join(dir, "generation_config.json"), JSON.stringify({ top_p: 2 }));
    await expect(loadHfDirectory(dir)).rejects.toThrow(/generation_config\.json: top_p.*\(0, 1\]/);

    rmSync(join(dir, "generation_config.json"));
    rmSync(join(dir, "model.safetensors"));
    writeFileSync(join(dir, "pytorch_model.bin"), "x");
    await expect(loadHfDirectory(dir)).rejects.toThrow(/no model\.safetensors.*safetensors only/);
    await expect(loadHfDirectory(join(dir, "nothing-here"))).rejects.toThrow(/config\.json.*missing/);
  });

  it("warns about unused tensors, ignores rotary inv_freq, and can load the extras", async () => {
    const source = tinyCheckpoint();
    const extras = new Map(source.weights);
    extras.set("model.layers.0.self_attn.rotary_emb.inv_freq", Tensor.zeros([8], "f32"));
    extras.set("model.layers.0.mlp.down_proj.mask", Tensor.zeros([64, 160], "u8"));
    await writeSafetensors(join(dir, "model.safetensors"), extras, { format: "pt", sieve: recipe });
    await writeHfDirectory(join(dir, "meta"), source); // just for config.json / generation_config.json
    for (const f of ["config.json", "generation_config.json"]) writeFileSync(join(dir, f), readFileSync(join(dir, "meta", f)));

    const loaded = await loadHfDirectory(dir);
    expect(loaded.warnings).toHaveLength(1);
    expect(loaded.warnings[0]).toMatch(/unused tensor model\.layers\.0\.mlp\.down_proj\.mask \[64, 160\] u8/);
    expect(loaded.weights.has("model.layers.0.mlp.down_proj.mask")).toBe(false);
    const withExtras = await loadHfDirectory(dir, { loadExtraTensors: true });
    expect(withExtras.weights.get("model.layers.0.mlp.down_proj.mask")?.dtype).toBe("u8");
    expect(withExtras.weights.has("model.layers.0.self_attn.rotary_emb.inv_freq")).toBe(false);

    // Extras travel through an export too.
    const out = join(dir, "again");
    await writeHfDirectory(out, withExtras);
    await using file = await SafetensorsFile.open(join(out, "model.safetensors"));
    expect(file.has("model.layers.0.mlp.down_proj.mask")).toBe(true);
  });
});

describe("generation_config.json", () => {
  const config = synthCheckpoint("test-tiny").config;
  it("maps fields, treats do_sample false as greedy, and falls back to the config's ids", () => {
    expect(parseGenerationConfig({ temperature: 0.6, top_p: 0.9, top_k: 20, min_p: 0.1, repetition_penalty: 1.05, max_new_tokens: 10, eos_token_id: [2, 7], bos_token_id: 1 }, "g.json", config)).toEqual({
      temperature: 0.6,
      topP: 0.9,
      topK: 20,
      minP: 0.1,
      repetitionPenalty: 1.05,
      maxNewTokens: 10,
      eosTokenIds: [2, 7],
      bosTokenId: 1,
    });
    expect(parseGenerationConfig({ do_sample: false, temperature: 0.6 }, "g.json", config).temperature).toBe(0);
    const fallback = parseGenerationConfig(undefined, "g.json", { ...config, eosTokenIds: [9], bosTokenId: 8 });
    expect(fallback).toEqual({ eosTokenIds: [9], bosTokenId: 8 });
    expect(() => parseGenerationConfig({ top_k: -1 }, "g.json", config)).toThrow(/g\.json: top_k/);
    expect(() => parseGenerationConfig({ eos_token_id: "x" }, "g.json", config)).toThrow(/eos_token_id/);
  });
  it("round-trips through toGenerationConfig", () => {
    for (const g of [{ temperature: 0, eosTokenIds: [2] }, { temperature: 1.2, topK: 5, eosTokenIds: [2, 3], bosTokenId: 1, maxNewTokens: 9 }]) {
      expect(parseGenerationConfig(toGenerationConfig(g, config), "g", config)).toEqual({ ...g, bosTokenId: g.bosTokenId ?? config.bosTokenId });
    }
  });
});
