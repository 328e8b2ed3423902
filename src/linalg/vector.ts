/**
 * Dense vector kernels over a window `[off, off + n)` of a typed array, so rows of a row-major
 * matrix (row i of an `rows × dim` matrix starts at `i * dim`) are used without copying.
 * Each call checks its window once; the loops are unrolled by four.
 * @module
 */
import { checkRange, type FloatArray } from './float-array.js';

/**
 * Dot product Σ a[aOff+i]·b[bOff+i] for i < n, with four independent partial sums (so the
 * rounding differs slightly from a left-to-right sum). Returns 0 when n is 0.
 *
 * @example
 * const score = dot(userFactors, userIdx * dim, itemFactors, itemIdx * dim, dim);
 */
export function dot(a: FloatArray, aOff: number, b: FloatArray, bOff: number, n: number): number {
  checkRange('dot a', a, aOff, n);
  checkRange('dot b', b, bOff, n);
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  const n4 = n - (n % 4);
  let i = 0;
  for (; i < n4; i += 4) {
    s0 += a[aOff + i] * b[bOff + i];
    s1 += a[aOff + i + 1] * b[bOff + i + 1];
    s2 += a[aOff + i + 2] * b[bOff + i + 2];
    s3 += a[aOff + i + 3] * b[bOff + i + 3];
  }
  for (; i < n; i++) s0 += a[aOff + i] * b[bOff + i];
  return s0 + s1 + (s2 + s3);
}

/** y[yOff+i] += alpha·x[xOff+i] for i < n, in place (BLAS axpy). `x` and `y` may be the same array. */
export function axpy(alpha: number, x: FloatArray, xOff: number, y: FloatArray, yOff: number, n: number): void {
  checkRange('axpy x', x, xOff, n);
  checkRange('axpy y', y, yOff, n);
  const n4 = n - (n % 4);
  let i = 0;
  for (; i < n4; i += 4) {
    y[yOff + i] += alpha * x[xOff + i];
    y[yOff + i + 1] += alpha * x[xOff + i + 1];
    y[yOff + i + 2] += alpha * x[xOff + i + 2];
    y[yOff + i + 3] += alpha * x[xOff + i + 3];
  }
  for (; i < n; i++) y[yOff + i] += alpha * x[xOff + i];
}

/** x[xOff+i] *= alpha for i < n, in place. */
export function scale(x: FloatArray, xOff: number, n: number, alpha: number): void {
  checkRange('scale x', x, xOff, n);
  const n4 = n - (n % 4);
  let i = 0;
  for (; i < n4; i += 4) {
    x[xOff + i] *= alpha;
    x[xOff + i + 1] *= alpha;
    x[xOff + i + 2] *= alpha;
    x[xOff + i + 3] *= alpha;
  }
  for (; i < n; i++) x[xOff + i] *= alpha;
}

/**
 * Euclidean norm √(Σ x[xOff+i]²) for i < n. Plain sum of squares (no rescaling), so it overflows
 * only for entries beyond ~1e154, far outside factor and score ranges.
 */
export function norm2(x: FloatArray, xOff: number, n: number): number {
  checkRange('norm2 x', x, xOff, n);
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  const n4 = n - (n % 4);
  let i = 0;
  for (; i < n4; i += 4) {
    const v0 = x[xOff + i];
    const v1 = x[xOff + i + 1];
    const v2 = x[xOff + i + 2];
    const v3 = x[xOff + i + 3];
    s0 += v0 * v0;
    s1 += v1 * v1;
    s2 += v2 * v2;
    s3 += v3 * v3;
  }
  for (; i < n; i++) s0 += x[xOff + i] * x[xOff + i];
  return Math.sqrt(s0 + s1 + (s2 + s3));
}
