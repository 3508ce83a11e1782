/**
 * A bounded load test of `sieve serve`: starts the server (the default tiny model unless --model
 * says otherwise) on 127.0.0.1, warms it up, keeps --concurrency streaming completions in flight
 * for --duration seconds, then reports throughput, TTFT / end-to-end / inter-token percentiles,
 * errors (must be 0), the server's RSS before and after, and that every KV block was freed. It
 * stops the server with SIGTERM and exits non-zero if anything went wrong.
 *
 *   pnpm exec tsx tooling/load/run.ts [--duration 60] [--concurrency 32] [--max-tokens 64]
 *                                     [--model SPEC] [--max-seqs 32] [--json out.json]
 */
import { writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { percentile, renderTable, type LoadReport } from "./report.js";
import { startServerProcess } from "./server-process.js";
import { streamCompletion, type StreamResult } from "./stream-client.js";

const repoRoot = fileURLToPath(new URL("../../", import.meta.url));

const { values: flags } = parseArgs({
  options: {
    duration: { type: "string", default: "60" },
    concurrency: { type: "string", default: "32" },
    "max-tokens": { type: "string", default: "64" },
    "max-seqs": { type: "string", default: "32" },
    warmup: { type: "string", default: "5" },
    model: { type: "string" },
    json: { type: "string" },
  },
});

const durationS = Number(flags.duration);
const concurrency = Number(flags.concurrency);
const maxTokens = Number(flags["max-tokens"]);
const warmupS = Number(flags.warmup);

const PROMPTS = ["Once upon a time", "The quick brown fox", "In a small village by the sea, there lived", "Hello!", "Write a story about a robot who learns to paint.", "1, 2, 3, 4,"];

interface Dashboard {
  model?: { id: string };
  process: { rssBytes: number; heapUsedBytes: number };
}

async function dashboard(url: string): Promise<Dashboard> {
  return (await (await fetch(`${url}/api/dashboard?since=${Date.now()}`)).json()) as Dashboard;
}

async function usedKvBlocks(url: string): Promise<number | null> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const match = /^sieve:kv_cache_blocks\{[^}]*state="used"\} (\d+)$/m.exec(text);
  return match ? Number(match[1]) : null;
}

/** Keeps `concurrency` requests in flight until `until`; returns every result. */
async function drive(url: string, model: string, until: number): Promise<StreamResult[]> {
  const results: StreamResult[] = [];
  let n = 0;
  const worker = async () => {
    while (performance.now() < until) {
      const i = n++;
      results.push(await streamCompletion(url, { model, prompt: PROMPTS[i % PROMPTS.length], max_tokens: maxTokens, temperature: 0.8, seed: i }));
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return results;
}

const mib = (b: number) => b / (1024 * 1024);

async function main(): Promise<number> {
  const load = { cpus: cpus().length, loadAverage1m: loadavg()[0]! };
  const serveArgs = ["--max-seqs", flags["max-seqs"]!, "--max-waiting", String(concurrency * 2)];
  if (flags.model) serveArgs.push("--model", flags.model);
  process.stderr.write(`starting sieve serve ${serveArgs.join(" ")}...\n`);
  const server = await startServerProcess(repoRoot, serveArgs);
  let exitCode: number | null = null;
  try {
    const ready = await dashboard(server.url);
    const model = ready.model!.id;
    process.stderr.write(`serving ${model} at ${server.url}; warm-up ${warmupS} s, then ${durationS} s at ${concurrency} concurrent streams\n`);
    await drive(server.url, model, performance.now() + warmupS * 1000);
    const warm = await dashboard(server.url);

    const started = performance.now();
    const memoryTimeline: LoadReport["memoryTimeline"] = [];
    const sampler = setInterval(() => {
      void dashboard(server.url).then((d) => memoryTimeline.push({ t: Math.round((performance.now() - started) / 1000), rssMiB: mib(d.process.rssBytes), heapUsedMiB: mib(d.process.heapUsedBytes) }));
    }, Math.max(1000, (durationS * 1000) / 12));
    const results = await drive(server.url, model, started + durationS * 1000);
    clearInterval(sampler);
    const elapsed = (performance.now() - started) / 1000;

    const after = await dashboard(server.url);
    const kvUsed = await usedKvBlocks(server.url);
    const ok = results.filter((r) => r.ok);
    const errors = results.filter((r) => !r.ok);
    const report: LoadReport = {
      model,
      durationSeconds: Math.round(elapsed * 10) / 10,
      concurrency,
      maxTokens,
      requests: results.length,
      errors: errors.length,
      firstErrors: [...new Set(errors.map((e) => e.error ?? "?"))].slice(0, 5),
      requestsPerSecond: ok.length / elapsed,
      generatedTokensPerSecond: ok.reduce((s, r) => s + r.completionTokens, 0) / elapsed,
      ttftMs: { p50: percentile(ok.flatMap((r) => (r.ttftMs === undefined ? [] : [r.ttftMs])), 0.5), p99: percentile(ok.flatMap((r) => (r.ttftMs === undefined ? [] : [r.ttftMs])), 0.99) },
      e2eMs: { p50: percentile(ok.map((r) => r.e2eMs), 0.5), p99: percentile(ok.map((r) => r.e2eMs), 0.99) },
      tpotMs: { p50: percentile(ok.flatMap((r) => (r.tpotMs === undefined ? [] : [r.tpotMs])), 0.5), p99: percentile(ok.flatMap((r) => (r.tpotMs === undefined ? [] : [r.tpotMs])), 0.99) },
      rssMiB: { atReady: mib(ready.process.rssBytes), afterWarmup: mib(warm.process.rssBytes), afterRun: mib(after.process.rssBytes), growthAfterWarmup: mib(after.process.rssBytes - warm.process.rssBytes) },
      memoryTimeline,
      kvBlocksUsedAfterRun: kvUsed,
      serverExitCode: null,
      load,
    };
    exitCode = await server.stop();
    report.serverExitCode = exitCode;
    process.stdout.write(renderTable(report));
    if (flags.json) writeFileSync(flags.json, `${JSON.stringify(report, null, 2)}\n`);
    return report.errors === 0 && report.kvBlocksUsedAfterRun === 0 && exitCode === 0 ? 0 : 1;
  } finally {
    if (exitCode === null) await server.stop();
  }
}

main().then(
  (code) => (process.exitCode = code),
  (e: unknown) => {
    process.stderr.write(`load test failed: ${e instanceof Error ? e.stack : String(e)}\n`);
    process.exitCode = 1;
  },
);
