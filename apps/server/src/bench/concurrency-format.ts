/** The human-readable part of `sieve bench --concurrency` / `--shared-prefix`. */
import type { BatchedStepProfile } from "./batched-decode-profile.js";
import type { ConcurrencyReport } from "./concurrency.js";

const mb = (b: number): string => `${(b / 1e6).toFixed(1)} MB`;
const ms = (x: number | null): string => (x === null ? "-" : x.toFixed(1));

export function formatConcurrency(r: ConcurrencyReport): string {
  const c = r.concurrency;
  const lines = [
    `concurrency ${c.engine}; prompt ${c.prompt_tokens} + ${c.gen_tokens} generated tokens per request (greedy, EOS ignored), closed loop`,
    `kv pool     ${c.kv_blocks} blocks x ${c.kv_block_size} tokens = ${mb(c.kv_bytes)}; ${c.kv_blocks_per_request} blocks per request -> ${c.kv_requests_fit} requests fit at once; max ${c.max_seqs} sequences`,
  ];
  if (r.runs.length > 0) {
    const header = ["conc", "reqs", "tok/s", "scale", "TTFT p50/p99 ms", "ITL p50/p99 ms", "batch", "queue p99 ms", "preempt", "load"];
    const rows = r.runs.map((run) => [
      String(run.concurrency),
      String(run.requests),
      run.throughput_tok_s.toFixed(1),
      `${run.scaling.toFixed(2)}x`,
      `${ms(run.ttft_ms_p50)} / ${ms(run.ttft_ms_p99)}`,
      `${ms(run.itl_ms_p50)} / ${ms(run.itl_ms_p99)}`,
      run.sampled_tokens_per_step.toFixed(1),
      ms(run.queue_ms_p99),
      String(run.preemptions),
      String(run.load_average[0]),
    ]);
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
    const line = (cells: string[]): string => `  ${cells.map((cell, i) => cell.padStart(widths[i]!)).join("  ")}`;
    lines.push(line(header), ...rows.map(line));
    const queued = r.runs.filter((run) => run.concurrency > c.kv_requests_fit);
    if (queued.length > 0) {
      lines.push(`WARNING     the KV pool holds ${c.kv_requests_fit} requests at once: level ${queued.map((q) => q.concurrency).join(", ")} queued (see queue p99 / preempt)`);
    }
  }
  const p = r.prefix_cache;
  if (p) {
    lines.push(
      `prefix      ${p.requests} requests sharing a ${p.prefix_tokens}-token prefix + ${p.suffix_tokens} distinct tokens, ${p.gen_tokens} generated, ${p.concurrency} in flight`,
      `  cache on  hit rate ${(100 * p.hit_rate).toFixed(1)}% (${p.hit_tokens}/${p.queried_tokens} tokens), ${p.computed_tokens_on} tokens computed, TTFT p50/p99 ${ms(p.ttft_ms_p50_on)} / ${ms(p.ttft_ms_p99_on)} ms, wall ${p.wall_s_on.toFixed(2)} s`,
      `  cache off hit rate ${(100 * p.hit_rate_off).toFixed(1)}% (${p.hit_tokens_off}/${p.queried_tokens_off} tokens), ${p.computed_tokens_off} tokens computed, TTFT p50/p99 ${ms(p.ttft_ms_p50_off)} / ${ms(p.ttft_ms_p99_off)} ms, wall ${p.wall_s_off.toFixed(2)} s`,
      `  speedup   TTFT p50 ${p.speedup_ttft_p50.toFixed(2)}x, wall ${p.speedup_wall.toFixed(2)}x`,
    );
  }
  lines.push(
    `memory      peak RSS ${mb(c.peak_rss_bytes)} while the engines ran (worker model copy and KV pool included)`,
    `machine     load average ${c.load_average_before.join(" ")} before, ${c.load_average_after.join(" ")} after, ${c.date}`,
  );
  return `${lines.join("\n")}\n`;
}

/** One line per batch size, then the split of each step: linears, LM head, attention, the rest. */
export function formatBatchedProfiles(profiles: readonly BatchedStepProfile[]): string {
  const lines = ["batched decode step profile (EngineCore on the main thread, every kernel timed, steps interleaved across batch sizes; ms per step)"];
  const first = profiles[0];
  for (const p of profiles) {
    const part = (name: string): string => (p.breakdown.find((b) => b.part === name)?.msPerToken ?? 0).toFixed(2);
    // Scaling from the fastest (least disturbed) steps: batch x fastest step of the first size / fastest step of this one.
    const scaling = first ? (p.batch * first.msPerStepMin) / (first.batch * p.msPerStepMin) : 1;
    lines.push(
      `  batch ${String(p.batch).padStart(3)}  step mean ${p.msPerStep.toFixed(2)} / median ${p.msPerStepMedian.toFixed(2)} / min ${p.msPerStepMin.toFixed(2)} ms ` +
        `= ${p.tokPerS.toFixed(1)} tok/s (mean), scaling by fastest steps ${scaling.toFixed(2)}x`,
      `             forward ${p.forwardMsPerStep.toFixed(2)} + engine ${p.engineMsPerStep.toFixed(2)} (schedule, sample ${p.batch} rows, events); ` +
        `linears ${part("linear")} + lm_head ${part("lm_head")} at ${p.linearGflops.toFixed(1)} GFLOP/s, attention ${part("attention")}, ` +
        `norm ${part("norm")}, elementwise ${part("elementwise")}, embedding ${part("embedding")}, js ${part("js")}`,
    );
  }
  return `${lines.join("\n")}\n`;
}
