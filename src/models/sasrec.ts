/**
 * SASRec-style next-item model (Kang & McAuley, "Self-Attentive Sequential Recommendation", ICDM
 * 2018): item + learned position embeddings, `blocks` pre-norm transformer blocks of causal
 * multi-head self-attention and a point-wise feed-forward layer with residuals, layer norm and
 * dropout, and item scores by dot product with the same (shared) item embedding. Trained with
 * softmax cross-entropy over all items or over many shared sampled negatives (log-Q corrected),
 * which ranks far better than the original one-negative binary loss, with Adam and early stopping
 * on validation. Sequences are packed without padding; positions are right-aligned (the newest
 * item always has position `maxLen − 1`), as with SASRec's left padding.
 * @module
 */
import type { CsrMatrix } from '../core/csr-matrix.js';
import { ValidationError, throwIfAborted } from '../core/errors.js';
import { attentionProbSize, causalAttention, causalAttentionBackward, createRng, layerNorm, layerNormBackward, matmul } from '../linalg/index.js';
import type { AttentionBlock, Rng } from '../linalg/index.js';
import { EmbeddingAdam } from './embedding-adam.js';
import { EarlyStopping } from './early-stopping.js';
import { infoNce } from './info-nce.js';
import { attributesFit } from './item-attributes.js';
import type { ItemAttributes } from './item-attributes.js';
import { applyMask, embeddingCosine, fillDropoutMask, fillNormal, finishStep, linear, linearBackward, projectTextInit } from './neural-ops.js';
import type { FitContext, FitReport, ModelParams, Recommender, UserQuery } from './recommender.js';
import { querySequence, sequenceWindows, trainingSequences } from './sequence-data.js';
import type { SequenceWindow } from './sequence-data.js';
import type { ModelSnapshot } from './snapshot.js';
import { samplesNegatives, softmaxCrossEntropy } from './softmax-output.js';
import type { TouchedRows } from './touched-rows.js';
import { Workspace } from './workspace.js';

/** Hyper-parameters of {@link SasRecModel}. */
export interface SasRecOptions {
  /** Embedding and hidden width. */
  dim: number;
  /** Transformer blocks. */
  blocks: number;
  /** Attention heads (must divide `dim`). */
  heads: number;
  /** Longest input sequence; older items are dropped. */
  maxLen: number;
  /**
   * Dropout rate on embeddings, attention output and feed-forward layers; negative = from the data:
   * 0.5 for short training histories (mean under {@link DENSE_HISTORY} items, e.g. Amazon reviews),
   * 0.2 for long ones (e.g. MovieLens ratings), the two settings of the SASRec paper.
   */
  dropout: number;
  /** Adam step size. */
  learningRate: number;
  /** Decoupled weight decay (AdamW). */
  weightDecay: number;
  /**
   * Sequences per step; 0 = from the data: one 128th of the training windows, between 8 and 64, so
   * that an epoch takes over a hundred optimiser steps even with few users (whose long histories
   * still give each step thousands of target positions).
   */
  batchSize: number;
  /** Maximum epochs. */
  epochs: number;
  /** Shared sampled negatives per step; 0 = full softmax over all items. */
  negatives: number;
  /** Also train on earlier windows of sequences longer than `maxLen` (every target once per epoch). */
  allWindows: boolean;
  /** Validate every this many epochs when a validator is given. */
  evalEvery: number;
  /** Validations without improvement before stopping. */
  patience: number;
  /** Standard deviation of the initial embeddings. */
  initStd: number;
  /** Initialise item embeddings from text embeddings (random projection) when they are given. */
  textInit: boolean;
  /**
   * Add the mean of the item's attribute embeddings to its input embedding when the fit is given
   * item attributes (`FitContext.itemAttributes`, e.g. brand and categories of an S3-Rec file).
   */
  attributes: boolean;
  /**
   * Weight of a DuoRec-style contrastive term (Qiu et al., WSDM 2022); 0 = off. Each sequence's
   * representation (the newest position's output) is pulled towards that of a second view — another
   * training sequence with the same next item when there is one, else the same sequence under other
   * dropout masks — and pushed from the other sequences of the batch (in-batch InfoNCE, rows with the
   * same next item masked as negatives). Costs a second forward and backward pass per step.
   */
  contrastive: number;
  /** Temperature of the contrastive term's dot-product similarities. */
  contrastiveTemperature: number;
  /** Seed of initialisation, shuffling, sampling and dropout. */
  seed: number;
}

const DEFAULTS: SasRecOptions = {
  dim: 64,
  blocks: 2,
  heads: 1,
  maxLen: 50,
  dropout: -1,
  learningRate: 0.003,
  weightDecay: 0,
  batchSize: 0,
  epochs: 200,
  negatives: 1024,
  allWindows: true,
  evalEvery: 1,
  patience: 8,
  initStd: 0.1,
  textInit: false,
  attributes: true,
  contrastive: 0,
  contrastiveTemperature: 1,
  seed: 42,
};

/** Mean training-sequence length from which histories count as long (dropout 0.2 instead of 0.5). */
export const DENSE_HISTORY = 50;

/** The settings a fit uses: {@link SasRecOptions} with the data-dependent ones (negative or 0) resolved. */
export function resolveSasRecOptions(o: SasRecOptions, windows: number, meanSequenceLength: number): SasRecOptions {
  const batchSize = o.batchSize > 0 ? o.batchSize : Math.min(64, Math.max(8, Math.floor(windows / 128)));
  const dropout = o.dropout >= 0 ? o.dropout : meanSequenceLength >= DENSE_HISTORY ? 0.2 : 0.5;
  return { ...o, batchSize, dropout };
}

/** Creates a SASRec-style recommender. */
export function createSasRec(options: Partial<SasRecOptions> = {}): SasRecModel {
  const o = { ...DEFAULTS, ...options };
  if (o.dim % o.heads !== 0) throw new ValidationError(`sasrec: heads (${o.heads}) must divide dim (${o.dim})`, { details: { dim: o.dim, heads: o.heads } });
  if (!(o.dropout < 1)) throw new ValidationError(`sasrec: dropout must be below 1 (negative: from the data), got ${o.dropout}`, { details: { dropout: o.dropout } });
  return new SasRecModel(o);
}

interface BlockLayout {
  ln1G: number; ln1B: number;
  wq: number; bq: number; wk: number; bk: number; wv: number; bv: number; wo: number; bo: number;
  ln2G: number; ln2B: number;
  w1: number; b1: number; w2: number; b2: number;
}

interface Layout {
  emb: number;
  pos: number;
  /** Attribute embedding, `numAttributes × dim` (empty without attributes). */
  attr: number;
  numAttributes: number;
  blocks: BlockLayout[];
  lnfG: number;
  lnfB: number;
  total: number;
}

function makeLayout(numItems: number, o: SasRecOptions, numAttributes = 0): Layout {
  const d = o.dim;
  let at = 0;
  const take = (n: number): number => {
    const off = at;
    at += n;
    return off;
  };
  const emb = take(numItems * d);
  const pos = take(o.maxLen * d);
  const attr = take(numAttributes * d);
  const blocks: BlockLayout[] = [];
  for (let l = 0; l < o.blocks; l++) {
    blocks.push({
      ln1G: take(d), ln1B: take(d),
      wq: take(d * d), bq: take(d), wk: take(d * d), bk: take(d), wv: take(d * d), bv: take(d), wo: take(d * d), bo: take(d),
      ln2G: take(d), ln2B: take(d),
      w1: take(d * d), b1: take(d), w2: take(d * d), b2: take(d),
    });
  }
  const lnfG = take(d);
  const lnfB = take(d);
  return { emb, pos, attr, numAttributes, blocks, lnfG, lnfB, total: at };
}

/** Named views of one parameter-shaped vector (parameters or gradients). */
class Views {
  constructor(
    private readonly theta: Float32Array,
    private readonly d: number,
  ) {}

  at(off: number, n: number): Float32Array {
    return this.theta.subarray(off, off + n);
  }

  vec(off: number): Float32Array {
    return this.at(off, this.d);
  }

  mat(off: number): Float32Array {
    return this.at(off, this.d * this.d);
  }
}

/** A packed batch: rows of all sequences one after another. */
interface Packed {
  items: Int32Array;
  positions: Int32Array;
  blocks: AttentionBlock[];
  rows: number;
  probSize: number;
}

/** The row of each sequence's newest position in a packed batch. */
function lastRows(p: Packed): Int32Array {
  return Int32Array.from(p.blocks, (b) => b.rowOff + b.length - 1);
}

/** Training windows grouped by their last target, to draw DuoRec's same-target positives from. */
class SameTargetWindows {
  private readonly byTarget = new Map<number, SequenceWindow[]>();

  constructor(windows: readonly SequenceWindow[]) {
    for (const w of windows) {
      const t = w.seq[w.end - 1];
      const list = this.byTarget.get(t);
      if (list) list.push(w);
      else this.byTarget.set(t, [w]);
    }
  }

  /** For each window, another one with the same last target (uniformly), or itself when it has none. */
  pick(batch: readonly SequenceWindow[], rng: Rng): SequenceWindow[] {
    return batch.map((w) => {
      const list = this.byTarget.get(w.seq[w.end - 1]);
      if (!list || list.length < 2) return w;
      let other = list[rng.int(list.length - 1)];
      if (other === w) other = list[list.length - 1];
      return other;
    });
  }
}

/** SASRec-style self-attentive sequential recommender. */
export class SasRecModel implements Recommender {
  readonly kind = 'sasrec';
  readonly params: ModelParams;
  private theta: Float32Array = new Float32Array(0);
  private items = 0;
  /** The item attributes the input embedding reads, when the model uses them. */
  private attributes: ItemAttributes | undefined;
  private layout: Layout = makeLayout(0, DEFAULTS);
  private ws = new Workspace();
  /** Scratch of the contrastive term's second view, kept apart from the first view's activations. */
  private readonly viewWs = new Workspace();
  /** The settings in use: the requested ones until a fit resolves the data-dependent ones. */
  private options: SasRecOptions;

  constructor(private readonly requested: SasRecOptions) {
    this.options = requested;
    this.params = { ...requested };
  }

  get numItems(): number {
    return this.items;
  }

  async fit(train: CsrMatrix, context: FitContext = {}): Promise<FitReport> {
    const t0 = performance.now();
    this.items = train.numCols;
    const sequences = trainingSequences(train, context);
    const windows = sequenceWindows(sequences, this.requested.maxLen, this.items, this.requested.allWindows);
    let total = 0;
    for (const s of sequences) total += s.length;
    const o = resolveSasRecOptions(this.requested, windows.length, total / Math.max(1, sequences.length));
    this.options = o;
    Object.assign(this.params, { batchSize: o.batchSize, dropout: o.dropout });
    const d = o.dim;
    const rng = createRng(o.seed);
    this.attributes = o.attributes && attributesFit(context.itemAttributes, this.items) ? context.itemAttributes : undefined;
    context.logger?.log('debug', 'sasrec settings', { batchSize: o.batchSize, dropout: o.dropout, attributes: this.attributes?.numAttributes ?? 0 });
    this.layout = makeLayout(this.items, o, this.attributes?.numAttributes ?? 0);
    this.theta = new Float32Array(this.layout.total);
    this.initialise(rng, context);
    const grad = new Float32Array(this.layout.total);
    // Sampled negatives reach few item rows per step: visit only those (lazy Adam, same result as dense).
    const adam = new EmbeddingAdam(this.theta, grad, this.items, d, { learningRate: o.learningRate, weightDecay: o.weightDecay }, samplesNegatives(o.negatives, this.items));
    const order = Int32Array.from(windows.keys());
    const stopping = new EarlyStopping<Float32Array>(context, o.evalEvery, o.patience, o.epochs, 'sasrec');
    const steps = Math.ceil(windows.length / o.batchSize);
    const positives = o.contrastive > 0 ? new SameTargetWindows(windows) : undefined;
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
        const views = positives?.pick(batch, rng);
        lossSum += this.stepLoss(batch, views, grad, rng, adam.touched);
        await finishStep(adam, s, context.signal);
      }
      epochs = epoch;
      context.logger?.log('debug', 'sasrec epoch', { epoch, loss: lossSum / Math.max(steps, 1) });
      context.onProgress?.('sasrec epochs', epoch, o.epochs);
      adam.flush();
      if (stopping.afterEpoch(epoch, () => this.theta.slice())) break;
    }
    if (stopping.best) this.theta = stopping.best;
    return stopping.report((performance.now() - t0) / 1000, epochs);
  }

  private initialise(rng: Rng, context: FitContext): void {
    const o = this.options;
    const d = o.dim;
    const L = this.layout;
    const v = new Views(this.theta, d);
    fillNormal(v.at(L.emb, this.items * d), o.initStd, rng);
    fillNormal(v.at(L.pos, o.maxLen * d), o.initStd, rng);
    fillNormal(v.at(L.attr, L.numAttributes * d), o.initStd, rng);
    const text = context.itemEmbeddings;
    if (o.textInit && text && text.vectors.length >= this.items * text.dim) {
      projectTextInit(v.at(L.emb, this.items * d), d, text.vectors, text.dim, o.initStd, rng);
    }
    const wStd = 1 / Math.sqrt(d);
    for (const b of L.blocks) {
      v.vec(b.ln1G).fill(1);
      v.vec(b.ln2G).fill(1);
      for (const w of [b.wq, b.wk, b.wv, b.wo, b.w1, b.w2]) fillNormal(v.mat(w), wStd, rng);
    }
    v.vec(L.lnfG).fill(1);
  }

  private packWindows(batch: readonly SequenceWindow[]): { packed: Packed; targets: Int32Array } {
    const o = this.options;
    let rows = 0;
    for (const w of batch) rows += w.end - 1 - w.start;
    const items = new Int32Array(rows);
    const positions = new Int32Array(rows);
    const targets = new Int32Array(rows);
    const blocks: AttentionBlock[] = [];
    let r = 0;
    let probOff = 0;
    for (const w of batch) {
      const T = w.end - 1 - w.start;
      blocks.push({ rowOff: r, length: T, probOff, dim: o.dim, heads: o.heads });
      probOff += attentionProbSize(T, o.heads);
      for (let t = 0; t < T; t++) {
        items[r] = w.seq[w.start + t];
        targets[r] = w.seq[w.start + t + 1];
        positions[r] = o.maxLen - T + t;
        r++;
      }
    }
    return { packed: { items, positions, blocks, rows, probSize: probOff }, targets };
  }

  /** Forward pass over a packed batch; dropout when `rng` is given. Returns the final hidden states. */
  private forward(p: Packed, rng: Rng | undefined): Float32Array {
    const o = this.options;
    const d = o.dim;
    const R = p.rows;
    const n = R * d;
    const ws = this.ws;
    const v = new Views(this.theta, d);
    const L = this.layout;
    const drop = rng !== undefined && o.dropout > 0;
    let x = ws.get('x0', n);
    const attrs = this.attributes;
    for (let r = 0; r < R; r++) {
      const e = L.emb + p.items[r] * d;
      const q = L.pos + p.positions[r] * d;
      for (let c = 0; c < d; c++) x[r * d + c] = this.theta[e + c] + this.theta[q + c];
      if (attrs) {
        const from = attrs.indptr[p.items[r]];
        const to = attrs.indptr[p.items[r] + 1];
        const w = 1 / Math.max(1, to - from);
        for (let j = from; j < to; j++) {
          const a = L.attr + attrs.indices[j] * d;
          for (let c = 0; c < d; c++) x[r * d + c] += w * this.theta[a + c];
        }
      }
    }
    if (drop) {
      const m0 = ws.get('m0', n);
      fillDropoutMask(m0, o.dropout, rng);
      applyMask(x, m0, n);
    }
    L.blocks.forEach((b, l) => {
      const pre = `b${l}.`;
      const xhat1 = ws.get(pre + 'xhat1', n);
      const rstd1 = ws.get(pre + 'rstd1', R);
      const a = ws.get(pre + 'a', n);
      layerNorm(x, v.vec(b.ln1G), v.vec(b.ln1B), a, xhat1, rstd1, R, d);
      const q = ws.get(pre + 'q', n);
      const k = ws.get(pre + 'k', n);
      const val = ws.get(pre + 'v', n);
      linear(a, v.mat(b.wq), v.vec(b.bq), q, R, d, d);
      linear(a, v.mat(b.wk), v.vec(b.bk), k, R, d, d);
      linear(a, v.mat(b.wv), v.vec(b.bv), val, R, d, d);
      const ctx = ws.get(pre + 'ctx', n);
      const probs = ws.get(pre + 'probs', p.probSize);
      for (const blk of p.blocks) causalAttention(q, k, val, ctx, probs, blk);
      const att = ws.get(pre + 'att', n);
      linear(ctx, v.mat(b.wo), v.vec(b.bo), att, R, d, d);
      if (drop) {
        const m1 = ws.get(pre + 'm1', n);
        fillDropoutMask(m1, o.dropout, rng);
        applyMask(att, m1, n);
      }
      const h = ws.get(pre + 'h', n);
      for (let i = 0; i < n; i++) h[i] = x[i] + att[i];
      const xhat2 = ws.get(pre + 'xhat2', n);
      const rstd2 = ws.get(pre + 'rstd2', R);
      const c2 = ws.get(pre + 'c', n);
      layerNorm(h, v.vec(b.ln2G), v.vec(b.ln2B), c2, xhat2, rstd2, R, d);
      const f1 = ws.get(pre + 'f1', n);
      linear(c2, v.mat(b.w1), v.vec(b.b1), f1, R, d, d);
      for (let i = 0; i < n; i++) if (f1[i] < 0) f1[i] = 0;
      const f1d = ws.get(pre + 'f1d', n);
      f1d.set(f1);
      if (drop) {
        const m2 = ws.get(pre + 'm2', n);
        fillDropoutMask(m2, o.dropout, rng);
        applyMask(f1d, m2, n);
      }
      const f2 = ws.get(pre + 'f2', n);
      linear(f1d, v.mat(b.w2), v.vec(b.b2), f2, R, d, d);
      if (drop) {
        const m3 = ws.get(pre + 'm3', n);
        fillDropoutMask(m3, o.dropout, rng);
        applyMask(f2, m3, n);
      }
      const next = ws.get(`x${l + 1}`, n);
      for (let i = 0; i < n; i++) next[i] = h[i] + f2[i];
      x = next;
    });
    const out = ws.get('out', n);
    layerNorm(x, v.vec(L.lnfG), v.vec(L.lnfB), out, ws.get('xhatf', n), ws.get('rstdf', R), R, d);
    return out;
  }

  /** Backward pass of the last {@link forward} (with dropout) from dLoss/dOut; adds into `grad`. */
  private backward(p: Packed, dOut: Float32Array, grad: Float32Array): void {
    const o = this.options;
    const d = o.dim;
    const R = p.rows;
    const n = R * d;
    const ws = this.ws;
    const v = new Views(this.theta, d);
    const g = new Views(grad, d);
    const L = this.layout;
    const drop = o.dropout > 0;
    const dx = ws.get('dx', n);
    layerNormBackward(dOut, ws.get('xhatf', n), ws.get('rstdf', R), v.vec(L.lnfG), dx, g.vec(L.lnfG), g.vec(L.lnfB), R, d);
    const dh = ws.get('dh', n);
    const tmp = ws.get('dtmp', n);
    const tmp2 = ws.get('dtmp2', n);
    const dq = ws.get('dq', n);
    const dk = ws.get('dk', n);
    const dv = ws.get('dv', n);
    for (let l = L.blocks.length - 1; l >= 0; l--) {
      const b = L.blocks[l];
      const pre = `b${l}.`;
      // x_{l+1} = h + drop(f2)
      dh.set(dx);
      const df2 = tmp;
      df2.set(dx);
      if (drop) applyMask(df2, ws.get(pre + 'm3', n), n);
      const df1 = tmp2;
      linearBackward(ws.get(pre + 'f1d', n), v.mat(b.w2), df2, g.mat(b.w2), g.vec(b.b2), df1, R, d, d);
      const f1 = ws.get(pre + 'f1', n);
      if (drop) applyMask(df1, ws.get(pre + 'm2', n), n);
      for (let i = 0; i < n; i++) if (f1[i] <= 0) df1[i] = 0;
      const dc = tmp;
      linearBackward(ws.get(pre + 'c', n), v.mat(b.w1), df1, g.mat(b.w1), g.vec(b.b1), dc, R, d, d);
      layerNormBackward(dc, ws.get(pre + 'xhat2', n), ws.get(pre + 'rstd2', R), v.vec(b.ln2G), dc, g.vec(b.ln2G), g.vec(b.ln2B), R, d);
      for (let i = 0; i < n; i++) dh[i] += dc[i];
      // h = x + drop(att)
      dx.set(dh);
      const datt = dh;
      if (drop) applyMask(datt, ws.get(pre + 'm1', n), n);
      const dctx = tmp;
      linearBackward(ws.get(pre + 'ctx', n), v.mat(b.wo), datt, g.mat(b.wo), g.vec(b.bo), dctx, R, d, d);
      const q = ws.get(pre + 'q', n);
      const k = ws.get(pre + 'k', n);
      const val = ws.get(pre + 'v', n);
      const probs = ws.get(pre + 'probs', p.probSize);
      for (const blk of p.blocks) causalAttentionBackward(q, k, val, probs, dctx, dq, dk, dv, blk);
      const a = ws.get(pre + 'a', n);
      const da = tmp2;
      linearBackward(a, v.mat(b.wq), dq, g.mat(b.wq), g.vec(b.bq), da, R, d, d);
      linearBackward(a, v.mat(b.wk), dk, g.mat(b.wk), g.vec(b.bk), da, R, d, d, true);
      linearBackward(a, v.mat(b.wv), dv, g.mat(b.wv), g.vec(b.bv), da, R, d, d, true);
      layerNormBackward(da, ws.get(pre + 'xhat1', n), ws.get(pre + 'rstd1', R), v.vec(b.ln1G), da, g.vec(b.ln1G), g.vec(b.ln1B), R, d);
      for (let i = 0; i < n; i++) dx[i] += da[i];
    }
    if (drop) applyMask(dx, ws.get('m0', n), n);
    const attrs = this.attributes;
    for (let r = 0; r < R; r++) {
      const e = L.emb + p.items[r] * d;
      const q = L.pos + p.positions[r] * d;
      for (let c = 0; c < d; c++) {
        const gv = dx[r * d + c];
        grad[e + c] += gv;
        grad[q + c] += gv;
      }
      if (attrs) {
        const from = attrs.indptr[p.items[r]];
        const to = attrs.indptr[p.items[r] + 1];
        const w = 1 / Math.max(1, to - from);
        for (let j = from; j < to; j++) {
          const a = L.attr + attrs.indices[j] * d;
          for (let c = 0; c < d; c++) grad[a + c] += w * dx[r * d + c];
        }
      }
    }
  }

  /**
   * Mean training loss of `batch` with the current parameters, adding its gradient into `grad` (same
   * layout as {@link SasRecModel.parameters}); dropout and sampling use `rng`. For gradient checks.
   * @internal
   */
  lossAndGradient(batch: readonly SequenceWindow[], grad: Float32Array, rng: Rng, views?: readonly SequenceWindow[]): number {
    return this.stepLoss(batch, this.options.contrastive > 0 ? (views ?? batch) : undefined, grad, rng);
  }

  /**
   * One step's loss on `batch` (next-item cross-entropy, plus the contrastive term against `views`,
   * row-aligned with `batch`, when given), adding its gradient into `grad`.
   */
  private stepLoss(batch: readonly SequenceWindow[], views: readonly SequenceWindow[] | undefined, grad: Float32Array, rng: Rng, touched?: TouchedRows): number {
    const o = this.options;
    const d = o.dim;
    const { packed, targets } = this.packWindows(batch);
    const out = this.forward(packed, rng);
    const dOut = this.ws.get('dOut', packed.rows * d);
    let loss = softmaxCrossEntropy(
      { hidden: out, rows: packed.rows, dim: d, targets, itemEmbedding: this.theta.subarray(0, this.items * d), numItems: this.items, negatives: o.negatives },
      dOut,
      grad.subarray(0, this.items * d),
      rng,
      this.ws,
      touched,
    );
    touched?.addAll(packed.items);
    if (views && batch.length > 1) {
      const B = batch.length;
      const a = this.ws.get('cl.a', B * d);
      const lastA = lastRows(packed);
      for (let b = 0; b < B; b++) a.set(out.subarray(lastA[b] * d, lastA[b] * d + d), b * d);
      const groups = Int32Array.from(batch, (w) => w.seq[w.end - 1]);
      // The second view's forward and backward keep their activations in their own workspace.
      const main = this.ws;
      this.ws = this.viewWs;
      try {
        const second = this.packWindows(views).packed;
        const outB = this.forward(second, rng);
        const lastB = lastRows(second);
        const vb = this.ws.get('cl.b', B * d);
        for (let b = 0; b < B; b++) vb.set(outB.subarray(lastB[b] * d, lastB[b] * d + d), b * d);
        const da = this.ws.get('cl.da', B * d);
        const db = this.ws.get('cl.db', B * d);
        loss += o.contrastive * infoNce({ a, b: vb, rows: B, dim: d, temperature: o.contrastiveTemperature, groups }, da, db, this.ws);
        const dOutB = this.ws.get('dOut', second.rows * d, true);
        for (let b = 0; b < B; b++) {
          for (let c = 0; c < d; c++) {
            dOut[lastA[b] * d + c] += o.contrastive * da[b * d + c];
            dOutB[lastB[b] * d + c] = o.contrastive * db[b * d + c];
          }
        }
        touched?.addAll(second.items);
        this.backward(second, dOutB, grad);
      } finally {
        this.ws = main;
      }
    }
    this.backward(packed, dOut, grad);
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
    const { packed } = this.packWindows([{ seq: Int32Array.from([...seq, 0]), start: 0, end: seq.length + 1 }]);
    const hidden = this.forward(packed, undefined);
    const last = hidden.subarray((packed.rows - 1) * d, packed.rows * d);
    matmul(last, this.theta.subarray(0, this.items * d), out, 1, d, this.items, { transB: true });
  }

  similarItems(itemIdx: number, out: Float32Array): void {
    embeddingCosine(this.theta.subarray(0, this.items * this.options.dim), this.options.dim, itemIdx, out);
  }

  snapshot(): ModelSnapshot {
    const a = this.attributes;
    return {
      kind: this.kind,
      params: this.params,
      meta: { numItems: this.items, numAttributes: a?.numAttributes ?? 0 },
      arrays: a ? { theta: this.theta, attributeIndptr: a.indptr, attributeIndices: a.indices } : { theta: this.theta },
    };
  }

  /** Restores from {@link SasRecModel.snapshot}. */
  static fromSnapshot(s: ModelSnapshot): SasRecModel {
    const m = createSasRec(s.params);
    m.items = s.meta.numItems as number;
    const numAttributes = typeof s.meta.numAttributes === 'number' ? s.meta.numAttributes : 0;
    const { attributeIndptr: indptr, attributeIndices: indices } = s.arrays;
    if (numAttributes > 0) {
      const a = indptr instanceof Int32Array && indices instanceof Int32Array ? { indptr, indices, numAttributes } : undefined;
      if (!attributesFit(a, m.items)) throw new ValidationError('sasrec snapshot: item attributes do not match its items', { details: { numItems: m.items, numAttributes } });
      m.attributes = a;
    }
    m.layout = makeLayout(m.items, m.options, numAttributes);
    m.theta = s.arrays.theta as Float32Array;
    if (m.theta.length !== m.layout.total) throw new ValidationError('sasrec snapshot does not match its parameters', { details: { expected: m.layout.total, got: m.theta.length } });
    return m;
  }
}
