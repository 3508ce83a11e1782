import { Rng } from "@sieve/core";
import { describe, expect, it } from "vitest";
import { transposeF32 } from "./dense-weights.js";
import { headSubsetOutput, headSubsetQuery } from "./head-projections.js";
import { sparseSwiGlu } from "./sparse-swiglu.js";

const silu = (v: number): number => v / (1 + Math.exp(-v));

/** Dense SwiGLU in f64 where only the neurons in `keep` contribute. */
function maskedDenseSwiGlu(x: Float32Array, gate: Float32Array, up: Float32Array, down: Float32Array, dim: number, hidden: number, keep: Set<number>): number[] {
  const out = new Array<number>(dim).fill(0);
  for (let j = 0; j < hidden; j++) {
    if (!keep.has(j)) continue;
    let g = 0;
    let u = 0;
    for (let i = 0; i < dim; i++) {
      g += gate[j * dim + i]! * x[i]!;
      u += up[j * dim + i]! * x[i]!;
    }
    for (let o = 0; o < dim; o++) out[o]! += silu(g) * u * down[o * hidden + j]!;
  }
  return out;
}

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 1e-5): void {
  expect(actual.length).toBe(expected.length);
  let scale = 0;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]!));
  for (let i = 0; i < expected.length; i++) expect(Math.abs(actual[i]! - expected[i]!)).toBeLessThanOrEqual(tol * Math.max(1, scale));
}

describe("sparseSwiGlu", () => {
  const rng = new Rng(11);
  const dim = 13;
  const hidden = 29;
  const gate = rng.fillNormal(new Float32Array(hidden * dim));
  const up = rng.fillNormal(new Float32Array(hidden * dim));
  const down = rng.fillNormal(new Float32Array(dim * hidden));
  const w = { dim, hidden, gate, up, downT: transposeF32(down, dim, hidden) };

  it("equals the dense MLP computed on the selected neurons only, for every row of a batch", () => {
    const rows = 3;
    const x = rng.fillNormal(new Float32Array(rows * dim));
    const neurons = Int32Array.from([0, 4, 5, 17, 28, 11]);
    const out = new Float32Array(rows * dim).fill(99);
    sparseSwiGlu(out, x, rows, w, neurons, neurons.length);
    for (let t = 0; t < rows; t++) {
      expectClose(out.subarray(t * dim, (t + 1) * dim), maskedDenseSwiGlu(x.subarray(t * dim), gate, up, down, dim, hidden, new Set(neurons)));
    }
  });

  it("with every neuron selected equals the dense MLP; with none it writes zeros", () => {
    const x = rng.fillNormal(new Float32Array(dim));
    const all = Int32Array.from({ length: hidden }, (_, j) => j);
    const out = new Float32Array(dim);
    sparseSwiGlu(out, x, 1, w, all, hidden);
    expectClose(out, maskedDenseSwiGlu(x, gate, up, down, dim, hidden, new Set(all)));
    sparseSwiGlu(out, x, 1, w, all, 0);
    expect(Array.from(out)).toEqual(new Array(dim).fill(0));
  });
});

describe("head-subset projections", () => {
  const rng = new Rng(12);
  const dim = 10;
  const nHeads = 4;
  const headDim = 3;
  const qDim = nHeads * headDim;
  const w = {
    dim,
    nHeads,
    headDim,
    q: rng.fillNormal(new Float32Array(qDim * dim)),
    qBias: rng.fillNormal(new Float32Array(qDim)),
    o: rng.fillNormal(new Float32Array(dim * qDim)),
    oBias: rng.fillNormal(new Float32Array(dim)),
  };
  const heads = Int32Array.from([1, 3]);

  it("computes queries of the selected heads only and zeroes the others", () => {
    const rows = 2;
    const x = rng.fillNormal(new Float32Array(rows * dim));
    const q = new Float32Array(rows * qDim).fill(7);
    headSubsetQuery(q, x, rows, w, heads, heads.length);
    for (let t = 0; t < rows; t++) {
      for (let i = 0; i < qDim; i++) {
        const head = Math.floor(i / headDim);
        let s = w.qBias[i]!;
        for (let c = 0; c < dim; c++) s += w.q[i * dim + c]! * x[t * dim + c]!;
        expect(q[t * qDim + i]).toBeCloseTo(heads.includes(head) ? s : 0, 4);
      }
    }
  });

  it("projects the output of the selected heads only (as if the others were zero)", () => {
    const rows = 2;
    const attn = rng.fillNormal(new Float32Array(rows * qDim));
    const out = new Float32Array(rows * dim);
    headSubsetOutput(out, attn, rows, w, heads, heads.length);
    for (let t = 0; t < rows; t++) {
      for (let o = 0; o < dim; o++) {
        let s = w.oBias[o]!;
        for (let i = 0; i < qDim; i++) if (heads.includes(Math.floor(i / headDim))) s += w.o[o * qDim + i]! * attn[t * qDim + i]!;
        expect(out[t * dim + o]).toBeCloseTo(s, 4);
      }
    }
  });
});
