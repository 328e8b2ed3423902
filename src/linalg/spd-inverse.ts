/**
 * In-place inverse of a symmetric positive definite matrix: the EASE hot spot (n in the thousands).
 *
 * Algorithm: blocked Gauss-Jordan "sweep" (Goodnight 1979) on the upper triangle. Sweeping a
 * block K of pivots maps
 *   A_OO ← A_OO − A_OK·P·A_KO,  A_KO ← P·A_KO,  A_OK ← A_OK·P,  A_KK ← −P   with P = A_KK⁻¹,
 * and sweeping every block leaves −A⁻¹. The pivots are the squared diagonal of the Cholesky factor, so
 * they stay positive for an SPD matrix and no pivoting is needed. It costs about n³ flops, like
 * Cholesky + triangular inverse + LᵀL product, but is a single pass whose work is all one shape:
 * a rank-64 update of the upper triangle through the shared register-blocked kernel, in column
 * tiles sized for L2.
 * @module
 */
import { checkDims, checkRange } from './float-array.js';
import { mirrorUpper } from './mirror-upper.js';
import { rankUpdate } from './rank-update.js';

/** Pivots swept per pass (the rank of each update). */
const BLOCK = 64;
/** Columns per cache tile (a `BLOCK × TILE` slice of the update panel is 256 KiB). */
const TILE = 512;

/**
 * Replaces the `n × n` row-major SPD matrix `a` by its inverse, a full symmetric matrix.
 * Only the upper triangle (and diagonal) of `a` is read. Uses O(64·n) extra memory.
 *
 * Throws RangeError "matrix is not positive definite" naming the 0-based pivot index when a pivot
 * is not positive (or NaN); `a` is then left partly overwritten.
 *
 * `onBlock(done, total)` is called after each swept block of pivots (every block updates the whole
 * upper triangle, so blocks cost about the same): progress of a call that takes a minute at n ≈ 10⁴.
 *
 * @example
 * // EASE: B = I − P·diag(1/diag(P)) with P = (XᵀX + λI)⁻¹
 * const gram = sparseGram(indptr, indices, null, numUsers, numItems);
 * for (let i = 0; i < numItems; i++) gram[i * numItems + i] += lambda;
 * spdInverse(gram, numItems);
 */
export function spdInverse(a: Float64Array, n: number, onBlock?: (done: number, total: number) => void): void {
  checkDims('spdInverse', { n });
  checkRange('spdInverse a', a, 0, n * n);
  if (n === 0) return;
  const nb = Math.min(BLOCK, n);
  const panel = new Float64Array(nb * n); // R: the current rows k0..k1-1, read symmetrically
  const update = new Float64Array(nb * n); // P·R outside the pivot columns: the new rows k0..k1-1
  const pivotInv = new Float64Array(nb * nb); // P = A_KK⁻¹
  const blocks = Math.ceil(n / nb);

  for (let k0 = 0; k0 < n; k0 += nb) {
    const k1 = Math.min(k0 + nb, n);
    const kb = k1 - k0;

    // Gather R[r][j] = A[k0+r][j] from the upper triangle: columns left of K live in column K of
    // the rows above, the diagonal block is mirrored, columns right of K are a contiguous copy.
    for (let j = 0; j < k0; j++) {
      const src = j * n + k0;
      for (let r = 0; r < kb; r++) panel[r * n + j] = a[src + r];
    }
    for (let r = 0; r < kb; r++) {
      const row = (k0 + r) * n;
      for (let s = 0; s < kb; s++) {
        pivotInv[r * kb + s] = s >= r ? a[row + k0 + s] : a[(k0 + s) * n + k0 + r];
      }
      for (let j = k1; j < n; j++) panel[r * n + j] = a[row + j];
    }
    invertPivotBlock(pivotInv, kb, k0);

    // update = P·R on the columns outside K.
    update.fill(0);
    for (let j0 = 0; j0 < n; j0 += TILE) {
      const j1 = Math.min(j0 + TILE, n);
      if (j0 < k0) rankUpdate(update, j0, n, kb, Math.min(j1, k0) - j0, pivotInv, 0, kb, 1, 1, panel, j0, n, kb);
      const from = Math.max(j0, k1);
      if (j1 > from) rankUpdate(update, from, n, kb, j1 - from, pivotInv, 0, kb, 1, 1, panel, from, n, kb);
    }

    // A_OO −= R_Oᵀ·update_O on the upper triangle (j ≥ i), by column tiles of each side of K.
    for (let j0 = 0; j0 < k0; j0 += TILE) {
      const j1 = Math.min(j0 + TILE, k0);
      updateUpperRows(a, n, 0, j1, j0, j1, panel, update, kb);
    }
    for (let j0 = k1; j0 < n; j0 += TILE) {
      const j1 = Math.min(j0 + TILE, n);
      updateUpperRows(a, n, 0, k0, j0, j1, panel, update, kb);
      updateUpperRows(a, n, k1, j1, j0, j1, panel, update, kb);
    }

    // Write back the swept rows and columns of K.
    for (let j = 0; j < k0; j++) {
      const dst = j * n + k0;
      for (let r = 0; r < kb; r++) a[dst + r] = update[r * n + j];
    }
    for (let r = 0; r < kb; r++) {
      const row = (k0 + r) * n;
      for (let s = r; s < kb; s++) a[row + k0 + s] = -pivotInv[r * kb + s];
      for (let j = k1; j < n; j++) a[row + j] = update[r * n + j];
    }
    onBlock?.(k0 / nb + 1, blocks);
  }

  // a holds −A⁻¹ in its upper triangle.
  mirrorUpper(a, n, -1);
}

/**
 * A[i][j] −= Σ_r R[r][i]·U[r][j] for rows i in [rowStart, rowEnd) and columns j in [max(i, j0), j1),
 * four rows per kernel call. A group's rows share its first row's column range, so rows 2–4 also
 * write a few entries left of their diagonal: those lower-triangle entries are never read and are
 * overwritten by the final mirror.
 */
function updateUpperRows(
  a: Float64Array,
  n: number,
  rowStart: number,
  rowEnd: number,
  j0: number,
  j1: number,
  panel: Float64Array,
  update: Float64Array,
  kb: number,
): void {
  for (let i = rowStart; i < rowEnd; i += 4) {
    const rows = Math.min(4, rowEnd - i);
    const from = Math.max(i, j0);
    if (from >= j1) break;
    rankUpdate(a, i * n + from, n, rows, j1 - from, panel, i, 1, n, -1, update, from, n, kb);
  }
}

/**
 * Inverts the `kb × kb` SPD pivot block in place by an unblocked sweep (full storage; it is small).
 * `offset` turns local pivot numbers into matrix indices for the error message.
 */
function invertPivotBlock(d: Float64Array, kb: number, offset: number): void {
  for (let p = 0; p < kb; p++) {
    const pivot = d[p * kb + p];
    if (!(pivot > 0)) {
      throw new RangeError(`spdInverse: matrix is not positive definite (pivot ${offset + p} is ${pivot})`);
    }
    const inv = 1 / pivot;
    const rowP = p * kb;
    for (let i = 0; i < kb; i++) {
      if (i === p) continue;
      const f = d[i * kb + p] * inv;
      if (f === 0) continue;
      const rowI = i * kb;
      for (let j = 0; j < kb; j++) d[rowI + j] -= f * d[rowP + j];
      d[rowI + p] = f;
    }
    for (let j = 0; j < kb; j++) d[rowP + j] *= inv;
    d[rowP + p] = -inv;
  }
  for (let q = 0; q < kb * kb; q++) d[q] = -d[q];
}
