/**
 * Batch-1 decode with weights in 2 MiB pages vs plain arrays (4 KiB pages), in ONE process: the
 * same synthetic TinyLlama-1.1B is built twice, once with SIEVE_HUGE_PAGES=off, once with =on
 * (the addon's mapped memory, core's allocWeightStorage), as a dense model and as TEAL models, and the
 * configurations decode in alternating rounds. Prints per-configuration tokens/s (best and median
 * of rounds) and the huge/plain ratio (median of per-round ratios), plus peak RSS.
 *
 *   node_modules/.bin/tsx --tsconfig tooling/activation/tsconfig.json tooling/activation/huge-pages.ts \
 *     [--dtype f16|f32] [--sparsities 0.5,0.65] [--rounds 12] [--tokens 8] [--json FILE] [--md FILE]
 */
import { writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { NativeBackend, Rng, getBackend, processHugePageBytes, weightMemoryStatus } from "@sieve/core";
import { LlamaModel, synthCheckpoint, type SynthDType } from "@sieve/model";
import { applyActivationRecipe, collectTealCalibration } from "@sieve/activation-sparsity";
import { BatchDecoder } from "./batch-decoder.js";

const args = process.argv.slice(2);
const option = (name: string, dflt: string): string => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1]! : dflt;
};
const dtype = option("--dtype", "f16") as SynthDType;
const SPARSITIES = option("--sparsities", "0.5,0.65").split(",").map(Number);
const ROUNDS = Number(option("--rounds", "12"));
const TOKENS = Number(option("--tokens", "8"));
const jsonPath = args.includes("--json") ? option("--json", "") : undefined;
const mdPath = args.includes("--md") ? option("--md", "") : undefined;
const PROMPT = 16;
const load = (): string => loadavg().map((l) => l.toFixed(2)).join(" / ");
const median = (xs: number[]): number => {
  const v = xs.slice().sort((a, b) => a - b);
  return v.length % 2 ? v[(v.length - 1) / 2]! : (v[v.length / 2 - 1]! + v[v.length / 2]!) / 2;
};

/** A dense model and one TEAL model per sparsity, all of whose weights come from one allocator. */
async function buildSet(pages: "plain" | "huge", rng: Rng): Promise<Array<{ name: string; model: LlamaModel }>> {
  process.env.SIEVE_HUGE_PAGES = pages === "huge" ? "on" : "off";
  const checkpoint = synthCheckpoint("tinyllama-1.1b", dtype, 0);
  const dense = new LlamaModel(checkpoint.config, checkpoint.weights);
  const calibration = await collectTealCalibration(dense, [Int32Array.from({ length: 48 }, () => 3 + rng.int(checkpoint.config.vocabSize - 3))]);
  const set = [{ name: `dense ${pages}`, model: dense }];
  for (const s of SPARSITIES) {
    const teal = new LlamaModel(checkpoint.config, checkpoint.weights);
    applyActivationRecipe(teal, { activation: calibration.recipe(s, "uniform") });
    set.push({ name: `TEAL ${s * 100}% ${pages}`, model: teal });
  }
  delete process.env.SIEVE_HUGE_PAGES;
  return set;
}

async function main(): Promise<void> {
  const backend = getBackend();
  if (!(backend instanceof NativeBackend)) throw new Error(`huge-pages.ts needs the native backend (got ${backend.name})`);
  const loadStart = load();
  const plain = await buildSet("plain", new Rng(1));
  const huge = await buildSet("huge", new Rng(1));
  // Read with the mapped allocator selected, so that the reason names the kernel's THP mode.
  process.env.SIEVE_HUGE_PAGES = "on";
  const status = weightMemoryStatus();
  delete process.env.SIEVE_HUGE_PAGES;
  console.log(`weights: ${(status.mapped.bytes / 1e9).toFixed(2)} GB mapped for huge pages, ${((processHugePageBytes() ?? 0) / 1e9).toFixed(2)} GB in 2 MiB pages now (${status.reason}); load ${loadStart}`);
  const configs = plain.flatMap((p, i) => [p, huge[i]!]);
  const rng = new Rng(2);
  const prompt = [Int32Array.from({ length: PROMPT }, () => 3 + rng.int(1000))];
  const decoders = configs.map((c) => {
    const d = new BatchDecoder(c.model, 1, PROMPT + TOKENS + 2);
    d.prefill(prompt);
    return d;
  });
  const tps: number[][] = configs.map(() => []);
  for (let round = 0; round < ROUNDS; round++) {
    for (let j = 0; j < configs.length; j++) {
      const i = (j + round) % configs.length;
      const d = decoders[i]!;
      d.rewind();
      d.decode();
      d.rewind();
      const start = performance.now();
      for (let t = 0; t < TOKENS; t++) d.decode();
      tps[i]!.push((TOKENS * 1000) / (performance.now() - start));
    }
  }
  const rows = plain.map((p, k) => {
    const a = tps[2 * k]!;
    const b = tps[2 * k + 1]!;
    const ratio = median(a.map((x, r) => b[r]! / x));
    return { config: p.name.replace(/ plain$/, ""), plain_best: Math.max(...a), plain_median: median(a), huge_best: Math.max(...b), huge_median: median(b), huge_over_plain_median: ratio };
  });
  const dense = rows[0]!;
  const table = [
    "| config | plain best / median tok/s | 2 MiB pages best / median tok/s | 2 MiB / plain (median of rounds) | speed-up vs dense, plain | speed-up vs dense, 2 MiB |",
    "|---|---|---|---|---|---|",
    ...rows.map(
      (r) =>
        `| ${r.config} | ${r.plain_best.toFixed(2)} / ${r.plain_median.toFixed(2)} | ${r.huge_best.toFixed(2)} / ${r.huge_median.toFixed(2)} | ${r.huge_over_plain_median.toFixed(3)}x | ${(r.plain_median / dense.plain_median).toFixed(2)}x | ${(r.huge_median / dense.huge_median).toFixed(2)}x |`,
    ),
  ].join("\n");
  const peakRss = process.resourceUsage().maxRSS * 1024;
  const footer = `${dtype}, synth:tinyllama-1.1b, batch 1, ${ROUNDS} rounds x ${TOKENS} tokens, order rotating; load ${loadStart} -> ${load()}; peak RSS ${(peakRss / 1e9).toFixed(2)} GB (both sets of weights)`;
  console.log(`\n${table}\n\n${footer}`);
  if (mdPath) {
    const doc = `# Weights in 2 MiB pages vs plain arrays\n\nGenerated by \`tooling/activation/huge-pages.ts\` (do not edit by hand); one process, both sets of weights built side by side and decoded in alternating rounds.\n\n- ${status.reason}; ${(status.mapped.bytes / 1e9).toFixed(2)} GB of weights mapped for huge pages.\n- ${footer}.\n\n${table}\n`;
    writeFileSync(mdPath, doc);
  }
  if (jsonPath) writeFileSync(jsonPath, JSON.stringify({ dtype, rounds: ROUNDS, tokens: TOKENS, load_start: loadStart, load_end: load(), peak_rss_bytes: peakRss, weight_memory: status, rows }, null, 2));
}

await main();
