import { InvalidArgumentError, Option, type Command } from "commander";
import { setHugePagesByDefault } from "@sieve/core";
import {
  benchBackend,
  formatBatchedProfiles,
  formatConcurrency,
  formatWeightMemory,
  profileBatchedDecode,
  runBench,
  runConcurrencyBench,
  type BatchedStepProfile,
  type BenchReport,
  type ConcurrencyReport,
} from "../../bench/index.js";
import { EngineClient } from "../../engine/index.js";
import { printResult, type CommandContext, type ModelFlags } from "../context.js";
import { loadModel } from "../load-model.js";
import { nonNegativeInteger, positiveInteger } from "../option-parsers.js";
import { createProgress } from "../progress.js";
import { withModelOptions } from "./model-options.js";

interface BenchFlags extends ModelFlags {
  promptTokens: number;
  genTokens: number;
  prefillTokens: number;
  threads?: number;
  repeats: number;
  profile?: boolean;
  concurrency?: number[];
  requestsPerLevel?: number;
  kvBlocks?: number;
  sharedPrefix?: number;
  sharedPrefixRequests?: number;
  sharedPrefixConcurrency?: number;
}

/** Decode steps timed per batch size by --profile with --concurrency. */
const BATCHED_PROFILE_STEPS = 12;

/** A comma-separated list of positive integers, e.g. "1,4,16,64". */
function concurrencyList(value: string): number[] {
  const levels = value.split(",").map((s) => s.trim()).filter(Boolean).map(Number);
  if (levels.length === 0 || levels.some((n) => !Number.isInteger(n) || n < 1)) throw new InvalidArgumentError("Must be comma-separated positive integers, e.g. 1,4,16,64.");
  return levels;
}

export function registerBench(program: Command, ctx: CommandContext): void {
  withModelOptions(program.command("bench").description("batch-1 decode and prefill speed, against the measured memory-bandwidth roofline; with --concurrency, the engine under concurrent requests"))
    .option("--prompt-tokens <n>", "prompt before the timed decode", positiveInteger, 16)
    .option("--gen-tokens <n>", "greedy decode steps timed", positiveInteger, 128)
    .option("--prefill-tokens <n>", "tokens of the timed prefill (0 skips it)", nonNegativeInteger, 512)
    .option("--threads <n>", "kernel threads (default: the backend's)", positiveInteger)
    .option("--repeats <n>", "timed runs of each measurement (and of each concurrency level); the fastest is reported", positiveInteger, 1)
    .option("--profile", "also profile one decode pass: time in linears, LM head, attention, norms, elementwise, JS (with --concurrency: one batched decode step per level too)")
    .option("--concurrency <list>", "also run the engine (worker thread, as served) with N requests in flight at each level, e.g. 1,4,16,64: throughput, TTFT, ITL", concurrencyList)
    .option("--requests-per-level <n>", "requests per concurrency level (default: 2 x the level, at least 4)", positiveInteger)
    .option("--kv-blocks <n>", "KV blocks of 16 tokens for the concurrency engines (default: enough for the largest level at once)", positiveInteger)
    .addOption(new Option("--shared-prefix [tokens]", "also run requests sharing a common prefix (default 256 tokens), with prefix caching on and off").preset("256").argParser(positiveInteger))
    .option("--shared-prefix-requests <n>", "requests of the shared-prefix workload", positiveInteger, 16)
    .option("--shared-prefix-concurrency <n>", "requests in flight in the shared-prefix workload", positiveInteger, 4)
    .action((flags: BenchFlags) => runBenchCommand(ctx, flags));
}

async function runBenchCommand(ctx: CommandContext, flags: BenchFlags): Promise<void> {
  const json = !!flags.json;
  // The model is built once, with a backend getter the profiler can swap (see bench/decode-profile.ts).
  const backend = benchBackend();
  // Measure the weights the way `sieve serve` holds them (2 MiB pages; see allocWeightStorage).
  setHugePagesByDefault(true);
  const loaded = await loadModel(flags.model, { tokenizer: flags.tokenizer, recipe: flags.recipe, backend: backend.get, log: ctx.log, progress: createProgress(ctx.io, json, "loading") });
  const report = runBench({ checkpoint: loaded.checkpoint, model: loaded.model, backend }, {
    promptTokens: flags.promptTokens,
    genTokens: flags.genTokens,
    prefillTokens: flags.prefillTokens,
    threads: flags.threads,
    repeats: flags.repeats,
    profile: flags.profile,
    loadSeconds: loaded.loadSeconds,
    onPhase: (phase) => {
      if (!json) ctx.io.stderr.write(`bench: ${phase}...\n`);
    },
  });
  const concurrency = flags.concurrency || flags.sharedPrefix ? await runConcurrency(ctx, flags, loaded.checkpoint.config) : undefined;
  let batchedProfile: BatchedStepProfile[] | undefined;
  if (flags.profile && flags.concurrency) {
    if (!json) ctx.io.stderr.write("bench: batched decode profile...\n");
    const target = { checkpoint: loaded.checkpoint, model: loaded.model, backend };
    batchedProfile = profileBatchedDecode(target, flags.concurrency, BATCHED_PROFILE_STEPS, flags.promptTokens);
  }
  const result: BenchReport & Partial<ConcurrencyReport> & { batched_profile?: BatchedStepProfile[] } = { ...report, ...concurrency };
  if (batchedProfile) result.batched_profile = batchedProfile;
  printResult(ctx, flags.json, result, () => formatBench(report) + (concurrency ? formatConcurrency(concurrency) : "") + (batchedProfile ? formatBatchedProfiles(batchedProfile) : ""));
}

/**
 * The engine under load, on EngineClient: the worker thread `sieve serve` runs, loading its own
 * copy of the model (the kernel thread pool is process-wide, so --threads applies there too).
 */
function runConcurrency(ctx: CommandContext, flags: BenchFlags, config: { vocabSize: number; bosTokenId?: number; maxSeqLen: number }): Promise<ConcurrencyReport> {
  return runConcurrencyBench((options) => EngineClient.start(flags.model, { tokenizer: flags.tokenizer, recipe: flags.recipe, ...options }), {
    levels: flags.concurrency ?? [],
    promptTokens: flags.promptTokens,
    genTokens: flags.genTokens,
    requestsPerLevel: flags.requestsPerLevel,
    repeats: flags.repeats,
    kvBlocks: flags.kvBlocks,
    vocabSize: config.vocabSize,
    bosTokenId: config.bosTokenId,
    maxSeqLen: config.maxSeqLen,
    sharedPrefix: flags.sharedPrefix ? { prefixTokens: flags.sharedPrefix, requests: flags.sharedPrefixRequests, concurrency: flags.sharedPrefixConcurrency } : undefined,
    engineKind: "EngineClient (worker thread, as sieve serve runs it)",
    onPhase: (phase) => {
      if (!flags.json) ctx.io.stderr.write(`bench: ${phase}...\n`);
    },
  });
}

/** Bandwidth probes before and after the decode more than 15% apart: the machine was busy with other work. */
function disturbedWarning(probes: readonly number[]): string[] {
  if (probes.length < 2) return [];
  const spread = (Math.max(...probes) - Math.min(...probes)) / Math.max(...probes);
  return spread > 0.15 ? [`WARNING     bandwidth probes ${probes.join(" / ")} GB/s differ by ${(100 * spread).toFixed(0)}%: other work disturbed the run; rerun on a quieter machine`] : [];
}

export function formatBench(r: BenchReport): string {
  const mb = (b: number): string => `${(b / 1e6).toFixed(1)} MB`;
  const lines = [
    `model       ${r.model} (${r.format}, ${r.dtype}, ${r.parameters.toLocaleString("en-US")} parameters), loaded in ${r.load_ms} ms`,
    `backend     ${r.backend.name} (${r.backend.isa}), ${r.threads} threads${r.backend.fallback_reason ? `, FALLBACK: ${r.backend.fallback_reason.split("\n")[0]}` : ""}`,
    `kernels     linears: ${Object.entries(r.kernels.linears).map(([k, n]) => `${k} x${n}`).join(", ")}; lm_head: ${r.kernels.lm_head}`,
    `decode      ${r.decode_tok_s} tok/s (${r.decode_ms_per_token} ms/token; ${r.gen_tokens} tokens after a ${r.prompt_tokens}-token prompt, best of ${r.repeats})`,
    `roofline    ${r.roofline_decode_tok_s ?? "n/a"} tok/s = ${r.read_bandwidth_gbs ?? "n/a"} GB/s / ${mb(r.bytes_per_token)} per token -> ${r.decode_pct_of_roofline ?? "n/a"}% of roofline`,
    `prefill     ${r.prefill_tok_s ?? "skipped"} tok/s (${r.prefill_tokens} tokens, chunk ${r.prefill_chunk ?? "-"}; ${r.prefill_gflops ?? "-"} GFLOP/s = ${r.prefill_pct_of_fma_peak ?? "n/a"}% of the ${r.fma_peak_gflops ?? "n/a"} GFLOP/s FMA peak)`,
    ...disturbedWarning(r.read_bandwidth_probes_gbs),
    `memory      weights ${mb(r.weight_bytes)}, peak RSS ${mb(r.peak_rss_bytes)}`,
    `pages       ${formatWeightMemory(r.weight_memory)}`,
    `machine     load average ${r.load_average.join(" ")}, ${r.date}`,
  ];
  if (r.profile) {
    lines.push(`profile     ${r.profile.msPerToken.toFixed(2)} ms/token profiled; linears + LM head stream at ${r.profile.linearBandwidthGBs.toFixed(1)} GB/s`);
    for (const b of r.profile.breakdown) lines.push(`  ${b.part.padEnd(12)} ${b.msPerToken.toFixed(3).padStart(8)} ms/token  ${b.percent.toFixed(1).padStart(5)}%`);
    // Any linear counts (dense GEMV, TEAL, pruned); a sparse layer's GB/s is its stored bytes over its time.
    lines.push("  linears by projection (all layers):");
    for (const [name, p] of Object.entries(r.profile.projections)) {
      const gbs = p.gbs > 0 ? p.gbs.toFixed(1) : "-";
      lines.push(`    ${name.padEnd(10)} ${p.shape.padStart(10)} ${p.msPerToken.toFixed(3).padStart(8)} ms/token  ${gbs.padStart(5)} GB/s`);
    }
  }
  if (r.prefill_profile) {
    const p = r.prefill_profile;
    lines.push(`prefill profile  ${p.tokens} tokens in ${p.ms.toFixed(1)} ms profiled; linears (GEMM) at ${p.linearGflops.toFixed(1)} GFLOP/s`);
    for (const b of p.breakdown) lines.push(`  ${b.part.padEnd(12)} ${b.msPerToken.toFixed(3).padStart(8)} ms/token  ${b.percent.toFixed(1).padStart(5)}%`);
  }
  return `${lines.join("\n")}\n`;
}
