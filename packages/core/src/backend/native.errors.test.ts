// Bad arguments to the native ops throw a TypeError/RangeError naming the argument; nothing reads
// or writes out of bounds and the process survives. Calls go to the addon directly so that the
// raw enum codes and argument positions of native-surface.ts are exercised too.
import { describe, expect, it } from "vitest";
import { nativeBackendOrNull } from "../testing/parity.js";

const native = nativeBackendOrNull();

type Case = [name: string, call: () => void, error: typeof TypeError | typeof RangeError, message: RegExp];

describe.skipIf(!native)("native ops reject bad arguments", () => {
  // Collected (not run) when the addon is missing, so nothing here may dereference it eagerly.
  const a = native?.addon as NonNullable<typeof native>["addon"];
  const f = (n: number): Float32Array => new Float32Array(n);
  const i = (...v: number[]): Int32Array => Int32Array.from(v);
  const bad = new Float64Array(8) as unknown as Float32Array;

  const cases: Case[] = [
    // elementwise
    ["add: wrong array type", () => a.add(f(4), bad, f(4)), TypeError, /add: argument 1 \(a\) has the wrong array type/],
    ["add: short input", () => a.add(f(4), f(4), f(3)), RangeError, /add: b has 3 elements, needs 4/],
    ["mul: missing argument", () => (a.mul as (...x: unknown[]) => void)(f(4), f(4)), TypeError, /mul: argument 2 \(b\)/],
    ["scale: non-number", () => a.scale(f(4), f(4), "2" as unknown as number), TypeError, /scale: argument 2 \(s\)/],
    ["scale: NaN factor", () => a.scale(f(4), f(4), NaN), RangeError, /\(s\) must be finite/],
    ["silu: short input", () => a.silu(f(9), f(8)), RangeError, /silu: x has 8 elements, needs 9/],
    ["gelu: invalid code", () => a.gelu(f(4), f(4), 2), RangeError, /gelu: argument 2 \(approximate\)/],
    ["gelu: fractional code", () => a.gelu(f(4), f(4), 0.5), RangeError, /approximate/],
    ["swiglu: partial overlap", () => { const buf = f(9); a.swiglu(buf.subarray(0, 8), buf.subarray(1), f(8)); }, RangeError, /partially overlaps gate/],
    // rows
    ["rmsNorm: x too short", () => a.rmsNorm(f(8), f(7), f(4), 2, 4, 1e-5), RangeError, /rmsNorm: x has 7 elements, needs 8/],
    ["rmsNorm: weight too short", () => a.rmsNorm(f(8), f(8), f(3), 2, 4, 1e-5), RangeError, /weight has 3/],
    ["rmsNorm: negative rows", () => a.rmsNorm(f(8), f(8), f(4), -2, 4, 1e-5), RangeError, /\(rows\) must be a non-negative integer/],
    ["rmsNorm: fractional dim", () => a.rmsNorm(f(8), f(8), f(4), 2, 4.5, 1e-5), RangeError, /\(dim\)/],
    ["rmsNorm: negative eps", () => a.rmsNorm(f(8), f(8), f(4), 2, 4, -1), RangeError, /\(eps\) must be >= 0/],
    ["rmsNorm: overflowing sizes", () => a.rmsNorm(f(8), f(8), f(4), 2 ** 40, 2 ** 40, 1e-5), RangeError, /too large/],
    ["layerNorm: bias too short", () => a.layerNorm(f(8), f(8), f(4), f(3), 2, 4, 1e-5), RangeError, /bias has 3/],
    ["layerNorm: bias wrong type", () => a.layerNorm(f(8), f(8), f(4), bad, 2, 4, 1e-5), TypeError, /\(bias\)/],
    ["softmax: out too short", () => a.softmax(f(5), f(6), 2, 3), RangeError, /softmax: out has 5 elements, needs 6/],
    ["logSoftmax: wrong type", () => a.logSoftmax(f(6), new Int32Array(6) as unknown as Float32Array, 2, 3), TypeError, /\(x\)/],
    ["rope: too many frequencies", () => a.rope(f(8), i(0), 1, 1, 8, f(5), 1), RangeError, /rope: invFreq has 5 entries/],
    ["rope: invalid style", () => a.rope(f(8), i(0), 1, 1, 8, f(4), 2), RangeError, /\(style\) must be 0 \(interleaved\) or 1 \(half\)/],
    ["rope: positions too short", () => a.rope(f(16), i(0), 2, 1, 8, f(4), 0), RangeError, /positions has 1/],
    ["rope: x too short", () => a.rope(f(15), i(0, 1), 2, 1, 8, f(4), 0), RangeError, /rope: x has 15/],
    ["rope: positions as floats", () => a.rope(f(8), f(1) as unknown as Int32Array, 1, 1, 8, f(4), 0), TypeError, /\(positions\)/],
    // lookups and selection
    ["embedding: id out of range", () => a.embedding(f(8), f(12), 0, i(0, 3), 4), RangeError, /ids\[1\] = 3 is outside the vocabulary \[0, 3\)/],
    ["embedding: negative id", () => a.embedding(f(8), f(12), 0, i(-1, 0), 4), RangeError, /ids\[0\] = -1/],
    ["embedding: invalid dtype code", () => a.embedding(f(8), f(12), 3, i(0), 4), RangeError, /\(dt\) must be 0 \(f32\), 1 \(f16\) or 2 \(bf16\)/],
    ["embedding: f16 code with f32 table", () => a.embedding(f(8), f(12), 1, i(0), 4), TypeError, /table \(a Uint16Array/],
    ["embedding: ragged table", () => a.embedding(f(8), f(13), 0, i(0), 4), RangeError, /not a multiple of dim 4/],
    ["embedding: zero dim", () => a.embedding(f(8), f(12), 0, i(0), 0), RangeError, /\(dim\) must be at least 1/],
    ["embedding: out too short", () => a.embedding(f(7), f(12), 0, i(0, 1), 4), RangeError, /out has 7 elements, needs 8/],
    ["argmax: out too short", () => a.argmax(new Int32Array(1), f(6), 2, 3), RangeError, /argmax: out has 1/],
    ["argmax: zero cols", () => a.argmax(new Int32Array(2), f(6), 2, 0), RangeError, /cols must be at least 1/],
    ["argmax: out as floats", () => a.argmax(f(2) as unknown as Int32Array, f(6), 2, 3), TypeError, /\(out\)/],
    ["topk: k > cols", () => a.topk(f(8), new Int32Array(8), f(6), 2, 3, 4), RangeError, /topk: k = 4 exceeds cols = 3/],
    ["topk: indices too short", () => a.topk(f(4), new Int32Array(3), f(6), 2, 3, 2), RangeError, /outIndices has 3/],
    ["topk: outputs alias x", () => { const x = f(6); a.topk(x, new Int32Array(4), x, 2, 3, 2); }, RangeError, /outValues must not share memory with x/],
    ["crossEntropy: target out of range", () => a.crossEntropy(f(2), f(6), i(0, 3), 2, 3), RangeError, /targets\[1\] = 3 is outside \[0, 3\)/],
    ["crossEntropy: negative target", () => a.crossEntropy(f(2), f(6), i(-100, 0), 2, 3), RangeError, /targets\[0\] = -100/],
    ["crossEntropy: targets too short", () => a.crossEntropy(f(2), f(6), i(0), 2, 3), RangeError, /targets has 1/],
    // paged KV
    ["pagedKvWrite: slot out of range", () => a.pagedKvWrite(f(16), f(16), f(8), f(8), i(0, 4), 2, 1, 4), RangeError, /slots\[1\] = 4 is outside the pool's 4 slots/],
    ["pagedKvWrite: negative slot", () => a.pagedKvWrite(f(16), f(16), f(8), f(8), i(-1, 0), 2, 1, 4), RangeError, /slots\[0\] = -1/],
    ["pagedKvWrite: v too short", () => a.pagedKvWrite(f(16), f(16), f(8), f(7), i(0, 1), 2, 1, 4), RangeError, /v has 7/],
    ["pagedKvWrite: zero heads", () => a.pagedKvWrite(f(16), f(16), f(8), f(8), i(0, 1), 2, 0, 4), RangeError, /\(nKvHeads\) must be at least 1/],
    ["pagedKvWrite: same pool twice", () => { const p = f(16); a.pagedKvWrite(p, p, f(8), f(8), i(0, 1), 2, 1, 4); }, RangeError, /kPool must not share memory with vPool/],
  ];

  // One valid pagedAttention call: 2 sequences, pages of 2, pools of 4 pages, 1 KV head of dim 4.
  const attn = () => ({
    out: f(2 * 2 * 4),
    q: f(2 * 2 * 4),
    kPool: f(4 * 2 * 1 * 4),
    vPool: f(4 * 2 * 1 * 4),
    blockTable: i(2, 0, -1, 3, -1, -1), // seq 0: pages 2, 0; seq 1: page 3
    tokenSeq: i(0, 1),
    tokenPos: i(3, 1),
    numTokens: 2,
    nHeads: 2,
    nKvHeads: 1,
    headDim: 4,
    pageSize: 2,
    maxPagesPerSeq: 3,
    scale: 0.5,
  });
  type Attn = ReturnType<typeof attn>;
  const callAttn = (o: Partial<Attn>) => () => {
    const p = { ...attn(), ...o };
    a.pagedAttention(p.out, p.q, p.kPool, p.vPool, p.blockTable, p.tokenSeq, p.tokenPos, p.numTokens, p.nHeads, p.nKvHeads, p.headDim, p.pageSize, p.maxPagesPerSeq, p.scale);
  };
  cases.push(
    ["pagedAttention: nHeads not a multiple of nKvHeads", callAttn({ nHeads: 3, nKvHeads: 2, out: f(24), q: f(24) }), RangeError, /nHeads 3 is not a multiple of nKvHeads 2/],
    ["pagedAttention: sequence out of range", callAttn({ tokenSeq: i(0, 2) }), RangeError, /tokenSeq\[1\] = 2 is outside the block table's 2 rows/],
    ["pagedAttention: position past the table", callAttn({ tokenPos: i(6, 1) }), RangeError, /tokenPos\[0\] = 6 is outside \[0, 6\)/],
    ["pagedAttention: negative position", callAttn({ tokenPos: i(-1, 1) }), RangeError, /tokenPos\[0\] = -1/],
    ["pagedAttention: unmapped page in range", callAttn({ tokenPos: i(3, 2) }), RangeError, /token 1 \(sequence 1, position 2\) needs logical page 1, but blockTable holds -1/],
    ["pagedAttention: page id past the pool", callAttn({ blockTable: i(2, 4, -1, 3, -1, -1) }), RangeError, /blockTable holds 4 \(the pools have 4 pages\)/],
    ["pagedAttention: pool too small for its pages", callAttn({ vPool: f(3 * 2 * 4) }), RangeError, /blockTable holds 3 \(the pools have 3 pages\)/],
    ["pagedAttention: q too short", callAttn({ q: f(15) }), RangeError, /q has 15 elements, needs 16/],
    ["pagedAttention: zero page size", callAttn({ pageSize: 0 }), RangeError, /\(pageSize\) must be at least 1/],
    ["pagedAttention: infinite scale", callAttn({ scale: Infinity }), RangeError, /\(scale\) must be finite/],
    ["pagedAttention: block table as floats", callAttn({ blockTable: f(6) as unknown as Int32Array }), TypeError, /\(blockTable\)/],
    ["pagedAttention: out aliases q", () => { const p = attn(); a.pagedAttention(p.q, p.q, p.kPool, p.vPool, p.blockTable, p.tokenSeq, p.tokenPos, 2, 2, 1, 4, 2, 3, 0.5); }, RangeError, /out must not share memory with q/],
    // A -1 below a token's own page is a hole (skipped); at its own page it is still an error.
    ["pagedAttention: hole at the token's own page", callAttn({ blockTable: i(-1, 0, -1, 3, -1, -1), tokenPos: i(1, 1) }), RangeError, /token 0 \(sequence 0, position 1\) needs logical page 0, but blockTable holds -1/],
    ["pagedAttention: negative page id other than -1", callAttn({ blockTable: i(-2, 0, -1, 3, -1, -1) }), RangeError, /needs logical page 0, but blockTable holds -2/],
    ["pagedAttention: heads not increasing", () => { const p = attn(); a.pagedAttention(p.out, p.q, p.kPool, p.vPool, p.blockTable, p.tokenSeq, p.tokenPos, 2, 2, 1, 4, 2, 3, 0.5, i(1, 0)); }, RangeError, /heads\[1\] = 0 must be in \[0, 2\) and greater than the previous entry/],
    ["pagedAttention: head id out of range", () => { const p = attn(); a.pagedAttention(p.out, p.q, p.kPool, p.vPool, p.blockTable, p.tokenSeq, p.tokenPos, 2, 2, 1, 4, 2, 3, 0.5, i(2)); }, RangeError, /heads\[0\] = 2/],
    ["pagedAttention: heads as floats", () => { const p = attn(); a.pagedAttention(p.out, p.q, p.kPool, p.vPool, p.blockTable, p.tokenSeq, p.tokenPos, 2, 2, 1, 4, 2, 3, 0.5, f(1) as unknown as Int32Array); }, TypeError, /\(heads\)/],
  );

  for (const [name, call, error, message] of cases) {
    it(name, () => {
      expect(call).toThrow(error);
      expect(call).toThrow(message);
    });
  }

  it("the valid baselines of the cases above do run", () => {
    expect(callAttn({})).not.toThrow();
    expect(() => a.pagedKvWrite(f(16), f(16), f(8), f(8), i(0, 3), 2, 1, 4)).not.toThrow();
    expect(() => a.embedding(f(8), f(12), 0, i(0, 2), 4)).not.toThrow();
    expect(() => a.topk(f(4), new Int32Array(4), f(6), 2, 3, 2)).not.toThrow();
    // Zero-sized work is fine.
    expect(() => a.softmax(f(0), f(0), 0, 5)).not.toThrow();
    expect(() => a.pagedAttention(f(0), f(0), f(0), f(0), new Int32Array(0), new Int32Array(0), new Int32Array(0), 0, 1, 1, 4, 16, 0, 1)).not.toThrow();
  });

  it("a rejected call leaves its outputs untouched", () => {
    const out = new Float32Array(8).fill(7);
    expect(() => a.embedding(out, f(12), 0, i(0, 5), 4)).toThrow(RangeError);
    expect(out.every((v) => v === 7)).toBe(true);
    const kPool = new Float32Array(16).fill(7);
    expect(() => a.pagedKvWrite(kPool, f(16), f(8).fill(1), f(8), i(0, 9), 2, 1, 4)).toThrow(RangeError);
    expect(kPool.every((v) => v === 7)).toBe(true);
  });

  it("the backend adapter rejects unknown enum strings instead of passing garbage", () => {
    expect(() => native!.gelu(f(4), f(4), "fast" as never)).toThrow(TypeError);
    expect(() => native!.rope(f(8), i(0), 1, 1, 8, f(4), "neox" as never)).toThrow(TypeError);
  });
});

describe.skipIf(!native)("native kernel names", () => {
  it("report avx2 only where an AVX2 kernel exists", () => {
    const nb = native!;
    try {
      const cpu = nb.addon.info().cpu;
      if (cpu.avx2 && cpu.fma && cpu.f16c) {
        nb.setIsa("avx2");
        const k = nb.describe().kernels;
        for (const op of ["add", "rmsNorm", "layerNorm", "rope", "softmax", "logSoftmax", "silu", "gelu", "swiglu", "embedding", "argmax", "crossEntropy", "pagedAttention"]) {
          expect(k[op], op).toBe("avx2");
        }
        expect(k.topk).toBe("portable");
        expect(k.pagedKvWrite).toBe("portable");
      }
      nb.setIsa("portable");
      const k = nb.describe().kernels;
      for (const op of ["add", "rmsNorm", "rope", "softmax", "topk", "pagedKvWrite", "pagedAttention"]) expect(k[op], op).toBe("portable");
    } finally {
      nb.setIsa("auto");
    }
  });
});
