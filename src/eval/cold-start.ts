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
import { rowsByUser } from './split.js';
import type { Split } from './split.js';

/** An item cold-start split: `coldItems` never occur in train or valid. */
export interface ItemColdStartSplit extends Split {
  /** Mask over item indices: 1 = held out (cold). */
  coldItems: Uint8Array;
}

/**
 * Holds out `coldShare` of the items (chosen with a seeded shuffle) together with all their
 * interactions, which become the test targets. Each remaining user's warm interactions are split
 * `validShare` into validation (random, per user) and the rest into train.
 */
export function itemColdStartSplit(log: InteractionLog, coldShare = 0.2, seed = 2020, validShare = 0.1): ItemColdStartSplit {
  if (!(coldShare > 0 && coldShare < 1)) throw new RangeError(`coldShare must be between 0 and 1, got ${coldShare}`);
  const rng = createRng(seed);
  const numItems = log.items.size;
  const order = Int32Array.from({ length: numItems }, (_, i) => i);
  for (let i = numItems - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  const coldItems = new Uint8Array(numItems);
  const numCold = Math.round(numItems * coldShare);
  for (let k = 0; k < numCold; k++) coldItems[order[k]] = 1;
  const train: number[] = [];
  const valid: number[] = [];
  const test: number[] = [];
  for (const rows of rowsByUser(log)) {
    const warm: number[] = [];
    for (const r of rows) (coldItems[log.itemIdx[r]] ? test : warm).push(r);
    for (let i = warm.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      const t = warm[i];
      warm[i] = warm[j];
      warm[j] = t;
    }
    const nValid = warm.length >= 3 ? Math.floor(warm.length * validShare) : 0;
    warm.forEach((r, k) => (k < nValid ? valid : train).push(r));
  }
  const sorted = (a: number[]) => Int32Array.from(a).sort();
  return { kind: 'random-ratio', train: sorted(train), valid: sorted(valid), test: sorted(test), coldItems };
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
