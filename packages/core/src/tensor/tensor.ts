import { allocStorage, dtypeBytes, type DType, type Storage, type StorageOf } from "./dtype.js";
import { bf16BitsToF32, f16BitsToF32, f32ToBf16Bits, f32ToF16Bits } from "./half.js";
import type { Rng } from "./rng.js";

export type Shape = readonly number[];

/** Row-major (C-order) strides for a shape, in elements. */
export function contiguousStrides(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i]!;
  }
  return strides;
}

export function shapeSize(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

function checkShape(shape: Shape): void {
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new RangeError(`invalid dimension ${d} in shape [${shape.join(", ")}]`);
  }
}

/**
 * A strided view over typed-array storage. Views (view/reshape, narrow, transpose, permute) share
 * storage and copy nothing; `contiguous()` copies only when the layout is not already row-major.
 */
export class Tensor<D extends DType = DType> {
  readonly dtype: D;
  readonly shape: readonly number[];
  readonly strides: readonly number[];
  readonly offset: number;
  readonly data: StorageOf[D];

  constructor(dtype: D, data: StorageOf[D], shape: Shape, strides?: Shape, offset = 0) {
    checkShape(shape);
    this.dtype = dtype;
    this.data = data;
    this.shape = [...shape];
    this.strides = strides ? [...strides] : contiguousStrides(shape);
    this.offset = offset;
    if (this.strides.length !== this.shape.length) {
      throw new RangeError(`strides [${this.strides.join(", ")}] do not match shape [${this.shape.join(", ")}]`);
    }
    if (this.numel > 0) {
      let maxIndex = offset;
      let minIndex = offset;
      for (let i = 0; i < this.shape.length; i++) {
        const span = (this.shape[i]! - 1) * this.strides[i]!;
        if (span > 0) maxIndex += span;
        else minIndex += span;
      }
      if (minIndex < 0 || maxIndex >= data.length) {
        throw new RangeError(
          `view [${this.shape.join(", ")}] (strides [${this.strides.join(", ")}], offset ${offset}) exceeds storage of ${data.length} elements`,
        );
      }
    }
  }

  /** A new zero-filled tensor. */
  static zeros<D extends DType>(shape: Shape, dtype: D): Tensor<D> {
    return new Tensor(dtype, allocStorage(dtype, shapeSize(shape)), shape);
  }

  /** A tensor holding `values` (converted to dtype; f16/bf16 round to nearest even). */
  static fromArray<D extends DType = "f32">(values: ArrayLike<number>, shape: Shape, dtype?: D): Tensor<D> {
    const dt = (dtype ?? "f32") as D;
    if (values.length !== shapeSize(shape)) {
      throw new RangeError(`${values.length} values do not fill shape [${shape.join(", ")}]`);
    }
    const t = Tensor.zeros(shape, dt);
    for (let i = 0; i < values.length; i++) t.setFlat(i, values[i]!);
    return t;
  }

  /** Wraps existing storage (no copy) as a contiguous tensor. */
  static wrap<D extends DType>(dtype: D, data: StorageOf[D], shape: Shape): Tensor<D> {
    if (data.length !== shapeSize(shape)) {
      throw new RangeError(`storage of ${data.length} elements does not match shape [${shape.join(", ")}]`);
    }
    return new Tensor(dtype, data, shape);
  }

  /** Uniform random values in [lo, hi) from a seeded RNG. */
  static rand<D extends DType = "f32">(shape: Shape, rng: Rng, lo = 0, hi = 1, dtype?: D): Tensor<D> {
    const t = Tensor.zeros(shape, (dtype ?? "f32") as D);
    for (let i = 0; i < t.numel; i++) t.setFlat(i, rng.uniform(lo, hi));
    return t;
  }

  /** Normal random values from a seeded RNG. */
  static randn<D extends DType = "f32">(shape: Shape, rng: Rng, std = 1, dtype?: D): Tensor<D> {
    const t = Tensor.zeros(shape, (dtype ?? "f32") as D);
    for (let i = 0; i < t.numel; i++) t.setFlat(i, rng.normal(0, std));
    return t;
  }

  get rank(): number {
    return this.shape.length;
  }

  get numel(): number {
    return shapeSize(this.shape);
  }

  get byteLength(): number {
    return this.numel * dtypeBytes(this.dtype);
  }

  isContiguous(): boolean {
    let expected = 1;
    for (let i = this.shape.length - 1; i >= 0; i--) {
      if (this.shape[i] !== 1 && this.strides[i] !== expected) return false;
      expected *= this.shape[i]!;
    }
    return true;
  }

  /** The storage of a contiguous tensor, exactly its elements (a subarray, no copy). */
  contiguousData(): StorageOf[D] {
    if (!this.isContiguous()) throw new Error("tensor is not contiguous; call contiguous() first");
    return this.data.subarray(this.offset, this.offset + this.numel) as StorageOf[D];
  }

  private normDim(dim: number): number {
    const d = dim < 0 ? dim + this.rank : dim;
    if (d < 0 || d >= this.rank) throw new RangeError(`dimension ${dim} out of range for rank ${this.rank}`);
    return d;
  }

  private resolveShape(shape: Shape): number[] {
    const out = [...shape];
    const unknown = out.indexOf(-1);
    if (unknown >= 0) {
      const known = out.reduce((a, d, i) => (i === unknown ? a : a * d), 1);
      if (known === 0 || this.numel % known !== 0) {
        throw new RangeError(`cannot infer -1 in [${shape.join(", ")}] for ${this.numel} elements`);
      }
      out[unknown] = this.numel / known;
    }
    if (shapeSize(out) !== this.numel) {
      throw new RangeError(`cannot view [${this.shape.join(", ")}] as [${shape.join(", ")}]`);
    }
    return out;
  }

  /** A view with a new shape; requires a contiguous layout (use reshape to copy when needed). */
  view(shape: Shape): Tensor<D> {
    const resolved = this.resolveShape(shape);
    if (!this.isContiguous()) {
      throw new Error(`view [${shape.join(", ")}] needs a contiguous tensor; use reshape() or contiguous()`);
    }
    return new Tensor(this.dtype, this.data, resolved, undefined, this.offset);
  }

  /** Like view, but copies into a contiguous tensor first when the layout requires it. */
  reshape(shape: Shape): Tensor<D> {
    return this.isContiguous() ? this.view(shape) : this.contiguous().view(shape);
  }

  /** Elements start..start+length-1 along dim, as a view. */
  narrow(dim: number, start: number, length: number): Tensor<D> {
    const d = this.normDim(dim);
    const size = this.shape[d]!;
    if (!Number.isInteger(start) || !Number.isInteger(length) || start < 0 || length < 0 || start + length > size) {
      throw new RangeError(`narrow(${dim}, ${start}, ${length}) out of range for size ${size}`);
    }
    const shape = [...this.shape];
    shape[d] = length;
    return new Tensor(this.dtype, this.data, shape, this.strides, this.offset + start * this.strides[d]!);
  }

  /** Python-style slice [start, end) along dim (negative indices count from the end). */
  slice(dim: number, start: number, end?: number): Tensor<D> {
    const size = this.shape[this.normDim(dim)]!;
    const s = start < 0 ? Math.max(0, size + start) : Math.min(start, size);
    const e = end === undefined ? size : end < 0 ? Math.max(0, size + end) : Math.min(end, size);
    return this.narrow(dim, s, Math.max(0, e - s));
  }

  /** The index-th sub-tensor along dim, with that dim removed. */
  select(dim: number, index: number): Tensor<D> {
    const d = this.normDim(dim);
    const size = this.shape[d]!;
    const i = index < 0 ? index + size : index;
    if (i < 0 || i >= size) throw new RangeError(`index ${index} out of range for size ${size}`);
    const shape = this.shape.filter((_, k) => k !== d);
    const strides = this.strides.filter((_, k) => k !== d);
    return new Tensor(this.dtype, this.data, shape, strides, this.offset + i * this.strides[d]!);
  }

  permute(dims: readonly number[]): Tensor<D> {
    if (dims.length !== this.rank) throw new RangeError(`permute needs ${this.rank} dims, got ${dims.length}`);
    const nd = dims.map((d) => this.normDim(d));
    if (new Set(nd).size !== nd.length) throw new RangeError(`permute dims repeat: [${dims.join(", ")}]`);
    return new Tensor(
      this.dtype,
      this.data,
      nd.map((d) => this.shape[d]!),
      nd.map((d) => this.strides[d]!),
      this.offset,
    );
  }

  transpose(a = -2, b = -1): Tensor<D> {
    const dims = this.shape.map((_, i) => i);
    const da = this.normDim(a);
    const db = this.normDim(b);
    dims[da] = db;
    dims[db] = da;
    return this.permute(dims);
  }

  /** A contiguous tensor with the same values: this one if already contiguous, else a copy. */
  contiguous(): Tensor<D> {
    if (this.isContiguous()) return this;
    const out = Tensor.zeros(this.shape, this.dtype);
    const dst = out.data as Storage;
    let i = 0;
    this.forEachIndex((src) => {
      (dst as Uint8Array)[i++] = (this.data as Uint8Array)[src]!;
    });
    return out;
  }

  /** Calls fn with the storage index of every element, in row-major order. */
  forEachIndex(fn: (storageIndex: number) => void): void {
    const rank = this.rank;
    const n = this.numel;
    if (n === 0) return;
    if (rank === 0) {
      fn(this.offset);
      return;
    }
    const idx = new Array<number>(rank).fill(0);
    let pos = this.offset;
    for (let count = 0; count < n; count++) {
      fn(pos);
      for (let d = rank - 1; d >= 0; d--) {
        idx[d]!++;
        pos += this.strides[d]!;
        if (idx[d]! < this.shape[d]!) break;
        pos -= idx[d]! * this.strides[d]!;
        idx[d] = 0;
      }
    }
  }

  private storageIndex(indices: readonly number[]): number {
    if (indices.length !== this.rank) throw new RangeError(`expected ${this.rank} indices, got ${indices.length}`);
    let pos = this.offset;
    for (let i = 0; i < indices.length; i++) {
      const k = indices[i]!;
      if (!Number.isInteger(k) || k < 0 || k >= this.shape[i]!) {
        throw new RangeError(`index ${k} out of range for dim ${i} of size ${this.shape[i]}`);
      }
      pos += k * this.strides[i]!;
    }
    return pos;
  }

  /** The element at the given indices, as a number (f16/bf16 widened, i64 converted). */
  get(...indices: number[]): number {
    return readElement(this.dtype, this.data, this.storageIndex(indices));
  }

  set(value: number, ...indices: number[]): void {
    writeElement(this.dtype, this.data, this.storageIndex(indices), value);
  }

  private setFlat(i: number, value: number): void {
    writeElement(this.dtype, this.data, this.offset + i, value);
  }

  /** All elements in row-major order as a fresh Float32Array. */
  toFloat32(): Float32Array {
    const out = new Float32Array(this.numel);
    let i = 0;
    this.forEachIndex((p) => {
      out[i++] = readElement(this.dtype, this.data, p);
    });
    return out;
  }

  /** All elements in row-major order as a plain array of numbers. */
  toArray(): number[] {
    const out: number[] = [];
    this.forEachIndex((p) => out.push(readElement(this.dtype, this.data, p)));
    return out;
  }

  /** A contiguous copy converted to another dtype (round to nearest even for f16/bf16). */
  to<T extends DType>(dtype: T): Tensor<T> {
    const out = Tensor.zeros(this.shape, dtype);
    let i = 0;
    this.forEachIndex((p) => {
      writeElement(dtype, out.data, i++, readElement(this.dtype, this.data, p));
    });
    return out;
  }

  /** A contiguous copy. */
  clone(): Tensor<D> {
    return this.to(this.dtype) as Tensor<D>;
  }

  toString(): string {
    return `Tensor(${this.dtype}, [${this.shape.join(", ")}])`;
  }
}

export function readElement(dtype: DType, data: Storage, index: number): number {
  switch (dtype) {
    case "f16":
      return f16BitsToF32((data as Uint16Array)[index]!);
    case "bf16":
      return bf16BitsToF32((data as Uint16Array)[index]!);
    case "i64":
      return Number((data as BigInt64Array)[index]!);
    default:
      return (data as Float32Array)[index]!;
  }
}

export function writeElement(dtype: DType, data: Storage, index: number, value: number): void {
  switch (dtype) {
    case "f16":
      (data as Uint16Array)[index] = f32ToF16Bits(value);
      return;
    case "bf16":
      (data as Uint16Array)[index] = f32ToBf16Bits(value);
      return;
    case "i64":
      (data as BigInt64Array)[index] = BigInt(Math.trunc(value));
      return;
    case "bool":
      (data as Uint8Array)[index] = value ? 1 : 0;
      return;
    default:
      (data as Float32Array)[index] = value;
  }
}
