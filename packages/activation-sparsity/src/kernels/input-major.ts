/**
 * Input-major weights: the transpose [in, out] of a linear's [out, in] weight, so that the
 * weights fed by one input channel are contiguous and an input zeroed by a threshold skips one
 * contiguous run of memory (see docs/formats/activation-sparsity.md).
 */
import { allocWeightStorage, bf16BitsToF32, f16BitsToF32, f32ToF16Bits, type WeightData, type WeightDType } from "@sieve/core";

/** Tile edge of the blocked transpose: a 64x64 tile of either layout stays in L1. */
const TILE = 64;

/**
 * The [cols, rows] transpose of a row-major [rows, cols] weight, in `to` (default: the same
 * dtype). Converting f32 to f16 halves the bytes a token reads; f16/bf16 -> f32 widens exactly.
 */
export function transposeWeight(w: WeightData, dtype: WeightDType, rows: number, cols: number, to: WeightDType = dtype): WeightData {
  const out: WeightData = allocWeightStorage(to, rows * cols);
  transposeInto(out, rows, 0, w, dtype, rows, cols, to);
  return out;
}

/**
 * Writes the transpose of a row-major [rows, cols] weight into columns [offset, offset + rows) of
 * `out`, a row-major [cols, stride] matrix in dtype `to`: several weights that share an input
 * then sit side by side in one input-major matrix (see teal/fused-input.ts).
 */
export function transposeInto(out: WeightData, stride: number, offset: number, w: WeightData, dtype: WeightDType, rows: number, cols: number, to: WeightDType = dtype): void {
  if (w.length < rows * cols) throw new RangeError(`transposeWeight: weight has ${w.length} elements, expected ${rows}x${cols}`);
  if (to !== dtype && !(dtype === "f32" && to === "f16") && to !== "f32") {
    throw new RangeError(`transposeWeight: cannot convert ${dtype} weights to ${to}`);
  }
  if (offset < 0 || offset + rows > stride || out.length < cols * stride) {
    throw new RangeError(`transposeWeight: columns [${offset}, ${offset + rows}) do not fit an output of ${out.length} elements, ${stride} per row`);
  }
  const convert = converter(dtype, to);
  for (let r0 = 0; r0 < rows; r0 += TILE) {
    const r1 = Math.min(rows, r0 + TILE);
    for (let c0 = 0; c0 < cols; c0 += TILE) {
      const c1 = Math.min(cols, c0 + TILE);
      for (let r = r0; r < r1; r++) {
        const src = r * cols;
        const dst = offset + r;
        if (convert) for (let c = c0; c < c1; c++) out[c * stride + dst] = convert(w[src + c]!);
        else for (let c = c0; c < c1; c++) out[c * stride + dst] = w[src + c]!;
      }
    }
  }
}

function converter(from: WeightDType, to: WeightDType): ((v: number) => number) | undefined {
  if (from === to) return undefined;
  if (from === "f32" && to === "f16") return f32ToF16Bits;
  return from === "f16" ? f16BitsToF32 : bf16BitsToF32;
}
