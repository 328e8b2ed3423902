/**
 * BPR-MF (Rendle et al., "BPR: Bayesian Personalized Ranking from Implicit Feedback", UAI 2009):
 * matrix factorisation with item biases, trained by stochastic gradient ascent on ln σ(x̂ᵤᵢ − x̂ᵤⱼ) over
 * (user, positive, sampled negative) triples, with L2 regularisation.
 * @module
 */
import type { CsrMatrix } from '../core/csr-matrix.js';
import { throwIfAborted } from '../core/errors.js';
import { createRng } from '../linalg/index.js';
import { EarlyStopping } from './early-stopping.js';
import { buildFactorIndex, factorIndexArrays, factorIndexFromSnapshot, searchFactors } from './factor-index.js';
import { bprFoldIn, factorCosine, factorUserVector, itemGramian, scoreFactors, scoreWithVector, sortedContains } from './factor-model.js';
import type { IvfIndex } from './ivf-index.js';
import type { Factors } from './factor-model.js';
import type { FitContext, FitReport, ModelParams, Recommender, UserQuery } from './recommender.js';
import type { ModelSnapshot } from './snapshot.js';

/** Hyper-parameters of {@link BprModel}. */
export interface BprOptions {
  /** Latent dimension. */
  factors: number;
  /** SGD step size. */
  learningRate: number;
  /** L2 weight on the factors and biases touched by each step. */
  regularization: number;
  /** Maximum passes over the positive pairs. */
  epochs: number;
  /** Validate every this many epochs when a validator is given. */
  evalEvery: number;
  /** Validations without improvement before stopping. */
  patience: number;
  /** Standard deviation of the initial factors. */
  initStd: number;
  /** Seed of initialisation and sampling. */
  seed: number;
}

const DEFAULTS: BprOptions = {
  factors: 64,
  learningRate: 0.05,
  regularization: 0.005,
  epochs: 100,
  evalEvery: 5,
  patience: 3,
  initStd: 0.1,
  seed: 42,
};

/** Creates a BPR-MF recommender. */
export function createBpr(options: Partial<BprOptions> = {}, index: { indexMinItems?: number } = {}): BprModel {
  return new BprModel({ ...DEFAULTS, ...options }, index);
}

/** BPR matrix factorisation. */
export class BprModel implements Recommender {
  readonly kind = 'bpr';
  readonly params: ModelParams;
  private f: Factors = { userFactors: new Float32Array(0), itemFactors: new Float32Array(0), itemBias: new Float32Array(0), dim: 0 };
  private yty: Float64Array | undefined;
  /** Retrieval index over the item factors (large catalogues; `factor-index.ts`). */
  private index: IvfIndex | undefined;

  constructor(
    private readonly options: BprOptions,
    private readonly indexOptions: { indexMinItems?: number } = {},
  ) {
    this.params = { ...options };
  }

  get numItems(): number {
    return this.f.itemBias.length;
  }

  async fit(train: CsrMatrix, context: FitContext = {}): Promise<FitReport> {
    const t0 = performance.now();
    const o = this.options;
    const dim = o.factors;
    const rng = createRng(o.seed);
    const numItems = train.numCols;
    const P = new Float32Array(train.numRows * dim);
    const Q = new Float32Array(numItems * dim);
    const bias = new Float32Array(numItems);
    for (let k = 0; k < P.length; k++) P[k] = rng.normal() * o.initStd;
    for (let k = 0; k < Q.length; k++) Q[k] = rng.normal() * o.initStd;
    this.f = { userFactors: P, itemFactors: Q, itemBias: bias, dim };
    const nnz = train.indices.length;
    const rowOf = new Int32Array(nnz);
    for (let u = 0; u < train.numRows; u++) for (let e = train.indptr[u]; e < train.indptr[u + 1]; e++) rowOf[e] = u;
    const order = new Int32Array(nnz);
    for (let e = 0; e < nnz; e++) order[e] = e;
    const lr = o.learningRate;
    const reg = o.regularization;
    const stopping = new EarlyStopping<[Float32Array, Float32Array, Float32Array]>(context, o.evalEvery, o.patience, o.epochs, 'bpr');
    let epochs = 0;
    for (let epoch = 1; epoch <= o.epochs; epoch++) {
      throwIfAborted(context.signal);
      for (let e = nnz - 1; e > 0; e--) {
        const s = rng.int(e + 1);
        const t = order[e];
        order[e] = order[s];
        order[s] = t;
      }
      for (let step = 0; step < nnz; step++) {
        const e = order[step];
        const u = rowOf[e];
        const i = train.indices[e];
        const start = train.indptr[u];
        const end = train.indptr[u + 1];
        if (end - start >= numItems) continue;
        let j = rng.int(numItems);
        while (sortedContains(train.indices, start, end, j)) j = rng.int(numItems);
        const pu = u * dim;
        const qi = i * dim;
        const qj = j * dim;
        let x = bias[i] - bias[j];
        for (let k = 0; k < dim; k++) x += P[pu + k] * (Q[qi + k] - Q[qj + k]);
        const g = 1 / (1 + Math.exp(x)); // σ(−x): the gradient scale of ln σ(x)
        for (let k = 0; k < dim; k++) {
          const puk = P[pu + k];
          const qik = Q[qi + k];
          const qjk = Q[qj + k];
          P[pu + k] = puk + lr * (g * (qik - qjk) - reg * puk);
          Q[qi + k] = qik + lr * (g * puk - reg * qik);
          Q[qj + k] = qjk + lr * (-g * puk - reg * qjk);
        }
        bias[i] += lr * (g - reg * bias[i]);
        bias[j] += lr * (-g - reg * bias[j]);
      }
      epochs = epoch;
      this.yty = undefined;
      context.onProgress?.('bpr epochs', epoch, o.epochs);
      if (stopping.afterEpoch(epoch, () => [P.slice(), Q.slice(), bias.slice()])) break;
    }
    const best = stopping.best;
    if (best) {
      this.f = { userFactors: best[0], itemFactors: best[1], itemBias: best[2], dim };
      this.yty = undefined;
    }
    this.index = buildFactorIndex(this.f, { seed: this.options.seed, minItems: this.indexOptions.indexMinItems });
    return stopping.report((performance.now() - t0) / 1000, epochs);
  }

  /** True when {@link retrieve} answers from an index. */
  get indexed(): boolean {
    return this.index !== undefined;
  }

  /** The `k` best unmasked items with their exact scores, from the index; undefined without one. */
  retrieve(query: UserQuery, k: number, exclude?: Uint8Array): { indices: Int32Array; scores: Float32Array } | undefined {
    if (!this.index) return undefined;
    const numUsers = this.f.userFactors.length / Math.max(this.f.dim, 1);
    const known = query.userIdx >= 0 && query.userIdx < numUsers;
    // The vector `score` uses: the trained row, else the BPR fold-in of the history.
    const p =
      known || query.items.length === 0
        ? factorUserVector(this.f, query, () => (this.yty ??= itemGramian(this.f)), { alpha: 1, regularization: 1 })
        : bprFoldIn(this.f, query.items, { learningRate: this.options.learningRate, regularization: this.options.regularization });
    return searchFactors(this.index, p, k, exclude);
  }

  score(query: UserQuery, out: Float32Array): void {
    const numUsers = this.f.userFactors.length / Math.max(this.f.dim, 1);
    if ((query.userIdx >= 0 && query.userIdx < numUsers) || query.items.length === 0) {
      scoreFactors(this.f, query, out, () => (this.yty ??= itemGramian(this.f)), { alpha: 1, regularization: 1 });
      return;
    }
    scoreWithVector(this.f, bprFoldIn(this.f, query.items, { learningRate: this.options.learningRate, regularization: this.options.regularization }), out);
  }

  similarItems(itemIdx: number, out: Float32Array): void {
    factorCosine(this.f, itemIdx, out);
  }

  snapshot(): ModelSnapshot {
    return {
      kind: this.kind,
      params: this.params,
      meta: { dim: this.f.dim },
      arrays: { userFactors: this.f.userFactors, itemFactors: this.f.itemFactors, itemBias: this.f.itemBias, ...factorIndexArrays(this.index) },
    };
  }

  /** Restores from {@link BprModel.snapshot}. */
  static fromSnapshot(s: ModelSnapshot): BprModel {
    const m = new BprModel({ ...DEFAULTS, ...(s.params as Partial<BprOptions>) });
    m.f = {
      userFactors: s.arrays.userFactors as Float32Array,
      itemFactors: s.arrays.itemFactors as Float32Array,
      itemBias: s.arrays.itemBias as Float32Array,
      dim: s.meta.dim as number,
    };
    m.index = factorIndexFromSnapshot(s.arrays, m.f.dim);
    return m;
  }
}
