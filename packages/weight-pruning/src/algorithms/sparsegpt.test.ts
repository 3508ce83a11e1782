import { Rng } from "@sieve/core";
import { describe, expect, it } from "vitest";
import { gramOf, layerOutput, outputError } from "./layer-error.js";
import { magnitudePrune } from "./magnitude.js";
import { sparseGptPrune } from "./sparsegpt.js";
import { correlatedInputs, randomWeight } from "./test-data.fixture.js";
import { maskSparsity, type PruneTarget } from "./types.js";
import { columnNorms, wandaPrune } from "./wanda.js";

describe("SparseGPT", () => {
  const rng = new Rng(17);
  const rows = 32;
  const cols = 48;
  const tokens = 256;
  const w = randomWeight(rng, rows, cols);
  const x = correlatedInputs(rng, tokens, cols);
  const gram = gramOf(x, tokens, cols);
  const norms = columnNorms(x, tokens, cols);

  it("the Gram-matrix error equals ||XWᵀ - XW'ᵀ||² computed directly", () => {
    const pruned = magnitudePrune(w, { sparsity: 0.5 }).weight;
    const a = layerOutput(w.data, rows, cols, x, tokens);
    const b = layerOutput(pruned, rows, cols, x, tokens);
    let direct = 0;
    for (let i = 0; i < a.length; i++) direct += (a[i]! - b[i]!) ** 2;
    expect(outputError(w, pruned, gram) / direct).toBeCloseTo(1, 8);
  });

  for (const target of [{ sparsity: 0.5 }, { sparsity: 0.7 }, { pattern: { n: 2, m: 4 } }] as PruneTarget[]) {
    const label = "pattern" in target ? "2:4" : `${target.sparsity * 100}%`;
    it(`at ${label}, its layer error ||WX - W'X||² is below Wanda's and magnitude's`, () => {
      // A small blocksize exercises the lazy updates across several blocks.
      const sgpt = sparseGptPrune(w, gram, target, { blocksize: 16 });
      const errSgpt = outputError(w, sgpt.weight, gram);
      const errWanda = outputError(w, wandaPrune(w, norms, target).weight, gram);
      const errMag = outputError(w, magnitudePrune(w, target).weight, gram);
      expect(errSgpt).toBeLessThan(errWanda);
      expect(errSgpt).toBeLessThan(errMag);
      if ("sparsity" in target) expect(maskSparsity(sgpt.mask)).toBe(Math.round(target.sparsity * rows * cols) / (rows * cols));
      for (let i = 0; i < sgpt.weight.length; i++) if (!sgpt.mask[i]) expect(sgpt.weight[i]).toBe(0);
    });
  }

  it("with row-scoped masks, every row prunes exactly its share, and the error still beats Wanda's", () => {
    const sgpt = sparseGptPrune(w, gram, { sparsity: 0.5 }, { blocksize: 16, maskScope: "row" });
    for (let r = 0; r < rows; r++) expect(maskSparsity(sgpt.mask.subarray(r * cols, (r + 1) * cols))).toBe(0.5);
    const odd = sparseGptPrune(w, gram, { sparsity: 0.7 }, { blocksize: 16, maskScope: "row" });
    expect(maskSparsity(odd.mask)).toBe(Math.round(0.7 * rows * cols) / (rows * cols));
    expect(outputError(w, sgpt.weight, gram)).toBeLessThan(outputError(w, wandaPrune(w, norms, { sparsity: 0.5 }).weight, gram));
  });

  it("gives the same result for one block as for many when nothing is pruned, and handles dead inputs", () => {
    const g = Float64Array.from(gram);
    // Column 5 never fires: its row and column of the Gram matrix are zero.
    for (let j = 0; j < cols; j++) {
      g[5 * cols + j] = 0;
      g[j * cols + 5] = 0;
    }
    const none = sparseGptPrune(w, g, { sparsity: 0 });
    for (let r = 0; r < rows; r++) {
      for (let j = 0; j < cols; j++) expect(none.weight[r * cols + j]).toBe(j === 5 ? 0 : w.data[r * cols + j]);
    }
    const half = sparseGptPrune(w, g, { sparsity: 0.5 }, { blocksize: 128 });
    expect(Number.isFinite(half.loss)).toBe(true);
  });
});
