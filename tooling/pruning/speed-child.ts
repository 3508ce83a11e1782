/**
 * One format in a fresh process, for clean memory numbers: loads a checkpoint directory the way
 * the CLI does (loadHfDirectory + sparseLinearFactory), decodes a few tokens, and prints one JSON
 * line (prefixed CHILD_RESULT) with its peak RSS, weight bytes in memory, load time and tok/s.
 */
import { loadNativeBackend, setHugePagesByDefault } from "@sieve/core";
import { LlamaModel, loadHfDirectory } from "@sieve/model";
import { sparseLinearFactory } from "../../packages/weight-pruning/src/layers/factory.js";
import { DecodeRunner, linearKernels, syntheticPrompt } from "./speed-decode.js";

export const CHILD_RESULT = "CHILD_RESULT ";

export interface ChildResult {
  dir: string;
  loadSeconds: number;
  weightBytesInMemory: number;
  peakRssBytes: number;
  tokPerS: number;
  kernels: Record<string, number>;
}

export async function runChild(dir: string, tokens: number, threads: number | undefined): Promise<void> {
  setHugePagesByDefault(true); // as in speed-run.ts
  const loaded = loadNativeBackend();
  if (!loaded.ok) throw new Error(loaded.reason);
  const native = loaded.backend;
  if (threads) native.setThreads(threads);
  const t0 = process.hrtime.bigint();
  const ck = await loadHfDirectory(dir);
  const model = new LlamaModel(ck.config, ck.weights, { backend: () => native, linearFactory: sparseLinearFactory });
  const loadSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const runner = new DecodeRunner(model, syntheticPrompt(ck.config.vocabSize), tokens);
  runner.timeDecode(2); // warm-up: first touches, JIT
  const seconds = runner.timeDecode(tokens);
  const result: ChildResult = {
    dir,
    loadSeconds,
    weightBytesInMemory: model.weightBytes,
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
    tokPerS: tokens / seconds,
    kernels: linearKernels(model),
  };
  process.stdout.write(`${CHILD_RESULT}${JSON.stringify(result)}\n`);
}
