/**
 * Cholesky factorisation A = L·Lᵀ of a symmetric positive definite matrix, and the matching
 * solve. Row-major; the factorisation is blocked right-looking: each 64-column panel is factored
 * with short dot products, then the trailing matrix gets one rank-64 update through the shared
 * register-blocked kernel.
 * @module
 */
import { checkDims, checkRange } from './float-array.js';
import { rankUpdate } from './rank-update.js';

/** Columns per panel. */
const BLOCK = 64;
/** Columns per cache tile of the trailing update (a `BLOCK × TILE` slice of the panel is 256 KiB). */
const TILE = 512;

/**
 * Overwrites the `n × n` row-major SPD matrix `a` with its lower Cholesky factor L (A = L·Lᵀ):
 * L in the lower triangle and diagonal, zeros above. Only the lower triangle of `a` is read.
 *
 * Throws RangeError "matrix is not positive definite" naming the 0-based pivot index when a
 * pivot is not positive (or NaN); `a` is then partly overwritten.
 */
export function choleskyInPlace(a: Float64Array, n: number): void {
  checkDims('choleskyInPlace', { n });
  checkRange('choleskyInPlace a', a, 0, n * n);
  const panelT = n > BLOCK ? new Float64Array(BLOCK * n) : new Float64Array(0);
  for (let k0 = 0; k0 < n; k0 += BLOCK) {
    const k1 = Math.min(k0 + BLOCK, n);
    factorPanel(a, n, n, k0, k1, 'choleskyInPlace');
    if (k1 === n) break;
    const kb = k1 - k0;
    // Lᵀ of the panel, so the trailing update reads it as contiguous rows: T[r][i] = L[i][k0 + r].
    for (let i = k1; i < n; i++) {
      const src = i * n + k0;
      for (let r = 0; r < kb; r++) panelT[r * n + i] = a[src + r];
    }
    // A[i][j] -= Σ_r L[i][k0+r]·L[j][k0+r] for k1 ≤ j ≤ i. Each 4-row group also writes up to 3
    // entries right of its diagonal; the upper triangle is never read and is cleared at the end.
    for (let j0 = k1; j0 < n; j0 += TILE) {
      const j1 = Math.min(j0 + TILE, n);
      for (let i = k1; i < n; i += 4) {
        const rows = Math.min(4, n - i);
        const width = Math.min(j1, i + rows) - j0;
        if (width <= 0) continue;
        rankUpdate(a, i * n + j0, n, rows, width, a, i * n + k0, n, 1, -1, panelT, j0, n, kb);
      }
    }
  }
  for (let i = 0; i < n; i++) a.fill(0, i * n + i + 1, (i + 1) * n);
}

/**
 * Solves L·Lᵀ·x = b in place (`b[bOff .. bOff+n)` becomes x), given the lower factor L from
 * {@link choleskyInPlace} (`n × n`, row-major; only the lower triangle is read).
 */
export function choleskySolve(l: Float64Array, n: number, b: Float64Array, bOff = 0): void {
  checkDims('choleskySolve', { n });
  checkRange('choleskySolve l', l, 0, n * n);
  checkRange('choleskySolve b', b, bOff, n);
  solveWithFactor(l, n, n, b, bOff);
}

/**
 * Factors columns `[k0, k1)` of L for rows `k0 .. rows-1` of the lower triangle, assuming the
 * contributions of columns before `k0` were already subtracted. Unblocked dot-product (Crout)
 * form: rows are contiguous, so every dot product runs over contiguous memory.
 * Row i, column j lives at `a[i*ld + j]`.
 * @internal
 */
export function factorPanel(a: Float64Array, ld: number, rows: number, k0: number, k1: number, caller: string): void {
  for (let i = k0; i < rows; i++) {
    const ri = i * ld;
    const jEnd = Math.min(i + 1, k1);
    for (let j = k0; j < jEnd; j++) {
      const rj = j * ld;
      let s = a[ri + j];
      for (let p = k0; p < j; p++) s -= a[ri + p] * a[rj + p];
      if (j < i) {
        a[ri + j] = s / a[rj + j];
      } else {
        if (!(s > 0)) {
          throw new RangeError(`${caller}: matrix is not positive definite (pivot ${i} is ${s})`);
        }
        a[ri + i] = Math.sqrt(s);
      }
    }
  }
}

/**
 * Forward then back substitution with the lower factor L (row i, column j at `l[i*ld + j]`),
 * overwriting `b[bOff .. bOff+n)` with the solution of L·Lᵀ·x = b. Both sweeps walk rows of L.
 * @internal
 */
export function solveWithFactor(l: Float64Array, ld: number, n: number, b: Float64Array, bOff: number): void {
  for (let i = 0; i < n; i++) {
    const ri = i * ld;
    let s = b[bOff + i];
    for (let p = 0; p < i; p++) s -= l[ri + p] * b[bOff + p];
    b[bOff + i] = s / l[ri + i];
  }
  // Lᵀ·x = y column by column of Lᵀ (= row by row of L), so memory is read contiguously.
  for (let i = n - 1; i >= 0; i--) {
    const ri = i * ld;
    const xi = b[bOff + i] / l[ri + i];
    b[bOff + i] = xi;
    for (let p = 0; p < i; p++) b[bOff + p] -= l[ri + p] * xi;
  }
}
