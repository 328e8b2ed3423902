/**
 * User-based k-nearest-neighbours: the query user's `k` most similar training users (cosine with
 * shrinkage over binary histories) vote for their items, weighted by similarity. Neighbours are
 * found from the query's history at scoring time, so new users and live histories need no refit.
 * @module
 */
import { EMPTY_CSR, binarize, transposeCsr } from '../core/csr-matrix.js';
import type { CsrMatrix } from '../core/csr-matrix.js';
import { topK } from '../linalg/index.js';
import type { FitReport, ModelParams, Recommender, UserQuery } from './recommender.js';
import type { ModelSnapshot } from './snapshot.js';

/** Hyper-parameters of {@link UserKnnModel}. */
export interface UserKnnOptions {
  /** Neighbours per query user. */
  k: number;
  /** Added to the cosine denominator. */
  shrink: number;
}

const DEFAULTS: UserKnnOptions = { k: 100, shrink: 0 };

/** Creates a user-kNN recommender. */
export function createUserKnn(options: Partial<UserKnnOptions> = {}): UserKnnModel {
  return new UserKnnModel({ ...DEFAULTS, ...options });
}

/** User-kNN over binary interactions. */
export class UserKnnModel implements Recommender {
  readonly kind = 'userknn';
  readonly params: ModelParams;
  private userItem: CsrMatrix = EMPTY_CSR;
  private itemUser: CsrMatrix = EMPTY_CSR;
  private userNorms = new Float64Array(0);
  private co = new Float32Array(0);
  private mask = new Uint8Array(0);

  constructor(private readonly options: UserKnnOptions) {
    this.params = { ...options };
  }

  get numItems(): number {
    return this.userItem.numCols;
  }

  async fit(train: CsrMatrix): Promise<FitReport> {
    const t0 = performance.now();
    this.setMatrix(binarize(train));
    return { seconds: (performance.now() - t0) / 1000, epochs: 1 };
  }

  private setMatrix(userItem: CsrMatrix): void {
    this.userItem = userItem;
    this.itemUser = transposeCsr(userItem);
    this.userNorms = new Float64Array(userItem.numRows);
    for (let u = 0; u < userItem.numRows; u++) this.userNorms[u] = Math.sqrt(userItem.indptr[u + 1] - userItem.indptr[u]);
    this.co = new Float32Array(userItem.numRows);
    this.mask = new Uint8Array(userItem.numRows);
  }

  score(query: UserQuery, out: Float32Array): void {
    out.fill(0);
    const { co, mask, itemUser, userItem } = this;
    if (query.items.length === 0 || userItem.numRows === 0) return;
    const touched: number[] = [];
    for (const i of query.items) {
      if (i < 0 || i >= itemUser.numRows) continue;
      for (let p = itemUser.indptr[i]; p < itemUser.indptr[i + 1]; p++) {
        const v = itemUser.indices[p];
        if (co[v] === 0) touched.push(v);
        co[v] += 1;
      }
    }
    const queryNorm = Math.sqrt(query.items.length);
    mask.fill(1);
    for (const v of touched) {
      if (v === query.userIdx) continue;
      co[v] = co[v] / (queryNorm * this.userNorms[v] + this.options.shrink + 1e-6);
      mask[v] = 0;
    }
    const best = topK(co, this.options.k, mask);
    for (const v of touched) co[v] = 0;
    for (let n = 0; n < best.indices.length; n++) {
      const v = best.indices[n];
      const w = best.scores[n];
      for (let q = userItem.indptr[v]; q < userItem.indptr[v + 1]; q++) out[userItem.indices[q]] += w;
    }
  }

  similarItems(itemIdx: number, out: Float32Array): void {
    // Items are similar when the same users hold them: cosine over user columns.
    out.fill(0);
    const { itemUser, userItem } = this;
    for (let p = itemUser.indptr[itemIdx]; p < itemUser.indptr[itemIdx + 1]; p++) {
      const u = itemUser.indices[p];
      for (let q = userItem.indptr[u]; q < userItem.indptr[u + 1]; q++) out[userItem.indices[q]] += 1;
    }
    const ni = Math.sqrt(itemUser.indptr[itemIdx + 1] - itemUser.indptr[itemIdx]);
    for (let j = 0; j < out.length; j++) {
      if (out[j] === 0) continue;
      const nj = Math.sqrt(itemUser.indptr[j + 1] - itemUser.indptr[j]);
      out[j] = out[j] / (ni * nj + this.options.shrink + 1e-6);
    }
    out[itemIdx] = 0;
  }

  snapshot(): ModelSnapshot {
    const m = this.userItem;
    return {
      kind: this.kind,
      params: this.params,
      meta: { numRows: m.numRows, numCols: m.numCols },
      arrays: { indptr: m.indptr, indices: m.indices },
    };
  }

  /** Restores from {@link UserKnnModel.snapshot}. */
  static fromSnapshot(s: ModelSnapshot): UserKnnModel {
    const m = new UserKnnModel({ ...DEFAULTS, ...(s.params as Partial<UserKnnOptions>) });
    const indices = s.arrays.indices as Int32Array;
    m.setMatrix({
      numRows: s.meta.numRows as number,
      numCols: s.meta.numCols as number,
      indptr: s.arrays.indptr as Int32Array,
      indices,
      values: new Float32Array(indices.length).fill(1),
    });
    return m;
  }
}
