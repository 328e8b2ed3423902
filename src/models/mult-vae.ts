/**
 * Mult-VAE (Liang, Krishnan, Hoffman, Jebara, "Variational Autoencoders for Collaborative Filtering",
 * WWW 2018): a user's L2-normalised history, with input dropout, is encoded by one tanh layer into a
 * Gaussian latent (mean and log-variance); a sample is decoded by one tanh layer into logits over all
 * items, trained with the multinomial log-likelihood of the history plus β·KL, β annealed linearly
 * from 0 to its cap. Scoring a history (training row or live) runs the encoder's mean through the
 * decoder, so new users and fresh histories need no refit. Encoder input and its gradient are sparse
 * (history rows only); the decoder's products are the Float32 `matmul` kernel; Adam over one flat vector.
 * @module
 */
import { binarize } from '../core/csr-matrix.js';
import type { CsrMatrix } from '../core/csr-matrix.js';
import { throwIfAborted } from '../core/errors.js';
import { createRng, shuffleInPlace } from '../linalg/index.js';
import type { Rng } from '../linalg/index.js';
import { Adam } from './adam.js';
import { EarlyStopping } from './early-stopping.js';
import { linear, linearBackward } from './neural-ops.js';
import type { FitContext, FitReport, ModelParams, Recommender, UserQuery } from './recommender.js';
import type { ModelSnapshot } from './snapshot.js';

/** Hyper-parameters of {@link MultVaeModel}. */
export interface MultVaeOptions {
  /** Width of the encoder's and the decoder's hidden layer. */
  hidden: number;
  /** Latent dimension. */
  latent: number;
  /** Dropout on the normalised input. */
  dropout: number;
  /** Cap of the KL weight β. */
  beta: number;
  /** Epochs over which β rises linearly from 0 to its cap. */
  annealEpochs: number;
  learningRate: number;
  /** Decoupled weight decay (AdamW). */
  weightDecay: number;
  batchSize: number;
  /** Maximum epochs. */
  epochs: number;
  /** Validate every this many epochs when a validator is given. */
  evalEvery: number;
  /** Validations without improvement before stopping. */
  patience: number;
  seed: number;
}

// One hidden layer narrower than the paper's 600 → 200: the decoder's products dominate the cost
// (about 2 s an epoch for 1,000 users and items on this machine at 200 → 64, three times that at 600 → 200).
const DEFAULTS: MultVaeOptions = {
  hidden: 200,
  latent: 64,
  dropout: 0.5,
  beta: 0.2,
  annealEpochs: 20,
  learningRate: 2e-3,
  weightDecay: 0,
  // Small batches: catalogues of a few thousand users give many Adam steps an epoch at the same cost.
  batchSize: 64,
  epochs: 200,
  evalEvery: 5,
  patience: 4,
  seed: 98765,
};

/** Creates a Mult-VAE recommender. */
export function createMultVae(options: Partial<MultVaeOptions> = {}): MultVaeModel {
  return new MultVaeModel({ ...DEFAULTS, ...options });
}

/** Views of the layers in one flat parameter vector: W stored `in × out`. */
export interface VaeLayout {
  n: number;
  hidden: number;
  latent: number;
  w1: [number, number];
  b1: [number, number];
  w2: [number, number];
  b2: [number, number];
  w3: [number, number];
  b3: [number, number];
  w4: [number, number];
  b4: [number, number];
  size: number;
}

/** The offsets of every layer for `n` items. */
export function vaeLayout(n: number, hidden: number, latent: number): VaeLayout {
  let at = 0;
  const take = (len: number): [number, number] => {
    const r: [number, number] = [at, at + len];
    at += len;
    return r;
  };
  const w1 = take(n * hidden);
  const b1 = take(hidden);
  const w2 = take(hidden * 2 * latent);
  const b2 = take(2 * latent);
  const w3 = take(latent * hidden);
  const b3 = take(hidden);
  const w4 = take(hidden * n);
  const b4 = take(n);
  return { n, hidden, latent, w1, b1, w2, b2, w3, b3, w4, b4, size: at };
}

const view = (a: Float32Array, r: [number, number]): Float32Array => a.subarray(r[0], r[1]);

/** One batch of users for {@link vaeBatchLoss}: their items, and the randomness of the step. */
export interface VaeBatch {
  /** Per user, its items. */
  rows: Int32Array[];
  /** Per user, per item, the input-dropout factor (0 or 1/(1 − p)); all 1 without dropout. */
  keep: Float32Array[];
  /** Standard-normal draws, rows × latent (the reparameterisation noise). */
  eps: Float32Array;
  /** KL weight of this step. */
  beta: number;
}

/**
 * Mean loss of `batch` (multinomial negative log-likelihood + β·KL per user) and its gradient
 * (written into `grad`, same layout as `theta`).
 */
export function vaeBatchLoss(theta: Float32Array, grad: Float32Array, layout: VaeLayout, batch: VaeBatch): number {
  const { n, hidden: h, latent: z } = layout;
  const b = batch.rows.length;
  grad.fill(0);
  const w1 = view(theta, layout.w1);
  const h1 = new Float32Array(b * h);
  // Encoder input: the normalised history with dropout, a sparse row times W1.
  const scales = new Float32Array(b);
  for (let r = 0; r < b; r++) {
    const items = batch.rows[r];
    const s = items.length > 0 ? 1 / Math.sqrt(items.length) : 0;
    scales[r] = s;
    const out = h1.subarray(r * h, (r + 1) * h);
    out.set(view(theta, layout.b1));
    for (let t = 0; t < items.length; t++) {
      const f = s * batch.keep[r][t];
      if (f === 0) continue;
      const base = items[t] * h;
      for (let c = 0; c < h; c++) out[c] += f * w1[base + c];
    }
    for (let c = 0; c < h; c++) out[c] = Math.tanh(out[c]);
  }
  const enc = new Float32Array(b * 2 * z);
  linear(h1, view(theta, layout.w2), view(theta, layout.b2), enc, b, h, 2 * z);
  const zs = new Float32Array(b * z);
  let kl = 0;
  for (let r = 0; r < b; r++) {
    for (let c = 0; c < z; c++) {
      const mu = enc[r * 2 * z + c];
      const lv = enc[r * 2 * z + z + c];
      zs[r * z + c] = mu + Math.exp(0.5 * lv) * batch.eps[r * z + c];
      kl += 0.5 * (-lv + Math.exp(lv) + mu * mu - 1);
    }
  }
  const h2 = new Float32Array(b * h);
  linear(zs, view(theta, layout.w3), view(theta, layout.b3), h2, b, z, h);
  for (let p = 0; p < h2.length; p++) h2[p] = Math.tanh(h2[p]);
  const logits = new Float32Array(b * n);
  linear(h2, view(theta, layout.w4), view(theta, layout.b4), logits, b, h, n);
  // Softmax cross-entropy against the (binary) history: d logits = (softmax·|x| − x) / b.
  let nll = 0;
  for (let r = 0; r < b; r++) {
    const row = logits.subarray(r * n, (r + 1) * n);
    let max = -Infinity;
    for (let j = 0; j < n; j++) if (row[j] > max) max = row[j];
    let sum = 0;
    for (let j = 0; j < n; j++) sum += Math.exp(row[j] - max);
    const logZ = max + Math.log(sum);
    const items = batch.rows[r];
    for (let t = 0; t < items.length; t++) nll -= row[items[t]] - logZ;
    const count = items.length;
    for (let j = 0; j < n; j++) row[j] = (Math.exp(row[j] - logZ) * count) / b;
    for (let t = 0; t < items.length; t++) row[items[t]] -= 1 / b;
  }
  const dLogits = logits;
  const dh2 = new Float32Array(b * h);
  linearBackward(h2, view(theta, layout.w4), dLogits, view(grad, layout.w4), view(grad, layout.b4), dh2, b, h, n);
  for (let p = 0; p < dh2.length; p++) dh2[p] *= 1 - h2[p] * h2[p];
  const dz = new Float32Array(b * z);
  linearBackward(zs, view(theta, layout.w3), dh2, view(grad, layout.w3), view(grad, layout.b3), dz, b, z, h);
  const dEnc = new Float32Array(b * 2 * z);
  const beta = batch.beta;
  for (let r = 0; r < b; r++) {
    for (let c = 0; c < z; c++) {
      const mu = enc[r * 2 * z + c];
      const lv = enc[r * 2 * z + z + c];
      const g = dz[r * z + c];
      dEnc[r * 2 * z + c] = g + (beta * mu) / b;
      dEnc[r * 2 * z + z + c] = g * batch.eps[r * z + c] * 0.5 * Math.exp(0.5 * lv) + (beta * 0.5 * (Math.exp(lv) - 1)) / b;
    }
  }
  const dh1 = new Float32Array(b * h);
  linearBackward(h1, view(theta, layout.w2), dEnc, view(grad, layout.w2), view(grad, layout.b2), dh1, b, h, 2 * z);
  const gw1 = view(grad, layout.w1);
  const gb1 = view(grad, layout.b1);
  for (let r = 0; r < b; r++) {
    const d = dh1.subarray(r * h, (r + 1) * h);
    const a = h1.subarray(r * h, (r + 1) * h);
    for (let c = 0; c < h; c++) d[c] *= 1 - a[c] * a[c];
    for (let c = 0; c < h; c++) gb1[c] += d[c];
    const items = batch.rows[r];
    for (let t = 0; t < items.length; t++) {
      const f = scales[r] * batch.keep[r][t];
      if (f === 0) continue;
      const base = items[t] * h;
      for (let c = 0; c < h; c++) gw1[base + c] += f * d[c];
    }
  }
  return (nll + beta * kl) / b;
}

/** Mult-VAE over binary interactions. */
export class MultVaeModel implements Recommender {
  readonly kind = 'multvae';
  readonly params: ModelParams;
  private layout: VaeLayout;
  private theta: Float32Array = new Float32Array(0);
  /** Scratch of one query (scoring is synchronous). */
  private scratch = { h1: new Float32Array(0), mu: new Float32Array(0), h2: new Float32Array(0) };

  constructor(private readonly options: MultVaeOptions) {
    this.params = { ...options };
    this.layout = vaeLayout(0, options.hidden, options.latent);
  }

  get numItems(): number {
    return this.layout.n;
  }

  async fit(train: CsrMatrix, context: FitContext = {}): Promise<FitReport> {
    const t0 = performance.now();
    const o = this.options;
    const x = binarize(train);
    const n = x.numCols;
    this.layout = vaeLayout(n, o.hidden, o.latent);
    const rng = createRng(o.seed);
    this.theta = initialParameters(this.layout, rng);
    const grad = new Float32Array(this.layout.size);
    const adam = new Adam(this.theta, { learningRate: o.learningRate, beta2: 0.999, weightDecay: o.weightDecay });
    const users: number[] = [];
    for (let u = 0; u < x.numRows; u++) if (x.indptr[u + 1] > x.indptr[u]) users.push(u);
    const order = Int32Array.from(users);
    const batchesPerEpoch = Math.max(1, Math.ceil(order.length / o.batchSize));
    const annealSteps = Math.max(1, o.annealEpochs * batchesPerEpoch);
    const stopping = new EarlyStopping<Float32Array>(context, o.evalEvery, o.patience, o.epochs, 'multvae');
    let step = 0;
    let epochs = 0;
    for (let epoch = 1; epoch <= o.epochs && order.length > 0; epoch++) {
      shuffleInPlace(order, rng);
      for (let start = 0; start < order.length; start += o.batchSize) {
        throwIfAborted(context.signal);
        const batchUsers = order.subarray(start, Math.min(start + o.batchSize, order.length));
        const rows = Array.from(batchUsers, (u) => x.indices.subarray(x.indptr[u], x.indptr[u + 1]));
        const keep = rows.map((items) => {
          const k = new Float32Array(items.length);
          for (let t = 0; t < k.length; t++) k[t] = rng.next() < o.dropout ? 0 : 1 / (1 - o.dropout);
          return k;
        });
        const eps = new Float32Array(rows.length * o.latent);
        for (let p = 0; p < eps.length; p++) eps[p] = rng.normal();
        const beta = Math.min(o.beta, (o.beta * step) / annealSteps);
        vaeBatchLoss(this.theta, grad, this.layout, { rows, keep, eps, beta });
        adam.step(grad);
        step++;
      }
      // Let other work (progress, aborts) run between epochs.
      await new Promise((resolve) => setImmediate(resolve));
      epochs = epoch;
      context.onProgress?.('multvae epochs', epoch, o.epochs);
      if (stopping.afterEpoch(epoch, () => this.theta.slice())) break;
    }
    if (stopping.best) this.theta = stopping.best;
    return stopping.report((performance.now() - t0) / 1000, epochs);
  }

  score(query: UserQuery, out: Float32Array): void {
    const { n, hidden: h, latent: z } = this.layout;
    out.fill(0);
    if (n === 0) return;
    const theta = this.theta;
    if (this.scratch.h1.length !== h) this.scratch = { h1: new Float32Array(h), mu: new Float32Array(2 * z), h2: new Float32Array(h) };
    const { h1, mu, h2 } = this.scratch;
    let count = 0;
    for (const i of query.items) if (i >= 0 && i < n) count++;
    const s = count > 0 ? 1 / Math.sqrt(count) : 0;
    h1.set(view(theta, this.layout.b1));
    const w1 = view(theta, this.layout.w1);
    for (const i of query.items) {
      if (i < 0 || i >= n) continue;
      const base = i * h;
      for (let c = 0; c < h; c++) h1[c] += s * w1[base + c];
    }
    for (let c = 0; c < h; c++) h1[c] = Math.tanh(h1[c]);
    linear(h1, view(theta, this.layout.w2), view(theta, this.layout.b2), mu, 1, h, 2 * z);
    // The mean only (the first z outputs) feeds the decoder at scoring time.
    linear(mu.subarray(0, z), view(theta, this.layout.w3), view(theta, this.layout.b3), h2, 1, z, h);
    for (let c = 0; c < h; c++) h2[c] = Math.tanh(h2[c]);
    linear(h2, view(theta, this.layout.w4), view(theta, this.layout.b4), out, 1, h, n);
  }

  /** The scores a history of this one item gets. */
  similarItems(itemIdx: number, out: Float32Array): void {
    this.score({ userIdx: -1, items: Int32Array.of(itemIdx), values: Float32Array.of(1) }, out);
  }

  snapshot(): ModelSnapshot {
    return { kind: this.kind, params: this.params, meta: { numItems: this.layout.n }, arrays: { theta: this.theta } };
  }

  /** Restores from {@link MultVaeModel.snapshot}. */
  static fromSnapshot(s: ModelSnapshot): MultVaeModel {
    const m = new MultVaeModel({ ...DEFAULTS, ...(s.params as Partial<MultVaeOptions>) });
    m.layout = vaeLayout(Number(s.meta.numItems), m.options.hidden, m.options.latent);
    m.theta = s.arrays.theta as Float32Array;
    if (m.theta.length !== m.layout.size) throw new RangeError(`multvae snapshot holds ${m.theta.length} parameters, its shape needs ${m.layout.size}`);
    return m;
  }
}

/** Xavier-normal weights, small normal biases (as in the paper's code). */
function initialParameters(layout: VaeLayout, rng: Rng): Float32Array {
  const theta = new Float32Array(layout.size);
  const fill = (r: [number, number], std: number): void => {
    for (let p = r[0]; p < r[1]; p++) theta[p] = rng.normal() * std;
  };
  const { n, hidden: h, latent: z } = layout;
  fill(layout.w1, Math.sqrt(2 / (n + h)));
  fill(layout.w2, Math.sqrt(2 / (h + 2 * z)));
  fill(layout.w3, Math.sqrt(2 / (z + h)));
  fill(layout.w4, Math.sqrt(2 / (h + n)));
  for (const b of [layout.b1, layout.b2, layout.b3, layout.b4]) fill(b, 0.001);
  return theta;
}
