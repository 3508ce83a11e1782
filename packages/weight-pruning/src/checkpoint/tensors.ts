/**
 * How a compressed weight is stored in a checkpoint: the tensors that replace `<name>.weight`
 * (docs/formats/sparse-weights.md). A weight's tensors fully describe it (the N:M pattern is a
 * tensor too), so a LinearFactory that sees only tensors can rebuild the layer.
 *
 *   N:M     <name>.nm_values [rows, ceil(cols/m)*n] f32|f16, <name>.nm_indices [rows, ceil(cols/8)] u8,
 *           <name>.nm_pattern [2] i32 = [n, m]
 *   bitmap  <name>.bitmap_values [nnz], <name>.bitmap_mask [rows, ceil(cols/8)] u8, <name>.bitmap_row_ptr [rows+1] i32
 *   csr     <name>.csr_values [nnz], <name>.csr_col [nnz] i16 (u16 bits), <name>.csr_row_ptr [rows+1] i32
 *   bcsr    <name>.bcsr_values [nnz], <name>.bcsr_col_lo [nnz] u8, <name>.bcsr_block_ptr [rows*ceil(cols/256)+1] i32
 *   csr8    <name>.csr8_values [chunks*8], <name>.csr8_offset [chunks*8] u8, <name>.csr8_base [chunks] i16 (u16 bits),
 *           <name>.csr8_row_chunk [rows+1] i32
 */
import { Tensor } from "@sieve/core";
import type { BlockedCsrWeight } from "../formats/bcsr.js";
import type { BitmapWeight } from "../formats/bitmap.js";
import type { CsrWeight } from "../formats/csr.js";
import type { Csr8Weight } from "../formats/csr8.js";
import { nmGeometry, type NmWeight } from "../formats/nm.js";
import type { SparseWeight } from "../formats/sparse-weight.js";
import type { SparseValues } from "../formats/values.js";

/** The suffix of the values tensor, per format: its presence tells which format a weight uses. */
const VALUES_SUFFIX = { nm: "nm_values", bitmap: "bitmap_values", csr: "csr_values", bcsr: "bcsr_values", csr8: "csr8_values" } as const;

/** A checkpoint tensor that does not fit the format it belongs to; names the tensor. */
export class SparseTensorError extends Error {
  constructor(
    readonly tensor: string,
    detail: string,
  ) {
    super(`${tensor}: ${detail}`);
    this.name = "SparseTensorError";
  }
}

function valuesTensor(values: SparseValues, shape: number[]): Tensor {
  return values instanceof Float32Array ? Tensor.wrap("f32", values, shape) : Tensor.wrap("f16", values, shape);
}

/** The tensors that store `w` under `name` (the layer name, without ".weight"). */
export function sparseWeightTensors(name: string, w: SparseWeight): Array<[string, Tensor]> {
  switch (w.format) {
    case "nm":
      return [
        [`${name}.nm_values`, valuesTensor(w.values, [w.rows, nmGeometry(w.rows, w.cols, w.pattern).valuesPerRow])],
        [`${name}.nm_indices`, Tensor.wrap("u8", w.indices, [w.rows, Math.ceil(w.cols / 8)])],
        [`${name}.nm_pattern`, Tensor.wrap("i32", Int32Array.of(w.pattern.n, w.pattern.m), [2])],
      ];
    case "bitmap":
      return [
        [`${name}.bitmap_values`, valuesTensor(w.values, [w.values.length])],
        [`${name}.bitmap_mask`, Tensor.wrap("u8", w.bitmap, [w.rows, Math.ceil(w.cols / 8)])],
        [`${name}.bitmap_row_ptr`, Tensor.wrap("i32", w.rowPtr, [w.rowPtr.length])],
      ];
    case "csr":
      return [
        [`${name}.csr_values`, valuesTensor(w.values, [w.values.length])],
        [`${name}.csr_col`, Tensor.wrap("i16", new Int16Array(w.colIdx.buffer, w.colIdx.byteOffset, w.colIdx.length), [w.colIdx.length])],
        [`${name}.csr_row_ptr`, Tensor.wrap("i32", w.rowPtr, [w.rowPtr.length])],
      ];
    case "bcsr":
      return [
        [`${name}.bcsr_values`, valuesTensor(w.values, [w.values.length])],
        [`${name}.bcsr_col_lo`, Tensor.wrap("u8", w.colLo, [w.colLo.length])],
        [`${name}.bcsr_block_ptr`, Tensor.wrap("i32", w.blockPtr, [w.blockPtr.length])],
      ];
    case "csr8":
      return [
        [`${name}.csr8_values`, valuesTensor(w.values, [w.values.length])],
        [`${name}.csr8_offset`, Tensor.wrap("u8", w.offset, [w.offset.length])],
        [`${name}.csr8_base`, Tensor.wrap("i16", new Int16Array(w.base.buffer, w.base.byteOffset, w.base.length), [w.base.length])],
        [`${name}.csr8_row_chunk`, Tensor.wrap("i32", w.rowChunk, [w.rowChunk.length])],
      ];
  }
}

/** True when `tensorName` is one of the tensors a packed weight `name` is stored as. */
export function isSparseWeightTensor(name: string, tensorName: string): boolean {
  return tensorName.startsWith(`${name}.`) && /^(nm_(values|indices|pattern)|bitmap_(values|mask|row_ptr)|csr_(values|col|row_ptr)|bcsr_(values|col_lo|block_ptr)|csr8_(values|offset|base|row_chunk))$/.test(tensorName.slice(name.length + 1));
}

type Weights = ReadonlyMap<string, Tensor>;

function tensorOf(weights: Weights, name: string): Tensor {
  const t = weights.get(name);
  if (!t) throw new SparseTensorError(name, "is missing (the other tensors of this packed weight are present)");
  return t;
}

function valuesOf(weights: Weights, name: string): SparseValues {
  const t = tensorOf(weights, name);
  if (t.dtype !== "f32" && t.dtype !== "f16") throw new SparseTensorError(name, `dtype ${t.dtype} is not f32 or f16`);
  return t.contiguousData() as SparseValues;
}

function typedOf<D extends "u8" | "i32" | "i16">(weights: Weights, name: string, dtype: D, length: number): Tensor<D>["data"] {
  const t = tensorOf(weights, name);
  if (t.dtype !== dtype) throw new SparseTensorError(name, `dtype ${t.dtype}, expected ${dtype}`);
  if (t.numel !== length) throw new SparseTensorError(name, `has ${t.numel} elements, expected ${length}`);
  return t.contiguousData() as Tensor<D>["data"];
}

/**
 * The compressed weight stored under `name` with shape [rows, cols], or undefined when the
 * checkpoint holds no packed tensors for it. Checks dtypes and sizes (naming the tensor); index
 * contents are checked by the layer that takes the weight.
 */
export function sparseWeightFromTensors(weights: Weights, name: string, rows: number, cols: number): SparseWeight | undefined {
  const format = (Object.keys(VALUES_SUFFIX) as Array<keyof typeof VALUES_SUFFIX>).find((f) => weights.has(`${name}.${VALUES_SUFFIX[f]}`));
  if (!format) return undefined;
  const bytesPerRow = Math.ceil(cols / 8);
  switch (format) {
    case "nm": {
      const pattern = typedOf(weights, `${name}.nm_pattern`, "i32", 2);
      const values = valuesOf(weights, `${name}.nm_values`);
      const w: NmWeight = { format: "nm", pattern: { n: pattern[0]!, m: pattern[1]! }, rows, cols, values, indices: typedOf(weights, `${name}.nm_indices`, "u8", rows * bytesPerRow) };
      const expected = rows * Math.ceil(cols / Math.max(1, w.pattern.m)) * w.pattern.n;
      if (values.length !== expected) throw new SparseTensorError(`${name}.nm_values`, `has ${values.length} elements, expected ${expected} for ${w.pattern.n}:${w.pattern.m} and ${rows}x${cols}`);
      return w;
    }
    case "bitmap": {
      const w: BitmapWeight = {
        format: "bitmap",
        rows,
        cols,
        values: valuesOf(weights, `${name}.bitmap_values`),
        bitmap: typedOf(weights, `${name}.bitmap_mask`, "u8", rows * bytesPerRow),
        rowPtr: typedOf(weights, `${name}.bitmap_row_ptr`, "i32", rows + 1),
      };
      return w;
    }
    case "csr": {
      const values = valuesOf(weights, `${name}.csr_values`);
      const col = typedOf(weights, `${name}.csr_col`, "i16", values.length);
      const w: CsrWeight = {
        format: "csr",
        rows,
        cols,
        values,
        colIdx: new Uint16Array(col.buffer, col.byteOffset, col.length),
        rowPtr: typedOf(weights, `${name}.csr_row_ptr`, "i32", rows + 1),
      };
      return w;
    }
    case "bcsr": {
      const values = valuesOf(weights, `${name}.bcsr_values`);
      const w: BlockedCsrWeight = {
        format: "bcsr",
        rows,
        cols,
        values,
        colLo: typedOf(weights, `${name}.bcsr_col_lo`, "u8", values.length),
        blockPtr: typedOf(weights, `${name}.bcsr_block_ptr`, "i32", rows * Math.ceil(cols / 256) + 1),
      };
      return w;
    }
    case "csr8": {
      const values = valuesOf(weights, `${name}.csr8_values`);
      if (values.length % 8 !== 0) throw new SparseTensorError(`${name}.csr8_values`, `has ${values.length} elements, not a multiple of 8 (chunks of 8)`);
      const base = typedOf(weights, `${name}.csr8_base`, "i16", values.length / 8);
      const w: Csr8Weight = {
        format: "csr8",
        rows,
        cols,
        values,
        offset: typedOf(weights, `${name}.csr8_offset`, "u8", values.length),
        base: new Uint16Array(base.buffer, base.byteOffset, base.length),
        rowChunk: typedOf(weights, `${name}.csr8_row_chunk`, "i32", rows + 1),
      };
      return w;
    }
  }
}
