import type { LlamaModel } from "../arch/llama.js";
import { toDocuments, type EvalTokens } from "./inputs.js";
import { resolveWindowOptions, type EvalWindowOptions } from "./options.js";
import { scoredChunks } from "./scored-chunks.js";
import { WindowRunner, yieldToEventLoop } from "./window-runner.js";

export interface ModelComparison {
  /** Mean KL(A || B) per scored token, nats (A is the reference). */
  kl: number;
  /** Fraction of scored positions where both models' most likely next token is the same. */
  top1Agreement: number;
  /** Tokens scored. */
  tokens: number;
  /** Mean NLL of each model on the same tokens, nats per token. */
  nllA: number;
  nllB: number;
}

/**
 * Compares a model B (e.g. pruned or sparsified) with a reference A on the same windows in one
 * pass: both forward every window, their logits go through the logSoftmax kernel, and KL,
 * top-1 agreement and both NLLs are accumulated in float64. Windowing follows the options
 * exactly as evaluatePerplexity does; BOS comes from A's config.
 */
export async function compareModels(modelA: LlamaModel, modelB: LlamaModel, input: EvalTokens, options: EvalWindowOptions = {}): Promise<ModelComparison> {
  const vocab = modelA.config.vocabSize;
  if (modelB.config.vocabSize !== vocab) {
    throw new RangeError(`compareModels: vocabularies differ (A has ${vocab} tokens, B has ${modelB.config.vocabSize})`);
  }
  const o = resolveWindowOptions(modelA.config, options);
  if (o.ctx > modelB.config.maxSeqLen) throw new RangeError(`compareModels: ctx ${o.ctx} exceeds model B's context of ${modelB.config.maxSeqLen}`);
  const documents = toDocuments(input, o.bos, o.bosId, vocab);
  const totalTokens = documents.reduce((n, d) => n + Math.max(0, d.length - 1), 0);
  // Separate runners even when A and B are the same object: each keeps its own cache.
  const runnerA = new WindowRunner(modelA, o.ctx, o.chunkSize);
  const runnerB = new WindowRunner(modelB, o.ctx, o.chunkSize);
  let klSum = 0;
  let agree = 0;
  let nllA = 0;
  let nllB = 0;
  let scored = 0;
  try {
    let logA = new Float32Array(0);
    let logB = new Float32Array(0);
    for (const chunk of scoredChunks(documents, o.ctx, o.stride, o.chunkSize)) {
      const n = chunk.rows.length;
      if (logA.length < n * vocab) {
        logA = new Float32Array(n * vocab);
        logB = new Float32Array(n * vocab);
      }
      // A's log-probabilities go to our own buffer before B runs: the model's logits are a
      // scratch view that B's step would overwrite when A and B are the same model.
      const la = logA.subarray(0, n * vocab);
      const lb = logB.subarray(0, n * vocab);
      const logitsA = runnerA.run(chunk);
      if (n > 0) modelA.backend.logSoftmax(la, logitsA.subarray(0, n * vocab), n, vocab);
      const logitsB = runnerB.run(chunk);
      if (n > 0) modelB.backend.logSoftmax(lb, logitsB.subarray(0, n * vocab), n, vocab);
      for (let r = 0; r < n; r++) {
        const base = r * vocab;
        let kl = 0;
        let bestA = 0;
        let bestB = 0;
        for (let j = 0; j < vocab; j++) {
          const a = la[base + j]!;
          const b = lb[base + j]!;
          // Tokens A gives zero probability add nothing (and would make 0 * -inf a NaN).
          if (a > -Infinity) kl += Math.exp(a) * (a - b);
          if (a > la[base + bestA]!) bestA = j;
          if (b > lb[base + bestB]!) bestB = j;
        }
        klSum += kl;
        if (bestA === bestB) agree++;
        const t = chunk.targets[r]!;
        nllA -= la[base + t]!;
        nllB -= lb[base + t]!;
      }
      scored += n;
      options.onProgress?.(scored, totalTokens);
      if (chunk.startsWindow) await yieldToEventLoop();
    }
  } finally {
    runnerA.release();
    runnerB.release();
  }
  const mean = (x: number): number => (scored > 0 ? x / scored : Number.NaN);
  return { kl: mean(klSum), top1Agreement: mean(agree), tokens: scored, nllA: mean(nllA), nllB: mean(nllB) };
}
