import type { LlamaModel } from "../arch/llama.js";
import { toDocuments, type EvalTokens } from "./inputs.js";
import { resolveWindowOptions, type EvalWindowOptions } from "./options.js";
import { scoredChunks } from "./scored-chunks.js";
import { WindowRunner, yieldToEventLoop } from "./window-runner.js";
import { planWindows } from "./windows.js";

export interface PerplexityResult {
  /** Tokens scored. */
  tokens: number;
  /** Mean negative log-likelihood, nats per token. */
  nll: number;
  /** exp(nll). */
  ppl: number;
  /** Sum of the negative log-likelihoods (nats), accumulated in float64. */
  totalNll: number;
  documents: number;
  windows: number;
}

/**
 * Perplexity of `model` on a token stream or a list of documents (each evaluated on its own),
 * with the sliding-window scheme of windows.ts. Each window (or chunk of one) is a single
 * prefill through model.forward asking logits of exactly its scored rows; their NLL comes from
 * the backend's crossEntropy kernel and is summed in float64.
 */
export async function evaluatePerplexity(model: LlamaModel, input: EvalTokens, options: EvalWindowOptions = {}): Promise<PerplexityResult> {
  const o = resolveWindowOptions(model.config, options);
  const vocab = model.config.vocabSize;
  const documents = toDocuments(input, o.bos, o.bosId, vocab);
  const totalTokens = documents.reduce((n, d) => n + Math.max(0, d.length - 1), 0);
  const windows = documents.reduce((n, d) => n + planWindows(d.length, o.ctx, o.stride).length, 0);
  const runner = new WindowRunner(model, o.ctx, o.chunkSize);
  let nllSum = 0;
  let scored = 0;
  try {
    let losses = new Float32Array(0);
    for (const chunk of scoredChunks(documents, o.ctx, o.stride, o.chunkSize)) {
      const logits = runner.run(chunk);
      const n = chunk.rows.length;
      if (n > 0) {
        if (losses.length < n) losses = new Float32Array(n);
        const out = losses.subarray(0, n);
        model.backend.crossEntropy(out, logits.subarray(0, n * vocab), chunk.targets, n, vocab);
        for (let i = 0; i < n; i++) nllSum += out[i]!;
        scored += n;
      }
      options.onProgress?.(scored, totalTokens);
      if (chunk.startsWindow) await yieldToEventLoop();
    }
  } finally {
    runner.release();
  }
  const nll = scored > 0 ? nllSum / scored : Number.NaN;
  return { tokens: scored, nll, ppl: Math.exp(nll), totalNll: nllSum, documents: documents.length, windows };
}
