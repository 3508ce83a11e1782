/**
 * Random layers for the algorithm tests: a weight W and calibration inputs X whose features are
 * correlated (X = Z·A with a random mixing A and per-feature scales), the situation in which
 * second-order methods (SparseGPT, reconstruction) beat per-weight scores. Tests only.
 */
import type { Rng } from "@sieve/core";
import type { WeightMatrix } from "./types.js";

export function randomWeight(rng: Rng, rows: number, cols: number): WeightMatrix {
  return { data: rng.fillNormal(new Float32Array(rows * cols)), rows, cols };
}

/** X [tokens, cols] with correlated columns and a few loud ones (outlier features). */
export function correlatedInputs(rng: Rng, tokens: number, cols: number): Float32Array {
  const mix = rng.fillNormal(new Float64Array(cols * cols), 0, 1 / Math.sqrt(cols));
  for (let i = 0; i < cols; i++) mix[i * cols + i] += 1;
  const scale = Float64Array.from({ length: cols }, (_, j) => (j % 7 === 3 ? 6 : 0.5 + rng.next()));
  const z = rng.fillNormal(new Float64Array(cols));
  const x = new Float32Array(tokens * cols);
  for (let t = 0; t < tokens; t++) {
    rng.fillNormal(z);
    for (let j = 0; j < cols; j++) {
      let s = 0;
      for (let k = 0; k < cols; k++) s += z[k]! * mix[k * cols + j]!;
      x[t * cols + j] = s * scale[j]!;
    }
  }
  return x;
}
