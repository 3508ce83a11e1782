import { describe, expect, it } from "vitest";
import { Rng } from "../../tensor/rng.js";
import { rope, ropeInvFreq } from "./rope.js";

describe("reference rope", () => {
  it("matches a hand-computed rotation in both styles", () => {
    const invFreq = Float32Array.of(1, 0.5);
    const pos = Int32Array.of(2);
    const c2 = Math.cos(2), s2 = Math.sin(2), c1 = Math.cos(1), s1 = Math.sin(1);

    const a = Float32Array.of(1, 2, 3, 4);
    rope(a, pos, 1, 1, 4, invFreq, "interleaved"); // pairs (0,1) at angle 2, (2,3) at angle 1
    const wantA = [1 * c2 - 2 * s2, 1 * s2 + 2 * c2, 3 * c1 - 4 * s1, 3 * s1 + 4 * c1];
    wantA.forEach((w, i) => expect(a[i]).toBeCloseTo(w, 6));

    const b = Float32Array.of(1, 2, 3, 4);
    rope(b, pos, 1, 1, 4, invFreq, "half"); // pairs (0,2) at angle 2, (1,3) at angle 1
    const wantB = [1 * c2 - 3 * s2, 2 * c1 - 4 * s1, 1 * s2 + 3 * c2, 2 * s1 + 4 * c1];
    wantB.forEach((w, i) => expect(b[i]).toBeCloseTo(w, 6));
  });

  it("preserves each pair's norm, leaves non-rotary dims alone, is the identity at position 0", () => {
    const rng = new Rng(5);
    const rows = 3, nHeads = 2, headDim = 10;
    const invFreq = Float32Array.of(1, 0.1, 0.01); // 6 of 10 dims rotate
    const x = rng.fillNormal(new Float32Array(rows * nHeads * headDim));
    const before = x.slice();
    const positions = Int32Array.of(0, 7, 1000);
    rope(x, positions, rows, nHeads, headDim, invFreq, "half");
    for (let r = 0; r < rows; r++) {
      for (let h = 0; h < nHeads; h++) {
        const base = (r * nHeads + h) * headDim;
        for (let i = 0; i < 3; i++) {
          const n0 = Math.hypot(before[base + i]!, before[base + i + 3]!);
          const n1 = Math.hypot(x[base + i]!, x[base + i + 3]!);
          expect(n1).toBeCloseTo(n0, 5);
        }
        for (let d = 6; d < headDim; d++) expect(x[base + d]).toBe(before[base + d]);
        if (r === 0) for (let d = 0; d < headDim; d++) expect(x[base + d]).toBe(before[base + d]);
      }
    }
  });

  it("interleaved on x equals half on the de-interleaved x", () => {
    const rng = new Rng(6);
    const headDim = 8, n = 4;
    const invFreq = ropeInvFreq({ headDim, theta: 10000 });
    const x = rng.fillNormal(new Float32Array(headDim));
    const perm = (i: number): number => (i % 2 === 0 ? i / 2 : n + (i - 1) / 2); // interleaved dim -> half dim
    const y = new Float32Array(headDim);
    for (let i = 0; i < headDim; i++) y[perm(i)] = x[i]!;
    rope(x, Int32Array.of(37), 1, 1, headDim, invFreq, "interleaved");
    rope(y, Int32Array.of(37), 1, 1, headDim, invFreq, "half");
    for (let i = 0; i < headDim; i++) expect(y[perm(i)]).toBeCloseTo(x[i]!, 6);
  });

  it("makes q.k depend only on the position difference", () => {
    const rng = new Rng(7);
    const headDim = 16;
    const invFreq = ropeInvFreq({ headDim, theta: 10000 });
    const q = rng.fillNormal(new Float32Array(headDim));
    const k = rng.fillNormal(new Float32Array(headDim));
    const dotAt = (m: number, n: number): number => {
      const qq = q.slice(), kk = k.slice();
      rope(qq, Int32Array.of(m), 1, 1, headDim, invFreq, "half");
      rope(kk, Int32Array.of(n), 1, 1, headDim, invFreq, "half");
      return qq.reduce((s, v, i) => s + v * kk[i]!, 0);
    };
    expect(dotAt(10, 3)).toBeCloseTo(dotAt(107, 100), 4);
  });

  it("validates sizes and style", () => {
    const x = new Float32Array(8);
    expect(() => rope(x, Int32Array.of(0), 1, 1, 8, new Float32Array(5), "half")).toThrow(/headDim/);
    expect(() => rope(x, Int32Array.of(0), 2, 1, 8, new Float32Array(4), "half")).toThrow(RangeError);
    expect(() => rope(x, new Int32Array(0), 1, 1, 8, new Float32Array(4), "half")).toThrow(/positions/);
    expect(() => rope(x, Int32Array.of(0), 1, 1, 8, new Float32Array(4), "neox" as never)).toThrow(/style/);
  });
});

describe("ropeInvFreq", () => {
  it("is theta^(-2i/d) without scaling, over the rotary dims only", () => {
    const f = ropeInvFreq({ headDim: 64, theta: 10000 });
    expect(f.length).toBe(32);
    expect(f[0]).toBe(1);
    expect(f[1]).toBeCloseTo(Math.pow(10000, -2 / 64), 7);
    expect(f[31]).toBeCloseTo(Math.pow(10000, -62 / 64), 9);
    const partial = ropeInvFreq({ headDim: 64, rotaryDim: 16, theta: 10000 });
    expect(partial.length).toBe(8);
    expect(partial[1]).toBeCloseTo(Math.pow(10000, -2 / 16), 7);
  });

  it("matches transformers' llama3 scaling for the Llama 3.1 configuration", () => {
    const f = ropeInvFreq({
      headDim: 128,
      theta: 500000,
      scaling: { type: "llama3", factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositionEmbeddings: 8192 },
    });
    const plain = ropeInvFreq({ headDim: 128, theta: 500000 });
    // Values of transformers' computation (float32), index -> inv_freq.
    const known: Array<[number, number]> = [
      [0, 1.0],
      [1, 0.8146172165870667],
      [10, 0.12868738174438477],
      [28, 0.0032114461064338684],
      [29, 0.0021665706299245358],
      [30, 0.0013718936825171113],
      [32, 0.0005248460220173001],
      [34, 0.0001785077911335975],
      [35, 9.556212899042293e-5],
      [50, 4.411534519022098e-6],
      [63, 3.068925877869333e-7],
    ];
    for (const [i, want] of known) expect(Math.abs(f[i]! - want) / want).toBeLessThan(2e-6);
    // Wavelength < 2048 (i <= 28) unchanged, > 8192 (i >= 35) divided by 8, smooth blend between.
    for (let i = 0; i <= 28; i++) expect(f[i]).toBe(plain[i]);
    for (let i = 35; i < 64; i++) expect(f[i]).toBeCloseTo(plain[i]! / 8, 12);
    for (let i = 29; i <= 34; i++) {
      expect(f[i]!).toBeLessThan(plain[i]!);
      expect(f[i]!).toBeGreaterThan(plain[i]! / 8);
    }
  });

  it("linear scaling divides every frequency, and bad parameters throw", () => {
    const plain = ropeInvFreq({ headDim: 32, theta: 10000 });
    const lin = ropeInvFreq({ headDim: 32, theta: 10000, scaling: { type: "linear", factor: 4 } });
    plain.forEach((v, i) => expect(lin[i]).toBeCloseTo(v / 4, 9));
    expect(() => ropeInvFreq({ headDim: 32, rotaryDim: 7, theta: 10000 })).toThrow(RangeError);
    expect(() => ropeInvFreq({ headDim: 32, theta: 0 })).toThrow(RangeError);
    expect(() => ropeInvFreq({ headDim: 32, theta: 10000, scaling: { type: "yarn" } as never })).toThrow(RangeError);
  });
});
