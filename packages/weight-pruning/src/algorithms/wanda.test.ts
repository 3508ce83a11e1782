import { Rng } from "@sieve/core";
import { describe, expect, it } from "vitest";
import { correlatedInputs, randomWeight } from "./test-data.fixture.js";
import { columnNorms, wandaMask, wandaPrune } from "./wanda.js";

/**
 * The formula written out directly: S_ij = |W_ij| · ||X_:,j||_2; in each row sort the columns by
 * (score, column index) and prune the first k_r = round(s·cols·(r+1)) - round(s·cols·r) (= s·cols
 * when that is an integer). Sorting with the index as the second key is the tie rule the
 * implementation documents: equal scores prune the lower column.
 */
function directWandaMask(w: Float32Array, rows: number, cols: number, x: Float32Array, tokens: number, s: number): Uint8Array {
  const norm = new Array<number>(cols).fill(0);
  for (let j = 0; j < cols; j++) {
    let sq = 0;
    for (let t = 0; t < tokens; t++) sq += x[t * cols + j]! ** 2;
    norm[j] = Math.sqrt(sq);
  }
  const mask = new Uint8Array(rows * cols).fill(1);
  for (let r = 0; r < rows; r++) {
    const metric = Array.from({ length: cols }, (_, j) => Math.abs(w[r * cols + j]!) * norm[j]!);
    const order = metric.map((_, j) => j).sort((a, b) => metric[a]! - metric[b]! || a - b);
    for (const j of order.slice(0, Math.round(s * cols * (r + 1)) - Math.round(s * cols * r))) mask[r * cols + j] = 0;
  }
  return mask;
}

describe("Wanda", () => {
  it("matches the formula |W_ij|·||X_j|| compared per output row, on random W and X", () => {
    const rng = new Rng(11);
    const w = randomWeight(rng, 24, 40);
    const x = correlatedInputs(rng, 96, 40);
    for (const s of [0.25, 0.5, 0.7, 0.33]) {
      const mask = wandaMask(w, columnNorms(x, 96, 40), { sparsity: s });
      expect([...mask]).toEqual([...directWandaMask(w.data, 24, 40, x, 96, s)]);
    }
  });

  it("breaks ties by pruning the lower column index first", () => {
    // All scores equal in row 0; in row 1, columns 1 and 2 tie at the threshold.
    const w = { data: Float32Array.from([1, 1, 1, 1, 4, 2, 2, 3]), rows: 2, cols: 4 };
    const norms = [1, 1, 1, 1];
    expect([...wandaMask(w, norms, { sparsity: 0.5 })]).toEqual([0, 0, 1, 1, 1, 0, 0, 1]);
    expect([...wandaMask(w, norms, { sparsity: 0.25 })]).toEqual([0, 1, 1, 1, 1, 0, 1, 1]);
  });

  it("N:M keeps the n highest scores of each group of m, and zeroes the rest", () => {
    const rng = new Rng(5);
    const w = randomWeight(rng, 6, 16);
    const norms = Array.from({ length: 16 }, () => rng.uniform(0.1, 3));
    const { weight, mask } = wandaPrune(w, norms, { pattern: { n: 2, m: 4 } });
    for (let r = 0; r < 6; r++) {
      for (let g = 0; g < 16; g += 4) {
        const scores = [0, 1, 2, 3].map((k) => Math.abs(w.data[r * 16 + g + k]!) * norms[g + k]!);
        const kept = [0, 1, 2, 3].filter((k) => mask[r * 16 + g + k]);
        const best = [0, 1, 2, 3].sort((a, b) => scores[b]! - scores[a]!).slice(0, 2).sort();
        expect(kept).toEqual(best);
        for (const k of [0, 1, 2, 3]) expect(weight[r * 16 + g + k]).toBe(mask[r * 16 + g + k] ? w.data[r * 16 + g + k] : 0);
      }
    }
  });
});
