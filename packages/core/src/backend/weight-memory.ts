/**
 * Storage for weights that live as long as their model: loaded tensors, TEAL's input-major
 * copies, packed sparse formats. Large ones come from the native addon at 2 MiB-aligned addresses
 * advised for huge pages: a decode step reads every weight once per token, and sparse kernels jump
 * between rows all over a matrix, so with 4 KiB pages nearly every jump is a TLB miss (measured
 * gains in cuda-kernels' native/include/sieve/weight_pages.h). Without the addon, below 2 MiB, or
 * with SIEVE_HUGE_PAGES=off, weights are plain typed arrays, exactly as before.
 */
import { readFileSync } from "node:fs";
import { loadAddon } from "@sieve/cuda-kernels";
import { allocStorage, dtypeBytes, viewStorage, type DType, type StorageOf } from "../tensor/dtype.js";

/** Smallest allocation worth mapping on its own: one huge page. */
export const HUGE_PAGE_BYTES = 2 * 1024 * 1024;

export interface WeightMemoryStatus {
  /** "huge-pages": large weights come from the addon's mapped memory; "plain": typed arrays. */
  mode: "huge-pages" | "plain";
  /** Why plain, or the kernel's transparent-huge-page setting when huge-pages. */
  reason: string;
  /** Allocations served so far in huge-pages mode (cumulative, freed ones included). */
  mapped: { buffers: number; bytes: number; hugeAdvisedBytes: number };
}

type Allocate = (bytes: number) => { buffer: ArrayBuffer; hugeAdvised: number };

let native: { allocate: Allocate | null; reason: string } | undefined;
const mapped = { buffers: 0, bytes: 0, hugeAdvisedBytes: 0 };

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

/** The allocator in use now: SIEVE_HUGE_PAGES=off (read at every call, for A/B runs) wins. */
function choose(): { allocate: Allocate | null; reason: string } {
  if ((process.env.SIEVE_HUGE_PAGES ?? "").trim().toLowerCase() === "off") {
    return { allocate: null, reason: "disabled by SIEVE_HUGE_PAGES=off" };
  }
  return nativeAllocator();
}

/**
 * Zeroed storage for `length` elements of a long-lived weight. Same contract as allocStorage; the
 * result may be backed by memory the addon owns (freed when the array is collected).
 */
export function allocWeightStorage<D extends DType>(dtype: D, length: number): StorageOf[D] {
  const bytes = length * dtypeBytes(dtype);
  if (bytes < HUGE_PAGE_BYTES) return allocStorage(dtype, length);
  const { allocate } = choose();
  if (!allocate) return allocStorage(dtype, length);
  let got: ReturnType<Allocate>;
  try {
    got = allocate(bytes);
  } catch {
    // Out of address space or mappings: a plain array fails the same way if memory is really gone.
    return allocStorage(dtype, length);
  }
  mapped.buffers += 1;
  mapped.bytes += bytes;
  mapped.hugeAdvisedBytes += got.hugeAdvised;
  return viewStorage(dtype, got.buffer, 0, length);
}

export function weightMemoryStatus(): WeightMemoryStatus {
  const { allocate, reason } = choose();
  return { mode: allocate ? "huge-pages" : "plain", reason, mapped: { ...mapped } };
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
