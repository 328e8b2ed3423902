/**
 * Seeded input generators and comparisons shared by the linalg tests (not part of the public API).
 * @module
 * @internal
 */
import type { FloatArray } from './float-array.js';
import { gemm } from './gemm.js';
import type { Rng } from './random.js';

/** A `rows × cols` row-major matrix of standard normal draws. */
export function randomMatrix(rng: Rng, rows: number, cols: number): Float64Array {
  const m = new Float64Array(rows * cols);
  for (let p = 0; p < m.length; p++) m[p] = rng.normal();
  return m;
}

/**
 * A random `n × n` SPD matrix XᵀX/n + shift·I with X standard normal: eigenvalues lie in about
 * [shift, shift + 4], so its condition number is small and known.
 */
export function randomSpd(rng: Rng, n: number, shift = 0.5): Float64Array {
  const x = randomMatrix(rng, n, n);
  const g = new Float64Array(n * n);
  gemm(x, x, g, n, n, n, { transA: true });
  for (let p = 0; p < g.length; p++) g[p] /= Math.max(1, n);
  for (let i = 0; i < n; i++) g[i * n + i] += shift;
  return g;
}

/** Largest |a[i] − b[i]| over the common length (Infinity when lengths differ). */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= worst)) worst = d; // also propagates NaN
  }
  return worst;
}

/** Largest |entry| of the array (0 when empty). */
export function maxAbs(a: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]));
  return worst;
}

/**
 * max |A·B − I| for `n × n` matrices: how far `b` is from the inverse of `a`. Uses the optimised
 * `gemm` (itself tested against `naiveGemm`) so large sizes stay fast.
 */
export function inverseResidual(a: FloatArray, b: FloatArray, n: number): number {
  const p = new Float64Array(n * n);
  gemm(a, b, p, n, n, n);
  for (let i = 0; i < n; i++) p[i * n + i] -= 1;
  return maxAbs(p);
}

/** A CSR matrix for tests. */
export interface TestCsr {
  indptr: Int32Array;
  indices: Int32Array;
  values: Float32Array;
}

/** Options of {@link randomCsr}. */
export interface RandomCsrOptions {
  /** Probability that a cell is stored. */
  density: number;
  /** Keep each row's columns ascending (default true); false shuffles them. */
  sorted?: boolean;
  /** Probability of storing an extra duplicate of a stored entry (default 0). */
  duplicates?: number;
}

/** A random `numRows × numCols` CSR matrix with values in [-1, 1). */
export function randomCsr(rng: Rng, numRows: number, numCols: number, options: RandomCsrOptions): TestCsr {
  const indptr = new Int32Array(numRows + 1);
  const indices: number[] = [];
  const values: number[] = [];
  for (let row = 0; row < numRows; row++) {
    const cols: number[] = [];
    for (let col = 0; col < numCols; col++) {
      if (rng.next() < options.density) {
        cols.push(col);
        if (rng.next() < (options.duplicates ?? 0)) cols.push(col);
      }
    }
    if (options.sorted === false) {
      for (let i = cols.length - 1; i > 0; i--) {
        const j = rng.int(i + 1);
        [cols[i], cols[j]] = [cols[j], cols[i]];
      }
    }
    for (const col of cols) {
      indices.push(col);
      values.push(2 * rng.next() - 1);
    }
    indptr[row + 1] = indices.length;
  }
  return { indptr, indices: Int32Array.from(indices), values: Float32Array.from(values) };
}
