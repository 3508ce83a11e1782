// Parity of the native elementwise kernels (add, mul, scale, silu, gelu, relu, swiglu) with the
// reference, under both ISAs and one and two threads, on sizes around the 8-lane boundaries and
// large enough to be split across threads.
import { describe, expect, it } from "vitest";
import * as ref from "../ops/reference/elementwise.js";
import { nativeBackendOrNull, randomF32, relativeError, Rng } from "../testing/parity.js";
import { forEachNativeVariant } from "../testing/native-variants.js";

const native = nativeBackendOrNull();
const SIZES = [1, 7, 8, 9, 31, 1000, 100_003];

/** Random normals plus the extremes where exp-based activations overflow, underflow or cancel. */
function activationInput(rng: Rng, n: number): Float32Array {
  const x = randomF32(rng, n, 4);
  const extremes = [-100, 100, -88, 88, -20, 20, -1e-6, 1e-6, 0, -0, -9.5, 9.5, 1e30, -1e30];
  for (let i = 0; i < Math.min(n, extremes.length); i++) x[(i * 7919) % n] = extremes[i]!;
  return x;
}

describe.skipIf(!native)("native elementwise ops match the reference", () => {
  const nb = native!;

  it("add, mul, scale, relu are exact", () => {
    const rng = new Rng(101);
    for (const n of SIZES) {
      const a = randomF32(rng, n), b = randomF32(rng, n);
      const want = { add: new Float32Array(n), mul: new Float32Array(n), scale: new Float32Array(n), relu: new Float32Array(n) };
      ref.add(want.add, a, b);
      ref.mul(want.mul, a, b);
      ref.scale(want.scale, a, 0.37);
      ref.relu(want.relu, a);
      forEachNativeVariant(nb, (v) => {
        const out = new Float32Array(n);
        nb.add(out, a, b);
        expect(relativeError(out, want.add), `add n=${n} ${v.label}`).toBe(0);
        nb.mul(out, a, b);
        expect(relativeError(out, want.mul), `mul n=${n} ${v.label}`).toBe(0);
        nb.scale(out, a, 0.37);
        expect(relativeError(out, want.scale), `scale n=${n} ${v.label}`).toBe(0);
        nb.relu(out, a);
        expect(relativeError(out, want.relu), `relu n=${n} ${v.label}`).toBe(0);
      });
    }
  });

  it("silu, swiglu and both gelus agree to a few ulps, extremes included", () => {
    const rng = new Rng(102);
    for (const n of SIZES) {
      const x = activationInput(rng, n);
      const up = randomF32(rng, n);
      const wantSilu = new Float32Array(n), wantSwiglu = new Float32Array(n);
      const wantGeluErf = new Float32Array(n), wantGeluTanh = new Float32Array(n);
      ref.silu(wantSilu, x);
      ref.swiglu(wantSwiglu, x, up);
      ref.gelu(wantGeluErf, x, "none");
      ref.gelu(wantGeluTanh, x, "tanh");
      forEachNativeVariant(nb, (v) => {
        const out = new Float32Array(n);
        nb.silu(out, x);
        expect(relativeError(out, wantSilu), `silu n=${n} ${v.label}`).toBeLessThan(1e-6);
        nb.swiglu(out, x, up);
        expect(relativeError(out, wantSwiglu), `swiglu n=${n} ${v.label}`).toBeLessThan(1e-6);
        nb.gelu(out, x, "none");
        expect(relativeError(out, wantGeluErf), `gelu erf n=${n} ${v.label}`).toBeLessThan(1e-6);
        nb.gelu(out, x, "tanh");
        expect(relativeError(out, wantGeluTanh), `gelu tanh n=${n} ${v.label}`).toBeLessThan(1e-6);
      });
    }
  });

  it("activations stay accurate elementwise for moderate inputs (not only relative to the largest)", () => {
    const rng = new Rng(103);
    const x = rng.fillUniform(new Float32Array(4099), -12, 12);
    const want = new Float32Array(x.length);
    forEachNativeVariant(nb, (v) => {
      for (const [name, run, check] of [
        ["silu", (o: Float32Array) => nb.silu(o, x), (o: Float32Array) => ref.silu(o, x)],
        ["gelu", (o: Float32Array) => nb.gelu(o, x, "none"), (o: Float32Array) => ref.gelu(o, x, "none")],
        ["geluTanh", (o: Float32Array) => nb.gelu(o, x, "tanh"), (o: Float32Array) => ref.gelu(o, x, "tanh")],
      ] as const) {
        const out = new Float32Array(x.length);
        run(out);
        check(want);
        for (let i = 0; i < x.length; i++) {
          const tol = 2e-6 * Math.abs(want[i]!) + 1e-30;
          if (!(Math.abs(out[i]! - want[i]!) <= Math.max(tol, 1e-7 * Math.abs(x[i]!)))) {
            expect.fail(`${name}(${x[i]}) = ${out[i]}, want ${want[i]} (${v.label})`);
          }
        }
      }
    });
  });

  it("runs in place (out === input)", () => {
    const rng = new Rng(104);
    const n = 1037;
    const x = randomF32(rng, n);
    const up = randomF32(rng, n);
    forEachNativeVariant(nb, (v) => {
      const expected = new Float32Array(n);
      nb.swiglu(expected, x, up);
      const inPlace = x.slice();
      nb.swiglu(inPlace, inPlace, up);
      expect(Array.from(inPlace), v.label).toEqual(Array.from(expected));
      nb.gelu(expected, x, "none");
      inPlace.set(x);
      nb.gelu(inPlace, inPlace, "none");
      expect(Array.from(inPlace), v.label).toEqual(Array.from(expected));
    });
  });
});
