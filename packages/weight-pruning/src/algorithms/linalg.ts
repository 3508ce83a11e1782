/**
 * The float64 dense linear algebra SparseGPT and reconstruction need: Cholesky factorization,
 * the inverse of a symmetric positive definite matrix through it, and solves. Row-major n×n.
 * Small and obviously correct rather than fast: O(n³/3) per factorization.
 */

export class NotPositiveDefiniteError extends Error {
  constructor(readonly column: number) {
    super(`matrix is not positive definite (pivot ${column} <= 0); increase the dampening`);
    this.name = "NotPositiveDefiniteError";
  }
}

/** Lower-triangular L with A = L Lᵀ (A is read, not changed; upper triangle of L is zero). */
export function cholesky(a: Float64Array, n: number): Float64Array {
  const l = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    const lj = j * n;
    let d = a[lj + j]!;
    for (let k = 0; k < j; k++) d -= l[lj + k]! * l[lj + k]!;
    if (!(d > 0)) throw new NotPositiveDefiniteError(j);
    const djj = Math.sqrt(d);
    l[lj + j] = djj;
    for (let i = j + 1; i < n; i++) {
      const li = i * n;
      let s = a[li + j]!;
      for (let k = 0; k < j; k++) s -= l[li + k]! * l[lj + k]!;
      l[li + j] = s / djj;
    }
  }
  return l;
}

/** L⁻¹ of a lower-triangular L (forward substitution per column). */
export function invertLower(l: Float64Array, n: number): Float64Array {
  const inv = new Float64Array(n * n);
  for (let c = 0; c < n; c++) {
    inv[c * n + c] = 1 / l[c * n + c]!;
    for (let i = c + 1; i < n; i++) {
      let s = 0;
      for (let k = c; k < i; k++) s -= l[i * n + k]! * inv[k * n + c]!;
      inv[i * n + c] = s / l[i * n + i]!;
    }
  }
  return inv;
}

/** A⁻¹ of a symmetric positive definite A, as L⁻ᵀ L⁻¹ from its Cholesky factor. */
export function inverseSpd(a: Float64Array, n: number): Float64Array {
  const li = invertLower(cholesky(a, n), n);
  const out = new Float64Array(n * n);
  // (L⁻ᵀ L⁻¹)_ij = Σ_k li[k, i] · li[k, j], k >= max(i, j) since li is lower triangular.
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      let s = 0;
      for (let k = j; k < n; k++) s += li[k * n + i]! * li[k * n + j]!;
      out[i * n + j] = s;
      out[j * n + i] = s;
    }
  }
  return out;
}

/** Upper-triangular U with A = Uᵀ U (the transpose of the lower Cholesky factor). */
export function choleskyUpper(a: Float64Array, n: number): Float64Array {
  const l = cholesky(a, n);
  const u = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) u[j * n + i] = l[i * n + j]!;
  return u;
}

/** Solves A x = b in place of b for SPD A given its lower Cholesky factor L (A = L Lᵀ). */
export function choleskySolveInPlace(l: Float64Array, n: number, b: Float64Array): void {
  for (let i = 0; i < n; i++) {
    let s = b[i]!;
    for (let k = 0; k < i; k++) s -= l[i * n + k]! * b[k]!;
    b[i] = s / l[i * n + i]!;
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = b[i]!;
    for (let k = i + 1; k < n; k++) s -= l[k * n + i]! * b[k]!;
    b[i] = s / l[i * n + i]!;
  }
}

/** Mean of the diagonal of an n×n matrix. */
export function meanDiagonal(a: Float64Array, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += a[i * n + i]!;
  return s / n;
}
