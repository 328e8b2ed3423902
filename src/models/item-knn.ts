/**
 * Item-based k-nearest-neighbours as RecBole's ItemKNN defines it (after Aiolli, RecSys 2013): cosine
 * with shrinkage over binary interactions, each item j keeps its `k` most similar items N(j), and a
 * user's score for j sums sim(i, j) over the history items i that are among j's neighbours,
 * score(u, j) = Σ_{i ∈ H(u) ∩ N(j)} sim(i, j), i.e. RecBole's `X · W` with W's column j holding N(j).
 * A version stores the lists N (row j = N(j), which similar items and pairwise similarity read); W's
 * rows (row i lists the items j with i ∈ N(j)) are their transpose, built when the model is fitted or
 * restored, so a query costs the history's rows only (the price: the lists are held twice in memory).
 *
 * `aggregate: 'history'` scores the other way round, summing each history item's own neighbours
 * (score(u, j) = Σ_{i ∈ H(u), j ∈ N(i)} sim(i, j)): a like of a mid-popular item then lifts its own
 * neighbours at once, where under RecBole's definition it counts only for the items that keep it
 * among their k. The serving default (`DEFAULT_TRAIN_PARAMS`) uses it for that reaction; the
 * evaluation grid keeps RecBole's, which ranks better offline.
 * @module
 */
import { binarize, transposeCsr } from '../core/csr-matrix.js';
import type { CsrMatrix } from '../core/csr-matrix.js';
import { throwIfAborted } from '../core/errors.js';
import { SparseScores, topK } from '../linalg/index.js';
import type { FitContext, FitReport, ModelParams, Recommender, UserQuery } from './recommender.js';
import type { ModelSnapshot } from './snapshot.js';

/** Hyper-parameters of {@link ItemKnnModel}. */
export interface ItemKnnOptions {
  /** Neighbours kept per item. */
  k: number;
  /** Added to the cosine denominator, damping similarities built on few co-occurrences. */
  shrink: number;
  /**
   * `candidate` (RecBole's ItemKNN, default): a candidate's score sums its own neighbours found in
   * the history; `history`: each history item lifts its own neighbours.
   */
  aggregate: ItemKnnAggregate;
}

/** How item-kNN sums similarities into a score (see {@link ItemKnnOptions.aggregate}). */
export type ItemKnnAggregate = 'candidate' | 'history';

const DEFAULTS: ItemKnnOptions = { k: 100, shrink: 0, aggregate: 'candidate' };

/** Creates an item-kNN recommender. */
export function createItemKnn(options: Partial<ItemKnnOptions> = {}): ItemKnnModel {
  return new ItemKnnModel({ ...DEFAULTS, ...options });
}

/**
 * Builds, for each row item i, its top-`k` neighbours j by cos(i, j) = co(i,j) / (‖i‖‖j‖ + shrink + 1e-6)
 * over the columns of `userItem` (binary), self excluded. Returns the neighbour lists as CSR.
 */
export function itemNeighbours(userItem: CsrMatrix, k: number, shrink: number, signal?: AbortSignal, onRow?: (done: number) => void): CsrMatrix {
  const itemUser = transposeCsr(userItem);
  const n = userItem.numCols;
  const norms = new Float64Array(n);
  for (let i = 0; i < n; i++) norms[i] = Math.sqrt(itemUser.indptr[i + 1] - itemUser.indptr[i]);
  const co = new Float32Array(n);
  const touched = new Int32Array(n);
  const keep = Math.min(k, Math.max(n - 1, 0));
  const indptr = new Int32Array(n + 1);
  const rowsIdx: Int32Array[] = [];
  const rowsVal: Float32Array[] = [];
  // Candidate scores of one row, gathered from the co-occurring items only (O(co-occurrences), not O(n)).
  const candScores = new Float32Array(n);
  const mask = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    if ((i & 255) === 0) {
      throwIfAborted(signal);
      onRow?.(i);
    }
    let nTouched = 0;
    for (let p = itemUser.indptr[i]; p < itemUser.indptr[i + 1]; p++) {
      const u = itemUser.indices[p];
      for (let q = userItem.indptr[u]; q < userItem.indptr[u + 1]; q++) {
        const j = userItem.indices[q];
        if (co[j] === 0) touched[nTouched++] = j;
        co[j] += 1;
      }
    }
    if (nTouched * DENSE_ROW_SHARE >= n) {
      // A dense row (most items co-occur, as in MovieLens): one masked pass over the row is cheaper
      // than gathering and sorting the co-occurring items, and selects the same neighbours.
      mask.fill(1);
      for (let t = 0; t < nTouched; t++) {
        const j = touched[t];
        if (j !== i) {
          co[j] = co[j] / (norms[i] * norms[j] + shrink + 1e-6);
          mask[j] = 0;
        }
      }
      const best = keep > 0 ? topK(co, keep, mask) : { indices: new Int32Array(0), scores: new Float32Array(0) };
      rowsIdx.push(best.indices);
      rowsVal.push(best.scores);
      indptr[i + 1] = indptr[i] + best.indices.length;
      for (let t = 0; t < nTouched; t++) co[touched[t]] = 0;
      co[i] = 0;
      continue;
    }
    // A sparse row: only co-occurring items can be neighbours, so select among them alone (cost
    // O(co-occurrences), not O(n)). In ascending index order, so that ties go to the lower item
    // index, exactly as in the masked pass.
    const cands = touched.subarray(0, nTouched).sort();
    let m = 0;
    for (let t = 0; t < nTouched; t++) {
      const j = cands[t];
      if (j === i) continue;
      cands[m] = j;
      candScores[m++] = co[j] / (norms[i] * norms[j] + shrink + 1e-6);
    }
    const best = keep > 0 ? topK(candScores.subarray(0, m), keep) : { indices: new Int32Array(0), scores: new Float32Array(0) };
    const rowIdx = new Int32Array(best.indices.length);
    for (let r = 0; r < rowIdx.length; r++) rowIdx[r] = cands[best.indices[r]];
    rowsIdx.push(rowIdx);
    rowsVal.push(best.scores);
    indptr[i + 1] = indptr[i] + rowIdx.length;
    for (let t = 0; t < nTouched; t++) co[touched[t]] = 0;
    // (touched was reordered and compacted above; its first m entries plus i cover every j set.)
    co[i] = 0;
  }
  const indices = new Int32Array(indptr[n]);
  const values = new Float32Array(indptr[n]);
  for (let i = 0; i < n; i++) {
    // Each row in ascending item order, so that a pair is found by binary search (`itemSimilarity`).
    const idx = rowsIdx[i];
    const order = Array.from(idx.keys()).sort((a, b) => idx[a] - idx[b]);
    for (let r = 0; r < order.length; r++) {
      indices[indptr[i] + r] = idx[order[r]];
      values[indptr[i] + r] = rowsVal[i][order[r]];
    }
  }
  return { numRows: n, numCols: n, indptr, indices, values };
}

/** True when every row of `m` lists its columns in ascending order. */
function rowsAscending(m: CsrMatrix): boolean {
  const { indptr, indices } = m;
  for (let i = 0; i < m.numRows; i++) for (let p = indptr[i] + 1; p < indptr[i + 1]; p++) if (indices[p - 1] >= indices[p]) return false;
  return true;
}

/** Position of `value` in the ascending `sorted[start, end)`, or -1. */
function findSorted(sorted: Int32Array, start: number, end: number, value: number): number {
  let lo = start;
  let hi = end - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const v = sorted[mid];
    if (v === value) return mid;
    if (v < value) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/** A row touching at least 1/DENSE_ROW_SHARE of the items is selected by one masked pass over the row. */
const DENSE_ROW_SHARE = 8;

/** Item-kNN over binary interactions. */
export class ItemKnnModel implements Recommender {
  readonly kind = 'itemknn';
  readonly params: ModelParams;
  /** W by rows, Nᵀ: row i holds sim(i, j) for every item j that keeps i among its `k` neighbours, in ascending j. */
  private scoring: CsrMatrix = { numRows: 0, numCols: 0, indptr: new Int32Array(1), indices: new Int32Array(0), values: new Float32Array(0) };
  /** The lists N: row j holds j's `k` most similar items. */
  private neighbours: CsrMatrix = { numRows: 0, numCols: 0, indptr: new Int32Array(1), indices: new Int32Array(0), values: new Float32Array(0) };
  /** Rows list their neighbours in ascending item order (versions fitted before that may not). */
  private sortedRows = true;
  /** Scratch of {@link retrieve}: only the history's neighbours are written, so a query costs O(history × k). */
  private sparse: SparseScores | undefined;

  constructor(private readonly options: ItemKnnOptions) {
    this.params = { ...options };
  }

  get numItems(): number {
    return this.neighbours.numCols;
  }

  async fit(train: CsrMatrix, context: FitContext = {}): Promise<FitReport> {
    const t0 = performance.now();
    const n = train.numCols;
    this.neighbours = itemNeighbours(binarize(train), this.options.k, this.options.shrink, context.signal, (done) => context.onProgress?.('itemknn similarities', done, n));
    this.scoring = this.options.aggregate === 'history' ? this.neighbours : transposeCsr(this.neighbours);
    context.onProgress?.('itemknn similarities', n, n);
    return { seconds: (performance.now() - t0) / 1000, epochs: 1 };
  }

  score(query: UserQuery, out: Float32Array): void {
    out.fill(0);
    const { indptr, indices, values } = this.scoring;
    for (const i of query.items) {
      if (i < 0 || i >= this.scoring.numRows) continue;
      for (let p = indptr[i]; p < indptr[i + 1]; p++) out[indices[p]] += values[p];
    }
  }

  /** Scores come from neighbour lists: {@link retrieve} answers without a pass over the catalogue. */
  get indexed(): boolean {
    return true;
  }

  /**
   * Exactly `topK` of {@link score} (same float32 sums, same order and ties), touching only the
   * history items' rows: O(history × k + k log k) per query at any catalogue size.
   */
  retrieve(query: UserQuery, k: number, exclude?: Uint8Array): { indices: Int32Array; scores: Float32Array } {
    const n = this.scoring.numCols;
    if (this.sparse?.size !== n) this.sparse = new SparseScores(n);
    const acc = this.sparse;
    const { indptr, indices, values } = this.scoring;
    try {
      for (const i of query.items) {
        if (i < 0 || i >= this.scoring.numRows) continue;
        for (let p = indptr[i]; p < indptr[i + 1]; p++) acc.add(indices[p], values[p]);
      }
      return acc.topK(k, exclude);
    } finally {
      acc.reset();
    }
  }

  /** Similarity of two items (0 unless `b` is among `a`'s neighbours, or `a` among `b`'s); O(log k). */
  itemSimilarity(a: number, b: number): number {
    const { indptr, indices, values } = this.neighbours;
    if (a < 0 || b < 0 || a >= this.neighbours.numRows || b >= this.neighbours.numRows) return 0;
    if (this.sortedRows) {
      const p = findSorted(indices, indptr[a], indptr[a + 1], b);
      if (p >= 0) return values[p];
      const q = findSorted(indices, indptr[b], indptr[b + 1], a);
      return q >= 0 ? values[q] : 0;
    }
    for (let p = indptr[a]; p < indptr[a + 1]; p++) if (indices[p] === b) return values[p];
    for (let p = indptr[b]; p < indptr[b + 1]; p++) if (indices[p] === a) return values[p];
    return 0;
  }

  /** The item's own `k` most similar items: sim(itemIdx, j) for j ∈ N(itemIdx), 0 elsewhere. */
  similarItems(itemIdx: number, out: Float32Array): void {
    out.fill(0);
    const { indptr, indices, values } = this.neighbours;
    for (let p = indptr[itemIdx]; p < indptr[itemIdx + 1]; p++) out[indices[p]] = values[p];
  }

  snapshot(): ModelSnapshot {
    const w = this.neighbours;
    return {
      kind: this.kind,
      params: this.params,
      meta: { numItems: w.numCols },
      arrays: { indptr: w.indptr, indices: w.indices, values: w.values },
    };
  }

  /** Restores from {@link ItemKnnModel.snapshot}. */
  static fromSnapshot(s: ModelSnapshot): ItemKnnModel {
    // A version saved before `aggregate` existed was scored by its history items' own lists.
    const m = new ItemKnnModel({ ...DEFAULTS, aggregate: 'history', ...(s.params as Partial<ItemKnnOptions>) });
    const n = s.meta.numItems as number;
    m.neighbours = {
      numRows: n,
      numCols: n,
      indptr: s.arrays.indptr as Int32Array,
      indices: s.arrays.indices as Int32Array,
      values: s.arrays.values as Float32Array,
    };
    m.sortedRows = rowsAscending(m.neighbours);
    m.scoring = m.options.aggregate === 'history' ? m.neighbours : transposeCsr(m.neighbours);
    return m;
  }
}
