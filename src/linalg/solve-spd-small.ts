/**
 * Solve of one small symmetric positive definite system, allocation-free when the caller passes
 * a work buffer: the per-user (or per-item) solve inside an ALS sweep.
 * @module
 */
import { factorPanel, solveWithFactor } from './cholesky.js';
import { checkDims, checkRange } from './float-array.js';

/**
 * Solves A·x = b for an `n × n` row-major SPD matrix A, in place in `b[0 .. n)`. Only the lower
 * triangle of `a` is read and `a` is left untouched: it is copied into `work` (length ≥ n², reused
 * across calls to avoid allocation; allocated when omitted), which then holds the Cholesky factor.
 * Unblocked, so meant for n ≤ 256 (an ALS factor dimension); use `choleskyInPlace` beyond that.
 *
 * Throws RangeError "matrix is not positive definite" (with the pivot index) when A is not SPD.
 *
 * @example
 * // per user: (YᵀY + Yᵤᵀ(Cᵤ−I)Yᵤ + λI)·xᵤ = Yᵤᵀ·Cᵤ·pᵤ
 * solveSpdSmall(gram, dim, rhs, work);
 */
export function solveSpdSmall(a: Float64Array, n: number, b: Float64Array, work?: Float64Array): void {
  checkDims('solveSpdSmall', { n });
  checkRange('solveSpdSmall a', a, 0, n * n);
  checkRange('solveSpdSmall b', b, 0, n);
  const w = work ?? new Float64Array(n * n);
  checkRange('solveSpdSmall work', w, 0, n * n);
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    for (let j = 0; j <= i; j++) w[ri + j] = a[ri + j];
  }
  factorPanel(w, n, n, 0, n, 'solveSpdSmall');
  solveWithFactor(w, n, n, b, 0);
}
