import { describe, expect, it } from "vitest";
import { Rng } from "./rng.js";
import { Tensor, contiguousStrides } from "./tensor.js";

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe("Tensor", () => {
  it("computes row-major strides and reads elements", () => {
    const t = Tensor.fromArray(range(24), [2, 3, 4]);
    expect(t.strides).toEqual([12, 4, 1]);
    expect(contiguousStrides([5])).toEqual([1]);
    expect(t.get(1, 2, 3)).toBe(23);
    expect(t.get(0, 1, 0)).toBe(4);
    expect(() => t.get(2, 0, 0)).toThrow(RangeError);
  });

  it("views share storage and copy nothing", () => {
    const t = Tensor.fromArray(range(12), [3, 4]);
    const v = t.view([4, 3]);
    expect(v.data).toBe(t.data);
    v.set(100, 0, 0);
    expect(t.get(0, 0)).toBe(100);
    expect(t.view([-1]).shape).toEqual([12]);
    expect(() => t.view([5, 3])).toThrow(RangeError);
  });

  it("narrows, slices and selects as views", () => {
    const t = Tensor.fromArray(range(20), [4, 5]);
    const n = t.narrow(1, 1, 3);
    expect(n.shape).toEqual([4, 3]);
    expect(n.data).toBe(t.data);
    expect(n.toArray()).toEqual([1, 2, 3, 6, 7, 8, 11, 12, 13, 16, 17, 18]);
    expect(n.isContiguous()).toBe(false);
    expect(t.slice(0, -2).toArray()).toEqual(range(10).map((i) => i + 10));
    expect(t.select(0, 2).toArray()).toEqual([10, 11, 12, 13, 14]);
    expect(t.select(1, -1).toArray()).toEqual([4, 9, 14, 19]);
    expect(() => t.narrow(0, 3, 2)).toThrow(RangeError);
  });

  it("transposes and permutes without copying, and contiguous() materializes", () => {
    const t = Tensor.fromArray(range(6), [2, 3]);
    const tt = t.transpose();
    expect(tt.shape).toEqual([3, 2]);
    expect(tt.data).toBe(t.data);
    expect(tt.toArray()).toEqual([0, 3, 1, 4, 2, 5]);
    expect(tt.isContiguous()).toBe(false);
    expect(() => tt.view([6])).toThrow(/contiguous/);
    const c = tt.contiguous();
    expect(c.isContiguous()).toBe(true);
    expect(Array.from(c.data)).toEqual([0, 3, 1, 4, 2, 5]);
    expect(tt.reshape([6]).toArray()).toEqual([0, 3, 1, 4, 2, 5]);

    const x = Tensor.fromArray(range(24), [2, 3, 4]);
    const p = x.permute([2, 0, 1]);
    expect(p.shape).toEqual([4, 2, 3]);
    expect(p.get(3, 1, 2)).toBe(x.get(1, 2, 3));
    expect(p.permute([1, 2, 0]).toArray()).toEqual(x.toArray());
  });

  it("converts dtypes with round-to-nearest-even", () => {
    const t = Tensor.fromArray([1, 1 + 2 ** -11, 1 + 3 * 2 ** -11, 65504, 1e6], [5]);
    const h = t.to("f16");
    expect(h.dtype).toBe("f16");
    expect(h.toArray()).toEqual([1, 1, 1 + 2 ** -9, 65504, Infinity]);
    const b = t.to("bf16");
    expect(b.toArray()[0]).toBe(1);
    expect(Tensor.fromArray([1.7, -2.2], [2], "i32").toArray()).toEqual([1, -2]);
    expect(Tensor.fromArray([3, 4], [2], "i64").toArray()).toEqual([3, 4]);
  });

  it("handles scalars and empty tensors", () => {
    const s = Tensor.fromArray([5], []);
    expect(s.numel).toBe(1);
    expect(s.get()).toBe(5);
    const e = Tensor.zeros([0, 3], "f32");
    expect(e.numel).toBe(0);
    expect(e.toArray()).toEqual([]);
    expect(e.transpose().contiguous().shape).toEqual([3, 0]);
  });

  it("randn is deterministic per seed", () => {
    const a = Tensor.randn([4, 4], new Rng(9));
    const b = Tensor.randn([4, 4], new Rng(9));
    expect(a.toArray()).toEqual(b.toArray());
  });

  it("rejects views outside the storage", () => {
    expect(() => new Tensor("f32", new Float32Array(4), [2, 3])).toThrow(RangeError);
    expect(() => Tensor.wrap("f32", new Float32Array(5), [2, 3])).toThrow(RangeError);
  });
});
