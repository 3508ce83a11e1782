/**
 * Test helpers: the native backend (or a clear skip), every CPU variant of it, and random pruned
 * weights. Tests only; not exported from the package index.
 */
import { loadNativeBackend, type NativeBackend, type Rng } from "@sieve/core";

/**
 * The native backend, or null when the addon is missing (tests then skip). With
 * SIEVE_REQUIRE_NATIVE=1 a missing addon is an error, so a broken build cannot pass silently;
 * the reference-backend pass of the suite (SIEVE_BACKEND=reference) skips native parity.
 */
export function nativeBackendOrNull(): NativeBackend | null {
  if (process.env.SIEVE_BACKEND === "reference") return null;
  const loaded = loadNativeBackend();
  if (loaded.ok) return loaded.backend;
  if (process.env.SIEVE_REQUIRE_NATIVE === "1") throw new Error(loaded.reason);
  return null;
}

export interface NativeVariant {
  isa: "avx2" | "portable";
  threads: number;
  label: string;
}

/** Runs fn under AVX2 and portable code (AVX2 only where the CPU has it) with 1 and 2 threads, then restores "auto". */
export function forEachVariant(native: NativeBackend, fn: (v: NativeVariant) => void): void {
  const info = native.addon.info();
  const threadsBefore = info.threads;
  const isas: Array<"avx2" | "portable"> = info.cpu.avx2 && info.cpu.fma && info.cpu.f16c ? ["avx2", "portable"] : ["portable"];
  try {
    for (const isa of isas) {
      if (native.setIsa(isa) !== isa) throw new Error(`setIsa(${isa}) did not take`);
      for (const threads of [1, 2]) {
        native.setThreads(threads);
        fn({ isa, threads, label: `${isa}/${threads}t` });
      }
    }
  } finally {
    native.setIsa("auto");
    native.setThreads(threadsBefore);
  }
}

export function randomNormal(rng: Rng, n: number, std = 1): Float32Array {
  return rng.fillNormal(new Float32Array(n), 0, std);
}

/** A random unstructured mask keeping each weight with probability `density`. */
export function randomMask(rng: Rng, n: number, density: number): Uint8Array {
  const mask = new Uint8Array(n);
  for (let i = 0; i < n; i++) mask[i] = rng.next() < density ? 1 : 0;
  return mask;
}

/**
 * A random N:M mask: each group of m columns keeps `n` random positions, or with probability
 * `underfill` fewer (down to none), so padding slots get exercised. Partial last groups keep at
 * most their width.
 */
export function randomNmMask(rng: Rng, rows: number, cols: number, n: number, m: number, underfill = 0.1): Uint8Array {
  const mask = new Uint8Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let base = 0; base < cols; base += m) {
      const width = Math.min(m, cols - base);
      let keep = Math.min(n, width);
      if (rng.next() < underfill) keep = Math.floor(rng.next() * (keep + 1));
      const positions = Array.from({ length: width }, (_, i) => i);
      for (let i = 0; i < keep; i++) {
        const j = i + Math.floor(rng.next() * (width - i));
        [positions[i], positions[j]] = [positions[j]!, positions[i]!];
        mask[r * cols + base + positions[i]!] = 1;
      }
    }
  }
  return mask;
}

/**
 * max |actual - expected| over the largest sum |x_c * w_c| + |bias| of any output: a relative
 * error that does not blow up when an output cancels to nearly zero.
 */
export function scaledError(actual: Float32Array, expected: Float32Array, scale: Float32Array): number {
  let maxDiff = 0;
  let maxScale = 0;
  for (let i = 0; i < expected.length; i++) {
    const d = Math.abs(actual[i]! - expected[i]!);
    if (!(d <= maxDiff)) maxDiff = Number.isNaN(d) ? Infinity : d;
    maxScale = Math.max(maxScale, scale[i]!);
  }
  return maxDiff / Math.max(maxScale, 1e-30);
}
