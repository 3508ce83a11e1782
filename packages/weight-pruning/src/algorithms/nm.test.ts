import { Rng } from "@sieve/core";
import { describe, expect, it } from "vitest";
import { gramOf } from "./layer-error.js";
import { magnitudePrune } from "./magnitude.js";
import { firstNmViolation, isNmSparse, nmSparsity, parseNmPattern } from "./nm.js";
import { reconstructKeptWeights } from "./reconstruct.js";
import { sparseGptPrune } from "./sparsegpt.js";
import { correlatedInputs, randomWeight } from "./test-data.fixture.js";
import type { NmPattern, PrunedWeight, WeightMatrix } from "./types.js";
import { columnNorms, wandaPrune } from "./wanda.js";

describe("N:M patterns", () => {
  const rng = new Rng(8);
  // 44 columns: 2:4 splits evenly, 4:8 leaves a trailing group of 4 (kept whole: at most 4 nonzeros).
  const w = randomWeight(rng, 12, 44);
  const tokens = 128;
  const x = correlatedInputs(rng, tokens, 44);
  const gram = gramOf(x, tokens, 44);
  const norms = columnNorms(x, tokens, 44);
  const methods: Record<string, (w: WeightMatrix, p: NmPattern) => PrunedWeight> = {
    magnitude: (m, p) => magnitudePrune(m, { pattern: p }),
    wanda: (m, p) => wandaPrune(m, norms, { pattern: p }),
    sparsegpt: (m, p) => sparseGptPrune(m, gram, { pattern: p }, { blocksize: 16 }),
    "wanda + reconstruction": (m, p) => {
      const r = wandaPrune(m, norms, { pattern: p });
      return { mask: r.mask, weight: reconstructKeptWeights(m, r.mask, gram) };
    },
  };

  for (const text of ["2:4", "4:8"]) {
    for (const [name, run] of Object.entries(methods)) {
      it(`${name} ${text}: every aligned group of m columns of every row has at most n nonzeros`, () => {
        const p = parseNmPattern(text);
        const { weight, mask } = run(w, p);
        expect(firstNmViolation(weight, 12, 44, p)).toBeUndefined();
        expect(isNmSparse(mask, 12, 44, p)).toBe(true);
        // And exactly n kept per full group: the pattern is used to the full.
        let kept = 0;
        for (const m of mask) kept += m;
        expect(1 - kept / mask.length).toBeCloseTo(nmSparsity(44, p), 12);
      });
    }
  }

  it("finds violations and parses patterns", () => {
    expect(firstNmViolation([1, 1, 1, 0, 0, 0, 0, 0], 1, 8, { n: 2, m: 4 })).toEqual({ row: 0, col: 0, nonzeros: 3 });
    expect(() => parseNmPattern("4:2")).toThrow(/invalid N:M/);
    expect(() => parseNmPattern("2/4")).toThrow(/not of the form/);
  });
});
