/**
 * The node-llama-cpp half of the comparison, in a process of its own: loads the GGUF on the CPU
 * (prebuilt binaries, no GPU), then times a batch-1 greedy decode after the same prompt ids Sieve
 * used, and one prefill of the same prefill ids. Prints one JSON object.
 */
import { getLlama, LlamaLogLevel, type LlamaContextSequence, type Token } from "node-llama-cpp";
import { loadNativeBackend } from "@sieve/core";
import { loadAverage, measureReadBandwidth, nowSeconds, peakRssBytes, syntheticTokenIds } from "../../../apps/server/src/bench/index.js";

export interface LlamaCppWorkerArgs {
  gguf: string;
  threads: number;
  repeats: number;
  promptIds: number[];
  genTokens: number;
  prefillTokens: number;
  vocabSize: number;
  bosId: number | undefined;
  /** Prompts whose greedy continuations are compared with Sieve's. */
  checkPrompts: number[][];
  checkTokens: number;
}

export interface LlamaCppWorkerResult {
  engine: string;
  loadMs: number;
  decodeRunsTokS: number[];
  decodeTokS: number;
  prefillRunsTokS: number[];
  prefillTokS: number | null;
  /** Greedy continuation of the bench prompt (first tokens), and of each check prompt. */
  greedyTokens: number[];
  greedy: number[][];
  peakRssBytes: number;
  /** Read bandwidth probed right before and right after this engine's timed decode (GB/s). */
  readBandwidthProbesGBs: number[];
  loadAverage: [number, number, number];
  contextSize: number;
  batchSize: number;
  threads: number;
  /** llama.cpp's own system line (the CPU features its chosen ggml-cpu variant uses). */
  systemInfo: string;
  llamaCppRelease: string;
}

/** Untimed decode steps first, as Sieve's harness does. */
const WARMUP_STEPS = 4;

export async function runLlamaCppWorker(a: LlamaCppWorkerArgs): Promise<LlamaCppWorkerResult> {
  const llama = await getLlama({ gpu: false, build: "never", logLevel: LlamaLogLevel.error, maxThreads: a.threads });
  const loadStart = nowSeconds();
  const model = await llama.loadModel({ modelPath: a.gguf });
  const loadMs = (nowSeconds() - loadStart) * 1000;
  const contextSize = Math.max(1024, a.promptIds.length + Math.max(a.genTokens, WARMUP_STEPS) + 1, a.prefillTokens);
  const batchSize = 512;
  const context = await model.createContext({ contextSize, batchSize, threads: a.threads, sequences: 1 });
  const sequence = context.getSequence();
  const prefillIds = a.prefillTokens > 0 ? syntheticTokenIds(a.prefillTokens, a.vocabSize, a.bosId, 2) : [];

  // Same order as Sieve's harness: warm up, take the peak RSS, then probe the bandwidth right
  // before and after the timed decode (the probe's 1 GiB buffer is not the engine's memory).
  await decode(sequence, a.promptIds, WARMUP_STEPS);
  if (prefillIds.length) await prefill(sequence, prefillIds);
  const peak = peakRssBytes();
  const native = loadNativeBackend();
  const probe = (): number | null => (native.ok ? measureReadBandwidth(native.backend, a.threads) : null);
  const bandwidthBefore = probe();
  const decodeRuns: number[] = [];
  let greedyTokens: number[] = [];
  for (let r = 0; r < a.repeats; r++) {
    const run = await decode(sequence, a.promptIds, a.genTokens);
    decodeRuns.push(a.genTokens / run.seconds);
    if (r === 0) greedyTokens = run.tokens.slice(0, 16);
  }

  const bandwidthAfter = probe();
  const prefillRuns: number[] = [];
  if (prefillIds.length) for (let r = 0; r < a.repeats; r++) prefillRuns.push(a.prefillTokens / (await prefill(sequence, prefillIds)));
  const greedy: number[][] = [];
  for (const prompt of a.checkPrompts) greedy.push((await decode(sequence, prompt, a.checkTokens - 1)).tokens);
  await context.dispose();
  await model.dispose();
  return {
    engine: "node-llama-cpp 3.22.1",
    loadMs,
    decodeRunsTokS: decodeRuns,
    decodeTokS: Math.max(...decodeRuns),
    prefillRunsTokS: prefillRuns,
    prefillTokS: prefillRuns.length ? Math.max(...prefillRuns) : null,
    greedyTokens,
    greedy,
    peakRssBytes: peak,
    readBandwidthProbesGBs: bandwidthBefore === null || bandwidthAfter === null ? [] : [bandwidthBefore, bandwidthAfter],
    loadAverage: loadAverage(),
    contextSize,
    batchSize,
    threads: a.threads,
    systemInfo: llama.systemInfo,
    llamaCppRelease: llama.llamaCppRelease.release,
  };
}

/** One prefill from an empty sequence, in seconds. */
async function prefill(sequence: LlamaContextSequence, ids: number[]): Promise<number> {
  await sequence.clearHistory();
  const start = nowSeconds();
  await sequence.evaluateWithoutGeneratingNewTokens(asTokens(ids));
  return nowSeconds() - start;
}

/**
 * Prompt (untimed, with its first greedy token), then `steps` timed greedy decode steps: each
 * iteration of evaluate() evaluates the previous token and samples the next (temperature 0).
 */
async function decode(sequence: LlamaContextSequence, promptIds: number[], steps: number): Promise<{ seconds: number; tokens: number[] }> {
  await sequence.clearHistory();
  const iterator = sequence.evaluate(asTokens(promptIds), { temperature: 0 });
  const first = await iterator.next();
  if (first.done) throw new Error("node-llama-cpp produced no token after the prompt");
  const tokens: number[] = [first.value];
  const start = nowSeconds();
  for (let i = 0; i < steps; i++) {
    const next = await iterator.next();
    if (next.done) throw new Error(`node-llama-cpp stopped after ${i} decode steps`);
    tokens.push(next.value);
  }
  const seconds = nowSeconds() - start;
  await iterator.return();
  return { seconds, tokens };
}

/** node-llama-cpp brands token ids; ours are plain ids of the same vocabulary. */
function asTokens(ids: readonly number[]): Token[] {
  return ids as unknown as Token[];
}
