/**
 * Gramian FᵀF of a tall factor matrix (ALS: YᵀY once per half-sweep), accumulated in Float64.
 * @module
 */
import { checkDims, checkRange, type FloatArray } from './float-array.js';
import { mirrorUpper } from './mirror-upper.js';
import { rankUpdate } from './rank-update.js';

/** Rows of F converted to Float64 per pass (256 × 64 factors = 128 KiB). */
const CHUNK_ROWS = 256;

/**
 * FᵀF (`dim × dim`, row-major, symmetric) for a row-major factor matrix `f` of `rows × dim`.
 * Writes into `out` (length ≥ dim², overwritten) when given, else allocates; returns the result.
 * Computes the upper triangle through the shared rank-update kernel and mirrors it.
 *
 * @example
 * const yty = gramianT(itemFactors, numItems, dim, ytyBuffer);
 */
export function gramianT(f: FloatArray, rows: number, dim: number, out?: Float64Array): Float64Array {
  checkDims('gramianT', { rows, dim });
  checkRange('gramianT f', f, 0, rows * dim);
  const result = out ?? new Float64Array(dim * dim);
  checkRange('gramianT out', result, 0, dim * dim);
  result.fill(0, 0, dim * dim);
  if (rows === 0 || dim === 0) return result;

  const chunk = new Float64Array(Math.min(CHUNK_ROWS, rows) * dim);
  for (let r0 = 0; r0 < rows; r0 += CHUNK_ROWS) {
    const kc = Math.min(CHUNK_ROWS, rows - r0);
    for (let p = 0; p < kc * dim; p++) chunk[p] = f[r0 * dim + p];
    // result[i][j] += Σ_r F[r][i]·F[r][j] for j ≥ i; groups of 4 rows start at their first
    // row's diagonal, so a few lower entries get partial sums that the mirror below replaces.
    for (let i = 0; i < dim; i += 4) {
      rankUpdate(result, i * dim + i, dim, Math.min(4, dim - i), dim - i, chunk, i, 1, dim, 1, chunk, i, dim, kc);
    }
  }
  mirrorUpper(result, dim);
  return result;
}
