/** Percentiles and the printed table of a load run. */

export function percentile(values: readonly number[], q: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

export interface LoadReport {
  model: string;
  durationSeconds: number;
  concurrency: number;
  maxTokens: number;
  requests: number;
  errors: number;
  firstErrors: string[];
  requestsPerSecond: number;
  generatedTokensPerSecond: number;
  ttftMs: { p50: number | null; p99: number | null };
  e2eMs: { p50: number | null; p99: number | null };
  /** Time per output token after the first, per request. */
  tpotMs: { p50: number | null; p99: number | null };
  rssMiB: { atReady: number; afterWarmup: number; afterRun: number; growthAfterWarmup: number };
  /** Server RSS and V8 heap every few seconds of the measured run (MiB), to tell a leak from a plateau. */
  memoryTimeline: { t: number; rssMiB: number; heapUsedMiB: number }[];
  kvBlocksUsedAfterRun: number | null;
  serverExitCode: number | null;
  load: { cpus: number; loadAverage1m: number };
}

const ms = (x: number | null) => (x === null ? "-" : `${x.toFixed(1)} ms`);

export function renderTable(r: LoadReport): string {
  const rows: [string, string][] = [
    ["model", r.model],
    ["duration / concurrency", `${r.durationSeconds} s / ${r.concurrency} streams, max_tokens ${r.maxTokens}`],
    ["requests (errors)", `${r.requests} (${r.errors})`],
    ["throughput", `${r.requestsPerSecond.toFixed(2)} req/s, ${r.generatedTokensPerSecond.toFixed(1)} generated tok/s`],
    ["TTFT p50 / p99", `${ms(r.ttftMs.p50)} / ${ms(r.ttftMs.p99)}`],
    ["end-to-end p50 / p99", `${ms(r.e2eMs.p50)} / ${ms(r.e2eMs.p99)}`],
    ["time per output token p50 / p99", `${ms(r.tpotMs.p50)} / ${ms(r.tpotMs.p99)}`],
    ["server RSS ready / warm / after", `${r.rssMiB.atReady.toFixed(0)} / ${r.rssMiB.afterWarmup.toFixed(0)} / ${r.rssMiB.afterRun.toFixed(0)} MiB (growth after warm-up ${r.rssMiB.growthAfterWarmup >= 0 ? "+" : ""}${r.rssMiB.growthAfterWarmup.toFixed(1)} MiB)`],
    ["server RSS during the run", r.memoryTimeline.map((m) => `${m.t}s:${m.rssMiB.toFixed(0)}`).join(" ") + " MiB"],
    ["KV blocks used after the run", String(r.kvBlocksUsedAfterRun ?? "-")],
    ["server exit code (SIGTERM)", String(r.serverExitCode)],
    ["machine", `${r.load.cpus} CPUs, load average ${r.load.loadAverage1m.toFixed(1)} at the start`],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  const lines = rows.map(([k, v]) => `| ${k.padEnd(width)} | ${v} |`);
  const errors = r.firstErrors.length ? `\nfirst errors:\n${r.firstErrors.map((e) => `  ${e}`).join("\n")}\n` : "";
  return `| ${"".padEnd(width)} | result |\n|${"-".repeat(width + 2)}|--------|\n${lines.join("\n")}\n${errors}`;
}
