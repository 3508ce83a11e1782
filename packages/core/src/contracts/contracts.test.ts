import { describe, expect, it } from "vitest";
import { referenceBackend } from "../backend/reference.js";
import { Rng } from "../tensor/rng.js";
import { DenseLinear } from "./linear.js";
import { ModuleTree } from "./module-tree.js";
import { PageAllocator, PagedKvCache } from "./paged-kv.js";
import { ActivationTaps } from "./taps.js";

describe("DenseLinear", () => {
  it("computes x W^T + b for one row and for a batch, and describes itself", () => {
    const rng = new Rng(5);
    const w = rng.fillNormal(new Float32Array(3 * 4));
    const bias = Float32Array.from([1, 2, 3]);
    const lin = new DenseLinear(w, "f32", 3, 4, bias, () => referenceBackend);
    const x = rng.fillNormal(new Float32Array(2 * 4));
    const out = new Float32Array(6);
    lin.forward(out, x, 2);
    for (let r = 0; r < 2; r++) {
      for (let o = 0; o < 3; o++) {
        let s = bias[o]!;
        for (let i = 0; i < 4; i++) s += x[r * 4 + i]! * w[o * 4 + i]!;
        expect(out[r * 3 + o]).toBeCloseTo(s, 5);
      }
    }
    const one = new Float32Array(3);
    lin.forward(one, x.subarray(0, 4), 1);
    expect(Array.from(one)).toEqual(Array.from(out.subarray(0, 3)));
    expect(lin.describe()).toMatchObject({ kind: "dense", dtype: "f32", bytes: 12 * 4 + 12, weightSparsity: 0 });
    expect(() => new DenseLinear(w, "f32", 4, 4, null, () => referenceBackend)).toThrow(RangeError);
  });
});

describe("ModuleTree", () => {
  it("lists slots by kind and swaps them in place", () => {
    const owner = { q: "dense-q", k: "dense-k" };
    const tree = new ModuleTree();
    tree.add("layers.0.q", "linear", owner, "q");
    tree.add("layers.0.k", "linear", owner, "k");
    expect(tree.list("linear").map((s) => s.path)).toEqual(["layers.0.q", "layers.0.k"]);
    tree.get<string>("layers.0.q").set("pruned-q");
    expect(owner.q).toBe("pruned-q");
    expect(() => tree.get("nope")).toThrow(/no slot/);
    expect(() => tree.add("layers.0.q", "linear", owner, "q")).toThrow(/twice/);
  });
});

describe("ActivationTaps", () => {
  it("emits only to listeners of a point, and unsubscribes", () => {
    const taps = new ActivationTaps();
    const seen: string[] = [];
    expect(taps.active("a")).toBe(false);
    const off = taps.on("a", (p, _x, rows, cols) => seen.push(`${p}:${rows}x${cols}`));
    taps.on("*", (p) => seen.push(`*${p}`));
    taps.emit("a", new Float32Array(6), 2, 3);
    taps.emit("b", new Float32Array(1), 1, 1);
    off();
    taps.emit("a", new Float32Array(1), 1, 1);
    expect(seen).toEqual(["*a", "a:2x3", "*b", "*a"]);
  });
});

describe("PagedKvCache and PageAllocator", () => {
  it("sizes the pools and maps positions to slots", () => {
    const kv = new PagedKvCache({ numLayers: 2, numPages: 4, nKvHeads: 2, headDim: 8 });
    expect(kv.pageSize).toBe(16);
    expect(kv.k[0]!.length).toBe(4 * 16 * 2 * 8);
    expect(kv.bytesPerToken).toBe(2 * 2 * 2 * 8 * 4);
    expect(kv.slotOf([3, 1], 17)).toBe(1 * 16 + 1);
    expect(() => kv.slotOf([3], 16)).toThrow(RangeError);
    expect(() => new PagedKvCache({ numLayers: 0, numPages: 1, nKvHeads: 1, headDim: 1 })).toThrow(/numLayers/);
  });

  it("hands out every page once and takes them back", () => {
    const a = new PageAllocator(3);
    const got = [a.alloc(), a.alloc(), a.alloc()];
    expect(new Set(got).size).toBe(3);
    expect(() => a.alloc()).toThrow(/in use/);
    a.release(got);
    expect(a.freePages).toBe(3);
  });
});
