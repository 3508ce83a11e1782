/**
 * Moving Q/K projections between RoPE pairings. Meta's Llama code (and llama2.c, and GGUF) rotates
 * adjacent dims (2i, 2i+1) of each head: "interleaved". Hugging Face rotates (i, i + R/2):
 * "half". Reordering each head's rows so that row 2i goes to i and row 2i+1 to i + R/2 makes a
 * "half" model compute exactly what the "interleaved" one did, since q·k is unchanged by
 * applying the same permutation to both. This is transformers' convert_llama_weights_to_hf
 * permute (and the inverse of llama.cpp's convert permute). Dims at R and beyond do not rotate
 * and stay where they are.
 */
import { allocWeightStorage, Tensor } from "@sieve/core";

/** Where each row of a head comes from: out[i] = in[source[i]]. */
export function interleavedToHalfOrder(headDim: number, rotaryDim: number): number[] {
  const half = rotaryDim / 2;
  return Array.from({ length: headDim }, (_, i) => (i < half ? 2 * i : i < rotaryDim ? 2 * (i - half) + 1 : i));
}

/**
 * A contiguous copy of a [nHeads * headDim, ...] weight (or [nHeads * headDim] bias) with each
 * head's rows put in "half" order. Works for every dtype: rows are moved, never converted.
 */
export function permuteInterleavedToHalf(t: Tensor, nHeads: number, headDim: number, rotaryDim: number): Tensor {
  const rows = t.shape[0];
  if (rows !== nHeads * headDim) {
    throw new RangeError(`permuteInterleavedToHalf: ${t.shape[0]} rows, expected ${nHeads} heads x ${headDim}`);
  }
  const src = t.contiguous().contiguousData();
  const rowLength = t.numel / rows;
  const out = new Tensor(t.dtype, allocWeightStorage(t.dtype, t.numel), t.shape);
  const dst = out.data;
  const order = interleavedToHalfOrder(headDim, rotaryDim);
  for (let h = 0; h < nHeads; h++) {
    for (let i = 0; i < headDim; i++) {
      const from = (h * headDim + order[i]!) * rowLength;
      dst.set(src.subarray(from, from + rowLength) as never, (h * headDim + i) * rowLength);
    }
  }
  return out;
}
