/**
 * N:M compressed weights (2:4 and 4:8): in every group of M consecutive columns of a row at most
 * N weights are kept, and only those are stored. Layout (identical to the native kernels', see
 * docs/formats/sparse-weights.md):
 *
 *   values   [rows, ceil(cols/M) * N]   kept values of each group in ascending column order, then
 *                                       zeros for a group that keeps fewer than N
 *   indices  [rows, ceil(cols/8)] u8    2:4: a 2-bit position (0..3) per value slot, four per byte,
 *                                       slot t at bits 2*(t%4) of byte t/4; padding slots take
 *                                       unused positions of their group.
 *                                       4:8: one bitmap byte per group (bit p = column 8g+p kept).
 *
 * Both patterns spend one index byte per 8 columns: 2:4 with f16 values reads 1.125 bytes per
 * original weight (instead of 2), 4:8 the same.
 */
import { allocWeightStorage } from "@sieve/core";
import { allocValues, checkDenseAndMask, denseReader, valueAt, type Decompressed, type DenseWeight, type SparseValueDtype, type SparseValues } from "./values.js";

export interface NmPattern {
  /** Kept per group. */
  n: number;
  /** Group size (consecutive columns of a row). */
  m: number;
}

export const SUPPORTED_NM_PATTERNS: readonly NmPattern[] = [
  { n: 2, m: 4 },
  { n: 4, m: 8 },
];

export interface NmWeight {
  format: "nm";
  pattern: NmPattern;
  rows: number;
  cols: number;
  values: SparseValues;
  indices: Uint8Array;
}

export function isSupportedNm(p: NmPattern): boolean {
  return SUPPORTED_NM_PATTERNS.some((s) => s.n === p.n && s.m === p.m);
}

/** "nm-2:4", the name layers, metadata and kernel lookups use. */
export function nmFormatName(p: NmPattern): string {
  return `nm-${p.n}:${p.m}`;
}

export function nmGeometry(rows: number, cols: number, p: NmPattern): { groups: number; valuesPerRow: number; indexBytesPerRow: number; values: number; indexBytes: number } {
  const groups = Math.ceil(cols / p.m);
  const valuesPerRow = groups * p.n;
  const indexBytesPerRow = Math.ceil(cols / 8);
  return { groups, valuesPerRow, indexBytesPerRow, values: rows * valuesPerRow, indexBytes: rows * indexBytesPerRow };
}

function checkPattern(fn: string, p: NmPattern): void {
  if (!isSupportedNm(p)) throw new RangeError(`${fn}: pattern ${p.n}:${p.m} is not supported (2:4 or 4:8)`);
}

/** Compresses a dense weight with its N:M mask (mask[i] != 0 keeps weight i, even an exact zero). */
export function compressNm(dense: DenseWeight, mask: Uint8Array, pattern: NmPattern, valueDtype: SparseValueDtype): NmWeight {
  const fn = "compressNm";
  checkPattern(fn, pattern);
  checkDenseAndMask(fn, dense, mask);
  const { rows, cols } = dense;
  const { n, m } = pattern;
  const g = nmGeometry(rows, cols, pattern);
  const values = allocValues(valueDtype, g.values);
  const indices = allocWeightStorage("u8", g.indexBytes);
  const read = denseReader(dense, valueDtype);
  // No allocation per group: a 1B-parameter model has a quarter of a billion groups.
  for (let r = 0; r < rows; r++) {
    const rowStart = r * cols;
    const idx = r * g.indexBytesPerRow;
    for (let grp = 0; grp < g.groups; grp++) {
      const base = grp * m;
      const width = Math.min(m, cols - base);
      const slot0 = r * g.valuesPerRow + grp * n;
      let bits = 0;
      let count = 0;
      for (let p = 0; p < width; p++) {
        if (!mask[rowStart + base + p]) continue;
        if (count === n) {
          let kept = 0;
          for (let q = 0; q < width; q++) if (mask[rowStart + base + q]) kept++;
          throw new RangeError(`${fn}: row ${r}, columns ${base}..${base + width - 1} keep ${kept} weights; ${n}:${m} allows at most ${n}`);
        }
        values[slot0 + count++] = read(rowStart + base + p);
        bits |= 1 << p;
      }
      if (m === 4) {
        // Kept positions first (ascending), then the group's unused positions for the padding
        // slots, so decompressing never overwrites a kept weight.
        let t = 0;
        for (let pass = 0; pass < 2; pass++) {
          for (let p = 0; p < m && t < n; p++) {
            if (((bits >> p) & 1) !== (pass === 0 ? 1 : 0)) continue;
            const slot = grp * n + t++;
            indices[idx + (slot >> 2)]! |= p << (2 * (slot & 3));
          }
        }
      } else {
        indices[idx + grp] = bits;
      }
    }
  }
  return { format: "nm", pattern: { n, m }, rows, cols, values, indices };
}

/**
 * Calls f(column, valueIndex) for every value slot of row r whose column exists, in stored order
 * (kept values ascending, then padding). The single reader of the index layout in TypeScript.
 */
export function forEachNmSlot(w: NmWeight, r: number, f: (col: number, valueIndex: number) => void): void {
  const { n, m } = w.pattern;
  const g = nmGeometry(w.rows, w.cols, w.pattern);
  const idx = r * g.indexBytesPerRow;
  const v0 = r * g.valuesPerRow;
  for (let grp = 0; grp < g.groups; grp++) {
    const base = grp * m;
    if (m === 4) {
      for (let t = 0; t < n; t++) {
        const slot = grp * n + t;
        const col = base + ((w.indices[idx + (slot >> 2)]! >> (2 * (slot & 3))) & 3);
        if (col < w.cols) f(col, v0 + slot);
      }
    } else {
      let bits = w.indices[idx + grp]!;
      for (let t = 0; t < n && bits; t++) {
        const p = 31 - Math.clz32(bits & -bits);
        bits &= bits - 1;
        if (base + p < w.cols) f(base + p, v0 + grp * n + t);
      }
    }
  }
}

/**
 * The dense f32 weight and mask back. Kept values come back exactly (f16 widened); for 2:4 the
 * mask also marks the padding slots of groups that kept fewer than 2 (their value is 0).
 */
export function decompressNm(w: NmWeight): Decompressed {
  validateNm(w);
  const weight = new Float32Array(w.rows * w.cols);
  const mask = new Uint8Array(w.rows * w.cols);
  // 4:8 slots past a group's popcount never reach the callback; 2:4 padding slots hold +0 at
  // positions the group does not keep, so they cannot overwrite a kept value.
  for (let r = 0; r < w.rows; r++) {
    forEachNmSlot(w, r, (col, vi) => {
      weight[r * w.cols + col] = valueAt(w.values, vi);
      mask[r * w.cols + col] = 1;
    });
  }
  return { weight, mask };
}

/** Checks sizes and index contents (once, at load), naming what is wrong. */
export function validateNm(w: NmWeight, where = "N:M weight"): void {
  if (!isSupportedNm(w.pattern)) throw new RangeError(`${where}: pattern ${w.pattern.n}:${w.pattern.m} is not supported (2:4 or 4:8)`);
  const g = nmGeometry(w.rows, w.cols, w.pattern);
  if (w.values.length !== g.values) throw new RangeError(`${where}: values has ${w.values.length} elements, expected ${w.rows}x${g.valuesPerRow}`);
  if (w.indices.length !== g.indexBytes) throw new RangeError(`${where}: indices has ${w.indices.length} bytes, expected ${w.rows}x${g.indexBytesPerRow}`);
  if (w.pattern.m === 8) {
    for (let r = 0; r < w.rows; r++) {
      for (let grp = 0; grp < g.groups; grp++) {
        const bits = w.indices[r * g.indexBytesPerRow + grp]!;
        let count = 0;
        for (let b = bits; b; b &= b - 1) count++;
        const width = Math.min(8, w.cols - grp * 8);
        if (count > 4 || bits >> width) {
          throw new RangeError(`${where}: row ${r} group ${grp} has index byte 0x${bits.toString(16)} (more than 4 bits, or bits past column ${w.cols - 1})`);
        }
      }
    }
  }
}
