/**
 * Naive reference implementations: the obvious loops, written for clarity rather than speed.
 * Tests check every optimised kernel against them and the kernel benchmark reports speed-ups
 * over them, so they must stay simple enough to be right by inspection.
 * @module
 */
import type { FloatArray } from './float-array.js';
import type { GemmOptions } from './gemm.js';
import type { TopKExclude, TopKResult } from './top-k.js';

/** Reference for `dot`: Σ a[aOff+i]·b[bOff+i] for i < n, one accumulator, left to right. */
export function naiveDot(a: FloatArray, aOff: number, b: FloatArray, bOff: number, n: number): number {
  let sum = 0;
  for (let i = 0; i < n; i++) sum += a[aOff + i] * b[bOff + i];
  return sum;
}

/**
 * Reference for `gemm`: C (`m × n`) = op(A)·B (+ beta·C), textbook i-j-k triple loop, row-major.
 * `a` is `m × k`, or `k × m` when `transA` is set; `b` is `k × n`.
 */
export function naiveGemm(
  a: FloatArray,
  b: FloatArray,
  c: FloatArray,
  m: number,
  k: number,
  n: number,
  options: GemmOptions = {},
): void {
  const transA = options.transA ?? false;
  const beta = options.beta ?? 0;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let p = 0; p < k; p++) {
        const aip = transA ? a[p * m + i] : a[i * k + p];
        sum += aip * b[p * n + j];
      }
      c[i * n + j] = beta === 0 ? sum : beta * c[i * n + j] + sum;
    }
  }
}

/**
 * Reference for `sparseGram`: XᵀX (`numCols × numCols`, row-major) of a CSR matrix, adding the
 * product of every ordered pair of nonzeros in each row. `values` null means all ones.
 */
export function naiveSparseGram(
  indptr: Int32Array,
  indices: Int32Array,
  values: Float32Array | null,
  numRows: number,
  numCols: number,
): Float64Array {
  const out = new Float64Array(numCols * numCols);
  for (let row = 0; row < numRows; row++) {
    for (let p = indptr[row]; p < indptr[row + 1]; p++) {
      for (let q = indptr[row]; q < indptr[row + 1]; q++) {
        const vp = values === null ? 1 : values[p];
        const vq = values === null ? 1 : values[q];
        out[indices[p] * numCols + indices[q]] += vp * vq;
      }
    }
  }
  return out;
}

/**
 * Reference for `spdInverse`: the inverse of any nonsingular `n × n` row-major matrix by
 * Gauss-Jordan elimination with partial pivoting. Returns a new array; `a` is not modified.
 * Throws RangeError when the matrix is singular.
 */
export function naiveInverse(a: FloatArray, n: number): Float64Array {
  const m = Float64Array.from(a.subarray(0, n * n));
  const inv = new Float64Array(n * n);
  for (let i = 0; i < n; i++) inv[i * n + i] = 1;
  for (let col = 0; col < n; col++) {
    let pivotRow = col;
    for (let r = col + 1; r < n; r++) {
      if (Math.abs(m[r * n + col]) > Math.abs(m[pivotRow * n + col])) pivotRow = r;
    }
    const pivot = m[pivotRow * n + col];
    if (pivot === 0 || !Number.isFinite(pivot)) {
      throw new RangeError(`naiveInverse: matrix is singular (column ${col})`);
    }
    if (pivotRow !== col) {
      for (let j = 0; j < n; j++) {
        const s = m[col * n + j];
        m[col * n + j] = m[pivotRow * n + j];
        m[pivotRow * n + j] = s;
        const t = inv[col * n + j];
        inv[col * n + j] = inv[pivotRow * n + j];
        inv[pivotRow * n + j] = t;
      }
    }
    for (let j = 0; j < n; j++) {
      m[col * n + j] /= pivot;
      inv[col * n + j] /= pivot;
    }
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const factor = m[r * n + col];
      if (factor === 0) continue;
      for (let j = 0; j < n; j++) {
        m[r * n + j] -= factor * m[col * n + j];
        inv[r * n + j] -= factor * inv[col * n + j];
      }
    }
  }
  return inv;
}

/**
 * Reference for `topK`: sorts every candidate (not excluded, not NaN, not -Infinity) by score
 * descending then index ascending, and keeps the first `k`.
 */
export function naiveTopK(scores: FloatArray, k: number, exclude?: TopKExclude): TopKResult {
  const candidates: number[] = [];
  for (let i = 0; i < scores.length; i++) {
    const excluded = exclude === undefined ? false : typeof exclude === 'function' ? exclude(i) : exclude[i] !== 0;
    if (!excluded && !Number.isNaN(scores[i]) && scores[i] !== -Infinity) candidates.push(i);
  }
  candidates.sort((x, y) => (scores[y] !== scores[x] ? scores[y] - scores[x] : x - y));
  const kept = candidates.slice(0, Math.max(0, Math.floor(k)));
  return { indices: Int32Array.from(kept), scores: Float32Array.from(kept, (i) => scores[i]) };
}
