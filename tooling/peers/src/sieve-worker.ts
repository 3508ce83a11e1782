/**
 * The Sieve half of the comparison, run in a process of its own (so its peak RSS and threads are
 * its own): `sieve bench`'s harness on the Hugging Face directory, then greedy continuations of
 * the check prompts from both the directory and the GGUF file llama.cpp reads. Weights of either
 * file are dropped before the next is loaded.
 */
import { LlamaModel, loadCheckpoint } from "@sieve/model";
import { buildBenchModel, GreedySequence, nowSeconds, runBench, type BenchReport } from "../../../apps/server/src/bench/index.js";

export interface SieveWorkerArgs {
  hfDir: string;
  gguf: string;
  threads: number;
  repeats: number;
  promptTokens: number;
  genTokens: number;
  prefillTokens: number;
  /** Prompts whose greedy continuations are compared across engines and files. */
  checkPrompts: number[][];
  checkTokens: number;
}

export interface SieveWorkerResult {
  bench: BenchReport;
  /** Greedy continuations of each check prompt, from the HF directory and from the GGUF. */
  greedy: { hf: number[][]; gguf: number[][] };
}

export async function runSieveWorker(a: SieveWorkerArgs): Promise<SieveWorkerResult> {
  const start = nowSeconds();
  const checkpoint = await loadCheckpoint(a.hfDir);
  const target = await buildBenchModel(checkpoint);
  const bench = runBench(target, {
    threads: a.threads,
    repeats: a.repeats,
    promptTokens: a.promptTokens,
    genTokens: a.genTokens,
    prefillTokens: a.prefillTokens,
    loadSeconds: nowSeconds() - start,
  });
  const hf = greedyContinuations(target.model, a.checkPrompts, a.checkTokens);
  const fromGguf = await loadCheckpoint(a.gguf);
  const gguf = greedyContinuations(new LlamaModel(fromGguf.config, fromGguf.weights), a.checkPrompts, a.checkTokens);
  return { bench, greedy: { hf, gguf } };
}

/** For each prompt: the argmax after the prompt, then `steps - 1` greedy decode steps. */
export function greedyContinuations(model: LlamaModel, prompts: readonly number[][], steps: number): number[][] {
  return prompts.map((prompt) => {
    const runner = new GreedySequence(model, prompt.length + steps + 1);
    try {
      let token = runner.argmax(runner.seq.prefill(prompt));
      const tokens = [token];
      while (tokens.length < steps) tokens.push((token = runner.argmax(runner.seq.decode(token))));
      return tokens;
    } finally {
      runner.release();
    }
  });
}
