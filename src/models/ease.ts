/**
 * EASE (Steck, "Embarrassingly Shallow Autoencoders for Sparse Data", WWW 2019): a closed-form
 * item-item weight matrix B = −P / diag(P) with P = (XᵀX + λI)⁻¹ and a zero diagonal. Scores are the
 * user's binary history times B. B is dense over at most `maxItems` items (the most interacted);
 * the items the cap leaves out are scored by a sparse co-occurrence fallback on EASE's scale
 * (`ease-tail.ts`), so a large catalogue is ranked whole and the fit report says how many were left out.
 * @module
 */
import { binarize, columnCounts } from '../core/csr-matrix.js';
import { keptColumns, selectKeptItems } from './kept-items.js';
import type { CsrMatrix } from '../core/csr-matrix.js';
import { throwIfAborted } from '../core/errors.js';
import { SparseScores, sparseGram, spdInverse } from '../linalg/index.js';
import { calibrationSample, easeTailNeighbours, emptyTail, firstOrderKeptScores, fitTailScale } from './ease-tail.js';
import type { FitContext, FitReport, ModelParams, Recommender, UserQuery } from './recommender.js';
import type { ModelSnapshot } from './snapshot.js';

/** Hyper-parameters of {@link EaseModel}. */
export interface EaseOptions {
  /** L2 weight λ added to the Gram diagonal. */
  lambda: number;
  /**
   * Items with fewer training interactions stay out of B (their score is 0). The cost is cubic in
   * the number of kept items, so large catalogues raise this to keep the matrix tractable.
   */
  minSupport: number;
  /**
   * At most this many items (the most interacted, ties to the lower index) enter B: a cap on the
   * cubic cost and the n² memory (6,000 items ≈ 60 s and 0.4 GB here). Catalogues the size of
   * MovieLens-1M fit under it whole. The eligible items beyond it are "left out": the fit report
   * counts them (`FitReport.itemCap`) and they are scored by the co-occurrence fallback
   * ({@link EaseOptions.tailNeighbours}), never silently 0. Under the cap the model is exact EASE.
   */
  maxItems: number;
  /**
   * Left-out items remembered per history item by the fallback (its most co-occurring ones): a query
   * costs O(history × this) on top of B, and the model holds at most items × this extra entries.
   */
  tailNeighbours: number;
}

const DEFAULTS: EaseOptions = { lambda: 250, minSupport: 1, maxItems: 6000, tailNeighbours: 50 };

/** How EASE's item cap applied in a fit (see {@link EaseOptions.maxItems}). */
export interface EaseItemCap {
  /** The cap in force. */
  maxItems: number;
  /** Items in B. */
  kept: number;
  /** Items with enough support that the cap kept out of B; scored by the co-occurrence fallback. */
  leftOut: number;
}

/** Creates an EASE recommender. */
export function createEase(options: Partial<EaseOptions> = {}): EaseModel {
  return new EaseModel({ ...DEFAULTS, ...options });
}

/**
 * The dropout of EDLAE (Steck, "Autoencoders that don't overfit towards the Identity", NeurIPS 2020):
 * full-rank emphasized denoising with dropout probability p is EASE whose penalty on item i grows
 * with its own Gram diagonal, Λᵢᵢ = λ + p / (1 − p) · (XᵀX)ᵢᵢ, keeping B's zero diagonal.
 */
export interface EaseDropout {
  /** Dropout probability p in [0, 1). */
  dropout: number;
}

/**
 * The degree normalisations of kind `nease` (`nease.ts`), on top of EDLAE's dropout: each user's
 * squared error weighted by |u|^−userNorm (the Gram becomes XᵀWX, W rescaled to keep its trace), and
 * column j of B scaled by count(j)^−popularity. All zero is EDLAE; with the dropout also zero, EASE.
 */
export interface EaseNormalisation extends EaseDropout {
  /** Exponent β ≥ 0 of the user weight |u|^−β. */
  userNorm: number;
  /** Exponent δ ≥ 0 of the item-popularity scaling count(j)^−δ of B's columns. */
  popularity: number;
}

/**
 * EASE over binary interactions (and EDLAE, its dropout-emphasised variant, as kind `edlae`; with
 * degree normalisations as kind `nease`).
 */
export class EaseModel implements Recommender {
  readonly kind: 'ease' | 'edlae' | 'nease';
  readonly params: ModelParams;
  private total = 0;
  /** Kept item → catalogue index. */
  private kept: Int32Array = new Int32Array(0);
  /** Catalogue index → row of B, or −1. */
  private rowOf: Int32Array = new Int32Array(0);
  /** B over kept items, row-major, kept × kept. */
  private weights: Float32Array = new Float32Array(0);
  /** Fallback for the left-out items: per item, its co-occurring left-out items and their weights. */
  private tail: CsrMatrix = emptyTail(0);
  private leftOut = 0;
  /** Factor applied to the fallback's first-order weights (see `ease-tail.ts`). */
  private tailScale = 1;
  /** Scratch accumulator reused across score calls (scoring is synchronous). */
  private acc: Float32Array = new Float32Array(0);
  /** Scratch of {@link retrieve}. */
  private sparse: SparseScores | undefined;

  /** Dropout of the EDLAE variant (0 for EASE). */
  private readonly dropout: number;
  /** Exponents of the `nease` normalisations (0 otherwise). */
  private readonly userNorm: number;
  private readonly popularity: number;

  constructor(
    private readonly options: EaseOptions,
    variant?: EaseDropout | EaseNormalisation,
  ) {
    const norm = variant && 'userNorm' in variant ? variant : undefined;
    this.kind = norm ? 'nease' : variant ? 'edlae' : 'ease';
    this.dropout = variant?.dropout ?? 0;
    this.userNorm = norm?.userNorm ?? 0;
    this.popularity = norm?.popularity ?? 0;
    this.params = norm
      ? { ...options, dropout: this.dropout, userNorm: this.userNorm, popularity: this.popularity }
      : variant
        ? { ...options, dropout: this.dropout }
        : { ...options };
  }

  get numItems(): number {
    return this.total;
  }

  /** How the item cap applied in the last fit (or the restored one). */
  get itemCap(): EaseItemCap {
    return { maxItems: this.options.maxItems, kept: this.kept.length, leftOut: this.leftOut };
  }

  /** The factor that put the fallback's first-order weights on B's scale in the last fit (1 when unused). */
  get fallbackScale(): number {
    return this.tailScale;
  }

  async fit(train: CsrMatrix, context: FitContext = {}): Promise<FitReport> {
    const t0 = performance.now();
    const counts = columnCounts(train);
    const selected = selectKeptItems(counts, train.numCols, this.options.maxItems, this.options.minSupport);
    this.total = train.numCols;
    this.leftOut = selected.eligible - selected.kept.length;
    this.kept = selected.kept;
    this.rowOf = selected.rowOf;
    const n = selected.kept.length;
    const bin = binarize(train);
    const leftOutMask = new Uint8Array(train.numCols);
    if (this.leftOut > 0) for (let i = 0; i < train.numCols; i++) leftOutMask[i] = counts[i] >= this.options.minSupport && counts[i] > 0 && this.rowOf[i] < 0 ? 1 : 0;
    this.tail = easeTailNeighbours(bin, leftOutMask, this.options.tailNeighbours, this.options.lambda, context.signal);
    // Re-index columns to kept items only, then X'X.
    const { indptr, indices: keptIdx } = keptColumns(bin, this.rowOf);
    context.onProgress?.('ease gram', 0, 3);
    const gram = sparseGram(indptr, keptIdx, this.userNorm > 0 ? userWeightRoots(indptr, train.numRows, this.userNorm) : null, train.numRows, n);
    const emphasis = this.dropout / (1 - this.dropout);
    for (let i = 0; i < n; i++) gram[i * n + i] += this.options.lambda + emphasis * gram[i * n + i];
    // The fallback's scale is fitted on the kept block, whose first-order scores need G before inversion.
    const sample = this.tail.indices.length > 0 ? calibrationSample(indptr, keptIdx, train.numRows) : [];
    const first = firstOrderKeptScores(gram, n, sample);
    throwIfAborted(context.signal);
    // Progress per swept block of 64 pivots, so a long inverse shows how far it is (and an ETA).
    const blocks = Math.ceil(n / 64);
    context.onProgress?.('ease inverse', 0, blocks);
    spdInverse(gram, n, (done, total) => context.onProgress?.('ease inverse', done, total));
    throwIfAborted(context.signal);
    context.onProgress?.('ease weights', 2, 3);
    const w = new Float32Array(n * n);
    const negInvDiag = new Float64Array(n);
    for (let j = 0; j < n; j++) negInvDiag[j] = -1 / gram[j * n + j];
    // Row-major pass over P (symmetric), so both arrays are read and written contiguously.
    for (let i = 0; i < n; i++) {
      const row = i * n;
      for (let j = 0; j < n; j++) w[row + j] = gram[row + j] * negInvDiag[j];
      w[row + i] = 0;
    }
    this.weights = w;
    this.tailScale = sample.length > 0 ? fitTailScale(w, n, sample, first) : 1;
    const tailValues = this.tail.values;
    for (let p = 0; p < tailValues.length; p++) tailValues[p] *= this.tailScale;
    if (this.popularity > 0) scaleByPopularity(w, this.kept, this.tail, counts, this.popularity);
    context.onProgress?.('ease weights', 3, 3);
    return { seconds: (performance.now() - t0) / 1000, epochs: 1, itemCap: { ...this.itemCap } };
  }

  score(query: UserQuery, out: Float32Array): void {
    out.fill(0);
    const n = this.kept.length;
    if (n === 0) return;
    const acc = this.keptScores(query.items);
    for (let j = 0; j < n; j++) out[this.kept[j]] = acc[j];
    this.addTail(query.items, out);
  }

  /** The scores of the kept items (B's rows of the history summed), in a reused buffer. */
  private keptScores(items: Int32Array): Float32Array {
    const n = this.kept.length;
    if (this.acc.length !== n) this.acc = new Float32Array(n);
    const acc = this.acc;
    acc.fill(0);
    const w = this.weights;
    // History rows are distinct items (CSR rows and engine queries are deduplicated).
    for (const i of items) {
      const r = i >= 0 && i < this.rowOf.length ? this.rowOf[i] : -1;
      if (r < 0) continue;
      const base = r * n;
      for (let j = 0; j < n; j++) acc[j] += w[base + j];
    }
    return acc;
  }

  /** Scores live on the kept items and the tail's rows: {@link retrieve} answers without a pass over the catalogue. */
  get indexed(): boolean {
    return true;
  }

  /**
   * Exactly `topK` of {@link score} (same float32 sums, same order and ties), writing only the kept
   * items and the history's tail neighbours: O(history × kept + k log k), not O(catalogue).
   */
  retrieve(query: UserQuery, k: number, exclude?: Uint8Array): { indices: Int32Array; scores: Float32Array } {
    return this.withSparseScores(query, (scores) => scores.topK(k, exclude));
  }

  /**
   * Calls `use` with {@link score}'s scores for `query` held sparsely (the kept items and the
   * history's tail neighbours written, every other item 0), then clears them: for callers that need
   * a few scores, the top-k or the moments without an n-sized pass. `use` must not keep the object.
   */
  withSparseScores<T>(query: UserQuery, use: (scores: SparseScores) => T): T {
    if (this.sparse?.size !== this.total) this.sparse = new SparseScores(this.total);
    const out = this.sparse;
    try {
      const n = this.kept.length;
      if (n > 0) {
        const acc = this.keptScores(query.items);
        for (let j = 0; j < n; j++) out.set(this.kept[j], acc[j]);
        const { indptr, indices, values, numRows } = this.tail;
        for (const i of query.items) {
          if (i < 0 || i >= numRows) continue;
          for (let p = indptr[i]; p < indptr[i + 1]; p++) out.add(indices[p], values[p]);
        }
      }
      return use(out);
    } finally {
      out.reset();
    }
  }

  /** Adds the fallback scores of the left-out items (the only columns the tail holds): O(history × k). */
  private addTail(items: Int32Array, out: Float32Array): void {
    const { indptr, indices, values, numRows } = this.tail;
    if (indices.length === 0) return;
    for (const i of items) {
      if (i < 0 || i >= numRows) continue;
      for (let p = indptr[i]; p < indptr[i + 1]; p++) out[indices[p]] += values[p];
    }
  }

  similarItems(itemIdx: number, out: Float32Array): void {
    out.fill(0);
    const r = this.rowOf[itemIdx];
    if (r !== undefined && r >= 0) {
      const n = this.kept.length;
      for (let j = 0; j < n; j++) out[this.kept[j]] = this.weights[r * n + j];
    }
    this.addTail(Int32Array.of(itemIdx), out);
  }

  snapshot(): ModelSnapshot {
    return {
      kind: this.kind,
      params: this.params,
      meta: { numItems: this.total, leftOut: this.leftOut, tailScale: this.tailScale },
      arrays: { kept: this.kept, weights: this.weights, tailIndptr: this.tail.indptr, tailIndices: this.tail.indices, tailValues: this.tail.values },
    };
  }

  /** Restores from {@link EaseModel.snapshot}. */
  static fromSnapshot(s: ModelSnapshot): EaseModel {
    const { dropout, userNorm, popularity, ...options } = s.params as Partial<EaseOptions> & Partial<EaseNormalisation>;
    const variant =
      s.kind === 'nease'
        ? { dropout: Number(dropout ?? 0), userNorm: Number(userNorm ?? 0), popularity: Number(popularity ?? 0) }
        : s.kind === 'edlae'
          ? { dropout: Number(dropout ?? 0) }
          : undefined;
    const m = new EaseModel({ ...DEFAULTS, ...options }, variant);
    m.total = s.meta.numItems as number;
    m.kept = s.arrays.kept as Int32Array;
    m.weights = s.arrays.weights as Float32Array;
    m.rowOf = new Int32Array(m.total).fill(-1);
    m.kept.forEach((i, r) => (m.rowOf[i] = r));
    // Snapshots from before the fallback existed have no tail: their left-out items score 0, as they did.
    const a = s.arrays;
    m.leftOut = Number(s.meta.leftOut ?? 0);
    m.tailScale = Number(s.meta.tailScale ?? 1);
    m.tail =
      a.tailIndptr instanceof Int32Array && a.tailIndices instanceof Int32Array && a.tailValues instanceof Float32Array
        ? { numRows: m.total, numCols: m.total, indptr: a.tailIndptr, indices: a.tailIndices, values: a.tailValues }
        : emptyTail(m.total);
    return m;
  }
}

/**
 * Per-entry values whose products make the Gram XᵀWX with W = diag(|u|^−β): each entry of row u holds
 * √wᵤ. W is rescaled so that Σᵤ wᵤ|u| = Σᵤ |u| (the Gram's trace is unchanged), so λ keeps its scale.
 */
function userWeightRoots(indptr: Int32Array, numRows: number, beta: number): Float32Array {
  const nnz = indptr[numRows];
  const weight = new Float64Array(numRows);
  let weighted = 0;
  for (let u = 0; u < numRows; u++) {
    const len = indptr[u + 1] - indptr[u];
    if (len === 0) continue;
    weight[u] = len ** -beta;
    weighted += weight[u] * len;
  }
  const scale = weighted > 0 ? nnz / weighted : 1;
  const roots = new Float32Array(nnz);
  for (let u = 0; u < numRows; u++) {
    const root = Math.sqrt(weight[u] * scale);
    for (let p = indptr[u]; p < indptr[u + 1]; p++) roots[p] = root;
  }
  return roots;
}

/**
 * Scales column j of B (and the fallback's weights towards j) by (count(j) / mean count)^−δ: a
 * history's scores are still the sum of its items' rows, only rarer targets are lifted against popular ones.
 */
function scaleByPopularity(weights: Float32Array, kept: Int32Array, tail: CsrMatrix, counts: ArrayLike<number>, delta: number): void {
  const n = kept.length;
  let mean = 0;
  for (let j = 0; j < n; j++) mean += counts[kept[j]];
  mean = n > 0 ? mean / n : 1;
  const factor = (item: number): number => (Math.max(counts[item], 1) / mean) ** -delta;
  const column = new Float32Array(n);
  for (let j = 0; j < n; j++) column[j] = factor(kept[j]);
  for (let i = 0; i < n; i++) {
    const row = i * n;
    for (let j = 0; j < n; j++) weights[row + j] *= column[j];
  }
  for (let p = 0; p < tail.indices.length; p++) tail.values[p] *= factor(tail.indices[p]);
}
