/**
 * Sieve vs node-llama-cpp on identical weights, in one run:
 *   pnpm --filter @sieve/peers exec tsx src/decode-vs-llamacpp.ts [--preset llama-110m] [--dtypes f32,f16] [--json out.json]
 *     [--threads 2] [--repeats 3] [--rounds 1] [--prompt-tokens 16] [--gen-tokens 128] [--prefill-tokens 512] [--markdown] [--keep]
 * For each dtype: synth:PRESET is written as a Hugging Face directory and exported to GGUF with
 * Sieve's own writer; Sieve (the `sieve bench` harness, on the directory) and node-llama-cpp (on
 * the GGUF) then each run in their own process: batch-1 greedy decode of --gen-tokens after the
 * same --prompt-tokens prompt ids, one --prefill-tokens prefill, same threads. Prints a table
 * against the decode roofline (measured read bandwidth / weight bytes per token), the targets, and
 * whether both engines pick the same greedy tokens.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { synthPresetConfig, type SynthDType } from "@sieve/model";
import { loadAverage, syntheticTokenIds } from "../../../apps/server/src/bench/index.js";
import type { LlamaCppWorkerResult } from "./llamacpp-worker.js";
import { prepareModel } from "./prepare-model.js";
import { runWorker } from "./run-worker.js";
import type { SieveWorkerResult } from "./sieve-worker.js";
import { fixed, formatTable, megabytes } from "./table.js";

/** What we are measured against (decode: share of roofline and speed-up over node-llama-cpp per dtype). */
const TARGETS = { decodePctOfRoofline: 85, decodeRatio: { f32: 1.3, f16: 1.2, bf16: 1.2 } as Record<string, number>, prefillRatio: 1.0 };

const { values: flags } = parseArgs({
  options: {
    preset: { type: "string", default: "llama-110m" },
    dtypes: { type: "string", default: "f32,f16" },
    json: { type: "string" },
    threads: { type: "string", default: "2" },
    repeats: { type: "string", default: "3" },
    "prompt-tokens": { type: "string", default: "16" },
    "gen-tokens": { type: "string", default: "128" },
    "prefill-tokens": { type: "string", default: "512" },
    "check-tokens": { type: "string", default: "8" },
    rounds: { type: "string", default: "1" },
    markdown: { type: "boolean", default: false },
    keep: { type: "boolean", default: false },
  },
});

interface DtypeResult {
  dtype: string;
  sieve: SieveWorkerResult;
  llamacpp: LlamaCppWorkerResult;
  /** Over the check prompts: tokens that agree (in each continuation's common prefix) out of prompts x steps. */
  greedy: { prompts: number; steps: number; sieveHfVsLlamaCpp: number; sieveGgufVsLlamaCpp: number; sieveHfVsSieveGguf: number; match: boolean };
  ratios: { decode: number; prefill: number | null };
  targets: Record<string, { target: number; value: number | null; met: boolean }>;
  /** Best decode of each round, per engine (the table shows each engine's best round). */
  rounds?: { sieveDecodeTokS: number[]; llamaCppDecodeTokS: number[] };
}

function int(name: keyof typeof flags): number {
  const v = Number(flags[name]);
  if (!Number.isInteger(v) || v < 0) throw new RangeError(`--${name} must be a non-negative integer, got ${String(flags[name])}`);
  return v;
}

/** How many leading tokens two greedy continuations share (after a first difference they diverge). */
function samePrefix(a: readonly number[], b: readonly number[], n: number): number {
  let i = 0;
  while (i < n && i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}

/** samePrefix summed over every check prompt. */
function agreeing(a: readonly number[][], b: readonly number[][], n: number): number {
  return a.reduce((sum, tokens, i) => sum + samePrefix(tokens, b[i] ?? [], n), 0);
}

/** Distinct prompts for the greedy check: one repeated token of a random model says little, several prompts say more. */
const CHECK_PROMPTS = 4;

async function main(): Promise<void> {
  const preset = flags.preset!;
  const config = synthPresetConfig(preset);
  const dtypes = flags.dtypes!.split(",").map((d) => d.trim()) as SynthDType[];
  const threads = int("threads");
  const repeats = int("repeats");
  const checkTokens = int("check-tokens");
  const rounds = Math.max(1, int("rounds"));
  const common = { threads, repeats, genTokens: int("gen-tokens"), prefillTokens: int("prefill-tokens") };
  const workDir = await mkdtemp(join(tmpdir(), "sieve-vs-llamacpp-"));
  const loadAtStart = loadAverage();
  const results: DtypeResult[] = [];
  try {
    for (const dtype of dtypes) {
      process.stderr.write(`[${dtype}] writing synth:${preset} (HF directory + GGUF)...\n`);
      const model = await prepareModel(workDir, preset, dtype);
      const checkPrompts = Array.from({ length: CHECK_PROMPTS }, (_, i) => syntheticTokenIds(int("prompt-tokens"), config.vocabSize, config.bosTokenId, 100 + i));
      // Alternating rounds give each engine several chances at a quiet moment of a shared machine;
      // each engine's best-decode round is reported (with the bandwidth probed around it).
      const sieveRounds: SieveWorkerResult[] = [];
      const llamaRounds: LlamaCppWorkerResult[] = [];
      for (let round = 1; round <= rounds; round++) {
        process.stderr.write(`[${dtype}] round ${round}/${rounds}: Sieve...\n`);
        const sieve = await runWorker("sieve", { hfDir: model.hfDir, gguf: model.gguf, promptTokens: int("prompt-tokens"), checkPrompts, checkTokens, ...common });
        sieveRounds.push(sieve);
        process.stderr.write(`[${dtype}] round ${round}/${rounds}: node-llama-cpp...\n`);
        llamaRounds.push(
          await runWorker("llamacpp", {
            gguf: model.gguf,
            promptIds: sieve.bench.prompt_ids,
            vocabSize: config.vocabSize,
            bosId: config.bosTokenId,
            checkPrompts,
            checkTokens,
            ...common,
          }),
        );
      }
      const sieve = sieveRounds.reduce((a, b) => (b.bench.decode_tok_s > a.bench.decode_tok_s ? b : a));
      const llamacpp = llamaRounds.reduce((a, b) => (b.decodeTokS > a.decodeTokS ? b : a));
      results.push({
        ...compare(dtype, sieve, llamacpp, checkTokens),
        rounds: { sieveDecodeTokS: sieveRounds.map((r) => r.bench.decode_tok_s), llamaCppDecodeTokS: llamaRounds.map((r) => r.decodeTokS) },
      });
      if (!flags.keep) await rm(model.hfDir, { recursive: true, force: true }).then(() => rm(model.gguf, { force: true }));
    }
  } finally {
    if (!flags.keep) await rm(workDir, { recursive: true, force: true });
  }
  const report = { preset, date: new Date().toISOString(), node: process.version, threads, repeats, rounds, loadAverageAtStart: loadAtStart, loadAverageAtEnd: loadAverage(), results };
  process.stdout.write(`${render(report)}\n`);
  if (flags.json) await writeFile(flags.json, `${JSON.stringify(report, null, 2)}\n`);
}

function compare(dtype: string, sieve: SieveWorkerResult, llamacpp: LlamaCppWorkerResult, steps: number): DtypeResult {
  const b = sieve.bench;
  const prompts = llamacpp.greedy.length;
  const greedy = {
    prompts,
    steps,
    sieveHfVsLlamaCpp: agreeing(sieve.greedy.hf, llamacpp.greedy, steps),
    sieveGgufVsLlamaCpp: agreeing(sieve.greedy.gguf, llamacpp.greedy, steps),
    sieveHfVsSieveGguf: agreeing(sieve.greedy.hf, sieve.greedy.gguf, steps),
    match: false,
  };
  const all = prompts * steps;
  greedy.match = greedy.sieveHfVsLlamaCpp === all && greedy.sieveGgufVsLlamaCpp === all && greedy.sieveHfVsSieveGguf === all;
  const ratios = {
    decode: b.decode_tok_s / llamacpp.decodeTokS,
    prefill: b.prefill_tok_s !== null && llamacpp.prefillTokS !== null ? b.prefill_tok_s / llamacpp.prefillTokS : null,
  };
  const decodeTarget = TARGETS.decodeRatio[dtype] ?? 1.2;
  const targets = {
    decode_pct_of_roofline: { target: TARGETS.decodePctOfRoofline, value: b.decode_pct_of_roofline, met: (b.decode_pct_of_roofline ?? 0) >= TARGETS.decodePctOfRoofline },
    decode_vs_llamacpp: { target: decodeTarget, value: ratios.decode, met: ratios.decode >= decodeTarget },
    prefill_vs_llamacpp: { target: TARGETS.prefillRatio, value: ratios.prefill, met: (ratios.prefill ?? 0) >= TARGETS.prefillRatio },
  };
  return { dtype, sieve, llamacpp, greedy, ratios, targets };
}

/** llama.cpp's roofline: the same bytes per token over the bandwidth probed around its own decode. */
function llamaRoofline(r: DtypeResult): number {
  const probes = r.llamacpp.readBandwidthProbesGBs;
  return probes.length ? (Math.max(...probes) * 1e9) / r.sieve.bench.bytes_per_token : r.sieve.bench.roofline_decode_tok_s ?? Number.NaN;
}

/** A warning when the bandwidth probes around a measurement differ by more than 15%: the machine was disturbed. */
function disturbed(engine: string, probes: readonly number[]): string[] {
  if (probes.length < 2) return [];
  const spread = (Math.max(...probes) - Math.min(...probes)) / Math.max(...probes);
  return spread > 0.15 ? [`WARNING: ${engine}'s bandwidth probes differ by ${(100 * spread).toFixed(0)}%: other work disturbed this measurement; rerun on a quieter machine`] : [];
}

function all(r: DtypeResult): number {
  return r.greedy.prompts * r.greedy.steps;
}

function render(report: { preset: string; date: string; node: string; threads: number; rounds: number; loadAverageAtStart: number[]; loadAverageAtEnd: number[]; results: DtypeResult[] }): string {
  const header = ["engine", "dtype", "prefill tok/s", "decode tok/s", "% of roofline", "decode vs llama.cpp", "prefill vs llama.cpp", "peak RSS", "load avg (1m)"];
  const rows: string[][] = [];
  const notes: string[] = [];
  for (const r of report.results) {
    const b = r.sieve.bench;
    const roofline = b.roofline_decode_tok_s ?? Number.NaN;
    rows.push(["sieve", r.dtype, fixed(b.prefill_tok_s), fixed(b.decode_tok_s), fixed(b.decode_pct_of_roofline), `${fixed(r.ratios.decode, 2)}x`, `${fixed(r.ratios.prefill, 2)}x`, megabytes(b.peak_rss_bytes), fixed(b.load_average[0], 2)]);
    const l = r.llamacpp;
    rows.push([l.engine, r.dtype, fixed(l.prefillTokS), fixed(l.decodeTokS), fixed((100 * l.decodeTokS) / llamaRoofline(r)), "1.00x", "1.00x", megabytes(l.peakRssBytes), fixed(l.loadAverage[0], 2)]);
    notes.push(
      `${r.dtype}: roofline ${fixed(roofline)} tok/s = ${fixed(b.read_bandwidth_gbs, 2)} GB/s read bandwidth (1 GiB, ${b.threads} threads, best of 3; probes around Sieve's decode ${b.read_bandwidth_probes_gbs.map((x) => fixed(x, 1)).join(" / ")}, around llama.cpp's ${l.readBandwidthProbesGBs.map((x) => fixed(x, 1)).join(" / ")} GB/s) / ${megabytes(b.bytes_per_token)} per token` +
        ` (linears ${megabytes(b.bytes_per_token_parts.linears)} + LM head ${megabytes(b.bytes_per_token_parts.lm_head)} + embedding row ${b.bytes_per_token_parts.embedding_row} B); FMA peak ${fixed(b.fma_peak_gflops)} GFLOP/s, Sieve prefill ${fixed(b.prefill_gflops)} GFLOP/s (${fixed(b.prefill_pct_of_fma_peak)}%)`,
      `${r.dtype}: greedy tokens, ${r.greedy.prompts} prompts x ${r.greedy.steps} steps: Sieve(HF dir) vs llama.cpp ${r.greedy.sieveHfVsLlamaCpp}/${all(r)}, Sieve(GGUF) vs llama.cpp ${r.greedy.sieveGgufVsLlamaCpp}/${all(r)}, Sieve HF vs GGUF ${r.greedy.sieveHfVsSieveGguf}/${all(r)} -> ${r.greedy.match ? "MATCH" : "DIFFER"}` +
        ` (first prompt: sieve ${r.sieve.greedy.hf[0]?.join(",")} | llama.cpp ${l.greedy[0]?.join(",")})`,
      `${r.dtype}: targets: ${Object.entries(r.targets).map(([k, t]) => `${k} ${fixed(t.value, 2)} (>= ${t.target}) ${t.met ? "MET" : "MISSED"}`).join("; ")}`,
      `${r.dtype}: best decode per round tok/s sieve [${r.rounds?.sieveDecodeTokS.map((x) => fixed(x)).join(", ")}] llama.cpp [${r.rounds?.llamaCppDecodeTokS.map((x) => fixed(x)).join(", ")}]; within the reported round:` +
        ` decode runs tok/s sieve [${b.decode_runs_tok_s.map((x) => fixed(x)).join(", ")}] llama.cpp [${l.decodeRunsTokS.map((x) => fixed(x)).join(", ")}]; prefill runs sieve [${b.prefill_runs_tok_s.map((x) => fixed(x)).join(", ")}] llama.cpp [${l.prefillRunsTokS.map((x) => fixed(x)).join(", ")}]`,
      ...disturbed(`${r.dtype} Sieve`, b.read_bandwidth_probes_gbs),
      ...disturbed(`${r.dtype} node-llama-cpp`, l.readBandwidthProbesGBs),
      `${r.dtype}: load time sieve ${fixed(b.load_ms, 0)} ms, llama.cpp ${fixed(l.loadMs, 0)} ms; Sieve kernels ${Object.keys(b.kernels.linears).join(", ")}; llama.cpp ${l.llamaCppRelease}, context ${l.contextSize}, batch ${l.batchSize}, ${l.threads} threads`,
    );
  }
  const head = `synth:${report.preset}, batch-1 greedy decode, ${report.threads} threads, ${report.rounds} round(s) per engine; ${report.date}; node ${report.node}; load average at start ${report.loadAverageAtStart.join(" ")}, at end ${report.loadAverageAtEnd.join(" ")}`;
  return [head, "", formatTable(header, rows, flags.markdown), "", ...notes].join("\n");
}

await main();
