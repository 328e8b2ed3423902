/**
 * Top-k selection over a score vector with a bounded min-heap: O(n log k) time, O(k) memory.
 * @module
 */
import type { FloatArray } from './float-array.js';

/** The k best entries, best first. */
export interface TopKResult {
  /** Positions in the score vector (dense indices), best first. */
  indices: Int32Array;
  /** The matching scores, same order (narrowed to Float32). */
  scores: Float32Array;
}

/**
 * Entries to leave out: a mask with `1` (any nonzero) at excluded positions, at least as long as
 * the scores (the fast path), or a predicate that returns true for excluded positions.
 */
export type TopKExclude = Uint8Array | ((idx: number) => boolean);

/**
 * The `k` highest scores in descending order, ties broken by lower index first. NaN and -Infinity
 * scores and excluded positions are skipped; fewer than `k` entries come back when fewer remain.
 *
 * With a predicate, `exclude` is only called for positions whose score would enter the current
 * top k, so it may run far fewer than `scores.length` times and must not rely on being called for
 * every index. Throws RangeError when a mask is shorter than `scores`.
 *
 * @example
 * const { indices } = topK(itemScores, 10, seenMask); // 10 best unseen items
 */
export function topK(scores: FloatArray, k: number, exclude?: TopKExclude): TopKResult {
  const n = scores.length;
  const capacity = Math.max(0, Math.min(Math.floor(k), n));
  // Min-heap whose root is the worst kept entry: lowest score, and among equal scores the highest index.
  const heapScores = new Float64Array(capacity);
  const heapIdx = new Int32Array(capacity);
  let size = 0;
  if (capacity > 0) {
    if (exclude === undefined) {
      size = scanAll(scores, heapScores, heapIdx, capacity);
    } else if (typeof exclude === 'function') {
      size = scanWithPredicate(scores, exclude, heapScores, heapIdx, capacity);
    } else {
      if (exclude.length < n) {
        throw new RangeError(`topK: mask has ${exclude.length} entries but there are ${n} scores`);
      }
      size = scanWithMask(scores, exclude, heapScores, heapIdx, capacity);
    }
  }
  // Pop the worst entry into the last free slot until the heap is empty: best ends up first.
  const indices = new Int32Array(size);
  const outScores = new Float32Array(size);
  for (let last = size - 1; last >= 0; last--) {
    indices[last] = heapIdx[0];
    outScores[last] = heapScores[0];
    heapScores[0] = heapScores[last];
    heapIdx[0] = heapIdx[last];
    siftDown(heapScores, heapIdx, last);
  }
  return { indices, scores: outScores };
}

// The three scans differ only in their exclusion test; they are kept apart so each hot loop is
// monomorphic and the mask path makes no calls. Indices arrive in ascending order, so a new entry
// whose score equals the root's loses the tie: `score > threshold` is the whole admission test,
// and it also rejects NaN and -Infinity because the threshold starts at -Infinity.

function scanAll(scores: FloatArray, hs: Float64Array, hi: Int32Array, capacity: number): number {
  let size = 0;
  let threshold = -Infinity;
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i];
    if (s > threshold) {
      size = admit(hs, hi, size, capacity, s, i);
      if (size === capacity) threshold = hs[0];
    }
  }
  return size;
}

function scanWithMask(
  scores: FloatArray,
  mask: Uint8Array,
  hs: Float64Array,
  hi: Int32Array,
  capacity: number,
): number {
  let size = 0;
  let threshold = -Infinity;
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i];
    if (s > threshold && mask[i] === 0) {
      size = admit(hs, hi, size, capacity, s, i);
      if (size === capacity) threshold = hs[0];
    }
  }
  return size;
}

function scanWithPredicate(
  scores: FloatArray,
  exclude: (idx: number) => boolean,
  hs: Float64Array,
  hi: Int32Array,
  capacity: number,
): number {
  let size = 0;
  let threshold = -Infinity;
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i];
    if (s > threshold && !exclude(i)) {
      size = admit(hs, hi, size, capacity, s, i);
      if (size === capacity) threshold = hs[0];
    }
  }
  return size;
}

/** Adds (s, i) to a heap holding `size` entries, replacing the root when full; returns the new size. */
function admit(hs: Float64Array, hi: Int32Array, size: number, capacity: number, s: number, i: number): number {
  if (size < capacity) {
    let pos = size;
    while (pos > 0) {
      const parent = (pos - 1) >> 1;
      if (!worse(s, i, hs[parent], hi[parent])) break;
      hs[pos] = hs[parent];
      hi[pos] = hi[parent];
      pos = parent;
    }
    hs[pos] = s;
    hi[pos] = i;
    return size + 1;
  }
  hs[0] = s;
  hi[0] = i;
  siftDown(hs, hi, size);
  return size;
}

/** Restores the heap order below the root of a heap of `size` entries. */
function siftDown(hs: Float64Array, hi: Int32Array, size: number): void {
  const s = hs[0];
  const i = hi[0];
  let pos = 0;
  for (;;) {
    let child = 2 * pos + 1;
    if (child >= size) break;
    if (child + 1 < size && worse(hs[child + 1], hi[child + 1], hs[child], hi[child])) child++;
    if (!worse(hs[child], hi[child], s, i)) break;
    hs[pos] = hs[child];
    hi[pos] = hi[child];
    pos = child;
  }
  hs[pos] = s;
  hi[pos] = i;
}

/** True when entry (s1, i1) ranks below (s2, i2): lower score, or equal score and higher index. */
function worse(s1: number, i1: number, s2: number, i2: number): boolean {
  return s1 < s2 || (s1 === s2 && i1 > i2);
}
