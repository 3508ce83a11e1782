import type { Tensor } from "@sieve/core";
import { generateText, LlamaModel, synthCheckpoint, type LoadedCheckpoint } from "@sieve/model";
import { describe, expect, it } from "vitest";
import { ByteTokenizer } from "../cli/byte-tokenizer.js";
import { buildBenchModel } from "./bench-model.js";
import { measureDecode } from "./decode.js";
import { profileDecode } from "./decode-profile.js";
import { measurePrefill } from "./prefill.js";
import { decodeBytesPerToken, prefillFlops } from "./roofline.js";
import { syntheticTokenIds } from "./synthetic-tokens.js";

const tiny = (): LoadedCheckpoint => synthCheckpoint("test-tiny", "f32", 5);

describe("bench harness (test-tiny)", () => {
  it("decodes exactly what greedy generation produces (the timed loop is the real loop)", async () => {
    const checkpoint = tiny();
    const model = new LlamaModel(checkpoint.config, checkpoint.weights);
    const prompt = syntheticTokenIds(6, checkpoint.config.vocabSize, checkpoint.config.bosTokenId);
    const measured = measureDecode(model, prompt, 12, 2);
    const c = checkpoint.config;
    const generated = await generateText(model, new ByteTokenizer(c.vocabSize, c.bosTokenId, c.eosTokenIds), {
      promptIds: prompt,
      maxTokens: 13,
      temperature: 0,
      ignoreEos: true,
    });
    expect(measured.greedyTokens).toEqual(generated.tokenIds);
    expect(measured.runs).toHaveLength(2);
    expect(measured.best.tokPerS).toBe(Math.max(...measured.runs.map((r) => r.tokPerS)));
  });

  it("times one chunked prefill of the requested length", () => {
    const checkpoint = tiny();
    const model = new LlamaModel(checkpoint.config, checkpoint.weights);
    const p = measurePrefill(model, syntheticTokenIds(100, 256, 1), 1, 32);
    expect(p.chunkSize).toBe(32);
    expect(p.runs[0]!.tokens).toBe(100);
  });

  it("counts the LM head once more for tied embeddings (the whole embedding matrix is read again)", () => {
    const untied = tiny();
    const weights = new Map(untied.weights);
    weights.delete("lm_head.weight");
    const tied: LoadedCheckpoint = { ...untied, config: { ...untied.config, tiedEmbeddings: true }, weights };
    const c = untied.config;
    const a = decodeBytesPerToken(new LlamaModel(untied.config, untied.weights));
    const b = decodeBytesPerToken(new LlamaModel(tied.config, tied.weights));
    expect(a.lmHead).toBe(c.vocabSize * c.dim * 4);
    expect(b.lmHead).toBe(a.lmHead);
    expect(b.total).toBe(a.total);
    expect(a.embeddingRow).toBe(c.dim * 4);
  });

  it("counts half-precision weights at 2 bytes", () => {
    const f16 = synthCheckpoint("test-tiny", "f16", 5);
    const f32 = tiny();
    const a = decodeBytesPerToken(new LlamaModel(f32.config, f32.weights));
    const b = decodeBytesPerToken(new LlamaModel(f16.config, f16.weights));
    expect(b.linears * 2).toBe(a.linears);
    expect(b.total * 2).toBe(a.total);
  });

  it("prefill FLOPs: 2 per linear weight per token, attention, and one LM head row", () => {
    const checkpoint = tiny();
    const c = checkpoint.config;
    const model = new LlamaModel(c, checkpoint.weights);
    const linearWeights = 2 * (64 * 64 * 2 + 32 * 64 * 2 + 160 * 64 * 3);
    expect(prefillFlops(model, 1)).toBe(2 * linearWeights + 4 * c.nLayers * c.nHeads * c.headDim + 2 * c.vocabSize * c.dim);
  });

  it("the profile attributes every kernel call: linears by projection, the LM head apart", async () => {
    const checkpoint = tiny();
    const { model, backend } = await buildBenchModel(checkpoint);
    const plain = backend.current;
    const profile = profileDecode(model, backend, [1, 5, 9], 6, decodeBytesPerToken(model));
    expect(backend.current).toBe(plain);
    expect(Object.keys(profile.projections).sort()).toEqual(["down_proj", "gate_proj", "k_proj", "lm_head", "o_proj", "q_proj", "up_proj", "v_proj"]);
    expect(profile.projections.gate_proj!.shape).toBe("160x64");
    const linearCalls = (profile.ops.gemv?.callsPerToken ?? 0) + (profile.ops.matmul?.callsPerToken ?? 0);
    expect(linearCalls).toBe(2 * 7 + 1);
    const parts = profile.breakdown.map((b) => b.part);
    expect(parts).toContain("lm_head");
    expect(parts).toContain("js");
    const percent = profile.breakdown.reduce((s, b) => s + b.percent, 0);
    expect(percent).toBeGreaterThan(99);
    expect(percent).toBeLessThan(101);
  });

  it("leaves the weights untouched (the benchmark wraps, never copies)", async () => {
    const checkpoint = tiny();
    const { model } = await buildBenchModel(checkpoint);
    const q = checkpoint.weights.get("model.layers.0.self_attn.q_proj.weight") as Tensor;
    const weight = (model.layers[0]!.attn as unknown as { q: { weight: Float32Array } }).q.weight;
    expect(weight.buffer).toBe((q.data as Float32Array).buffer);
  });
});
