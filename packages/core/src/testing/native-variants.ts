/**
 * Runs a parity check under every CPU configuration of the native backend: both instruction-set
 * variants (AVX2 and portable) and one and two threads, restoring the automatic choice after.
 * Tests only; not exported from the package index.
 */
import type { NativeBackend } from "../backend/native.js";

export const NATIVE_ISAS = ["avx2", "portable"] as const;
export const NATIVE_THREADS = [1, 2] as const;

export interface NativeVariant {
  isa: (typeof NATIVE_ISAS)[number];
  threads: number;
  /** e.g. "avx2/2t", for assertion messages. */
  label: string;
}

/** Calls fn once per (isa, threads) pair; on a CPU without AVX2 the "avx2" pass runs portable code. */
export function forEachNativeVariant(native: NativeBackend, fn: (v: NativeVariant) => void): void {
  const threadsBefore = native.describe().threads;
  try {
    for (const isa of NATIVE_ISAS) {
      native.setIsa(isa);
      for (const threads of NATIVE_THREADS) {
        native.setThreads(threads);
        fn({ isa, threads, label: `${isa}/${threads}t` });
      }
    }
  } finally {
    native.setIsa("auto");
    native.setThreads(threadsBefore);
  }
}
