/**
 * Dense Gram matrix XᵀX of a sparse CSR matrix: the item-item co-occurrence counts behind EASE
 * and item-kNN.
 * @module
 */
import { checkDims, checkRange } from './float-array.js';
import { mirrorUpper } from './mirror-upper.js';

/** Target bytes of output rows updated per pass over X: about the size of L2. */
const STRIPE_BYTES = 1 << 20;

/**
 * XᵀX (`numCols × numCols`, row-major, symmetric, Float64) for X given in CSR form:
 * `indptr` (length numRows + 1), `indices` (column of each nonzero, in [0, numCols)), and
 * `values` (one per nonzero; null means every stored entry is 1, as for implicit feedback).
 * Column indices need not be sorted within a row, and repeated indices add up.
 *
 * Every row adds the outer product of its nonzeros, each pair once (upper triangle). Output rows
 * are processed in stripes of about 1 MiB so the scattered updates of a pass stay in cache; rows
 * with unsorted indices are sorted into a private copy first. Throws RangeError on a malformed CSR.
 *
 * @example
 * const gram = sparseGram(userItemIndptr, userItemIndices, null, numUsers, numItems);
 */
export function sparseGram(
  indptr: Int32Array,
  indices: Int32Array,
  values: Float32Array | null,
  numRows: number,
  numCols: number,
): Float64Array {
  checkDims('sparseGram', { numRows, numCols });
  checkRange('sparseGram indptr', indptr, 0, numRows + 1);
  const nnz = numRows === 0 ? 0 : indptr[numRows];
  checkRange('sparseGram indices', indices, 0, nnz);
  if (values !== null) checkRange('sparseGram values', values, 0, nnz);

  let sorted = true;
  for (let row = 0; row < numRows; row++) {
    const start = indptr[row];
    const end = indptr[row + 1];
    if (start < 0 || end < start || end > nnz) {
      throw new RangeError(`sparseGram: indptr must be non-decreasing within [0, ${nnz}] (row ${row})`);
    }
    for (let p = start; p < end; p++) {
      const col = indices[p];
      if (col < 0 || col >= numCols) {
        throw new RangeError(`sparseGram: column index ${col} out of range [0, ${numCols}) (row ${row})`);
      }
      if (p > start && col < indices[p - 1]) sorted = false;
    }
  }
  const csr = sorted ? { indices, values } : sortRows(indptr, indices, values, numRows, nnz);

  const out = new Float64Array(numCols * numCols);
  if (csr.values === null) accumulateOnes(indptr, csr.indices, numRows, numCols, out);
  else accumulateValues(indptr, csr.indices, csr.values, numRows, numCols, out);

  // out holds M with XᵀX = M + Mᵀ (diagonal terms were added halved).
  mirrorUpper(out, numCols, 1, 2);
  return out;
}

function stripeRows(numCols: number): number {
  return Math.max(8, Math.floor(STRIPE_BYTES / (8 * Math.max(1, numCols))));
}

// Both accumulators add, for each row and each nonzero p, v_p²/2 at (c_p, c_p) and v_p·v_q at
// (c_p, c_q) for every later q in the row. Sorted rows put every pair in the upper triangle (a
// repeated column lands on the diagonal at full weight, which the doubling makes 2·v_p·v_q as it
// should be). `cursor[row]` walks each row in step with the stripe of output rows.

function accumulateOnes(indptr: Int32Array, indices: Int32Array, numRows: number, numCols: number, out: Float64Array): void {
  const cursor = indptr.slice(0, numRows);
  const stripe = stripeRows(numCols);
  for (let c0 = 0; c0 < numCols; c0 += stripe) {
    const c1 = c0 + stripe;
    for (let row = 0; row < numRows; row++) {
      const end = indptr[row + 1];
      let p = cursor[row];
      for (; p < end; p++) {
        const cp = indices[p];
        if (cp >= c1) break;
        const base = cp * numCols;
        out[base + cp] += 0.5;
        for (let q = p + 1; q < end; q++) out[base + indices[q]] += 1;
      }
      cursor[row] = p;
    }
  }
}

function accumulateValues(
  indptr: Int32Array,
  indices: Int32Array,
  values: Float32Array,
  numRows: number,
  numCols: number,
  out: Float64Array,
): void {
  const cursor = indptr.slice(0, numRows);
  const stripe = stripeRows(numCols);
  for (let c0 = 0; c0 < numCols; c0 += stripe) {
    const c1 = c0 + stripe;
    for (let row = 0; row < numRows; row++) {
      const end = indptr[row + 1];
      let p = cursor[row];
      for (; p < end; p++) {
        const cp = indices[p];
        if (cp >= c1) break;
        const vp = values[p];
        const base = cp * numCols;
        out[base + cp] += 0.5 * vp * vp;
        for (let q = p + 1; q < end; q++) out[base + indices[q]] += vp * values[q];
      }
      cursor[row] = p;
    }
  }
}

/** Copies the CSR with each row's entries sorted by column (values follow their columns). */
function sortRows(
  indptr: Int32Array,
  indices: Int32Array,
  values: Float32Array | null,
  numRows: number,
  nnz: number,
): { indices: Int32Array; values: Float32Array | null } {
  const sortedIndices = new Int32Array(nnz);
  const sortedValues = values === null ? null : new Float32Array(nnz);
  for (let row = 0; row < numRows; row++) {
    const start = indptr[row];
    const end = indptr[row + 1];
    const order = Array.from({ length: end - start }, (_, q) => start + q);
    order.sort((x, y) => indices[x] - indices[y]);
    for (let q = 0; q < order.length; q++) {
      sortedIndices[start + q] = indices[order[q]];
      if (sortedValues !== null && values !== null) sortedValues[start + q] = values[order[q]];
    }
  }
  return { indices: sortedIndices, values: sortedValues };
}
