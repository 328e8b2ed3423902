/**
 * An inverted-file (IVF) index for maximum-inner-product retrieval over item vectors: k-means on a
 * seeded sample splits the items into about √n lists around centroids, every item is filed under
 * its nearest centroid, and a query scores only the items of the lists whose centroids score best
 * for it. A query then costs O(lists · dim + probed items · dim) instead of O(n · dim), and the
 * vectors of one list lie side by side in memory. Exact scoring stays the reference: the tests
 * measure recall@k against it.
 *
 * @example
 * const index = buildIvfIndex(vectors, n, dim, { seed: 1 });
 * const top = searchIvf(index, query, 100, { exclude: seenMask }); // item indices, inner products
 * @module
 */
import { throwIfAborted } from '../core/errors.js';
import { createRng, dot, dotRows, matmul, topK } from '../linalg/index.js';
import type { TopKResult } from '../linalg/index.js';

/** A built index. Arrays are plain typed arrays, so a model snapshot stores them as they are. */
export interface IvfIndex {
  dim: number;
  /** Number of lists. */
  lists: number;
  /** lists × dim. */
  centroids: Float32Array;
  /** List `l` holds positions `offsets[l]` to `offsets[l + 1]` (lists + 1 entries). */
  offsets: Int32Array;
  /** Item index at each position, list by list. */
  items: Int32Array;
  /** The vector at each position (n × dim), in the order of `items`. */
  vectors: Float32Array;
}

/** Options of {@link buildIvfIndex}. */
export interface IvfBuildOptions {
  /** Number of lists (default √n, between 1 and 4,096). */
  lists?: number;
  /** k-means rounds on the sample (default 8). */
  iterations?: number;
  /** Items the centroids are fitted on (default 64 per list; all when fewer). */
  sampleSize?: number;
  seed?: number;
  signal?: AbortSignal;
}

/** Options of {@link searchIvf}. */
export interface IvfSearchOptions {
  /**
   * Lists scanned: at least this many, and more until `minScanned` items were scored (default
   * {@link IVF_PROBE_SHARE} of the lists, at least 8).
   */
  probes?: number;
  /** Scan lists until at least this many items were scored (default 5·k, at least 2,000). */
  minScanned?: number;
  /** 1 = leave the item out (a mask over item indices). */
  exclude?: Uint8Array;
}

/**
 * Share of the lists a search scans by default: 35%. On the demo's USE-lite vectors (lists over their
 * 64 principal directions) that kept recall@100 at 0.967 of the exact top 100 for users of random
 * tastes (15% gave 0.83, 25% 0.92); on clustered 32-d vectors 15% gave 0.96.
 */
export const IVF_PROBE_SHARE = 0.35;

/**
 * Items a search scans at least, by default: {@link IVF_PROBE_SHARE} of the lists up to this many
 * items, a smaller share beyond (see {@link ivfProbeShare}). On the 1,000,000-item catalogue of
 * `bench/scale.ts`, scanning 2% to 35% of the lists found the same candidates: recall@100 0.954 for
 * the semantic model (its 15,000 rescored candidates set it) in up to twice the time, and 1.000
 * for the hybrid, whose retrieval took 97.4 ms per user at 35%, 18.8 ms at 10%, 12.4 ms at 5% and
 * 8.7 ms at 2% (40 users).
 */
export const IVF_SCAN_ITEMS = 50_000;

/** The default share of the lists a search scans in a catalogue of `n` items (see {@link IVF_SCAN_ITEMS}). */
export function ivfProbeShare(n: number): number {
  return Math.min(IVF_PROBE_SHARE, Math.max(IVF_SCAN_ITEMS / Math.max(n, 1), 0.02));
}

/** Rows assigned per block of the final assignment (bounds the scratch memory). */
const ASSIGN_BLOCK = 2_048;

/** Builds the index over `vectors` (n × dim, row-major); deterministic for a seed. */
export function buildIvfIndex(vectors: Float32Array, n: number, dim: number, options: IvfBuildOptions = {}): IvfIndex {
  const lists = Math.max(1, Math.min(options.lists ?? Math.round(Math.sqrt(n)), 4_096, n));
  const rng = createRng(options.seed ?? 1);
  const sampleSize = Math.min(n, Math.max(lists, options.sampleSize ?? 64 * lists));
  // A sample without repeats (partial Fisher–Yates over the item indices).
  const order = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < sampleSize; i++) {
    const j = i + rng.int(n - i);
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  const sample = new Float32Array(sampleSize * dim);
  for (let s = 0; s < sampleSize; s++) sample.set(vectors.subarray(order[s] * dim, (order[s] + 1) * dim), s * dim);
  const centroids = new Float32Array(lists * dim);
  // The first `lists` sample rows (a random subset) start the centroids.
  centroids.set(sample.subarray(0, lists * dim));
  const assigned = new Int32Array(sampleSize);
  const iterations = options.iterations ?? 8;
  for (let it = 0; it < iterations; it++) {
    throwIfAborted(options.signal);
    assignNearest(sample, sampleSize, dim, centroids, lists, assigned);
    const sums = new Float64Array(lists * dim);
    const counts = new Int32Array(lists);
    for (let s = 0; s < sampleSize; s++) {
      const l = assigned[s];
      counts[l]++;
      const off = s * dim;
      const c = l * dim;
      for (let d = 0; d < dim; d++) sums[c + d] += sample[off + d];
    }
    for (let l = 0; l < lists; l++) {
      if (counts[l] === 0) {
        // An empty list restarts at a random sample row.
        const s = rng.int(sampleSize);
        centroids.set(sample.subarray(s * dim, (s + 1) * dim), l * dim);
        continue;
      }
      for (let d = 0; d < dim; d++) centroids[l * dim + d] = sums[l * dim + d] / counts[l];
    }
  }
  const listOf = new Int32Array(n);
  for (let start = 0; start < n; start += ASSIGN_BLOCK) {
    throwIfAborted(options.signal);
    const rows = Math.min(ASSIGN_BLOCK, n - start);
    assignNearest(vectors.subarray(start * dim, (start + rows) * dim), rows, dim, centroids, lists, listOf.subarray(start, start + rows));
  }
  const offsets = new Int32Array(lists + 1);
  for (let i = 0; i < n; i++) offsets[listOf[i] + 1]++;
  for (let l = 0; l < lists; l++) offsets[l + 1] += offsets[l];
  const fill = offsets.slice(0, lists);
  const items = new Int32Array(n);
  const ordered = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) {
    const p = fill[listOf[i]]++;
    items[p] = i;
    ordered.set(vectors.subarray(i * dim, (i + 1) * dim), p * dim);
  }
  return { dim, lists, centroids, offsets, items, vectors: ordered };
}

/**
 * Nearest centroid (Euclidean) of each of `rows` vectors into `out`: argmin ‖x − c‖² =
 * argmax (x·c − ‖c‖²/2), with the products of a block taken by one matrix multiply.
 */
function assignNearest(x: Float32Array, rows: number, dim: number, centroids: Float32Array, lists: number, out: Int32Array): void {
  const half = new Float32Array(lists);
  for (let l = 0; l < lists; l++) half[l] = dot(centroids, l * dim, centroids, l * dim, dim) / 2;
  const block = Math.min(rows, ASSIGN_BLOCK);
  const products = new Float32Array(block * lists);
  for (let start = 0; start < rows; start += block) {
    const m = Math.min(block, rows - start);
    matmul(x.subarray(start * dim, (start + m) * dim), centroids, products, m, dim, lists, { transB: true });
    for (let r = 0; r < m; r++) {
      let best = 0;
      let bestScore = -Infinity;
      const off = r * lists;
      for (let l = 0; l < lists; l++) {
        const s = products[off + l] - half[l];
        if (s > bestScore) {
          bestScore = s;
          best = l;
        }
      }
      out[start + r] = best;
    }
  }
}

/**
 * How many of the lists `ranked` (best first, `offsets` their bounds) a search scans: the first
 * `probes`, and more until `minScanned` items are covered or none are left; with the items they hold.
 */
export function listsToScan(ranked: ArrayLike<number>, offsets: ArrayLike<number>, probes: number, minScanned: number): { probed: number; scanned: number } {
  let probed = 0;
  let scanned = 0;
  while (probed < ranked.length && (probed < probes || scanned < minScanned)) {
    const l = ranked[probed++];
    scanned += offsets[l + 1] - offsets[l];
  }
  return { probed, scanned };
}

/**
 * The `k` items with the highest inner product with `query` among the probed lists, best first
 * (item indices and their exact inner products in the index's space).
 */
export function searchIvf(index: IvfIndex, query: Float32Array, k: number, options: IvfSearchOptions = {}): TopKResult {
  const { dim, lists, centroids, offsets, items, vectors } = index;
  const centroidScores = new Float32Array(lists);
  dotRows(query, centroids, dim, 0, lists, centroidScores);
  const probes = Math.min(lists, Math.max(1, options.probes ?? Math.max(8, Math.ceil(lists * IVF_PROBE_SHARE))));
  const minScanned = options.minScanned ?? Math.max(2_000, 5 * k);
  // Lists in order of their centroid's score, as many as needed.
  const ranked = topK(centroidScores, lists).indices;
  const { probed, scanned } = listsToScan(ranked, offsets, probes, minScanned);
  const scores = new Float32Array(scanned);
  const at = new Int32Array(scanned);
  const exclude = options.exclude;
  let c = 0;
  for (let p = 0; p < probed; p++) {
    const l = ranked[p];
    const start = offsets[l];
    const count = offsets[l + 1] - start;
    // A list's vectors are contiguous: scored in one pass, then the excluded items dropped.
    dotRows(query, vectors, dim, start, count, scores, c);
    for (let pos = start; pos < start + count; pos++) {
      const item = items[pos];
      at[c] = item;
      if (exclude !== undefined && exclude[item]) scores[c] = -Infinity;
      c++;
    }
  }
  const best = topK(scores, k);
  return { indices: Int32Array.from(best.indices, (r) => at[r]), scores: best.scores };
}

/** The index as named arrays for a model snapshot (`<prefix>Centroids`, …) with its shape in `meta`. */
export function ivfArrays(index: IvfIndex, prefix: string): Record<string, Float32Array | Int32Array> {
  return { [`${prefix}Centroids`]: index.centroids, [`${prefix}Offsets`]: index.offsets, [`${prefix}Items`]: index.items, [`${prefix}Vectors`]: index.vectors };
}

/** Restores an index from {@link ivfArrays}' arrays; undefined when the snapshot has none. */
export function ivfFromArrays(arrays: Record<string, unknown>, prefix: string, dim: number): IvfIndex | undefined {
  const centroids = arrays[`${prefix}Centroids`];
  const offsets = arrays[`${prefix}Offsets`];
  const items = arrays[`${prefix}Items`];
  const vectors = arrays[`${prefix}Vectors`];
  if (!(centroids instanceof Float32Array) || !(offsets instanceof Int32Array) || !(items instanceof Int32Array) || !(vectors instanceof Float32Array)) return undefined;
  return { dim, lists: offsets.length - 1, centroids, offsets, items, vectors };
}
