import { Rng } from "@sieve/core";
import { describe, expect, it } from "vitest";
import { magnitudePrune, magnitudePruneGlobal } from "./magnitude.js";
import { randomWeight } from "./test-data.fixture.js";
import { maskSparsity } from "./types.js";

function prunedInRow(mask: Uint8Array, r: number, cols: number): number {
  let n = 0;
  for (let j = 0; j < cols; j++) if (!mask[r * cols + j]) n++;
  return n;
}

describe("magnitude pruning", () => {
  const rng = new Rng(21);
  const w = randomWeight(rng, 10, 30);

  it("per row prunes exactly round(s·cols) in every row, the smallest |w| of the row", () => {
    const { mask, weight } = magnitudePrune(w, { sparsity: 0.6 }, "row");
    for (let r = 0; r < 10; r++) {
      expect(prunedInRow(mask, r, 30)).toBe(18);
      const kept = [...Array(30).keys()].filter((j) => mask[r * 30 + j]).map((j) => Math.abs(w.data[r * 30 + j]!));
      const gone = [...Array(30).keys()].filter((j) => !mask[r * 30 + j]).map((j) => Math.abs(w.data[r * 30 + j]!));
      expect(Math.max(...gone)).toBeLessThanOrEqual(Math.min(...kept));
      for (let j = 0; j < 30; j++) if (!mask[r * 30 + j]) expect(weight[r * 30 + j]).toBe(0);
    }
  });

  it("per row spreads a fractional s·cols over the rows (counts differ by at most one, the total is exact)", () => {
    const { mask } = magnitudePrune(w, { sparsity: 0.55 }, "row"); // 16.5 per row
    const counts = Array.from({ length: 10 }, (_, r) => prunedInRow(mask, r, 30));
    expect(new Set(counts)).toEqual(new Set([16, 17]));
    expect(counts.reduce((a, b) => a + b, 0)).toBe(165);
  });

  it("per layer prunes exactly round(s·numel) with one threshold", () => {
    const { mask } = magnitudePrune(w, { sparsity: 0.37 });
    expect(maskSparsity(mask)).toBe(Math.round(0.37 * 300) / 300);
  });

  it("globally prunes exactly round(s·total) across layers, with one threshold for all", () => {
    const layers = [randomWeight(rng, 8, 12), { ...randomWeight(rng, 5, 20), data: randomWeight(rng, 5, 20).data.map((v) => v * 3) }, randomWeight(rng, 3, 7)];
    const total = layers.reduce((n, l) => n + l.data.length, 0);
    const out = magnitudePruneGlobal(layers, 0.55);
    const pruned = out.reduce((n, o) => n + o.mask.length * maskSparsity(o.mask), 0);
    expect(Math.round(pruned)).toBe(Math.round(0.55 * total));
    const gone = out.flatMap((o, i) => [...o.mask].flatMap((m, k) => (m ? [] : [Math.abs(layers[i]!.data[k]!)])));
    const kept = out.flatMap((o, i) => [...o.mask].flatMap((m, k) => (m ? [Math.abs(layers[i]!.data[k]!)] : [])));
    expect(Math.max(...gone)).toBeLessThanOrEqual(Math.min(...kept));
    // The layer with larger weights keeps more of them.
    expect(maskSparsity(out[1]!.mask)).toBeLessThan(maskSparsity(out[0]!.mask));
  });
});
