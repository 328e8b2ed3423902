/**
 * SASRec-style next-item model (Kang & McAuley, "Self-Attentive Sequential Recommendation", ICDM
 * 2018): item + learned position embeddings, `blocks` pre-norm transformer blocks of causal
 * multi-head self-attention and a point-wise feed-forward layer with residuals, layer norm and
 * dropout, and item scores by dot product with the same (shared) item embedding. Trained with
 * softmax cross-entropy over all items or over many shared sampled negatives (log-Q corrected),
 * which ranks far better than the original one-negative binary loss, with Adam and early stopping
 * on validation. Sequences are packed without padding; positions are right-aligned (the newest
 * item always has position `maxLen − 1`), as with SASRec's left padding. The network itself is in
 * `sasrec-network.ts`; a fit of some size splits each step's batch across two threads
 * (`sasrec-threads.ts`, `FitContext.threads`): the same batch gradients, summed in another order.
 * @module
 */
import type { CsrMatrix } from '../core/csr-matrix.js';
import { ValidationError, throwIfAborted } from '../core/errors.js';
import { createRng, matmul } from '../linalg/index.js';
import type { Rng } from '../linalg/index.js';
import { EmbeddingAdam } from './embedding-adam.js';
import { EarlyStopping } from './early-stopping.js';
import { infoNce } from './info-nce.js';
import { attributesFit } from './item-attributes.js';
import type { ItemAttributes } from './item-attributes.js';
import { embeddingCosine, fillNormal, finishStep, projectTextInit } from './neural-ops.js';
import type { FitContext, FitReport, ModelParams, Recommender, UserQuery } from './recommender.js';
import { ParameterViews, SasRecNetwork, drawDropoutMasks, drawNegatives, lastRows, makeSasRecLayout, maskCount, packWindows } from './sasrec-network.js';
import type { DropoutMasks, SasRecLayout } from './sasrec-network.js';
import { SasRecThreads, sasRecThreadCount } from './sasrec-threads.js';
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
  private layout: SasRecLayout = makeSasRecLayout(0, DEFAULTS);
  private network: SasRecNetwork;
  private readonly ws = new Workspace();
  /** Scratch of the contrastive term's second view, kept apart from the first view's activations. */
  private readonly viewWs = new Workspace();
  /** The settings in use: the requested ones until a fit resolves the data-dependent ones. */
  private options: SasRecOptions;

  constructor(private readonly requested: SasRecOptions) {
    this.options = requested;
    this.params = { ...requested };
    this.network = this.bind();
  }

  get numItems(): number {
    return this.items;
  }

  /** The network over the current parameters and settings. */
  private bind(): SasRecNetwork {
    this.network = new SasRecNetwork(this.theta, this.layout, this.options, this.items, this.attributes);
    return this.network;
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
    let epochRows = 0;
    let longest = 0;
    for (const w of windows) {
      epochRows += w.end - 1 - w.start;
      longest = Math.max(longest, w.end - 1 - w.start);
    }
    // The contrastive term couples every row of a batch (in-batch negatives): it keeps to one thread.
    const threadCount = o.contrastive > 0 ? 1 : Math.min(sasRecThreadCount(context.threads, epochRows), o.batchSize);
    context.logger?.log('debug', 'sasrec settings', { batchSize: o.batchSize, dropout: o.dropout, attributes: this.attributes?.numAttributes ?? 0, threads: threadCount });
    this.layout = makeSasRecLayout(this.items, o, this.attributes?.numAttributes ?? 0);
    const shared = threadCount > 1;
    this.theta = shared ? new Float32Array(new SharedArrayBuffer(4 * this.layout.total)) : new Float32Array(this.layout.total);
    this.bind();
    // The threads start while the parameters are initialised; they read them from the first step.
    const starting = shared ? SasRecThreads.start(threadCount - 1, this.theta, o, this.items, this.attributes, { rows: o.batchSize * longest, sequences: o.batchSize }) : undefined;
    starting?.catch(() => undefined);
    let threads: SasRecThreads | undefined;
    try {
      this.initialise(rng, context);
      threads = await starting;
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
          lossSum += threads ? await this.parallelStepLoss(threads, batch, grad, rng, adam.touched) : this.stepLoss(batch, views, grad, rng, adam.touched);
          await finishStep(adam, s, context.signal);
        }
        epochs = epoch;
        context.logger?.log('debug', 'sasrec epoch', { epoch, loss: lossSum / Math.max(steps, 1) });
        context.onProgress?.('sasrec epochs', epoch, o.epochs);
        adam.flush();
        if (stopping.afterEpoch(epoch, () => this.theta.slice())) break;
      }
      // The kept parameters live in an ordinary buffer (a snapshot or a copy of the shared one).
      if (stopping.best) this.theta = stopping.best;
      else if (shared) this.theta = this.theta.slice();
      this.bind();
      return stopping.report((performance.now() - t0) / 1000, epochs);
    } finally {
      await (threads ?? (await starting?.catch(() => undefined)))?.close();
    }
  }

  private initialise(rng: Rng, context: FitContext): void {
    const o = this.options;
    const d = o.dim;
    const L = this.layout;
    const v = new ParameterViews(this.theta, d);
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

  /** The dropout masks of a training forward pass over `rows` rows (into `data`), or undefined without dropout. */
  private drawMasks(data: Float32Array | undefined, rows: number, rng: Rng, ws: Workspace): DropoutMasks | undefined {
    const o = this.options;
    if (!(o.dropout > 0)) return undefined;
    return drawDropoutMasks(data ?? ws.get('masks', maskCount(o.blocks) * rows * o.dim), rows, o, rng);
  }

  /** The step's shared sampled negatives (into `out`), or undefined with a full softmax. */
  private drawNegatives(rng: Rng, out?: Int32Array): Int32Array | undefined {
    return samplesNegatives(this.options.negatives, this.items) ? drawNegatives(this.options.negatives, this.items, rng, out) : undefined;
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
   * row-aligned with `batch`, when given), adding its gradient into `grad`. Draws from `rng` in the
   * order masks, negatives, second view's masks.
   */
  private stepLoss(batch: readonly SequenceWindow[], views: readonly SequenceWindow[] | undefined, grad: Float32Array, rng: Rng, touched?: TouchedRows): number {
    const o = this.options;
    const d = o.dim;
    const net = this.network;
    const { packed, targets } = packWindows(batch, o);
    const masks = this.drawMasks(undefined, packed.rows, rng, this.ws);
    if (!views || batch.length <= 1) {
      const negatives = this.drawNegatives(rng);
      if (touched && negatives) {
        touched.addAll(negatives);
        touched.addAll(targets);
      }
      touched?.addAll(packed.items);
      return net.partLoss(packed, targets, masks, negatives, packed.rows, grad, this.ws);
    }
    const out = net.forward(packed, masks, this.ws);
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
    const B = batch.length;
    const a = this.ws.get('cl.a', B * d);
    const lastA = lastRows(packed);
    for (let b = 0; b < B; b++) a.set(out.subarray(lastA[b] * d, lastA[b] * d + d), b * d);
    const groups = Int32Array.from(batch, (w) => w.seq[w.end - 1]);
    // The second view's forward and backward keep their activations in their own workspace.
    const vws = this.viewWs;
    const second = packWindows(views, o).packed;
    const masksB = this.drawMasks(undefined, second.rows, rng, vws);
    const outB = net.forward(second, masksB, vws);
    const lastB = lastRows(second);
    const vb = vws.get('cl.b', B * d);
    for (let b = 0; b < B; b++) vb.set(outB.subarray(lastB[b] * d, lastB[b] * d + d), b * d);
    const da = vws.get('cl.da', B * d);
    const db = vws.get('cl.db', B * d);
    loss += o.contrastive * infoNce({ a, b: vb, rows: B, dim: d, temperature: o.contrastiveTemperature, groups }, da, db, vws);
    const dOutB = vws.get('dOut', second.rows * d, true);
    for (let b = 0; b < B; b++) {
      for (let c = 0; c < d; c++) {
        dOut[lastA[b] * d + c] += o.contrastive * da[b * d + c];
        dOutB[lastB[b] * d + c] = o.contrastive * db[b * d + c];
      }
    }
    touched?.addAll(second.items);
    net.backward(second, dOutB, grad, masksB, vws);
    net.backward(packed, dOut, grad, masks, this.ws);
    return loss;
  }

  /**
   * {@link SasRecModel.stepLoss} without the contrastive term, with the batch split across `threads`:
   * the same draws from `rng`, into the threads' shared buffers.
   */
  private async parallelStepLoss(threads: SasRecThreads, batch: readonly SequenceWindow[], grad: Float32Array, rng: Rng, touched?: TouchedRows): Promise<number> {
    const { packed, targets } = packWindows(batch, this.options);
    const masks = this.drawMasks(threads.masks, packed.rows, rng, this.ws);
    const negatives = this.drawNegatives(rng, threads.negatives);
    if (touched && negatives) {
      touched.addAll(negatives);
      touched.addAll(targets);
    }
    touched?.addAll(packed.items);
    return threads.step(this.network, packed, targets, masks, negatives, grad, this.ws, touched);
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
    const { packed } = packWindows([{ seq: Int32Array.from([...seq, 0]), start: 0, end: seq.length + 1 }], this.options);
    const hidden = this.network.forward(packed, undefined, this.ws);
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
    m.layout = makeSasRecLayout(m.items, m.options, numAttributes);
    m.theta = s.arrays.theta as Float32Array;
    if (m.theta.length !== m.layout.total) throw new ValidationError('sasrec snapshot does not match its parameters', { details: { expected: m.layout.total, got: m.theta.length } });
    m.bind();
    return m;
  }
}
