/**
 * GRU4Rec-style next-item model (Hidasi et al., "Session-based Recommendations with Recurrent Neural
 * Networks", ICLR 2016; cross-entropy variant of Hidasi & Karatzoglou, CIKM 2018): item embedding →
 * one GRU layer → scores by dot product with the (shared) item embedding. Trained with softmax
 * cross-entropy over all items or many shared sampled negatives, back-propagation through time over
 * windows of the last `maxLen` items, Adam, and early stopping on validation. A batch runs its
 * windows in lockstep, longest first, so each time step is one matrix product over the windows still
 * running.
 * @module
 */
import type { CsrMatrix } from '../core/csr-matrix.js';
import { ValidationError, throwIfAborted } from '../core/errors.js';
import { createRng, matmul } from '../linalg/index.js';
import type { Rng } from '../linalg/index.js';
import { EmbeddingAdam } from './embedding-adam.js';
import { EarlyStopping } from './early-stopping.js';
import { applyMask, embeddingCosine, fillDropoutMask, fillNormal, finishStep, linear, linearBackward, projectTextInit } from './neural-ops.js';
import type { FitContext, FitReport, ModelParams, Recommender, UserQuery } from './recommender.js';
import { querySequence, sequenceWindows, trainingSequences } from './sequence-data.js';
import type { SequenceWindow } from './sequence-data.js';
import type { ModelSnapshot } from './snapshot.js';
import { samplesNegatives, softmaxCrossEntropy } from './softmax-output.js';
import { Workspace } from './workspace.js';

/** Hyper-parameters of {@link Gru4RecModel}. */
export interface Gru4RecOptions {
  /** Embedding and hidden width. */
  dim: number;
  /** Back-propagation window: the last this many items. */
  maxLen: number;
  /** Dropout on the input embeddings and on the hidden states before scoring. */
  dropout: number;
  learningRate: number;
  weightDecay: number;
  batchSize: number;
  epochs: number;
  /** Shared sampled negatives per step; 0 = full softmax. */
  negatives: number;
  /** Also train on earlier windows of sequences longer than `maxLen`. */
  allWindows: boolean;
  evalEvery: number;
  patience: number;
  initStd: number;
  /** Initialise item embeddings from text embeddings (random projection) when they are given. */
  textInit: boolean;
  seed: number;
}

const DEFAULTS: Gru4RecOptions = {
  dim: 64,
  maxLen: 50,
  dropout: 0.3,
  learningRate: 0.003,
  weightDecay: 0,
  batchSize: 64,
  epochs: 100,
  negatives: 256,
  allWindows: true,
  evalEvery: 2,
  patience: 3,
  initStd: 0.1,
  textInit: false,
  seed: 42,
};

/** Creates a GRU4Rec-style recommender. */
export function createGru4Rec(options: Partial<Gru4RecOptions> = {}): Gru4RecModel {
  const o = { ...DEFAULTS, ...options };
  if (!(o.dropout >= 0 && o.dropout < 1)) throw new ValidationError(`gru4rec: dropout must be in [0, 1), got ${o.dropout}`, { details: { dropout: o.dropout } });
  return new Gru4RecModel(o);
}

/** A batch in time-major layout: step t holds `counts[t]` rows, windows longest first. */
interface TimeMajor {
  items: Int32Array;
  targets: Int32Array;
  /** First row of step t (length steps + 1). */
  stepOff: Int32Array;
  rows: number;
}

function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/** GRU4Rec-style recurrent sequential recommender. */
export class Gru4RecModel implements Recommender {
  readonly kind = 'gru4rec';
  readonly params: ModelParams;
  private theta: Float32Array = new Float32Array(0);
  private items = 0;
  private readonly ws = new Workspace();

  constructor(private readonly options: Gru4RecOptions) {
    this.params = { ...options };
  }

  get numItems(): number {
    return this.items;
  }

  private offsets(): { wx: number; bx: number; wh: number; bh: number; total: number } {
    const d = this.options.dim;
    const wx = this.items * d;
    const bx = wx + 3 * d * d;
    const wh = bx + 3 * d;
    const bh = wh + 3 * d * d;
    return { wx, bx, wh, bh, total: bh + 3 * d };
  }

  async fit(train: CsrMatrix, context: FitContext = {}): Promise<FitReport> {
    const t0 = performance.now();
    const o = this.options;
    const d = o.dim;
    const rng = createRng(o.seed);
    this.items = train.numCols;
    const off = this.offsets();
    this.theta = new Float32Array(off.total);
    fillNormal(this.theta.subarray(0, this.items * d), o.initStd, rng);
    const text = context.itemEmbeddings;
    if (o.textInit && text && text.vectors.length >= this.items * text.dim) {
      projectTextInit(this.theta.subarray(0, this.items * d), d, text.vectors, text.dim, o.initStd, rng);
    }
    fillNormal(this.theta.subarray(off.wx, off.bx), 1 / Math.sqrt(d), rng);
    fillNormal(this.theta.subarray(off.wh, off.bh), 1 / Math.sqrt(d), rng);
    const grad = new Float32Array(off.total);
    // Sampled negatives reach few item rows per step: visit only those (lazy Adam, same result as dense).
    const adam = new EmbeddingAdam(this.theta, grad, this.items, d, { learningRate: o.learningRate, weightDecay: o.weightDecay }, samplesNegatives(o.negatives, this.items));
    const windows = sequenceWindows(trainingSequences(train, context), o.maxLen, this.items, o.allWindows);
    const order = Int32Array.from(windows.keys());
    const stopping = new EarlyStopping<Float32Array>(context, o.evalEvery, o.patience, o.epochs, 'gru4rec');
    const steps = Math.ceil(windows.length / o.batchSize);
    let epochs = 0;
    for (let epoch = 1; epoch <= o.epochs && windows.length > 0; epoch++) {
      throwIfAborted(context.signal);
      for (let i = order.length - 1; i > 0; i--) {
        const j = rng.int(i + 1);
        const t = order[i];
        order[i] = order[j];
        order[j] = t;
      }
      let lossSum = 0;
      for (let s = 0; s < steps; s++) {
        const batch: SequenceWindow[] = [];
        for (let b = s * o.batchSize; b < Math.min(windows.length, (s + 1) * o.batchSize); b++) batch.push(windows[order[b]]);
        const tm = timeMajor(batch);
        const hidden = this.forward(tm, rng);
        const dOut = this.ws.get('dOut', tm.rows * d);
        lossSum += softmaxCrossEntropy(
          { hidden, rows: tm.rows, dim: d, targets: tm.targets, itemEmbedding: this.theta.subarray(0, this.items * d), numItems: this.items, negatives: o.negatives },
          dOut,
          grad.subarray(0, this.items * d),
          rng,
          this.ws,
          adam.touched,
        );
        adam.touched?.addAll(tm.items);
        this.backward(tm, dOut, grad);
        await finishStep(adam, s, context.signal);
      }
      epochs = epoch;
      context.logger?.log('debug', 'gru4rec epoch', { epoch, loss: lossSum / Math.max(steps, 1) });
      context.onProgress?.('gru4rec epochs', epoch, o.epochs);
      adam.flush();
      if (stopping.afterEpoch(epoch, () => this.theta.slice())) break;
    }
    if (stopping.best) this.theta = stopping.best;
    return stopping.report((performance.now() - t0) / 1000, epochs);
  }

  /** Runs the GRU; returns the hidden states (after output dropout when training). */
  private forward(tm: TimeMajor, rng: Rng | undefined): Float32Array {
    const o = this.options;
    const d = o.dim;
    const d3 = 3 * d;
    const R = tm.rows;
    const off = this.offsets();
    const th = this.theta;
    const ws = this.ws;
    const x = ws.get('x', R * d);
    for (let r = 0; r < R; r++) x.set(th.subarray(tm.items[r] * d, tm.items[r] * d + d), r * d);
    const drop = rng !== undefined && o.dropout > 0;
    if (drop) {
      const m0 = ws.get('m0', R * d);
      fillDropoutMask(m0, o.dropout, rng);
      applyMask(x, m0, R * d);
    }
    const gx = ws.get('gx', R * d3);
    linear(x, th.subarray(off.wx, off.bx), th.subarray(off.bx, off.wh), gx, R, d, d3);
    const gh = ws.get('gh', R * d3);
    const gates = ws.get('gates', R * d3); // z, r, n per row
    const H = ws.get('H', R * d);
    const wh = th.subarray(off.wh, off.bh);
    const bh = th.subarray(off.bh, off.total);
    const steps = tm.stepOff.length - 1;
    for (let t = 0; t < steps; t++) {
      const r0 = tm.stepOff[t];
      const n = tm.stepOff[t + 1] - r0;
      const ghT = gh.subarray(r0 * d3, (r0 + n) * d3);
      if (t === 0) {
        for (let b = 0; b < n; b++) ghT.set(bh, b * d3);
      } else {
        const p0 = tm.stepOff[t - 1];
        linear(H.subarray(p0 * d, (p0 + n) * d), wh, bh, ghT, n, d, d3);
      }
      for (let b = 0; b < n; b++) {
        const row = r0 + b;
        const prev = t === 0 ? -1 : tm.stepOff[t - 1] + b;
        const g = row * d3;
        for (let c = 0; c < d; c++) {
          const z = sigmoid(gx[g + c] + gh[g + c]);
          const rr = sigmoid(gx[g + d + c] + gh[g + d + c]);
          const nn = Math.tanh(gx[g + 2 * d + c] + rr * gh[g + 2 * d + c]);
          gates[g + c] = z;
          gates[g + d + c] = rr;
          gates[g + 2 * d + c] = nn;
          const hp = prev < 0 ? 0 : H[prev * d + c];
          H[row * d + c] = (1 - z) * nn + z * hp;
        }
      }
    }
    if (!drop) return H;
    const out = ws.get('Hd', R * d);
    out.set(H);
    const m1 = ws.get('m1', R * d);
    fillDropoutMask(m1, o.dropout, rng);
    applyMask(out, m1, R * d);
    return out;
  }

  private backward(tm: TimeMajor, dOut: Float32Array, grad: Float32Array): void {
    const o = this.options;
    const d = o.dim;
    const d3 = 3 * d;
    const R = tm.rows;
    const off = this.offsets();
    const th = this.theta;
    const ws = this.ws;
    const drop = o.dropout > 0;
    if (drop) applyMask(dOut, ws.get('m1', R * d), R * d);
    const H = ws.get('H', R * d);
    const gh = ws.get('gh', R * d3);
    const gates = ws.get('gates', R * d3);
    const dGx = ws.get('dGx', R * d3);
    const dGh = ws.get('dGh', R * d3);
    const dH = ws.get('dHcarry', R * d, true);
    const wh = th.subarray(off.wh, off.bh);
    const dWh = grad.subarray(off.wh, off.bh);
    const dBh = grad.subarray(off.bh, off.total);
    const steps = tm.stepOff.length - 1;
    for (let t = steps - 1; t >= 0; t--) {
      const r0 = tm.stepOff[t];
      const n = tm.stepOff[t + 1] - r0;
      for (let b = 0; b < n; b++) {
        const row = r0 + b;
        const prev = t === 0 ? -1 : tm.stepOff[t - 1] + b;
        const g = row * d3;
        for (let c = 0; c < d; c++) {
          const dh = dOut[row * d + c] + dH[row * d + c];
          const z = gates[g + c];
          const rr = gates[g + d + c];
          const nn = gates[g + 2 * d + c];
          const hp = prev < 0 ? 0 : H[prev * d + c];
          const dnPre = dh * (1 - z) * (1 - nn * nn);
          const dzPre = dh * (hp - nn) * z * (1 - z);
          const drPre = dnPre * gh[g + 2 * d + c] * rr * (1 - rr);
          dGx[g + c] = dzPre;
          dGx[g + d + c] = drPre;
          dGx[g + 2 * d + c] = dnPre;
          dGh[g + c] = dzPre;
          dGh[g + d + c] = drPre;
          dGh[g + 2 * d + c] = dnPre * rr;
          if (prev >= 0) dH[prev * d + c] += dh * z;
        }
      }
      const dGhT = dGh.subarray(r0 * d3, (r0 + n) * d3);
      if (t === 0) {
        for (let b = 0; b < n; b++) for (let c = 0; c < d3; c++) dBh[c] += dGhT[b * d3 + c];
      } else {
        const p0 = tm.stepOff[t - 1];
        const dPrev = ws.get('dPrev', n * d);
        linearBackward(H.subarray(p0 * d, (p0 + n) * d), wh, dGhT, dWh, dBh, dPrev, n, d, d3);
        for (let i = 0; i < n * d; i++) dH[p0 * d + i] += dPrev[i];
      }
    }
    const x = ws.get('x', R * d);
    const dx = ws.get('dx', R * d);
    linearBackward(x, th.subarray(off.wx, off.bx), dGx, grad.subarray(off.wx, off.bx), grad.subarray(off.bx, off.wh), dx, R, d, d3);
    if (drop) applyMask(dx, ws.get('m0', R * d), R * d);
    for (let r = 0; r < R; r++) {
      const e = tm.items[r] * d;
      for (let c = 0; c < d; c++) grad[e + c] += dx[r * d + c];
    }
  }

  /**
   * Mean training loss of `batch` with the current parameters, adding its gradient into `grad` (same
   * layout as {@link Gru4RecModel.parameters}); dropout and sampling use `rng`. For gradient checks.
   * @internal
   */
  lossAndGradient(batch: readonly SequenceWindow[], grad: Float32Array, rng: Rng): number {
    const d = this.options.dim;
    const tm = timeMajor(batch);
    const hidden = this.forward(tm, rng);
    const dOut = this.ws.get('dOut', tm.rows * d);
    const loss = softmaxCrossEntropy(
      { hidden, rows: tm.rows, dim: d, targets: tm.targets, itemEmbedding: this.theta.subarray(0, this.items * d), numItems: this.items, negatives: this.options.negatives },
      dOut,
      grad.subarray(0, this.items * d),
      rng,
      this.ws,
    );
    this.backward(tm, dOut, grad);
    return loss;
  }

  /** All trained parameters as one vector (item embedding first, `numItems × dim`). */
  get parameters(): Float32Array {
    return this.theta;
  }

  score(query: UserQuery, out: Float32Array): void {
    const d = this.options.dim;
    const seq = querySequence(query, this.options.maxLen, this.items);
    if (seq.length === 0) {
      out.fill(0, 0, this.items);
      return;
    }
    const tm = timeMajor([{ seq: Int32Array.from([...seq, 0]), start: 0, end: seq.length + 1 }]);
    const H = this.forward(tm, undefined);
    matmul(H.subarray((tm.rows - 1) * d, tm.rows * d), this.theta.subarray(0, this.items * d), out, 1, d, this.items, { transB: true });
  }

  similarItems(itemIdx: number, out: Float32Array): void {
    embeddingCosine(this.theta.subarray(0, this.items * this.options.dim), this.options.dim, itemIdx, out);
  }

  snapshot(): ModelSnapshot {
    return { kind: this.kind, params: this.params, meta: { numItems: this.items }, arrays: { theta: this.theta } };
  }

  /** Restores from {@link Gru4RecModel.snapshot}. */
  static fromSnapshot(s: ModelSnapshot): Gru4RecModel {
    const m = createGru4Rec(s.params);
    m.items = s.meta.numItems as number;
    m.theta = s.arrays.theta as Float32Array;
    if (m.theta.length !== m.offsets().total) throw new ValidationError('gru4rec snapshot does not match its parameters', { details: { expected: m.offsets().total, got: m.theta.length } });
    return m;
  }
}

/** Lays out windows time-major, longest first, so the windows still running at step t are a prefix. */
function timeMajor(batch: readonly SequenceWindow[]): TimeMajor {
  const sorted = [...batch].sort((a, b) => b.end - b.start - (a.end - a.start));
  const lengths = sorted.map((w) => w.end - 1 - w.start);
  const steps = lengths[0] ?? 0;
  const stepOff = new Int32Array(steps + 1);
  for (let t = 0; t < steps; t++) {
    let n = 0;
    while (n < lengths.length && lengths[n] > t) n++;
    stepOff[t + 1] = stepOff[t] + n;
  }
  const rows = stepOff[steps];
  const items = new Int32Array(rows);
  const targets = new Int32Array(rows);
  for (let t = 0; t < steps; t++) {
    for (let b = 0; b < stepOff[t + 1] - stepOff[t]; b++) {
      const w = sorted[b];
      items[stepOff[t] + b] = w.seq[w.start + t];
      targets[stepOff[t] + b] = w.seq[w.start + t + 1];
    }
  }
  return { items, targets, stepOff, rows };
}
