/**
 * EASE (Steck, "Embarrassingly Shallow Autoencoders for Sparse Data", WWW 2019): a closed-form
 * item-item weight matrix B = −P / diag(P) with P = (XᵀX + λI)⁻¹ and a zero diagonal. Scores are the
 * user's binary history times B.
 * @module
 */
import { binarize, columnCounts } from '../core/csr-matrix.js';
import type { CsrMatrix } from '../core/csr-matrix.js';
import { throwIfAborted } from '../core/errors.js';
import { sparseGram, spdInverse } from '../linalg/index.js';
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
   * At most this many items (the most interacted) enter B: a cap on the cubic cost and the n² memory
   * (6,000 items ≈ 60 s and 0.4 GB here). Catalogues the size of MovieLens-1M fit under it whole.
   */
  maxItems: number;
}

const DEFAULTS: EaseOptions = { lambda: 250, minSupport: 1, maxItems: 6000 };

/** Creates an EASE recommender. */
export function createEase(options: Partial<EaseOptions> = {}): EaseModel {
  return new EaseModel({ ...DEFAULTS, ...options });
}

/** EASE over binary interactions. */
export class EaseModel implements Recommender {
  readonly kind = 'ease';
  readonly params: ModelParams;
  private total = 0;
  /** Kept item → catalogue index. */
  private kept: Int32Array = new Int32Array(0);
  /** Catalogue index → row of B, or −1. */
  private rowOf: Int32Array = new Int32Array(0);
  /** B over kept items, row-major, kept × kept. */
  private weights: Float32Array = new Float32Array(0);
  /** Scratch accumulator reused across score calls (scoring is synchronous). */
  private acc: Float32Array = new Float32Array(0);

  constructor(private readonly options: EaseOptions) {
    this.params = { ...options };
  }

  get numItems(): number {
    return this.total;
  }

  async fit(train: CsrMatrix, context: FitContext = {}): Promise<FitReport> {
    const t0 = performance.now();
    const counts = columnCounts(train);
    let keptList: number[] = [];
    for (let i = 0; i < train.numCols; i++) if (counts[i] >= this.options.minSupport && counts[i] > 0) keptList.push(i);
    if (keptList.length > this.options.maxItems) {
      keptList = keptList.sort((a, b) => counts[b] - counts[a] || a - b).slice(0, this.options.maxItems).sort((a, b) => a - b);
    }
    this.total = train.numCols;
    this.kept = Int32Array.from(keptList);
    this.rowOf = new Int32Array(train.numCols).fill(-1);
    keptList.forEach((i, r) => (this.rowOf[i] = r));
    const n = keptList.length;
    // Re-index columns to kept items only, then X'X.
    const bin = binarize(train);
    const idx: number[] = [];
    const indptr = new Int32Array(train.numRows + 1);
    for (let u = 0; u < train.numRows; u++) {
      for (let p = bin.indptr[u]; p < bin.indptr[u + 1]; p++) {
        const r = this.rowOf[bin.indices[p]];
        if (r >= 0) idx.push(r);
      }
      indptr[u + 1] = idx.length;
    }
    context.onProgress?.('ease gram', 0, 3);
    const gram = sparseGram(indptr, Int32Array.from(idx), null, train.numRows, n);
    for (let i = 0; i < n; i++) gram[i * n + i] += this.options.lambda;
    throwIfAborted(context.signal);
    context.onProgress?.('ease inverse', 1, 3);
    spdInverse(gram, n);
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
    context.onProgress?.('ease weights', 3, 3);
    return { seconds: (performance.now() - t0) / 1000, epochs: 1 };
  }

  score(query: UserQuery, out: Float32Array): void {
    out.fill(0);
    const n = this.kept.length;
    if (n === 0) return;
    if (this.acc.length !== n) this.acc = new Float32Array(n);
    const acc = this.acc;
    acc.fill(0);
    const w = this.weights;
    // History rows are distinct items (CSR rows and engine queries are deduplicated).
    for (const i of query.items) {
      const r = i >= 0 && i < this.rowOf.length ? this.rowOf[i] : -1;
      if (r < 0) continue;
      const base = r * n;
      for (let j = 0; j < n; j++) acc[j] += w[base + j];
    }
    for (let j = 0; j < n; j++) out[this.kept[j]] = acc[j];
  }

  similarItems(itemIdx: number, out: Float32Array): void {
    out.fill(0);
    const r = this.rowOf[itemIdx];
    if (r === undefined || r < 0) return;
    const n = this.kept.length;
    for (let j = 0; j < n; j++) out[this.kept[j]] = this.weights[r * n + j];
  }

  snapshot(): ModelSnapshot {
    return {
      kind: this.kind,
      params: this.params,
      meta: { numItems: this.total },
      arrays: { kept: this.kept, weights: this.weights },
    };
  }

  /** Restores from {@link EaseModel.snapshot}. */
  static fromSnapshot(s: ModelSnapshot): EaseModel {
    const m = new EaseModel({ ...DEFAULTS, ...(s.params as Partial<EaseOptions>) });
    m.total = s.meta.numItems as number;
    m.kept = s.arrays.kept as Int32Array;
    m.weights = s.arrays.weights as Float32Array;
    m.rowOf = new Int32Array(m.total).fill(-1);
    m.kept.forEach((i, r) => (m.rowOf[i] = r));
    return m;
  }
}
