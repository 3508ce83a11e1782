/** N:M semi-structured patterns (2:4, 4:8): parsing, checking, and the group arithmetic. */
import type { NmPattern } from "./types.js";

/** Parses "2:4" into { n: 2, m: 4 }. */
export function parseNmPattern(text: string): NmPattern {
  const match = /^\s*(\d+)\s*:\s*(\d+)\s*$/.exec(text);
  if (!match) throw new RangeError(`N:M pattern ${JSON.stringify(text)} is not of the form "N:M" (e.g. "2:4")`);
  return checkNmPattern({ n: Number(match[1]), m: Number(match[2]) });
}

export function checkNmPattern(p: NmPattern): NmPattern {
  if (!Number.isInteger(p.n) || !Number.isInteger(p.m) || p.m < 1 || p.n < 0 || p.n > p.m) {
    throw new RangeError(`invalid N:M pattern ${p.n}:${p.m} (need integers 0 <= N <= M, M >= 1)`);
  }
  return p;
}

export function formatNmPattern(p: NmPattern): string {
  return `${p.n}:${p.m}`;
}

/** Weights to prune in a group of `groupLength` columns (a trailing group may be shorter than m). */
export function nmPruneCount(groupLength: number, p: NmPattern): number {
  return Math.max(0, groupLength - p.n);
}

/** Fraction of a row of `cols` weights that an N:M pattern prunes. */
export function nmSparsity(cols: number, p: NmPattern): number {
  let pruned = 0;
  for (let g = 0; g < cols; g += p.m) pruned += nmPruneCount(Math.min(p.m, cols - g), p);
  return pruned / cols;
}

/**
 * True when every aligned group of m consecutive columns in every row has at most n nonzeros
 * (`values` may be the weights or a mask).
 */
export function isNmSparse(values: ArrayLike<number>, rows: number, cols: number, p: NmPattern): boolean {
  return firstNmViolation(values, rows, cols, p) === undefined;
}

/** The first (row, group start column) with more than n nonzeros, or undefined. */
export function firstNmViolation(values: ArrayLike<number>, rows: number, cols: number, p: NmPattern): { row: number; col: number; nonzeros: number } | undefined {
  for (let r = 0; r < rows; r++) {
    for (let g = 0; g < cols; g += p.m) {
      let nz = 0;
      const end = Math.min(g + p.m, cols);
      for (let j = g; j < end; j++) if (values[r * cols + j] !== 0) nz++;
      if (nz > p.n) return { row: r, col: g, nonzeros: nz };
    }
  }
  return undefined;
}
