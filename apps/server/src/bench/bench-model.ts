import { getBackend, getBackendStatus, loadNativeBackend, NativeBackend, processHugePageBytes, weightMemoryStatus, type KernelBackend, type LinearLayer } from "@sieve/core";
import type { LlamaModel, LoadedCheckpoint } from "@sieve/model";
import { buildModel } from "../compose/build-model.js";
import { SwitchableBackend } from "./switchable-backend.js";

/**
 * What a benchmark runs: the checkpoint, the model built from it by the composition root (so
 * packed pruned layers and activation recipes run exactly as they serve), and the switchable
 * backend getter the model was built with (see decode-profile).
 */
export interface BenchModel {
  checkpoint: LoadedCheckpoint;
  model: LlamaModel;
  backend: SwitchableBackend;
}

/** A backend getter for a model that is going to be benchmarked: the process backend, swappable. */
export function benchBackend(): SwitchableBackend {
  return new SwitchableBackend(getBackend());
}

/** Builds the model through the composition root with a switchable backend. */
export async function buildBenchModel(checkpoint: LoadedCheckpoint, options: { recipe?: string } = {}): Promise<BenchModel> {
  const backend = benchBackend();
  const { model } = await buildModel(checkpoint, { backend: backend.get, recipe: options.recipe });
  return { checkpoint, model, backend };
}

/**
 * Sets the kernel thread count where the backend has one (the native CPU backend); returns the
 * count in use (1 for the single-threaded reference kernels).
 */
export function applyThreads(backend: KernelBackend, threads: number | undefined): number {
  if (backend instanceof NativeBackend) return threads === undefined ? backend.describe().threads : backend.setThreads(threads);
  return 1;
}

/** The native backend to measure the machine's ceilings with, even when the reference kernels run. */
export function nativeForCeilings(backend: KernelBackend): NativeBackend | undefined {
  if (backend instanceof NativeBackend) return backend;
  const loaded = loadNativeBackend();
  return loaded.ok ? loaded.backend : undefined;
}

/** Which backend runs and why (observability: a fallback is never silent). */
export function backendReport(backend: KernelBackend): { name: string; requested: string; isa: string; threads: number; fallback_reason?: string } {
  const d = backend.describe();
  const status = getBackendStatus();
  const report: ReturnType<typeof backendReport> = { name: d.name, requested: status.requested, isa: d.isa, threads: d.threads };
  if (status.fallbackReason) report.fallback_reason = status.fallbackReason;
  return report;
}

/** Where the weights live: mapped for 2 MiB pages or plain arrays, and how much is in huge pages now. */
export interface WeightMemoryReport {
  mode: "huge-pages" | "plain";
  reason: string;
  mapped_bytes: number;
  /** The process's anonymous memory in huge pages (Linux AnonHugePages), null elsewhere. */
  huge_page_bytes: number | null;
}

export function weightMemoryReport(): WeightMemoryReport {
  const s = weightMemoryStatus();
  return { mode: s.mode, reason: s.reason, mapped_bytes: s.mapped.bytes, huge_page_bytes: processHugePageBytes() ?? null };
}

/** One line for text output, e.g. "huge-pages: 2098 MiB mapped, 2090 MiB in 2 MiB pages (transparent huge pages: madvise)". */
export function formatWeightMemory(w: WeightMemoryReport): string {
  const mib = (b: number): string => `${(b / 1048576).toFixed(0)} MiB`;
  const inHuge = w.huge_page_bytes === null ? "" : `, ${mib(w.huge_page_bytes)} in 2 MiB pages`;
  return w.mode === "plain" ? `plain arrays (${w.reason})` : `huge-pages: ${mib(w.mapped_bytes)} mapped${inHuge} (${w.reason})`;
}

/** How many linear slots run each kernel, e.g. { "native:avx2-stream/avx2-packed-6x16": 84 }. */
export function linearKernels(model: LlamaModel): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const slot of model.tree.list<LinearLayer>("linear")) {
    const kernel = slot.get().describe().kernel;
    counts[kernel] = (counts[kernel] ?? 0) + 1;
  }
  return counts;
}

/** The storage dtypes of a checkpoint's tensors, most bytes first, e.g. "f16" or "f16+f32". */
export function checkpointDtype(checkpoint: LoadedCheckpoint): string {
  const bytes = new Map<string, number>();
  for (const t of checkpoint.weights.values()) bytes.set(t.dtype, (bytes.get(t.dtype) ?? 0) + t.byteLength);
  return [...bytes].sort((a, b) => b[1] - a[1]).map(([d]) => d).join("+");
}

/** Parameters stored in the checkpoint (a tied LM head counts once). */
export function parameterCount(checkpoint: LoadedCheckpoint): number {
  let n = 0;
  for (const t of checkpoint.weights.values()) n += t.numel;
  return n;
}
