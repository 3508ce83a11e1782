/**
 * Test fixtures: a tiny Llama with random weights (the same for the same seed) and a forward
 * helper. Not exported from the package.
 */
import { ActivationTaps, PageAllocator, Rng, Tensor, getBackend } from "@sieve/core";
import { LlamaModel, Scratch, Sequence, expectedTensors, type ModelConfig, type StepContext } from "@sieve/model";
import { LowRankPredictor } from "./predictor.js";
import type { DejaVuPredictors } from "./predictors.js";

export function tinyConfig(overrides: Partial<ModelConfig> = {}): ModelConfig {
  return {
    architecture: "LlamaForCausalLM",
    dim: 32,
    hiddenDim: 64,
    nLayers: 3,
    nHeads: 4,
    nKvHeads: 2,
    headDim: 8,
    vocabSize: 48,
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

/** A model with random weights (norm weights near 1). Weights are shared when `weights` is passed back in. */
export function tinyModel(seed = 1, overrides: Partial<ModelConfig> = {}): { model: LlamaModel; weights: Map<string, Tensor>; config: ModelConfig } {
  const config = tinyConfig(overrides);
  const rng = new Rng(seed);
  const weights = new Map<string, Tensor>();
  for (const t of expectedTensors(config)) {
    if (t.optional) continue;
    const w = Tensor.randn(t.shape, rng, 0.3);
    if (t.shape.length === 1) {
      const d = w.data as Float32Array;
      for (let i = 0; i < d.length; i++) d[i] = 1 + 0.1 * d[i]!;
    }
    weights.set(t.name, w);
  }
  return { model: new LlamaModel(config, weights), weights, config };
}

/** Random token documents. */
export function randomDocuments(count: number, length: number, vocab: number, seed: number): number[][] {
  const rng = new Rng(seed);
  return Array.from({ length: count }, () => Array.from({ length }, () => 3 + rng.int(vocab - 3)));
}

/** Logits of every position of `tokens` run as one prefill (a copy). */
export function prefillLogits(model: LlamaModel, tokens: number[]): Float32Array {
  const pages = Math.ceil(tokens.length / 16) + 1;
  const seq = new Sequence(model, model.createKvCache(pages, 16), new PageAllocator(pages), { maxLength: model.config.maxSeqLen });
  const logits = seq.forward(tokens, tokens.map((_, i) => i)).slice();
  seq.release();
  return logits;
}

/** Logits of each token decoded one at a time (a copy of each step's logits, concatenated). */
export function decodeLogits(model: LlamaModel, tokens: number[]): Float32Array {
  const pages = Math.ceil(tokens.length / 16) + 1;
  const seq = new Sequence(model, model.createKvCache(pages, 16), new PageAllocator(pages), { maxLength: model.config.maxSeqLen });
  const vocab = model.config.vocabSize;
  const out = new Float32Array(tokens.length * vocab);
  tokens.forEach((t, i) => out.set(seq.decode(t), i * vocab));
  seq.release();
  return out;
}

/** Untrained predictors with random weights: distinct inputs give distinct rankings. */
export function randomPredictors(config: ModelConfig, seed: number, budgets = { mlp: 0.5, heads: 0.5 }): DejaVuPredictors {
  const rng = new Rng(seed);
  return {
    shape: { dim: config.dim, hiddenDim: config.hiddenDim, nHeads: config.nHeads, nLayers: config.nLayers },
    blocks: Array.from({ length: config.nLayers }, () => ({
      mlp: LowRankPredictor.init(config.dim, 8, config.hiddenDim, rng),
      attention: LowRankPredictor.init(config.dim, 8, config.nHeads, rng),
    })),
    budgets,
    info: { note: "random test predictors" },
  };
}

/** A StepContext for calling one slot's module directly: `rows` tokens of sequence 0 at positions 0.. */
export function stepContext(model: LlamaModel, rows: number, layer: number): StepContext {
  const kv = model.createKvCache(Math.ceil(rows / 16) + 1, 16);
  const maxPagesPerSeq = Math.ceil(rows / 16);
  return {
    layer,
    batch: {
      tokens: new Int32Array(rows).fill(3),
      positions: Int32Array.from({ length: rows }, (_, i) => i),
      tokenSeq: new Int32Array(rows),
      blockTable: Int32Array.from({ length: maxPagesPerSeq }, (_, i) => i),
      maxPagesPerSeq,
      logitRows: new Int32Array([rows - 1]),
    },
    kv,
    backend: getBackend(),
    scratch: new Scratch(),
    taps: new ActivationTaps(),
    rows,
  };
}
