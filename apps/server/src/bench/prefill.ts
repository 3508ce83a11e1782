import { DEFAULT_PREFILL_CHUNK, type LlamaModel } from "@sieve/model";
import { fastest, type TimedRun } from "./decode.js";
import { GreedySequence } from "./greedy-sequence.js";
import { nowSeconds } from "./timer.js";

export interface PrefillMeasurement {
  runs: TimedRun[];
  best: TimedRun;
  /** Tokens per forward step (the runtime's prefill chunk). */
  chunkSize: number;
}

/**
 * One prefill of `ids` from an empty cache, chunked exactly as generation chunks a prompt
 * (Sequence.prefill with the default chunk), timed end to end including the last row's logits.
 * A first, untimed prefill of the same ids warms the weights' pages, the scratch buffers and the
 * GEMM's packing buffers, so that even a single timed run measures the steady state.
 */
export function measurePrefill(model: LlamaModel, ids: readonly number[], repeats: number, chunkSize = DEFAULT_PREFILL_CHUNK): PrefillMeasurement {
  const runner = new GreedySequence(model, ids.length, chunkSize);
  try {
    runner.seq.prefill(ids);
    const runs: TimedRun[] = [];
    for (let r = 0; r < repeats; r++) {
      runner.reset();
      const start = nowSeconds();
      runner.seq.prefill(ids);
      const seconds = nowSeconds() - start;
      runs.push({ tokens: ids.length, seconds, tokPerS: ids.length / seconds });
    }
    return { runs, best: fastest(runs), chunkSize };
  } finally {
    runner.release();
  }
}
