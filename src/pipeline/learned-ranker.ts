/**
 * The learned ranker (C11): a small scoring network over candidate features, s(x) = w·x̂ +
 * Σₕ vₕ·tanh(Wₕ·x̂ + cₕ) on standardised features x̂ (`hidden: 0` gives a linear model), trained on
 * query groups (one per user: the candidate union, held-out items labelled positive) with a listwise
 * softmax cross-entropy or a pairwise logistic (RankNet/BPR) loss, by Adam on typed arrays. The
 * epoch with the best NDCG@10 on a slice of the groups is kept. It serialises to JSON bytes for
 * storage as a model version.
 * @module
 */
import { ValidationError, throwIfAborted } from '../core/errors.js';
import { createRng } from '../linalg/index.js';

/** One query group: a user's candidates with their feature rows and labels. */
export interface RankingGroup {
  /** rows × dim. */
  features: Float32Array;
  /** 1 for relevant candidates. */
  labels: Uint8Array;
}

/** Training options of {@link fitRanker}. */
export interface RankerFitOptions {
  /** Hidden units (0 = linear; default 8). */
  hidden?: number;
  /** `softmax` (listwise cross-entropy, default) or `pairwise` (logistic on sampled pairs). */
  loss?: 'softmax' | 'pairwise';
  epochs?: number;
  learningRate?: number;
  /** L2 weight decay. */
  l2?: number;
  /** Negatives sampled per positive with the pairwise loss. */
  negativesPerPositive?: number;
  /** Stop after this many epochs without a better early-stopping NDCG@10 (default 3). */
  patience?: number;
  /** Share of groups held back to choose the epoch (default 0.2). */
  earlyStopShare?: number;
  seed?: number;
  signal?: AbortSignal;
}

/** What {@link fitRanker} did. */
export interface RankerFitReport {
  epochs: number;
  bestEpoch: number;
  /** NDCG@10 of the kept epoch on the early-stopping groups. */
  bestScore: number;
  groups: number;
  seconds: number;
}

/** Serialised form (JSON). */
export interface RankerJson {
  format: 'lmrec-ranker';
  formatVersion: 1;
  featureNames: string[];
  sources: string[];
  hidden: number;
  mean: number[];
  std: number[];
  params: number[];
}

/** See the module description. */
export class LearnedRanker {
  /** Parameters, flat: w (dim), v (hidden), c (hidden), W (hidden × dim). */
  readonly params: Float32Array;

  constructor(
    /** Source names in feature order. */
    readonly sources: readonly string[],
    /** Feature names (see `featureNames`). */
    readonly featureNames: readonly string[],
    readonly hidden: number,
    readonly mean: Float32Array,
    readonly std: Float32Array,
    params?: Float32Array,
  ) {
    const dim = featureNames.length;
    if (mean.length !== dim || std.length !== dim) throw new ValidationError('ranker mean/std do not match its features');
    const size = dim + 2 * hidden + hidden * dim;
    if (params && params.length !== size) throw new ValidationError(`ranker expects ${size} parameters, got ${params.length}`);
    this.params = params ?? new Float32Array(size);
  }

  /** Number of features. */
  get dim(): number {
    return this.featureNames.length;
  }

  /**
   * Scores `rows` feature rows (rows × dim) into `out`: the same function as {@link forward}, with
   * the standardisation folded into the weights once per call (w/σ, and the means into the
   * offsets), so a row costs one pass over its non-zero features per unit — most are zero, as a
   * candidate is proposed by one or two of the sources.
   */
  score(features: Float32Array, rows: number, out: Float32Array): void {
    const { dim, hidden, params: p, mean, std } = this;
    // Column d of the folded weights: [linear, unit 0, …, unit h-1], contiguous per feature.
    const width = hidden + 1;
    const folded = new Float64Array(dim * width);
    const offset = new Float64Array(width);
    for (let d = 0; d < dim; d++) {
      const inv = 1 / std[d];
      folded[d * width] = p[d] * inv;
      offset[0] -= p[d] * inv * mean[d];
      for (let h = 0; h < hidden; h++) {
        const w = p[dim + 2 * hidden + h * dim + d] * inv;
        folded[d * width + 1 + h] = w;
        offset[1 + h] -= w * mean[d];
      }
    }
    for (let h = 0; h < hidden; h++) offset[1 + h] += p[dim + hidden + h];
    const acc = new Float64Array(width);
    for (let r = 0; r < rows; r++) {
      acc.set(offset);
      const base = r * dim;
      for (let d = 0; d < dim; d++) {
        const x = features[base + d];
        if (x === 0) continue;
        const col = d * width;
        for (let c = 0; c < width; c++) acc[c] += folded[col + c] * x;
      }
      let s = acc[0];
      for (let h = 0; h < hidden; h++) s += p[dim + h] * Math.tanh(acc[1 + h]);
      out[r] = s;
    }
  }

  /** Score of row `r`; leaves the standardised row in `x` and the hidden activations in `t`. */
  forward(features: Float32Array, r: number, x: Float32Array, t: Float32Array): number {
    const { dim, hidden, params: p, mean, std } = this;
    for (let d = 0; d < dim; d++) x[d] = (features[r * dim + d] - mean[d]) / std[d];
    let s = 0;
    for (let d = 0; d < dim; d++) s += p[d] * x[d];
    const vOff = dim;
    const cOff = dim + hidden;
    const wOff = dim + 2 * hidden;
    for (let h = 0; h < hidden; h++) {
      let a = p[cOff + h];
      const row = wOff + h * dim;
      for (let d = 0; d < dim; d++) a += p[row + d] * x[d];
      t[h] = Math.tanh(a);
      s += p[vOff + h] * t[h];
    }
    return s;
  }

  /** JSON form. */
  toJSON(): RankerJson {
    return {
      format: 'lmrec-ranker',
      formatVersion: 1,
      featureNames: [...this.featureNames],
      sources: [...this.sources],
      hidden: this.hidden,
      mean: Array.from(this.mean),
      std: Array.from(this.std),
      params: Array.from(this.params),
    };
  }

  /** Bytes for `storage.models.save('ranker', …)`. */
  encode(): Uint8Array {
    return new TextEncoder().encode(JSON.stringify(this.toJSON()));
  }

  /** Restores from {@link LearnedRanker.toJSON}; ValidationError when the document is not a ranker. */
  static fromJSON(json: unknown): LearnedRanker {
    const j = json as Partial<RankerJson> | null;
    if (!j || j.format !== 'lmrec-ranker' || j.formatVersion !== 1 || !Array.isArray(j.featureNames) || !Array.isArray(j.params) || !Array.isArray(j.sources)) {
      throw new ValidationError('not a serialised lmrec ranker (format lmrec-ranker, version 1)');
    }
    return new LearnedRanker(j.sources, j.featureNames, Number(j.hidden ?? 0), Float32Array.from(j.mean ?? []), Float32Array.from(j.std ?? []), Float32Array.from(j.params));
  }

  /** Restores from {@link LearnedRanker.encode}'s bytes. */
  static decode(bytes: Uint8Array): LearnedRanker {
    let json: unknown;
    try {
      json = JSON.parse(new TextDecoder().decode(bytes));
    } catch (cause) {
      throw new ValidationError('ranker payload is not JSON', { cause });
    }
    return LearnedRanker.fromJSON(json);
  }
}

/**
 * Fits a ranker on `groups` (groups without a positive or without a negative teach nothing and are
 * skipped). Deterministic for a seed.
 */
export function fitRanker(sources: readonly string[], featureNames: readonly string[], groups: readonly RankingGroup[], options: RankerFitOptions = {}): { ranker: LearnedRanker; report: RankerFitReport } {
  const t0 = performance.now();
  const dim = featureNames.length;
  const hidden = options.hidden ?? 8;
  const epochs = options.epochs ?? 20;
  const patience = options.patience ?? 3;
  const lr = options.learningRate ?? 0.01;
  const l2 = options.l2 ?? 1e-4;
  const loss = options.loss ?? 'softmax';
  const rng = createRng(options.seed ?? 7);
  const useful = groups.filter((g) => {
    let pos = 0;
    for (const l of g.labels) pos += l;
    return pos > 0 && pos < g.labels.length && g.features.length === g.labels.length * dim;
  });
  if (useful.length === 0) throw new ValidationError('no training group has both a relevant and an irrelevant candidate: nothing to learn from');

  // Standardisation over every row.
  const mean = new Float64Array(dim);
  const sq = new Float64Array(dim);
  let rows = 0;
  for (const g of useful) {
    const n = g.labels.length;
    for (let r = 0; r < n; r++) for (let d = 0; d < dim; d++) {
      const v = g.features[r * dim + d];
      mean[d] += v;
      sq[d] += v * v;
    }
    rows += n;
  }
  const meanF = new Float32Array(dim);
  const stdF = new Float32Array(dim);
  for (let d = 0; d < dim; d++) {
    const m = mean[d] / rows;
    meanF[d] = m;
    stdF[d] = Math.sqrt(Math.max(sq[d] / rows - m * m, 0)) || 1;
  }
  const ranker = new LearnedRanker(sources, featureNames, hidden, meanF, stdF);
  const p = ranker.params;
  for (let i = dim; i < dim + hidden; i++) p[i] = 0.1 * rng.normal();
  for (let i = dim + 2 * hidden; i < p.length; i++) p[i] = rng.normal() / Math.sqrt(dim);

  // Early-stopping slice.
  const order = Int32Array.from(useful.keys());
  for (let i = order.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  const nStop = useful.length >= 10 ? Math.round(useful.length * (options.earlyStopShare ?? 0.2)) : 0;
  const stopGroups = Array.from(order.subarray(0, nStop), (i) => useful[i]);
  const fitGroups = Array.from(order.subarray(nStop), (i) => useful[i]);

  const m1 = new Float32Array(p.length);
  const m2 = new Float32Array(p.length);
  const grad = new Float32Array(p.length);
  const beta1 = 0.9;
  const beta2 = 0.999;
  let step = 0;
  let ran = 0;
  let best = { score: -Infinity, epoch: 0, params: p.slice() };
  const x = new Float32Array(dim);
  const t = new Float32Array(hidden);
  const fitOrder = Int32Array.from(fitGroups.keys());
  for (let epoch = 1; epoch <= epochs; epoch++) {
    throwIfAborted(options.signal);
    for (let i = fitOrder.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [fitOrder[i], fitOrder[j]] = [fitOrder[j], fitOrder[i]];
    }
    for (const gi of fitOrder) {
      const g = fitGroups[gi];
      const n = g.labels.length;
      const s = new Float32Array(n);
      for (let r = 0; r < n; r++) s[r] = ranker.forward(g.features, r, x, t);
      const ds = loss === 'softmax' ? softmaxGradient(s, g.labels) : pairwiseGradient(s, g.labels, options.negativesPerPositive ?? 10, rng);
      grad.fill(0);
      for (let r = 0; r < n; r++) if (ds[r] !== 0) backward(ranker, g.features, r, ds[r], x, t, grad);
      step++;
      const bc1 = 1 - Math.pow(beta1, step);
      const bc2 = 1 - Math.pow(beta2, step);
      for (let i = 0; i < p.length; i++) {
        const gv = grad[i] + l2 * p[i];
        m1[i] = beta1 * m1[i] + (1 - beta1) * gv;
        m2[i] = beta2 * m2[i] + (1 - beta2) * gv * gv;
        p[i] -= (lr * (m1[i] / bc1)) / (Math.sqrt(m2[i] / bc2) + 1e-8);
      }
    }
    const score = meanNdcg(ranker, stopGroups.length > 0 ? stopGroups : fitGroups, 10);
    ran = epoch;
    if (score > best.score) best = { score, epoch, params: p.slice() };
    else if (epoch - best.epoch >= patience) break;
  }
  p.set(best.params);
  return { ranker, report: { epochs: ran, bestEpoch: best.epoch, bestScore: best.score, groups: useful.length, seconds: (performance.now() - t0) / 1000 } };
}

/** dL/ds of −(1/|P|) Σ_{p∈P} log softmax(s)_p. */
function softmaxGradient(s: Float32Array, labels: Uint8Array): Float32Array {
  let max = -Infinity;
  for (const v of s) if (v > max) max = v;
  let z = 0;
  const e = new Float64Array(s.length);
  for (let r = 0; r < s.length; r++) z += e[r] = Math.exp(s[r] - max);
  let pos = 0;
  for (const l of labels) pos += l;
  const g = new Float32Array(s.length);
  for (let r = 0; r < s.length; r++) g[r] = e[r] / z - labels[r] / pos;
  return g;
}

/** dL/ds of the mean of −log σ(s_p − s_n) over sampled (positive, negative) pairs. */
function pairwiseGradient(s: Float32Array, labels: Uint8Array, perPositive: number, rng: ReturnType<typeof createRng>): Float32Array {
  const negatives: number[] = [];
  const positives: number[] = [];
  labels.forEach((l, r) => (l ? positives : negatives).push(r));
  const g = new Float32Array(s.length);
  const pairs = positives.length * perPositive;
  for (const pIdx of positives) {
    for (let k = 0; k < perPositive; k++) {
      const nIdx = negatives[rng.int(negatives.length)];
      const sig = 1 / (1 + Math.exp(s[pIdx] - s[nIdx]));
      g[pIdx] -= sig / pairs;
      g[nIdx] += sig / pairs;
    }
  }
  return g;
}

function backward(ranker: LearnedRanker, features: Float32Array, r: number, ds: number, x: Float32Array, t: Float32Array, grad: Float32Array): void {
  const { dim, hidden, params: p } = ranker;
  ranker.forward(features, r, x, t);
  for (let d = 0; d < dim; d++) grad[d] += ds * x[d];
  const vOff = dim;
  const cOff = dim + hidden;
  const wOff = dim + 2 * hidden;
  for (let h = 0; h < hidden; h++) {
    grad[vOff + h] += ds * t[h];
    const da = ds * p[vOff + h] * (1 - t[h] * t[h]);
    grad[cOff + h] += da;
    const row = wOff + h * dim;
    for (let d = 0; d < dim; d++) grad[row + d] += da * x[d];
  }
}

/** Mean NDCG@k of the ranker's order over groups (relevance from the labels). */
export function meanNdcg(ranker: LearnedRanker, groups: readonly RankingGroup[], k: number): number {
  if (groups.length === 0) return 0;
  let sum = 0;
  for (const g of groups) {
    const n = g.labels.length;
    const s = new Float32Array(n);
    ranker.score(g.features, n, s);
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => s[b] - s[a] || a - b);
    let dcg = 0;
    let pos = 0;
    for (const l of g.labels) pos += l;
    for (let r = 0; r < Math.min(k, n); r++) if (g.labels[order[r]]) dcg += 1 / Math.log2(r + 2);
    let idcg = 0;
    for (let r = 0; r < Math.min(k, pos); r++) idcg += 1 / Math.log2(r + 2);
    sum += idcg > 0 ? dcg / idcg : 0;
  }
  return sum / groups.length;
}
