/**
 * The leading principal directions of a set of row vectors, by subspace iteration on their
 * Gramian: what a vector index needs to score a catalogue in a few dozen dimensions instead of
 * hundreds (an approximate first pass whose best candidates are then rescored exactly).
 * @module
 */
import { gemm, gramianT } from '../linalg/index.js';
import { createRng } from '../linalg/index.js';

/**
 * An orthonormal basis (`dim × rank`, row-major: column c is direction c) of the `rank` leading
 * principal directions of the rows of `vectors` (`rows × dim`), by `iterations` rounds of subspace
 * iteration on VᵀV from a seeded random start. Rows are taken as they are (centre them first for
 * PCA). Cost: rows·dim² once for the Gramian plus iterations·dim²·rank.
 */
export function principalSubspace(vectors: Float32Array, rows: number, dim: number, rank: number, iterations = 12, seed = 1): Float64Array {
  const r = Math.max(1, Math.min(rank, dim));
  const gram = gramianT(vectors, rows, dim);
  const rng = createRng(seed);
  const q = new Float64Array(dim * r);
  for (let p = 0; p < q.length; p++) q[p] = rng.next() - 0.5;
  orthonormaliseColumns(q, dim, r);
  const z = new Float64Array(dim * r);
  for (let it = 0; it < iterations; it++) {
    gemm(gram, q, z, dim, dim, r);
    q.set(z);
    orthonormaliseColumns(q, dim, r);
  }
  return q;
}

/** Modified Gram–Schmidt on the columns of a row-major `rows × cols` matrix, in place. */
function orthonormaliseColumns(m: Float64Array, rows: number, cols: number): void {
  for (let c = 0; c < cols; c++) {
    for (let prev = 0; prev < c; prev++) {
      let d = 0;
      for (let i = 0; i < rows; i++) d += m[i * cols + c] * m[i * cols + prev];
      for (let i = 0; i < rows; i++) m[i * cols + c] -= d * m[i * cols + prev];
    }
    let s = 0;
    for (let i = 0; i < rows; i++) s += m[i * cols + c] ** 2;
    const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
    for (let i = 0; i < rows; i++) m[i * cols + c] *= inv;
  }
}
