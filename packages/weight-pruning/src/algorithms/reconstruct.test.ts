import { Rng } from "@sieve/core";
import { describe, expect, it } from "vitest";
import { gramOf, outputError } from "./layer-error.js";
import { magnitudePrune } from "./magnitude.js";
import { reconstructKeptWeights } from "./reconstruct.js";
import { correlatedInputs, randomWeight } from "./test-data.fixture.js";
import { columnNorms, wandaPrune } from "./wanda.js";

describe("least-squares reconstruction of kept weights", () => {
  const rng = new Rng(31);
  const rows = 16;
  const cols = 40;
  const tokens = 200;
  const w = randomWeight(rng, rows, cols);
  const x = correlatedInputs(rng, tokens, cols);
  const gram = gramOf(x, tokens, cols);

  for (const [name, pruned] of [
    ["magnitude 50%", magnitudePrune(w, { sparsity: 0.5 })],
    ["wanda 2:4", wandaPrune(w, columnNorms(x, tokens, cols), { pattern: { n: 2, m: 4 } })],
  ] as const) {
    it(`reduces the layer error of ${name} and keeps the mask`, () => {
      const refit = reconstructKeptWeights(w, pruned.mask, gram);
      expect(outputError(w, refit, gram)).toBeLessThan(0.9 * outputError(w, pruned.weight, gram));
      for (let i = 0; i < refit.length; i++) if (!pruned.mask[i]) expect(refit[i]).toBe(0);
    });
  }

  it("with no ridge and nothing pruned, returns the dense weights; a huge ridge returns the masked ones", () => {
    const all = new Uint8Array(rows * cols).fill(1);
    const same = reconstructKeptWeights(w, all, gram, { ridge: 0 });
    for (let i = 0; i < same.length; i++) expect(same[i]).toBeCloseTo(w.data[i]!, 3);
    const { mask, weight } = magnitudePrune(w, { sparsity: 0.5 });
    const stiff = reconstructKeptWeights(w, mask, gram, { ridge: 1e9 });
    for (let i = 0; i < stiff.length; i++) expect(stiff[i]).toBeCloseTo(weight[i]!, 3);
  });
});
