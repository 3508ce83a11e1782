import { Rng } from "@sieve/core";
import { describe, expect, it } from "vitest";
import { selectTopK } from "./partial-select.js";

describe("selectTopK", () => {
  it("matches a full sort (value descending, lower index on ties)", () => {
    const rng = new Rng(3);
    for (const [n, k] of [[1, 1], [10, 3], [1000, 1], [1000, 64], [777, 777], [50, 100]] as const) {
      // Few distinct values, so ties are common.
      const values = Float32Array.from({ length: n }, () => Math.floor(rng.uniform(0, 20)));
      const expected = Array.from(values.keys()).sort((a, b) => values[b]! - values[a]! || a - b).slice(0, k);
      const out = new Int32Array(Math.min(n, k));
      expect(selectTopK(values, k, out)).toBe(Math.min(n, k));
      expect(Array.from(out)).toEqual(expected);
    }
  });
});
