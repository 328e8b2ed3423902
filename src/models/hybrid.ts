/**
 * LM–CF hybrid (C10). Two parts, blended per user after standardising each part's scores:
 * - a collaborative backbone, EASE (item-item, closed form), strong on warm items;
 * - a text-adapter factor model: item vectors qᵢ = vᵢ + A·tᵢ, where tᵢ is the item's frozen text
 *   embedding (centred, unit length) in the leading principal subspace of the catalogue's embeddings
 *   (see {@link HybridScaleOptions.textRank}) and A (dim × rank) is a trained adapter, plus a text
 *   bias w·tᵢ. User factors p, free
 *   item factors v, item biases and the adapter are trained jointly with BPR. The free factor is
 *   dropped at random during training (as in DropoutNet) so the adapter learns to stand alone; an
 *   item with no interactions has vᵢ = 0 and is scored through the adapter alone.
 * The blend weight `textBlend` is a hyper-parameter chosen on validation (0 reproduces EASE's ranking).
 * @module
 */
import type { CsrMatrix } from '../core/csr-matrix.js';
import { columnCounts } from '../core/csr-matrix.js';
import { throwIfAborted } from '../core/errors.js';
import { createRng, dot, topK } from '../linalg/index.js';
import { EarlyStopping } from './early-stopping.js';
import { EaseModel, createEase } from './ease.js';
import { bprFoldIn, scoreWithVector, sortedContains } from './factor-model.js';
import { augmentedItems } from './factor-index.js';
import { buildIvfIndex, ivfArrays, ivfFromArrays, ivfProbeShare, searchIvf } from './ivf-index.js';
import type { IvfIndex } from './ivf-index.js';
import type { Factors } from './factor-model.js';
import { requireEmbeddings } from './item-text-matrix.js';
import { GradientSample, projectAllRows, projectRowsOf, projectScratch, sampleInOrder } from './hybrid-adapter.js';
import { adapterText } from './hybrid-text.js';
import type { FitContext, FitReport, ModelParams, Recommender, UserQuery } from './recommender.js';
import type { ModelSnapshot } from './snapshot.js';

/** Hyper-parameters of {@link HybridModel}. */
export interface HybridOptions {
  /** Weight of the text-adapter part in the blend (0 = EASE only, 1 = adapter only). */
  textBlend: number;
  /** EASE's λ. */
  easeLambda: number;
  /** EASE's minimum item support. */
  easeMinSupport: number;
  /**
   * EASE's item cap (`EaseOptions.maxItems`): at most this many items enter the backbone's dense B;
   * the rest get its co-occurrence fallback, and the fit report's `itemCap` counts them.
   */
  easeMaxItems: number;
  /** Latent dimension of the adapter model. */
  factors: number;
  /** SGD step of user factors, free item factors and biases. */
  learningRate: number;
  /** L2 weight on the SGD-trained parameters. */
  regularization: number;
  /** Adam step of the adapter (one step per epoch, on the epoch's gradient; see {@link HybridScaleOptions.gradientRows}). */
  adapterLearningRate: number;
  /** L2 weight on the adapter. */
  adapterDecay: number;
  /** Probability of dropping the free factor of the positive item in a training step. */
  dropout: number;
  /**
   * Subtracted, times the standardised log popularity of each item, from the blended score: a
   * counterweight to the popularity both parts learn, for more long-tail exposure (0 = none).
   */
  popularityPenalty: number;
  epochs: number;
  evalEvery: number;
  patience: number;
  seed: number;
}

const DEFAULTS: HybridOptions = {
  textBlend: 0.3,
  easeLambda: 250,
  easeMinSupport: 1,
  easeMaxItems: 6000,
  factors: 64,
  learningRate: 0.05,
  regularization: 0.01,
  adapterLearningRate: 0.02,
  adapterDecay: 1e-4,
  dropout: 0.5,
  popularityPenalty: 0,
  epochs: 40,
  evalEvery: 5,
  patience: 2,
  seed: 42,
};

/**
 * Catalogues at least this large get a retrieval index over the adapter part's item vectors (see
 * {@link HybridModel.retrieve}); smaller ones are scored exactly.
 */
export const HYBRID_INDEX_MIN_ITEMS = 50_000;

/** How the retrieval index is built (not hyper-parameters: they do not change exact scores). */
export interface HybridIndexOptions {
  /** Catalogues at least this large get the index (default {@link HYBRID_INDEX_MIN_ITEMS}). */
  indexMinItems?: number;
  /** Share of the index's lists a retrieval scans (default `ivfProbeShare` of the catalogue). */
  probeShare?: number;
}

/** Rank of the text subspace the adapter reads on a large catalogue (see {@link HybridScaleOptions.textRank}). */
export const HYBRID_TEXT_RANK = 64;

/**
 * Catalogues at least this large train the adapter in the text subspace by default; smaller ones on
 * the full embedding (see {@link HybridScaleOptions.textRank}).
 */
export const HYBRID_SUBSPACE_MIN_ITEMS = 50_000;

/** Training steps per epoch at most (see {@link HybridScaleOptions.maxStepsPerEpoch}). */
export const HYBRID_MAX_STEPS_PER_EPOCH = 500_000;

/** Warm items per epoch's negative pool at most (see {@link HybridScaleOptions.negativePool}). */
export const HYBRID_NEGATIVE_POOL = 65_536;

/** Item rows per epoch's adapter gradient at most (see {@link HybridScaleOptions.gradientRows}). */
export const HYBRID_GRADIENT_ROWS = 65_536;

/**
 * How the fit's cost is bounded on a large catalogue or log. These change the trained model (unlike
 * {@link HybridIndexOptions}) but not its meaning; the defaults leave the demo-sized data sets'
 * training as it is, apart from the text subspace.
 */
export interface HybridScaleOptions {
  /**
   * The adapter reads each item's centred unit text embedding projected on this many leading
   * principal directions of the catalogue's embeddings (at least the embedding width = the
   * embedding itself). Training and refreshing the adapter then cost n × rank × factors per epoch
   * instead of n × textDim × factors. Default: {@link HYBRID_TEXT_RANK} on catalogues of at least
   * {@link HYBRID_SUBSPACE_MIN_ITEMS} items, the full embedding below (where it is affordable: on
   * the demo's cold-start protocol rank 64 cost 17% of the cold items' NDCG@10).
   */
  textRank?: number;
  /**
   * An epoch takes every interaction once, or, on a log larger than this, a fresh uniform sample of
   * this many (default {@link HYBRID_MAX_STEPS_PER_EPOCH}).
   */
  maxStepsPerEpoch?: number;
  /**
   * Each step's negative is drawn uniformly from the warm items; on a catalogue with more of them
   * than this, through a fresh uniform pool of this many per epoch (each step's negative is still
   * uniform over the warm items), which bounds the items an epoch touches and so the adapter parts
   * it computes (default {@link HYBRID_NEGATIVE_POOL}).
   */
  negativePool?: number;
  /**
   * The adapter's gradient sums the gradient rows of every item the epoch touched, or, when it
   * touched more than this, of a fresh uniform sample of this many, reweighted to stay unbiased
   * (default {@link HYBRID_GRADIENT_ROWS}).
   */
  gradientRows?: number;
}

/** Creates an LM–CF hybrid recommender. */
export function createHybrid(options: Partial<HybridOptions> = {}, index: HybridIndexOptions & HybridScaleOptions = {}): HybridModel {
  return new HybridModel({ ...DEFAULTS, ...options }, index);
}

/** State of the adapter model. */
interface AdapterState {
  userFactors: Float32Array;
  itemFree: Float32Array;
  itemBias: Float32Array;
  /** Adapter, stored transposed: textDim × dim. */
  adapterT: Float32Array;
  /** Text-bias weights, textDim. */
  textBias: Float32Array;
}

/** EASE backbone plus a BPR-trained text adapter. */
export class HybridModel implements Recommender {
  readonly kind = 'hybrid';
  readonly params: ModelParams;
  private ease: EaseModel;
  private text: Float32Array = new Float32Array(0);
  /** Width of a row of `text` (the adapter's input): the subspace rank, or the embedding width. */
  private textDim = 0;
  /** The text subspace's basis (`embeddingDim × textDim`); undefined when `text` is the embedding itself. */
  private textBasis: Float32Array | undefined;
  /** Width of the item text embeddings the model was trained on. */
  private embeddingDim = 0;
  private state: AdapterState | undefined;
  /** Derived: item vectors v + A·t and biases b + w·t, refreshed whenever the state changes. */
  private derived: Factors = { userFactors: new Float32Array(0), itemFactors: new Float32Array(0), itemBias: new Float32Array(0), dim: 0 };
  /** Derived: the adapter's part A·t of each item vector, and w·t of each bias (also training's cache of them). */
  private adapterPart: Float32Array = new Float32Array(0);
  private textBiasPart: Float32Array = new Float32Array(0);
  /** Standardised log(1 + training count) per item, for {@link HybridOptions.popularityPenalty}. */
  private popularityZ: Float32Array = new Float32Array(0);

  /**
   * Index over the adapter part: item vectors [qᵢ, bᵢ] (factors and bias), queried with [p, 1], so
   * an inner product is the adapter score. Built at the end of a fit over a large catalogue.
   */
  private index: IvfIndex | undefined;
  /** Mean and covariance of [qᵢ, bᵢ] over the items: the adapter scores' mean and spread for any p. */
  private adapterMoments: { mean: Float64Array; cov: Float64Array } | undefined;
  private scratch = new Float32Array(0);

  constructor(
    private readonly options: HybridOptions,
    private readonly indexOptions: HybridIndexOptions & HybridScaleOptions = {},
  ) {
    this.params = { ...options };
    this.ease = createEase({ lambda: options.easeLambda, minSupport: options.easeMinSupport, maxItems: options.easeMaxItems });
  }

  get numItems(): number {
    return this.derived.itemBias.length;
  }

  async fit(train: CsrMatrix, context: FitContext = {}): Promise<FitReport> {
    const t0 = performance.now();
    const o = this.options;
    const e = requireEmbeddings(this.kind, context.itemEmbeddings, train.numCols);
    const rank = this.indexOptions.textRank ?? (train.numCols >= HYBRID_SUBSPACE_MIN_ITEMS ? HYBRID_TEXT_RANK : e.dim);
    const text = adapterText(e, rank, o.seed);
    this.text = text.coords;
    this.textDim = text.width;
    this.textBasis = text.basis;
    this.embeddingDim = e.dim;
    this.popularityZ = standardisedLogCounts(columnCounts(train));
    const tText = performance.now();
    if (o.textBlend < 1) this.ease = await fittedEase(train, o.easeLambda, o.easeMinSupport, o.easeMaxItems, context.signal);
    const tEase = performance.now();
    const itemCap = o.textBlend < 1 ? { itemCap: this.ease.itemCap } : {};
    const W = text.width;
    if (o.textBlend <= 0) {
      this.state = initialState(train.numRows, train.numCols, W, o.factors, o.seed);
      this.refresh();
      return { seconds: (performance.now() - t0) / 1000, epochs: 1, ...itemCap };
    }
    const s = initialState(train.numRows, train.numCols, W, o.factors, o.seed);
    this.state = s;
    const dim = o.factors;
    const n = train.numCols;
    const rng = createRng(o.seed + 1);
    const counts = columnCounts(train);
    const warm = Int32Array.from(Array.from(counts.keys()).filter((i) => counts[i] > 0));
    const nnz = train.indices.length;
    const rowOf = new Int32Array(nnz);
    for (let u = 0; u < train.numRows; u++) for (let p = train.indptr[u]; p < train.indptr[u + 1]; p++) rowOf[p] = u;
    const order = new Int32Array(nnz);
    for (let k = 0; k < nnz; k++) order[k] = k;
    // Steps per epoch: every interaction, or a fresh sample of them on a very large log.
    const steps = Math.min(nnz, Math.max(1, this.indexOptions.maxStepsPerEpoch ?? HYBRID_MAX_STEPS_PER_EPOCH));
    // Negatives: uniform over the warm items, through a fresh uniform pool of them per epoch on a large catalogue.
    const pool = new Int32Array(Math.max(1, Math.min(warm.length, this.indexOptions.negativePool ?? HYBRID_NEGATIVE_POOL)));
    const poolRng = createRng(o.seed + 3);
    const negatives = new Int32Array(steps);
    const drops = new Uint8Array(steps);
    const touched = new Int32Array(n);
    const touchedIn = new Int32Array(n).fill(-1);
    const scratch = projectScratch(W, dim);
    const sample = new GradientSample(n, this.indexOptions.gradientRows ?? HYBRID_GRADIENT_ROWS, dim, W, o.seed + 2);
    const gradA = new Float32Array(W * dim);
    const gradW = new Float32Array(W);
    const adam = { mA: new Float32Array(W * dim), vA: new Float32Array(W * dim), mW: new Float32Array(W), vW: new Float32Array(W), t: 0 };
    // The adapter's part of each item (A·tᵢ, w·tᵢ): computed each epoch for the items it touches.
    const AE = (this.adapterPart = new Float32Array(n * dim));
    const TB = (this.textBiasPart = new Float32Array(n));
    this.derived = { userFactors: s.userFactors, itemFactors: new Float32Array(0), itemBias: new Float32Array(0), dim };
    const qi = new Float32Array(dim);
    const qj = new Float32Array(dim);
    const validate = context.validate;
    // Validation scores the derived vectors, so they are brought up to date first.
    const stopping = new EarlyStopping<AdapterState>(
      validate
        ? {
            ...context,
            validate: () => {
              this.refresh();
              return validate();
            },
          }
        : context,
      o.evalEvery,
      o.patience,
      o.epochs,
      'hybrid',
    );
    const lr = o.learningRate;
    const reg = o.regularization;
    let epochs = 0;
    for (let epoch = 1; epoch <= o.epochs; epoch++) {
      throwIfAborted(context.signal);
      if (steps === nnz) {
        for (let k = nnz - 1; k > 0; k--) {
          const r = rng.int(k + 1);
          const t = order[k];
          order[k] = order[r];
          order[r] = t;
        }
      } else {
        // A uniform sample of `steps` interactions without replacement (a partial shuffle).
        for (let k = 0; k < steps; k++) {
          const r = k + rng.int(nnz - k);
          const t = order[k];
          order[k] = order[r];
          order[r] = t;
        }
      }
      // The epoch's negatives and dropouts are drawn first, so the items it touches are known and
      // their adapter parts are computed as one blocked product.
      const poolSize = sampleInOrder(warm, warm.length, pool.length, pool, poolRng);
      let touchedCount = 0;
      for (let step = 0; step < steps; step++) {
        const p = order[step];
        const u = rowOf[p];
        const i = train.indices[p];
        const start = train.indptr[u];
        const end = train.indptr[u + 1];
        let j = pool[rng.int(poolSize)];
        for (let t = 0; t < 20 && sortedContains(train.indices, start, end, j); t++) j = pool[rng.int(poolSize)];
        if (j === i) {
          negatives[step] = -1;
          continue;
        }
        negatives[step] = j;
        drops[step] = rng.next() < o.dropout ? 1 : 0;
        if (touchedIn[i] !== epoch) touched[touchedCount++] = i;
        touchedIn[i] = epoch;
        if (touchedIn[j] !== epoch) touched[touchedCount++] = j;
        touchedIn[j] = epoch;
      }
      // The adapter is fixed within an epoch; free factors and biases move with every step.
      projectRowsOf(this.text, W, s.adapterT, s.textBias, dim, touched, touchedCount, AE, TB, scratch);
      sample.draw(this.text, touched, touchedCount);
      const P = s.userFactors;
      const V = s.itemFree;
      const { slot, rows: gradRows, bias: gradBias } = sample;
      for (let step = 0; step < steps; step++) {
        const j = negatives[step];
        if (j < 0) continue;
        const p = order[step];
        const u = rowOf[p];
        const i = train.indices[p];
        const drop = drops[step] === 1;
        const pu = u * dim;
        let x = s.itemBias[i] + TB[i] - s.itemBias[j] - TB[j];
        for (let k = 0; k < dim; k++) {
          qi[k] = (drop ? 0 : V[i * dim + k]) + AE[i * dim + k];
          qj[k] = V[j * dim + k] + AE[j * dim + k];
          x += P[pu + k] * (qi[k] - qj[k]);
        }
        const g = 1 / (1 + Math.exp(x));
        const si = slot[i] * dim;
        const sj = slot[j] * dim;
        for (let k = 0; k < dim; k++) {
          const puk = P[pu + k];
          P[pu + k] = puk + lr * (g * (qi[k] - qj[k]) - reg * puk);
          if (!drop) V[i * dim + k] += lr * (g * puk - reg * V[i * dim + k]);
          V[j * dim + k] += lr * (-g * puk - reg * V[j * dim + k]);
          if (si >= 0) gradRows[si + k] += g * puk;
          if (sj >= 0) gradRows[sj + k] -= g * puk;
        }
        s.itemBias[i] += lr * (g - reg * s.itemBias[i]);
        s.itemBias[j] += lr * (-g - reg * s.itemBias[j]);
        if (si >= 0) gradBias[slot[i]] += g;
        if (sj >= 0) gradBias[slot[j]] -= g;
      }
      // Adam ascent on the adapter: ∂/∂Aᵀ = Tᵀ·R, ∂/∂w = Tᵀ·r over the epoch's gradient rows (every
      // touched item, or an unbiased sample of them), averaged per step.
      sample.gradient(gradA, gradW);
      adamAscent(s.adapterT, gradA, adam.mA, adam.vA, adam.t + 1, o.adapterLearningRate, o.adapterDecay, 1 / steps);
      adamAscent(s.textBias, gradW, adam.mW, adam.vW, adam.t + 1, o.adapterLearningRate, o.adapterDecay, 1 / steps);
      adam.t++;
      epochs = epoch;
      context.onProgress?.('hybrid epochs', epoch, o.epochs);
      if (stopping.afterEpoch(epoch, () => cloneState(s))) break;
    }
    if (stopping.best) this.state = stopping.best;
    const tTrain = performance.now();
    this.refresh();
    // Only the item vectors are served; the adapter's parts were training's cache.
    this.adapterPart = new Float32Array(0);
    this.textBiasPart = new Float32Array(0);
    this.buildIndex();
    context.logger?.log('debug', 'hybrid fit phases', {
      textSeconds: (tText - t0) / 1000,
      easeSeconds: (tEase - tText) / 1000,
      adapterSeconds: (tTrain - tEase) / 1000,
      indexSeconds: (performance.now() - tTrain) / 1000,
      textRank: W,
      stepsPerEpoch: steps,
      negativePool: pool.length,
      gradientRows: sample.items.length,
    });
    return { ...stopping.report((performance.now() - t0) / 1000, epochs), ...itemCap };
  }

  /**
   * Recomputes item vectors v + A·t and biases b + w·t from the state, into the derived arrays
   * when they already have the catalogue's size (a fit starts from fresh ones, so a restored
   * version's arrays are never written).
   */
  private refresh(): void {
    const s = this.state;
    if (!s) return;
    const dim = this.options.factors;
    const n = this.text.length / Math.max(this.textDim, 1);
    const sized = (a: Float32Array, len: number): Float32Array => (a.length === len ? a : new Float32Array(len));
    this.adapterPart = sized(this.adapterPart, n * dim);
    projectAllRows(this.text, this.textDim, s.adapterT, dim, this.adapterPart);
    this.textBiasPart = sized(this.textBiasPart, n);
    projectAllRows(this.text, this.textDim, s.textBias, 1, this.textBiasPart);
    const itemFactors = sized(this.derived.itemFactors, n * dim);
    for (let k = 0; k < itemFactors.length; k++) itemFactors[k] = s.itemFree[k] + this.adapterPart[k];
    const itemBias = sized(this.derived.itemBias, n);
    for (let i = 0; i < n; i++) itemBias[i] = s.itemBias[i] + this.textBiasPart[i];
    this.derived = { userFactors: s.userFactors, itemFactors, itemBias, dim };
  }

  /** The user's adapter vector: the trained row, else the history folded in; undefined without either. */
  private userVector(query: UserQuery): Float32Array | Float64Array | undefined {
    const f = this.derived;
    const numUsers = f.userFactors.length / f.dim;
    if (query.userIdx >= 0 && query.userIdx < numUsers) return f.userFactors.subarray(query.userIdx * f.dim, (query.userIdx + 1) * f.dim);
    if (query.items.length > 0) return bprFoldIn(f, query.items, { learningRate: this.options.learningRate, regularization: this.options.regularization });
    return undefined;
  }

  /** Scores of the adapter part alone. */
  adapterScores(query: UserQuery, out: Float32Array): void {
    const p = this.userVector(query);
    if (p) scoreWithVector(this.derived, p, out);
    else out.set(this.derived.itemBias);
  }

  /** Builds the retrieval index and the adapter moments (large catalogues only). */
  private buildIndex(): void {
    const { itemBias, dim } = this.derived;
    const n = itemBias.length;
    this.index = undefined;
    this.adapterMoments = undefined;
    if (n < (this.indexOptions.indexMinItems ?? HYBRID_INDEX_MIN_ITEMS) || this.options.textBlend <= 0 || dim === 0) return;
    const width = dim + 1;
    const augmented = augmentedItems(this.derived);
    this.adapterMoments = moments(augmented, n, width);
    this.index = buildIvfIndex(augmented, n, width, { seed: this.options.seed });
  }

  /** A catalogue-sized scratch vector, kept between calls. */
  private scratchE(n: number): Float32Array {
    if (this.scratch.length !== n) this.scratch = new Float32Array(n);
    return this.scratch;
  }

  /** True when {@link retrieve} answers from the index (else callers score every item). */
  get indexed(): boolean {
    return this.index !== undefined && this.adapterMoments !== undefined;
  }

  /**
   * The `k` best items for `query` by the blended score, not masked in `exclude`, best first with
   * their exact blended scores; undefined when there is no index (small catalogue, older version, or
   * a popularity penalty, which restandardises over every item). The EASE part is scored as in
   * {@link score} (over its kept items and the tail's co-occurrences); the adapter part's best
   * items come from the index, and its mean and spread over the whole catalogue from the item
   * moments, exactly: for [p, 1], mean = [p, 1]·μ and variance = [p, 1]ᵀ Σ [p, 1]. The union of
   * the two parts' best `max(4k, k + 200)` is rescored exactly.
   */
  retrieve(query: UserQuery, k: number, exclude?: Uint8Array): { indices: Int32Array; scores: Float32Array } | undefined {
    const index = this.index;
    const m = this.adapterMoments;
    if (!index || !m || this.options.popularityPenalty > 0) return undefined;
    const beta = this.options.textBlend;
    const n = this.numItems;
    const wanted = Math.min(n, Math.max(4 * k, k + 200));
    const { itemFactors, itemBias, dim } = this.derived;
    const width = dim + 1;
    const q = new Float32Array(width);
    const p = this.userVector(query);
    if (p) q.set(p);
    q[dim] = 1;
    let ma = 0;
    for (let d = 0; d < width; d++) ma += q[d] * m.mean[d];
    let va = 0;
    for (let d = 0; d < width; d++) {
      let row = 0;
      for (let c = 0; c < width; c++) row += m.cov[d * width + c] * q[c];
      va += q[d] * row;
    }
    const sa = va > 0 ? Math.sqrt(va) : 1;
    const share = this.indexOptions.probeShare ?? ivfProbeShare(n);
    const fromAdapter = searchIvf(index, q, wanted, { exclude, probes: Math.max(8, Math.ceil(share * index.lists)) });
    // The union of both parts' best, blended exactly; the EASE part is held sparsely (its kept items
    // and the history's co-occurrence tail), so its moments and best cost no pass over the catalogue.
    const blend = (e: Float32Array | undefined, me: number, se: number, easeBest: Int32Array | undefined): { indices: Int32Array; scores: Float32Array } => {
      const pool = new Set<number>(fromAdapter.indices);
      if (easeBest) for (const i of easeBest) pool.add(i);
      const ids = Int32Array.from(pool);
      const blended = new Float32Array(ids.length);
      for (let c = 0; c < ids.length; c++) {
        const i = ids[c];
        const a = (p ? dot(q, 0, itemFactors, i * dim, dim) : 0) + itemBias[i];
        blended[c] = (e ? (1 - beta) * ((e[i] - me) / se) : 0) + beta * ((a - ma) / sa);
      }
      const best = topK(blended, k);
      return { indices: Int32Array.from(best.indices, (c) => ids[c]), scores: best.scores };
    };
    if (beta >= 1) return blend(undefined, 0, 1, undefined);
    return this.ease.withSparseScores(query, (e) => {
      const [me, se] = e.meanStd();
      return blend(e.values, me, se, e.topK(wanted, exclude).indices);
    });
  }

  score(query: UserQuery, out: Float32Array): void {
    this.blendedScores(query, out);
    const gamma = this.options.popularityPenalty;
    const pop = this.popularityZ;
    if (gamma > 0 && pop.length === out.length) {
      // Put the parts on one scale first, so the penalty means the same for every user.
      const [m, sd] = meanStd(out);
      for (let j = 0; j < out.length; j++) out[j] = (out[j] - m) / sd - gamma * pop[j];
    }
  }

  private blendedScores(query: UserQuery, out: Float32Array): void {
    const beta = this.options.textBlend;
    const n = this.numItems;
    if (beta <= 0) {
      this.ease.score(query, out);
      return;
    }
    // Reused between calls (scoring is synchronous, so no two calls share it at once).
    const a = this.scratchE(n);
    this.adapterScores(query, a);
    if (beta >= 1) {
      out.set(a);
      return;
    }
    this.ease.score(query, out);
    const [me, se] = meanStd(out);
    const [ma, sa] = meanStd(a);
    for (let j = 0; j < n; j++) out[j] = (1 - beta) * ((out[j] - me) / se) + beta * ((a[j] - ma) / sa);
  }

  similarItems(itemIdx: number, out: Float32Array): void {
    // Cosine of the hybrid item vectors: collaborative where there is data, textual where there is not.
    const { itemFactors, dim } = this.derived;
    const n = this.numItems;
    const off = itemIdx * dim;
    const ni = Math.sqrt(dot(itemFactors, off, itemFactors, off, dim)) || 1;
    for (let j = 0; j < n; j++) {
      const nj = Math.sqrt(dot(itemFactors, j * dim, itemFactors, j * dim, dim)) || 1;
      out[j] = dot(itemFactors, off, itemFactors, j * dim, dim) / (ni * nj);
    }
    out[itemIdx] = 0;
  }

  snapshot(): ModelSnapshot {
    const s = this.state ?? initialState(0, 0, 0, this.options.factors, 0);
    const e = this.ease.snapshot();
    return {
      kind: this.kind,
      params: this.params,
      // Format 2: `text` holds subspace coordinates (textDim = the rank) and `textBasis` the basis.
      // Format 1 (no field): `text` holds the centred unit embeddings (textDim = their width).
      meta: { format: 2, textDim: this.textDim, embeddingDim: this.embeddingDim, ease: e.meta },
      arrays: {
        text: this.text,
        userFactors: s.userFactors,
        itemFree: s.itemFree,
        itemBias: s.itemBias,
        adapterT: s.adapterT,
        textBias: s.textBias,
        easeKept: e.arrays.kept,
        easeWeights: e.arrays.weights,
        easeTailIndptr: e.arrays.tailIndptr,
        easeTailIndices: e.arrays.tailIndices,
        easeTailValues: e.arrays.tailValues,
        popularityZ: this.popularityZ,
        ...(this.textBasis ? { textBasis: this.textBasis } : {}),
        // The derived item vectors, so a large version loads without recomputing A·t (n × textDim × dim).
        itemFactors: this.derived.itemFactors,
        itemBiasDerived: this.derived.itemBias,
        ...(this.index && this.adapterMoments ? { ...ivfArrays(this.index, 'adapterIvf'), adapterMean: this.adapterMoments.mean, adapterCov: this.adapterMoments.cov } : {}),
      },
    };
  }

  /** Restores from {@link HybridModel.snapshot}. */
  static fromSnapshot(snap: ModelSnapshot): HybridModel {
    const m = new HybridModel({ ...DEFAULTS, ...(snap.params as Partial<HybridOptions>) });
    const a = snap.arrays;
    m.text = a.text as Float32Array;
    m.popularityZ = (a.popularityZ as Float32Array | undefined) ?? new Float32Array(0);
    // Both formats: `text` rows are textDim wide and the adapter is textDim × factors.
    m.textDim = snap.meta.textDim as number;
    m.embeddingDim = typeof snap.meta.embeddingDim === 'number' ? snap.meta.embeddingDim : m.textDim;
    m.textBasis = a.textBasis instanceof Float32Array ? a.textBasis : undefined;
    m.state = {
      userFactors: a.userFactors as Float32Array,
      itemFree: a.itemFree as Float32Array,
      itemBias: a.itemBias as Float32Array,
      adapterT: a.adapterT as Float32Array,
      textBias: a.textBias as Float32Array,
    };
    const easeArrays: ModelSnapshot['arrays'] = { kept: a.easeKept, weights: a.easeWeights };
    // Versions saved before the backbone had a fallback hold no tail arrays (their left-out items score 0).
    if (a.easeTailIndptr && a.easeTailIndices && a.easeTailValues) Object.assign(easeArrays, { tailIndptr: a.easeTailIndptr, tailIndices: a.easeTailIndices, tailValues: a.easeTailValues });
    m.ease = EaseModel.fromSnapshot({
      kind: 'ease',
      params: { lambda: m.options.easeLambda, minSupport: m.options.easeMinSupport, maxItems: m.options.easeMaxItems },
      meta: snap.meta.ease as Record<string, unknown>,
      arrays: easeArrays,
    });
    if (a.itemFactors instanceof Float32Array && a.itemBiasDerived instanceof Float32Array) {
      m.derived = { userFactors: m.state.userFactors, itemFactors: a.itemFactors, itemBias: a.itemBiasDerived, dim: m.options.factors };
    } else {
      m.refresh();
      m.adapterPart = new Float32Array(0);
      m.textBiasPart = new Float32Array(0);
    }
    const index = ivfFromArrays(a, 'adapterIvf', m.options.factors + 1);
    if (index && a.adapterMean instanceof Float64Array && a.adapterCov instanceof Float64Array) {
      m.index = index;
      m.adapterMoments = { mean: a.adapterMean, cov: a.adapterCov };
    }
    return m;
  }
}

/** Mean (width) and population covariance (width × width) of the rows of `x` (n × width). */
function moments(x: Float32Array, n: number, width: number): { mean: Float64Array; cov: Float64Array } {
  const mean = new Float64Array(width);
  for (let i = 0; i < n; i++) for (let d = 0; d < width; d++) mean[d] += x[i * width + d];
  for (let d = 0; d < width; d++) mean[d] /= Math.max(n, 1);
  const cov = new Float64Array(width * width);
  const row = new Float64Array(width);
  for (let i = 0; i < n; i++) {
    for (let d = 0; d < width; d++) row[d] = x[i * width + d] - mean[d];
    for (let d = 0; d < width; d++) {
      const rd = row[d];
      if (rd === 0) continue;
      for (let c = d; c < width; c++) cov[d * width + c] += rd * row[c];
    }
  }
  for (let d = 0; d < width; d++) for (let c = d; c < width; c++) {
    const v = cov[d * width + c] / Math.max(n, 1);
    cov[d * width + c] = v;
    cov[c * width + d] = v;
  }
  return { mean, cov };
}

function initialState(numUsers: number, numItems: number, textDim: number, dim: number, seed: number): AdapterState {
  const rng = createRng(seed);
  const userFactors = new Float32Array(numUsers * dim);
  for (let k = 0; k < userFactors.length; k++) userFactors[k] = rng.normal() * 0.1;
  const adapterT = new Float32Array(textDim * dim);
  for (let k = 0; k < adapterT.length; k++) adapterT[k] = rng.normal() * 0.1;
  // Free item factors start at zero: an item that never gets a gradient (a cold item) stays text-only.
  return { userFactors, itemFree: new Float32Array(numItems * dim), itemBias: new Float32Array(numItems), adapterT, textBias: new Float32Array(textDim) };
}

function cloneState(s: AdapterState): AdapterState {
  return {
    userFactors: s.userFactors.slice(),
    itemFree: s.itemFree.slice(),
    itemBias: s.itemBias.slice(),
    adapterT: s.adapterT.slice(),
    textBias: s.textBias.slice(),
  };
}

/** One Adam step that increases the objective: x += lr·m̂/(√v̂+ε) − lr·decay·x, with gradient `scale`·g. */
function adamAscent(x: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, t: number, lr: number, decay: number, scale: number): void {
  const b1 = 0.9;
  const b2 = 0.999;
  const c1 = 1 - Math.pow(b1, t);
  const c2 = 1 - Math.pow(b2, t);
  for (let k = 0; k < x.length; k++) {
    const gk = g[k] * scale;
    m[k] = b1 * m[k] + (1 - b1) * gk;
    v[k] = b2 * v[k] + (1 - b2) * gk * gk;
    x[k] += lr * (m[k] / c1 / (Math.sqrt(v[k] / c2) + 1e-8)) - lr * decay * x[k];
  }
}

/**
 * EASE fits by training matrix and settings. A grid search fits many hybrids on the same matrix with
 * the same backbone; the closed-form backbone is deterministic, so it is solved once per setting.
 * Entries go away with the matrix.
 */
const easeFits = new WeakMap<CsrMatrix, Map<string, EaseModel>>();

async function fittedEase(train: CsrMatrix, lambda: number, minSupport: number, maxItems: number, signal: AbortSignal | undefined): Promise<EaseModel> {
  let byKey = easeFits.get(train);
  if (!byKey) easeFits.set(train, (byKey = new Map<string, EaseModel>()));
  const key = `${lambda}/${minSupport}/${maxItems}`;
  const hit = byKey.get(key);
  if (hit) return hit;
  const ease = createEase({ lambda, minSupport, maxItems });
  await ease.fit(train, { signal });
  byKey.set(key, ease);
  return ease;
}

/** (log(1 + c) − mean) / std over the items. */
function standardisedLogCounts(counts: ArrayLike<number>): Float32Array {
  const z = Float32Array.from({ length: counts.length }, (_, i) => Math.log1p(counts[i]));
  const [m, sd] = meanStd(z);
  for (let i = 0; i < z.length; i++) z[i] = (z[i] - m) / sd;
  return z;
}

function meanStd(a: Float32Array): [number, number] {
  let s = 0;
  for (let k = 0; k < a.length; k++) s += a[k];
  const mean = s / Math.max(a.length, 1);
  let q = 0;
  for (let k = 0; k < a.length; k++) q += (a[k] - mean) * (a[k] - mean);
  const std = Math.sqrt(q / Math.max(a.length, 1));
  return [mean, std > 0 ? std : 1];
}
