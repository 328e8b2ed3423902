/**
 * Shared data plumbing of the sequence models: chronological training sequences, the windows a fit
 * trains on, the input sequence of a query, and the seeded shuffles of an epoch.
 * @module
 */
import type { CsrMatrix } from '../core/csr-matrix.js';
import type { FitContext, UserQuery } from './recommender.js';

/**
 * Each training row's item sequence: `context.sequences` when given (chronological), else the
 * row's items in index order (no time information: sequence models then learn little order).
 */
export function trainingSequences(train: CsrMatrix, context: FitContext): readonly Int32Array[] {
  if (context.sequences) return context.sequences;
  const out: Int32Array[] = [];
  for (let u = 0; u < train.numRows; u++) out.push(train.indices.subarray(train.indptr[u], train.indptr[u + 1]));
  return out;
}

/** One training window: inputs `seq[start, end − 1)`, targets `seq[start + 1, end)`. */
export interface SequenceWindow {
  seq: Int32Array;
  start: number;
  end: number;
}

/**
 * Windows of at most `maxLen` inputs covering every next-item target once: the last one ends at the
 * sequence's end, earlier ones (only when `allWindows`) tile the rest backwards. Items outside
 * `[0, numItems)` are dropped first.
 */
export function sequenceWindows(sequences: readonly Int32Array[], maxLen: number, numItems: number, allWindows: boolean): SequenceWindow[] {
  const windows: SequenceWindow[] = [];
  for (const raw of sequences) {
    const seq = raw.every((i) => i >= 0 && i < numItems) ? raw : raw.filter((i) => i >= 0 && i < numItems);
    let end = seq.length;
    while (end >= 2) {
      const start = Math.max(0, end - 1 - maxLen);
      windows.push({ seq, start, end });
      if (!allWindows) break;
      end = start + 1;
    }
  }
  return windows;
}

/** The last `maxLen` known items of the query's sequence (or of its history when it has none). */
export function querySequence(query: UserQuery, maxLen: number, numItems: number): Int32Array {
  const src = query.sequence ?? query.items;
  const known = src.every((i) => i >= 0 && i < numItems) ? src : src.filter((i) => i >= 0 && i < numItems);
  return known.length > maxLen ? known.subarray(known.length - maxLen) : known;
}
