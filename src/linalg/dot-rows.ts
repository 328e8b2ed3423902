/**
 * Scores of many rows against one vector: out[o + r] = q · M[first + r] for r < count, over a
 * row-major Float32 matrix M (`dim` columns). One range check per call and monomorphic Float32
 * loops, four partial sums per row — the inner loop of brute-force and list-by-list retrieval,
 * where a `dot` call per row spent more time in its checks than in the products.
 * @module
 */
import { checkRange } from './float-array.js';

/** Writes q·M[first + r] into `out[outOff + r]` for `count` consecutive rows of M (`dim` columns). */
export function dotRows(q: Float32Array, matrix: Float32Array, dim: number, first: number, count: number, out: Float32Array, outOff = 0): void {
  checkRange('dotRows q', q, 0, dim);
  checkRange('dotRows matrix', matrix, first * dim, count * dim);
  checkRange('dotRows out', out, outOff, count);
  const d4 = dim - (dim % 4);
  for (let r = 0; r < count; r++) {
    const off = (first + r) * dim;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    let c = 0;
    for (; c < d4; c += 4) {
      s0 += q[c] * matrix[off + c];
      s1 += q[c + 1] * matrix[off + c + 1];
      s2 += q[c + 2] * matrix[off + c + 2];
      s3 += q[c + 3] * matrix[off + c + 3];
    }
    for (; c < dim; c++) s0 += q[c] * matrix[off + c];
    out[outOff + r] = s0 + s1 + (s2 + s3);
  }
}
