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
  return principalSubspaceOfGram(gramianT(vectors, rows, dim), dim, rank, iterations, seed);
}

/** Directions a {@link principalSubspaceOfGram} result must be orthogonal to. */
export interface FixedDirections {
  /** `dim × rank`, row-major, orthonormal columns. */
  basis: Float64Array;
  rank: number;
}

/**
 * {@link principalSubspace} from the Gramian VᵀV (`dim × dim`) itself. With `fixed`, the `rank`
 * leading principal directions orthogonal to its columns (subspace iteration on PGP, P the projector
 * on their complement): given the leading directions, the ones that follow them, so that a cheap
 * first pass and a longer second stage can share one nested basis.
 */
export function principalSubspaceOfGram(gram: Float64Array, dim: number, rank: number, iterations = 12, seed = 1, fixed?: FixedDirections): Float64Array {
  const r = Math.max(1, Math.min(rank, dim - (fixed?.rank ?? 0)));
  const rng = createRng(seed);
  const q = new Float64Array(dim * r);
  for (let p = 0; p < q.length; p++) q[p] = rng.next() - 0.5;
  if (fixed) projectOut(q, r, fixed, dim);
  orthonormaliseColumns(q, dim, r);
  const z = new Float64Array(dim * r);
  for (let it = 0; it < iterations; it++) {
    gemm(gram, q, z, dim, dim, r);
    q.set(z);
    if (fixed) projectOut(q, r, fixed, dim);
    orthonormaliseColumns(q, dim, r);
  }
  return q;
}

/** Removes from each of the `cols` columns of `m` (`dim × cols`) its components along `fixed`'s columns. */
function projectOut(m: Float64Array, cols: number, fixed: FixedDirections, dim: number): void {
  const { basis, rank } = fixed;
  // Twice, as in classical Gram–Schmidt with reorthogonalisation: one pass leaves rounding-level components.
  for (let pass = 0; pass < 2; pass++) {
    for (let f = 0; f < rank; f++) {
      for (let c = 0; c < cols; c++) {
        let d = 0;
        for (let i = 0; i < dim; i++) d += m[i * cols + c] * basis[i * rank + f];
        for (let i = 0; i < dim; i++) m[i * cols + c] -= d * basis[i * rank + f];
      }
    }
  }
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

/**
 * The coordinates of `u` (length `dim`) in a basis stored `dim × rank`, row-major: `uᵀ·basis`.
 * Zero entries of `u` are skipped (a sparse query costs its non-zeros).
 */
export function projectOnBasis(u: ArrayLike<number>, basis: ArrayLike<number>, dim: number, rank: number): Float32Array {
  const ur = new Float32Array(rank);
  for (let d = 0; d < dim; d++) {
    const ud = u[d];
    if (ud === 0) continue;
    const row = d * rank;
    for (let c = 0; c < rank; c++) ur[c] += ud * basis[row + c];
  }
  return ur;
}
