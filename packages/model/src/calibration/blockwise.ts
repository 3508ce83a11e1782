/**
 * The layer-by-layer calibration runner of the SparseGPT and Wanda reference code: the hidden
 * states of all calibration samples are kept; block k runs on them with taps attached (collecting
 * the inputs of its linears), a callback may then change block k (prune it), and block k runs
 * again with its new weights to produce the inputs of block k+1. So block k is calibrated on what
 * the already-pruned blocks before it really produce.
 *
 * Memory: the hidden states of every sample, tokens × dim float32 (e.g. 128 × 2048 tokens of a
 * 4096-wide model is 4 GiB; stories260K with 64 × 256 tokens is 4 MiB), plus one sample's copy.
 */
import type { ActivationTaps, PagedKvCache, WeightDType } from "@sieve/core";
import type { ForwardBatch } from "../arch/batch.js";
import type { LlamaModel } from "../arch/llama.js";
import { validateCalibrationSamples, type CalibrationSamples } from "./samples.js";

/** Page size of the runner's private KV cache. */
const PAGE_SIZE = 16;

export interface BlockwiseProgress {
  layer: number;
  /** "collect": block `layer` runs with the listeners attached; "recompute": with its updated weights. */
  phase: "collect" | "update" | "recompute";
  /** Samples done in this phase. */
  done: number;
  total: number;
}

export interface BlockwiseOptions {
  /**
   * Attaches listeners for block `layer` (e.g. `collectBlockInputs(...).listen(taps)`); returns
   * what detaches them, called after the collection pass.
   */
  listen?: (layer: number, taps: ActivationTaps) => (() => void) | void;
  /**
   * Changes block `layer` after it has seen every sample (e.g. prunes its linears). When given,
   * the block runs again with the new weights to feed the next block; when absent, the
   * collection pass's outputs feed it directly.
   */
  update?: (layer: number) => void | Promise<void>;
  /** Sees block `layer`'s inputs and (post-update) outputs, one [tokens, dim] array per sample. */
  observe?: (layer: number, inputs: readonly Float32Array[], outputs: readonly Float32Array[]) => void;
  /** Run blocks 0..layers-1 only (default all). */
  layers?: number;
  onProgress?: (event: BlockwiseProgress) => void;
}

export interface BlockwiseResult {
  /** Hidden states after the last block run, one [tokens, dim] array per sample. */
  hidden: Float32Array[];
  tokens: number;
}

/** Runs the blocks of `model` one at a time over all calibration samples (see the file comment). */
export async function runBlockwise(model: LlamaModel, samples: CalibrationSamples, options: BlockwiseOptions = {}): Promise<BlockwiseResult> {
  const c = model.config;
  validateCalibrationSamples(samples, c.vocabSize, c.maxSeqLen);
  const layers = options.layers ?? c.nLayers;
  if (!Number.isInteger(layers) || layers < 0 || layers > c.nLayers) throw new RangeError(`runBlockwise: layers must be in [0, ${c.nLayers}], got ${layers}`);
  const maxLen = Math.max(...samples.map((s) => s.length));
  const pages = Math.ceil(maxLen / PAGE_SIZE);
  const kv: PagedKvCache = model.createKvCache(pages, PAGE_SIZE);
  const batches = samples.map((s) => sampleBatch(s, pages));
  const backend = model.backend;
  const hidden = samples.map((s) => {
    const x = new Float32Array(s.length * c.dim);
    backend.embedding(x, model.embed.data, model.embed.dtype as WeightDType, s, c.dim);
    return x;
  });
  const tokens = samples.reduce((n, s) => n + s.length, 0);
  const progress = (layer: number, phase: BlockwiseProgress["phase"], done: number): void => options.onProgress?.({ layer, phase, done, total: samples.length });

  for (let layer = 0; layer < layers; layer++) {
    const detach = options.listen?.(layer, model.taps);
    const inputs = options.observe ? hidden.map((h) => h.slice()) : undefined;
    try {
      for (let s = 0; s < samples.length; s++) {
        // With an update coming, this pass only feeds the listeners: run it on a copy.
        const x = options.update ? hidden[s]!.slice() : hidden[s]!;
        model.forwardBlock(layer, x, batches[s]!, kv);
        progress(layer, "collect", s + 1);
        await yieldSometimes(s);
      }
    } finally {
      if (detach) detach();
    }
    if (options.update) {
      await options.update(layer);
      progress(layer, "update", samples.length);
      for (let s = 0; s < samples.length; s++) {
        model.forwardBlock(layer, hidden[s]!, batches[s]!, kv);
        progress(layer, "recompute", s + 1);
        await yieldSometimes(s);
      }
    }
    options.observe?.(layer, inputs!, hidden);
  }
  return { hidden, tokens };
}

/** One sequence at positions 0..n-1 on pages 0..pages-1; no logits are asked for. */
function sampleBatch(tokens: Int32Array, pages: number): ForwardBatch {
  const n = tokens.length;
  const positions = new Int32Array(n);
  for (let i = 0; i < n; i++) positions[i] = i;
  const blockTable = new Int32Array(pages);
  for (let i = 0; i < pages; i++) blockTable[i] = i;
  return { tokens, positions, tokenSeq: new Int32Array(n), blockTable, maxPagesPerSeq: pages, logitRows: new Int32Array(0) };
}

/** Lets timers and progress output run during a long calibration. */
function yieldSometimes(i: number): Promise<void> | undefined {
  return i % 8 === 7 ? new Promise((resolve) => setImmediate(resolve)) : undefined;
}
