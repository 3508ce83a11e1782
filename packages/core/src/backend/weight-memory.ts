/**
 * Storage for weights that live as long as their model: loaded tensors, TEAL's input-major
 * copies, packed sparse formats. They come from the native addon's memory at 2 MiB-aligned
 * addresses advised for huge pages: a decode step reads every weight once per token, and sparse
 * kernels jump between rows all over a matrix, so with 4 KiB pages nearly every jump is a TLB miss
 * and a page walk (kernel-level figures in cuda-kernels' native/include/sieve/weight_pages.h; the
 * decode-level A/B is tooling/activation/huge-pages.ts, docs/results/huge-pages.md).
 *  - 2 MiB or more: a mapping of its own.
 *  - 64 KiB to 2 MiB (TinyLlama's k/v projections are 1 MiB in f16): carved from shared 16 MiB
 *    mappings. On their own 4 KiB pages these were the slowest weights of a decode step: a cold
 *    1 MiB f16 GEMV right after a q projection took 160 us (6.6 GB/s) in plain pages, 50 us in
 *    huge ones (a one-off timing of the addon's gemv, 22 layers' worth of weights, caches flushed
 *    by MLP-sized GEMVs in between). A mapping is freed once every weight carved from it is
 *    collected.
 *  - Smaller ones (norm weights, biases): plain arrays; a few pages each.
 *
 * One caveat: Node runs the finalizer of memory an addon hands to JS only when the event loop
 * turns (external buffers are released from a setImmediate), so code that drops many weights
 * synchronously holds them until it yields (releaseWeightsSoon). Converting a model to TEAL in one
 * synchronous call (synth:tinyllama-1.1b f16) peaked at 4.16 GB of RSS with mapped weights against
 * 2.44 GB with plain ones; the composition root converts layer by layer and yields in between.
 * Off unless SIEVE_HUGE_PAGES=on or setHugePagesByDefault(true) (the serving engine, `sieve bench`
 * and the speed tools set it); without the addon, or off, every weight is a plain typed array,
 * which V8 frees itself.
 */
import { readFileSync } from "node:fs";
import { loadAddon } from "@sieve/cuda-kernels";
import { allocStorage, dtypeBytes, viewStorage, type DType, type StorageOf } from "../tensor/dtype.js";

/** Smallest allocation worth mapping on its own: one huge page. */
export const HUGE_PAGE_BYTES = 2 * 1024 * 1024;
/** Smallest allocation carved from a shared mapping; below it, a plain array. */
export const SHARED_MIN_BYTES = 64 * 1024;
/** Size of the shared mappings smaller weights are carved from. */
const SHARED_CHUNK_BYTES = 8 * HUGE_PAGE_BYTES;
/** Start of every carved weight: a cache line, so that vector loads of a row never split one. */
const SHARED_ALIGN = 64;

export interface WeightMemoryStatus {
  /** "huge-pages": large weights come from the addon's mapped memory; "plain": typed arrays. */
  mode: "huge-pages" | "plain";
  /** Why plain, or the kernel's transparent-huge-page setting when huge-pages. */
  reason: string;
  /**
   * Served so far in huge-pages mode (cumulative, freed ones included): weights, their bytes,
   * the mappings made (one per large weight, one per shared chunk) and the bytes of those
   * mappings advised for huge pages.
   */
  mapped: { weights: number; bytes: number; mappings: number; hugeAdvisedBytes: number };
}

type Allocate = (bytes: number) => { buffer: ArrayBuffer; hugeAdvised: number };

let native: { allocate: Allocate | null; reason: string } | undefined;
const mapped = { weights: 0, bytes: 0, mappings: 0, hugeAdvisedBytes: 0 };
/** The shared mapping being carved (a later one replaces it once a weight does not fit). */
let shared: { buffer: ArrayBuffer; used: number } | undefined;

/** The kernel's THP mode ("always", "madvise", "never"), or undefined where it cannot be read. */
function transparentHugePageMode(): string | undefined {
  try {
    const text = readFileSync("/sys/kernel/mm/transparent_hugepage/enabled", "utf8");
    return /\[(\w+)\]/.exec(text)?.[1];
  } catch {
    return undefined;
  }
}

/** The addon's allocator (looked up once), or null with the reason. */
function nativeAllocator(): { allocate: Allocate | null; reason: string } {
  if (native) return native;
  const loaded = loadAddon();
  if (!loaded.ok) {
    native = { allocate: null, reason: "the native addon is not loaded" };
  } else if (typeof loaded.addon.allocWeightBuffer !== "function") {
    native = { allocate: null, reason: "this build of the native addon has no allocWeightBuffer (rebuild it)" };
  } else {
    const addon = loaded.addon;
    const thp = transparentHugePageMode();
    const effect = thp === "never" ? " (the advice has no effect)" : "";
    native = {
      allocate: (bytes) => addon.allocWeightBuffer(bytes),
      reason: thp ? `transparent huge pages: ${thp}${effect}` : "transparent huge pages: not on this OS",
    };
  }
  return native;
}

let hugePagesByDefault = false;

/**
 * Whether weights go to mapped memory when SIEVE_HUGE_PAGES is not set (default false). The
 * serving engine and the benchmarks turn it on: they load once and decode for long, so 4-5% more
 * tokens/s is worth the slower load (mapping a 2.2 GB f16 model took 8.1 s instead of 4.2 s: with
 * transparent huge pages in "madvise" mode the kernel may compact memory at the page faults).
 */
export function setHugePagesByDefault(on: boolean): void {
  hugePagesByDefault = on;
}

/** The allocator in use now: SIEVE_HUGE_PAGES=on|off (read at every call, for A/B runs), else the process default. */
function choose(): { allocate: Allocate | null; reason: string } {
  const env = (process.env.SIEVE_HUGE_PAGES ?? "").trim().toLowerCase();
  if (env === "off") return { allocate: null, reason: "disabled by SIEVE_HUGE_PAGES=off" };
  if (env !== "on" && !hugePagesByDefault) return { allocate: null, reason: "off for this process (SIEVE_HUGE_PAGES=on maps weights for 2 MiB pages)" };
  return nativeAllocator();
}

/**
 * Resolves after one turn of the event loop, when Node frees the mapped weights that were dropped
 * before it (see the caveat above). Await it between the steps of a long synchronous job that
 * replaces weights, so that the old ones do not pile up.
 */
export function releaseWeightsSoon(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** A fresh mapping of `bytes`, tallied; null if the addon could not map it. */
function map(allocate: Allocate, bytes: number): ArrayBuffer | null {
  try {
    const got = allocate(bytes);
    mapped.mappings += 1;
    mapped.hugeAdvisedBytes += got.hugeAdvised;
    return got.buffer;
  } catch {
    // Out of address space or mappings: a plain array fails the same way if memory is really gone.
    return null;
  }
}

/** `bytes` at a cache-line-aligned offset of the shared mapping (a new one when it is full). */
function carve(allocate: Allocate, bytes: number): { buffer: ArrayBuffer; offset: number } | null {
  const start = shared ? Math.ceil(shared.used / SHARED_ALIGN) * SHARED_ALIGN : 0;
  if (!shared || start + bytes > shared.buffer.byteLength) {
    const buffer = map(allocate, SHARED_CHUNK_BYTES);
    if (!buffer) return null;
    shared = { buffer, used: bytes };
    return { buffer, offset: 0 };
  }
  shared.used = start + bytes;
  return { buffer: shared.buffer, offset: start };
}

/**
 * Zeroed storage for `length` elements of a long-lived weight. Same contract as allocStorage; the
 * result may be a view of memory the addon owns (freed when every view of it is collected), and
 * a smaller weight's view may share its ArrayBuffer with other weights (byteOffset > 0).
 */
export function allocWeightStorage<D extends DType>(dtype: D, length: number): StorageOf[D] {
  const bytes = length * dtypeBytes(dtype);
  if (bytes < SHARED_MIN_BYTES) return allocStorage(dtype, length);
  const { allocate } = choose();
  if (!allocate) return allocStorage(dtype, length);
  let place: { buffer: ArrayBuffer; offset: number } | null;
  if (bytes >= HUGE_PAGE_BYTES) {
    const buffer = map(allocate, bytes);
    place = buffer && { buffer, offset: 0 };
  } else {
    place = carve(allocate, bytes);
  }
  if (!place) return allocStorage(dtype, length);
  mapped.weights += 1;
  mapped.bytes += bytes;
  return viewStorage(dtype, place.buffer, place.offset, length);
}

export function weightMemoryStatus(): WeightMemoryStatus {
  const { allocate, reason } = choose();
  return { mode: allocate ? "huge-pages" : "plain", reason, mapped: { ...mapped } };
}

/**
 * One line for logs and reports, e.g. "4.14 GB of weights mapped for 2 MiB pages, 4.12 GB of the
 * process in huge pages now (transparent huge pages: madvise)" or "plain typed arrays (...)".
 */
export function describeWeightMemory(): string {
  const s = weightMemoryStatus();
  if (s.mode === "plain") return `plain typed arrays (${s.reason})`;
  const gb = (b: number): string => (b / 1e9).toFixed(2);
  return `${gb(s.mapped.bytes)} GB of weights mapped for 2 MiB pages, ${gb(processHugePageBytes() ?? 0)} GB of the process in huge pages now (${s.reason})`;
}

/** Bytes of this process's anonymous memory in huge pages now (Linux), or undefined. */
export function processHugePageBytes(): number | undefined {
  try {
    const text = readFileSync("/proc/self/smaps_rollup", "utf8");
    const kb = /^AnonHugePages:\s+(\d+) kB/m.exec(text)?.[1];
    return kb === undefined ? undefined : Number(kb) * 1024;
  } catch {
    return undefined;
  }
}
