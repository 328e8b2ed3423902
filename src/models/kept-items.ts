/**
 * The item cap of the dense closed-form models (EASE and its variants): which items get a row and a
 * column of the n × n weight matrix, and the interaction matrix re-indexed to them.
 * @module
 */
import type { CsrMatrix } from '../core/csr-matrix.js';

/** Items kept under a cap, in increasing item order. */
export interface KeptItems {
  /** Kept item indices, ascending. */
  kept: Int32Array;
  /** Position of each catalogue item among the kept ones, or −1. */
  rowOf: Int32Array;
  /** Items with enough support (at least `minSupport` interactions, and one); `eligible − kept.length` were capped out. */
  eligible: number;
}

/**
 * The items with at least `minSupport` (and at least one) interactions; when more than `maxItems`
 * qualify, the `maxItems` most interacted (ties to the lower index), returned in item order.
 */
export function selectKeptItems(counts: ArrayLike<number>, numItems: number, maxItems: number, minSupport = 1): KeptItems {
  let list: number[] = [];
  for (let i = 0; i < numItems; i++) if (counts[i] >= minSupport && counts[i] > 0) list.push(i);
  const eligible = list.length;
  if (list.length > maxItems) list = list.sort((a, b) => counts[b] - counts[a] || a - b).slice(0, maxItems).sort((a, b) => a - b);
  const rowOf = new Int32Array(numItems).fill(-1);
  list.forEach((i, r) => (rowOf[i] = r));
  return { kept: Int32Array.from(list), rowOf, eligible };
}

/**
 * `x`'s rows with only the kept columns, renumbered to kept positions (CSR, no values). Rows stay
 * sorted when `x`'s are, since kept positions increase with the item index.
 */
export function keptColumns(x: Pick<CsrMatrix, 'indptr' | 'indices' | 'numRows'>, rowOf: Int32Array): { indptr: Int32Array; indices: Int32Array } {
  const indptr = new Int32Array(x.numRows + 1);
  let nnz = 0;
  for (let p = 0; p < x.indptr[x.numRows]; p++) if (rowOf[x.indices[p]] >= 0) nnz++;
  const indices = new Int32Array(nnz);
  let at = 0;
  for (let u = 0; u < x.numRows; u++) {
    for (let p = x.indptr[u]; p < x.indptr[u + 1]; p++) {
      const r = rowOf[x.indices[p]];
      if (r >= 0) indices[at++] = r;
    }
    indptr[u + 1] = at;
  }
  return { indptr, indices };
}
