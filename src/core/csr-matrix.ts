/**
 * Compressed sparse row matrix: the user × item interaction matrix that models train on.
 * @module
 */

/** A sparse matrix in CSR layout; row `r` spans `indices[indptr[r] .. indptr[r+1])`, columns sorted. */
export interface CsrMatrix {
  /** Number of rows (users). */
  readonly numRows: number;
  /** Number of columns (items). */
  readonly numCols: number;
  /** Row pointers, length `numRows + 1`. */
  readonly indptr: Int32Array;
  /** Column index of each stored entry, ascending within a row. */
  readonly indices: Int32Array;
  /** Value of each stored entry. */
  readonly values: Float32Array;
}

/** How duplicate (row, col) entries are combined when building a matrix. */
export type DuplicatePolicy = 'sum' | 'max' | 'last';

/**
 * Builds a CSR matrix from coordinate triples. Duplicates are merged by `duplicates`
 * (default `max`, which turns repeated implicit feedback into one entry).
 */
export function csrFromCoo(
  numRows: number,
  numCols: number,
  rows: ArrayLike<number>,
  cols: ArrayLike<number>,
  vals: ArrayLike<number> | null,
  duplicates: DuplicatePolicy = 'max',
): CsrMatrix {
  const n = rows.length;
  const counts = new Int32Array(numRows + 1);
  for (let e = 0; e < n; e++) {
    const r = rows[e];
    const c = cols[e];
    if (r < 0 || r >= numRows || c < 0 || c >= numCols) {
      throw new RangeError(`entry ${e} at (${r}, ${c}) is outside a ${numRows}×${numCols} matrix`);
    }
    counts[r + 1]++;
  }
  for (let r = 0; r < numRows; r++) counts[r + 1] += counts[r];
  const fill = counts.slice(0, numRows);
  const tmpCols = new Int32Array(n);
  const tmpVals = new Float32Array(n);
  for (let e = 0; e < n; e++) {
    const pos = fill[rows[e]]++;
    tmpCols[pos] = cols[e];
    tmpVals[pos] = vals === null ? 1 : vals[e];
  }
  // Sort each row by column (stable, so 'last' keeps insertion order) and merge duplicates.
  const indptr = new Int32Array(numRows + 1);
  const outCols = new Int32Array(n);
  const outVals = new Float32Array(n);
  let out = 0;
  const order: number[] = [];
  for (let r = 0; r < numRows; r++) {
    const start = counts[r];
    const end = counts[r + 1];
    order.length = 0;
    for (let p = start; p < end; p++) order.push(p);
    order.sort((a, b) => tmpCols[a] - tmpCols[b] || a - b);
    let prevCol = -1;
    for (const p of order) {
      const c = tmpCols[p];
      const v = tmpVals[p];
      if (c === prevCol) {
        const q = out - 1;
        if (duplicates === 'sum') outVals[q] += v;
        else if (duplicates === 'max') outVals[q] = Math.max(outVals[q], v);
        else outVals[q] = v;
        continue;
      }
      outCols[out] = c;
      outVals[out] = v;
      out++;
      prevCol = c;
    }
    indptr[r + 1] = out;
  }
  return { numRows, numCols, indptr, indices: outCols.slice(0, out), values: outVals.slice(0, out) };
}

/** Transpose of `m` (CSR of the transposed matrix, i.e. CSC of `m`). */
export function transposeCsr(m: CsrMatrix): CsrMatrix {
  const nnz = m.indices.length;
  const indptr = new Int32Array(m.numCols + 1);
  for (let e = 0; e < nnz; e++) indptr[m.indices[e] + 1]++;
  for (let c = 0; c < m.numCols; c++) indptr[c + 1] += indptr[c];
  const fill = indptr.slice(0, m.numCols);
  const indices = new Int32Array(nnz);
  const values = new Float32Array(nnz);
  for (let r = 0; r < m.numRows; r++) {
    for (let p = m.indptr[r]; p < m.indptr[r + 1]; p++) {
      const pos = fill[m.indices[p]]++;
      indices[pos] = r;
      values[pos] = m.values[p];
    }
  }
  return { numRows: m.numCols, numCols: m.numRows, indptr, indices, values };
}

/** Number of stored entries in row `r`. */
export function rowLength(m: CsrMatrix, r: number): number {
  return m.indptr[r + 1] - m.indptr[r];
}

/** Column indices of row `r` (a view, not a copy). */
export function rowIndices(m: CsrMatrix, r: number): Int32Array {
  return m.indices.subarray(m.indptr[r], m.indptr[r + 1]);
}

/** Values of row `r` (a view, not a copy). */
export function rowValues(m: CsrMatrix, r: number): Float32Array {
  return m.values.subarray(m.indptr[r], m.indptr[r + 1]);
}

/** Number of stored entries in each column. */
export function columnCounts(m: CsrMatrix): Int32Array {
  const counts = new Int32Array(m.numCols);
  for (let e = 0; e < m.indices.length; e++) counts[m.indices[e]]++;
  return counts;
}

/** A copy of `m` with every stored value set to 1. */
export function binarize(m: CsrMatrix): CsrMatrix {
  return { ...m, values: new Float32Array(m.indices.length).fill(1) };
}

/** A 0 × 0 matrix: what a model holds before it is fitted. */
export const EMPTY_CSR: CsrMatrix = { numRows: 0, numCols: 0, indptr: new Int32Array(1), indices: new Int32Array(0), values: new Float32Array(0) };
