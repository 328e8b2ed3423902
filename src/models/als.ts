/**
 * Implicit-feedback ALS (Hu, Koren & Volinsky, "Collaborative Filtering for Implicit Feedback
 * Datasets", ICDM 2008) with the conjugate-gradient user/item steps of Takács, Pilászy & Tikk
 * (RecSys 2011): confidence c = 1 + α·value, preference 1 on observed entries, ridge weight λ.
 * @module
 */
import type { CsrMatrix } from '../core/csr-matrix.js';
import { transposeCsr } from '../core/csr-matrix.js';
import { throwIfAborted } from '../core/errors.js';
import { axpy, createRng, dot, gramianT } from '../linalg/index.js';
import { EarlyStopping } from './early-stopping.js';
import { factorIndexArrays, factorIndexFromSnapshot, buildFactorIndex, searchFactors } from './factor-index.js';
import { factorCosine, factorUserVector, itemGramian, scoreFactors } from './factor-model.js';
import type { IvfIndex } from './ivf-index.js';
import type { Factors } from './factor-model.js';
import type { FitContext, FitReport, ModelParams, Recommender, UserQuery } from './recommender.js';
import type { ModelSnapshot } from './snapshot.js';

/** Hyper-parameters of {@link AlsModel}. */
export interface AlsOptions {
  /** Latent dimension. */
  factors: number;
  /** Ridge weight λ. */
  regularization: number;
  /** Confidence slope α. */
  alpha: number;
  /** Maximum alternating iterations. */
  iterations: number;
  /** Conjugate-gradient steps per user or item solve. */
  cgSteps: number;
  /** Validate every this many iterations when a validator is given. */
  evalEvery: number;
  /** Validations without improvement before stopping. */
  patience: number;
  /** Seed of the initial factors. */
  seed: number;
}

const DEFAULTS: AlsOptions = {
  factors: 64,
  regularization: 0.1,
  alpha: 10,
  iterations: 15,
  cgSteps: 3,
  evalEvery: 3,
  patience: 2,
  seed: 42,
};

/** Creates an implicit-ALS recommender. */
export function createAls(options: Partial<AlsOptions> = {}, index: { indexMinItems?: number } = {}): AlsModel {
  return new AlsModel({ ...DEFAULTS, ...options }, index);
}

/**
 * One half-step: for each row r of `m` (rows × cols), improves `x[r]` with `cgSteps` conjugate-gradient
 * iterations on (YᵀY + λI + Σ (c−1) yyᵀ) x = Σ c y, where y are the rows of `y` for the row's entries.
 */
export function conjugateGradientStep(
  m: CsrMatrix,
  x: Float32Array,
  y: Float32Array,
  dim: number,
  regularization: number,
  alpha: number,
  cgSteps: number,
): void {
  const yty = gramianT(y, m.numCols, dim);
  for (let k = 0; k < dim; k++) yty[k * dim + k] += regularization;
  const r = new Float64Array(dim);
  const p = new Float64Array(dim);
  const ap = new Float64Array(dim);
  const xu = new Float64Array(dim);
  for (let u = 0; u < m.numRows; u++) {
    const start = m.indptr[u];
    const end = m.indptr[u + 1];
    const off = u * dim;
    for (let k = 0; k < dim; k++) xu[k] = x[off + k];
    // r = b − A x
    for (let a = 0; a < dim; a++) {
      let s = 0;
      for (let b = 0; b < dim; b++) s += yty[a * dim + b] * xu[b];
      r[a] = -s;
    }
    for (let e = start; e < end; e++) {
      const i = m.indices[e];
      const c = 1 + alpha * m.values[e];
      const yx = dot(y, i * dim, xu, 0, dim);
      axpy(c - (c - 1) * yx, y, i * dim, r, 0, dim);
    }
    p.set(r);
    let rsOld = dot(r, 0, r, 0, dim);
    if (rsOld < 1e-20) continue;
    for (let step = 0; step < cgSteps; step++) {
      for (let a = 0; a < dim; a++) {
        let s = 0;
        for (let b = 0; b < dim; b++) s += yty[a * dim + b] * p[b];
        ap[a] = s;
      }
      for (let e = start; e < end; e++) {
        const i = m.indices[e];
        const c = 1 + alpha * m.values[e];
        axpy((c - 1) * dot(y, i * dim, p, 0, dim), y, i * dim, ap, 0, dim);
      }
      const pap = dot(p, 0, ap, 0, dim);
      if (!(pap > 0)) break;
      const step_ = rsOld / pap;
      axpy(step_, p, 0, xu, 0, dim);
      axpy(-step_, ap, 0, r, 0, dim);
      const rsNew = dot(r, 0, r, 0, dim);
      if (rsNew < 1e-20) break;
      const beta = rsNew / rsOld;
      for (let k = 0; k < dim; k++) p[k] = r[k] + beta * p[k];
      rsOld = rsNew;
    }
    for (let k = 0; k < dim; k++) x[off + k] = xu[k];
  }
}

/** Implicit ALS with CG solves. */
export class AlsModel implements Recommender {
  readonly kind = 'als';
  readonly params: ModelParams;
  private f: Factors = { userFactors: new Float32Array(0), itemFactors: new Float32Array(0), itemBias: new Float32Array(0), dim: 0 };
  private yty: Float64Array | undefined;
  /** Retrieval index over the item factors (large catalogues; `factor-index.ts`). */
  private index: IvfIndex | undefined;

  constructor(
    private readonly options: AlsOptions,
    private readonly indexOptions: { indexMinItems?: number } = {},
  ) {
    this.params = { ...options };
  }

  get numItems(): number {
    return this.f.itemBias.length;
  }

  /** The learned factors (shared, not copied). */
  get factors(): Factors {
    return this.f;
  }

  async fit(train: CsrMatrix, context: FitContext = {}): Promise<FitReport> {
    const t0 = performance.now();
    const o = this.options;
    const dim = o.factors;
    const rng = createRng(o.seed);
    const userFactors = new Float32Array(train.numRows * dim);
    const itemFactors = new Float32Array(train.numCols * dim);
    for (let k = 0; k < userFactors.length; k++) userFactors[k] = rng.normal() * 0.01;
    for (let k = 0; k < itemFactors.length; k++) itemFactors[k] = rng.normal() * 0.01;
    this.f = { userFactors, itemFactors, itemBias: new Float32Array(train.numCols), dim };
    const itemUser = transposeCsr(train);
    const stopping = new EarlyStopping<[Float32Array, Float32Array]>(context, o.evalEvery, o.patience, o.iterations, 'als');
    let epochs = 0;
    for (let it = 1; it <= o.iterations; it++) {
      throwIfAborted(context.signal);
      conjugateGradientStep(train, userFactors, itemFactors, dim, o.regularization, o.alpha, o.cgSteps);
      conjugateGradientStep(itemUser, itemFactors, userFactors, dim, o.regularization, o.alpha, o.cgSteps);
      this.yty = undefined;
      epochs = it;
      context.onProgress?.('als iterations', it, o.iterations);
      if (stopping.afterEpoch(it, () => [userFactors.slice(), itemFactors.slice()])) break;
    }
    const best = stopping.best;
    if (best) {
      this.f = { ...this.f, userFactors: best[0], itemFactors: best[1] };
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
    const p = factorUserVector(this.f, query, () => (this.yty ??= itemGramian(this.f)), { alpha: this.options.alpha, regularization: this.options.regularization });
    return searchFactors(this.index, p, k, exclude);
  }

  score(query: UserQuery, out: Float32Array): void {
    scoreFactors(this.f, query, out, () => (this.yty ??= itemGramian(this.f)), {
      alpha: this.options.alpha,
      regularization: this.options.regularization,
    });
  }

  similarItems(itemIdx: number, out: Float32Array): void {
    factorCosine(this.f, itemIdx, out);
  }

  snapshot(): ModelSnapshot {
    return {
      kind: this.kind,
      params: this.params,
      meta: { dim: this.f.dim },
      arrays: { userFactors: this.f.userFactors, itemFactors: this.f.itemFactors, ...factorIndexArrays(this.index) },
    };
  }

  /** Restores from {@link AlsModel.snapshot}. */
  static fromSnapshot(s: ModelSnapshot): AlsModel {
    const m = new AlsModel({ ...DEFAULTS, ...(s.params as Partial<AlsOptions>) });
    const dim = s.meta.dim as number;
    const itemFactors = s.arrays.itemFactors as Float32Array;
    m.f = { userFactors: s.arrays.userFactors as Float32Array, itemFactors, itemBias: new Float32Array(itemFactors.length / dim), dim };
    m.index = factorIndexFromSnapshot(s.arrays, dim);
    return m;
  }
}
