/**
 * A tiny random Llama (GQA: 4 query heads over 2 KV heads) and token samples for the model-level
 * tests: big enough to have every slot kind, small enough to prune in milliseconds. Tests only.
 */
import { Rng, Tensor } from "@sieve/core";
import { LlamaModel, expectedTensors, type ModelConfig } from "@sieve/model";

export function tinyConfig(overrides: Partial<ModelConfig> = {}): ModelConfig {
  return {
    architecture: "LlamaForCausalLM",
    dim: 32,
    hiddenDim: 48,
    nLayers: 3,
    nHeads: 4,
    nKvHeads: 2,
    headDim: 8,
    vocabSize: 40,
    maxSeqLen: 64,
    normEps: 1e-5,
    rope: { theta: 10000, style: "interleaved", rotaryDim: 8 },
    tiedEmbeddings: false,
    qkvBias: false,
    hiddenAct: "silu",
    bosTokenId: 1,
    eosTokenIds: [2],
    ...overrides,
  };
}

export function tinyCheckpoint(seed = 1, overrides: Partial<ModelConfig> = {}): { config: ModelConfig; weights: Map<string, Tensor> } {
  const config = tinyConfig(overrides);
  const rng = new Rng(seed);
  const weights = new Map<string, Tensor>();
  for (const t of expectedTensors(config)) {
    if (t.optional) continue;
    const w = Tensor.randn(t.shape, rng, t.shape.length === 1 ? 0.1 : 0.3);
    if (t.shape.length === 1 && !t.name.endsWith(".bias")) {
      const d = w.data as Float32Array;
      for (let i = 0; i < d.length; i++) d[i] = 1 + d[i]!;
    }
    weights.set(t.name, w);
  }
  return { config, weights };
}

export function tinyModel(seed = 1, overrides: Partial<ModelConfig> = {}): LlamaModel {
  const { config, weights } = tinyCheckpoint(seed, overrides);
  return new LlamaModel(config, weights);
}

/** N random token samples of L tokens starting with BOS. */
export function tinySamples(n: number, length: number, seed = 9, vocab = 40): Int32Array[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => Int32Array.from({ length }, (_, i) => (i === 0 ? 1 : 3 + rng.int(vocab - 3))));
}

/** Logits of the last token of `tokens` (one fresh sequence). */
export function lastLogits(model: LlamaModel, tokens: Int32Array): Float32Array {
  const pages = Math.ceil(tokens.length / 16);
  const kv = model.createKvCache(pages, 16);
  const n = tokens.length;
  const logits = model.forward(
    {
      tokens,
      positions: Int32Array.from({ length: n }, (_, i) => i),
      tokenSeq: new Int32Array(n),
      blockTable: Int32Array.from({ length: pages }, (_, i) => i),
      maxPagesPerSeq: pages,
      logitRows: Int32Array.from([n - 1]),
    },
    kv,
  );
  return logits.slice();
}
