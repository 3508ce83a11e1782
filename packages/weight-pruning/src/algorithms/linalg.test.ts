import { Rng } from "@sieve/core";
import { describe, expect, it } from "vitest";
import { cholesky, choleskySolveInPlace, choleskyUpper, inverseSpd, NotPositiveDefiniteError } from "./linalg.js";

function randomSpd(rng: Rng, n: number): Float64Array {
  const b = rng.fillNormal(new Float64Array(n * n));
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) for (let k = 0; k < n; k++) a[i * n + j] += b[k * n + i]! * b[k * n + j]!;
  for (let i = 0; i < n; i++) a[i * n + i] += 0.5;
  return a;
}

describe("Cholesky helpers", () => {
  const rng = new Rng(2);
  const n = 9;
  const a = randomSpd(rng, n);

  it("factor, inverse, upper factor and solve agree with A", () => {
    const l = cholesky(a, n);
    const inv = inverseSpd(a, n);
    const u = choleskyUpper(a, n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let llt = 0;
        let utu = 0;
        let ai = 0;
        for (let k = 0; k < n; k++) {
          llt += l[i * n + k]! * l[j * n + k]!;
          utu += u[k * n + i]! * u[k * n + j]!;
          ai += a[i * n + k]! * inv[k * n + j]!;
        }
        expect(llt).toBeCloseTo(a[i * n + j]!, 9);
        expect(utu).toBeCloseTo(a[i * n + j]!, 9);
        expect(ai).toBeCloseTo(i === j ? 1 : 0, 9);
      }
    }
    const b = rng.fillNormal(new Float64Array(n));
    const x = b.slice();
    choleskySolveInPlace(l, n, x);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += a[i * n + k]! * x[k]!;
      expect(s).toBeCloseTo(b[i]!, 9);
    }
  });

  it("rejects a matrix that is not positive definite", () => {
    expect(() => cholesky(Float64Array.from([1, 2, 2, 1]), 2)).toThrow(NotPositiveDefiniteError);
  });
});
