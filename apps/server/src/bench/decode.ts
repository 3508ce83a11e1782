import type { LlamaModel } from "@sieve/model";
import { GreedySequence } from "./greedy-sequence.js";
import { nowSeconds } from "./timer.js";

export interface TimedRun {
  tokens: number;
  seconds: number;
  tokPerS: number;
}

export interface DecodeMeasurement {
  /** One entry per repeat, in order. */
  runs: TimedRun[];
  /** The fastest run: on a shared machine the best run is the one least disturbed by others. */
  best: TimedRun;
  /** The greedy continuation of the prompt (first token from the prompt's logits), from run 1. */
  greedyTokens: number[];
}

/** A few untimed decode steps before measuring, so JIT compilation and first-touch faults are not timed. */
const WARMUP_STEPS = 4;

/**
 * Batch-1 greedy decode: prefill the prompt (untimed), take its argmax, then time `genTokens`
 * decode steps, each a forward of one token plus the argmax of its logits. This is the loop a
 * serving engine runs per token, without sampling or detokenization.
 */
export function measureDecode(model: LlamaModel, promptIds: readonly number[], genTokens: number, repeats: number): DecodeMeasurement {
  const capacity = promptIds.length + Math.max(genTokens, WARMUP_STEPS) + 1;
  const runner = new GreedySequence(model, capacity);
  try {
    decodeOnce(runner, promptIds, WARMUP_STEPS);
    const runs: TimedRun[] = [];
    let greedyTokens: number[] = [];
    for (let r = 0; r < repeats; r++) {
      const { seconds, tokens } = decodeOnce(runner, promptIds, genTokens);
      if (r === 0) greedyTokens = tokens;
      runs.push({ tokens: genTokens, seconds, tokPerS: genTokens / seconds });
    }
    return { runs, best: fastest(runs), greedyTokens };
  } finally {
    runner.release();
  }
}

function decodeOnce(runner: GreedySequence, promptIds: readonly number[], steps: number): { seconds: number; tokens: number[] } {
  runner.reset();
  let token = runner.argmax(runner.seq.prefill(promptIds));
  const tokens = [token];
  const start = nowSeconds();
  for (let i = 0; i < steps; i++) {
    token = runner.argmax(runner.seq.decode(token));
    tokens.push(token);
  }
  return { seconds: nowSeconds() - start, tokens };
}

export function fastest(runs: readonly TimedRun[]): TimedRun {
  return runs.reduce((a, b) => (b.tokPerS > a.tokPerS ? b : a));
}
