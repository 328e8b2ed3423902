/**
 * Cold-start and long-tail evaluation slices (C16): an item cold-start split that holds out a share of
 * the catalogue with all its interactions, and masks that restrict an evaluation to cold users
 * (few history items) or to tail items.
 * @module
 */
import type { CsrMatrix } from '../core/csr-matrix.js';
import type { InteractionLog } from '../core/interaction-log.js';
import { createRng } from '../linalg/index.js';
import { headItemMask } from './metrics.js';
import type { Split } from './split.js';

/**
 * An item cold-start split: `testItems` and `validItems` never occur in train; their interactions are
 * the test and validation targets respectively.
 */
export interface ItemColdStartSplit extends Split {
  /** Mask over item indices: 1 = held out for test. */
  testItems: Uint8Array;
  /** Mask over item indices: 1 = held out for validation. */
  validItems: Uint8Array;
}

/**
 * Holds out `testShare` of the items (seeded shuffle) with all their interactions as test targets, and
 * another `validShare` of the items the same way as validation targets; everything else is train. A
 * model is thus chosen and tested on items it never saw an interaction of.
 */
export function itemColdStartSplit(log: InteractionLog, testShare = 0.2, seed = 2020, validShare = 0.1): ItemColdStartSplit {
  if (!(testShare > 0 && validShare >= 0 && testShare + validShare < 1)) {
    throw new RangeError(`cold item shares must be positive and sum below 1, got test ${testShare}, valid ${validShare}`);
  }
  const rng = createRng(seed);
  const numItems = log.items.size;
  const order = Int32Array.from({ length: numItems }, (_, i) => i);
  for (let i = numItems - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  const testItems = new Uint8Array(numItems);
  const validItems = new Uint8Array(numItems);
  const numTest = Math.round(numItems * testShare);
  const numValid = Math.round(numItems * validShare);
  for (let k = 0; k < numTest; k++) testItems[order[k]] = 1;
  for (let k = numTest; k < numTest + numValid; k++) validItems[order[k]] = 1;
  const train: number[] = [];
  const valid: number[] = [];
  const test: number[] = [];
  for (let r = 0; r < log.itemIdx.length; r++) {
    const i = log.itemIdx[r];
    (testItems[i] ? test : validItems[i] ? valid : train).push(r);
  }
  return { kind: 'random-ratio', train: Int32Array.from(train), valid: Int32Array.from(valid), test: Int32Array.from(test), testItems, validItems };
}

/** Keeps only the rows of `targets` whose user has at most `maxHistory` items in `history`. */
export function coldUserTargets(targets: CsrMatrix, history: CsrMatrix, maxHistory = 3): CsrMatrix {
  return filterRows(targets, (u) => u < history.numRows && history.indptr[u + 1] - history.indptr[u] <= maxHistory);
}

/** Keeps only the target entries whose item is in the tail (outside the top `headShare` by popularity). */
export function tailTargets(targets: CsrMatrix, itemPopularity: Int32Array, headShare = 0.2): CsrMatrix {
  const head = headItemMask(itemPopularity, headShare);
  return filterEntries(targets, (i) => head[i] === 0);
}

/** Keeps only the target entries whose item is in `mask` (1 = keep). */
export function targetsInMask(targets: CsrMatrix, mask: Uint8Array): CsrMatrix {
  return filterEntries(targets, (i) => mask[i] === 1);
}

function filterRows(m: CsrMatrix, keepRow: (row: number) => boolean): CsrMatrix {
  return filter(m, (row) => keepRow(row), () => true);
}

function filterEntries(m: CsrMatrix, keepCol: (col: number) => boolean): CsrMatrix {
  return filter(m, () => true, keepCol);
}

function filter(m: CsrMatrix, keepRow: (row: number) => boolean, keepCol: (col: number) => boolean): CsrMatrix {
  const indptr = new Int32Array(m.numRows + 1);
  const indices: number[] = [];
  const values: number[] = [];
  for (let r = 0; r < m.numRows; r++) {
    if (keepRow(r)) {
      for (let p = m.indptr[r]; p < m.indptr[r + 1]; p++) {
        if (!keepCol(m.indices[p])) continue;
        indices.push(m.indices[p]);
        values.push(m.values[p]);
      }
    }
    indptr[r + 1] = indices.length;
  }
  return { numRows: m.numRows, numCols: m.numCols, indptr, indices: Int32Array.from(indices), values: Float32Array.from(values) };
}
