/**
 * The network of {@link SasRecModel} apart from its training loop: the parameter layout, packing of
 * sequence windows into a batch, and the forward and backward passes over one flat parameter vector.
 * Kept in a module of its own so that a training thread (`sasrec-worker.ts`) can run the same passes
 * on its share of a batch over parameters in shared memory.
 * @module
 */
import { attentionProbSize, causalAttention, causalAttentionBackward, layerNorm, layerNormBackward } from '../linalg/index.js';
import type { AttentionBlock, Rng } from '../linalg/index.js';
import type { ItemAttributes } from './item-attributes.js';
import { applyMask, fillDropoutMask, linear, linearBackward } from './neural-ops.js';
import type { SasRecOptions } from './sasrec.js';
import type { SequenceWindow } from './sequence-data.js';
import { softmaxCrossEntropy } from './softmax-output.js';
import type { Workspace } from './workspace.js';

/** Offsets of one transformer block's parameters. */
export interface SasRecBlockLayout {
  ln1G: number; ln1B: number;
  wq: number; bq: number; wk: number; bk: number; wv: number; bv: number; wo: number; bo: number;
  ln2G: number; ln2B: number;
  w1: number; b1: number; w2: number; b2: number;
}

/** Offsets of every parameter in SASRec's flat parameter vector (item embedding first). */
export interface SasRecLayout {
  emb: number;
  pos: number;
  /** Attribute embedding, `numAttributes × dim` (empty without attributes). */
  attr: number;
  numAttributes: number;
  blocks: SasRecBlockLayout[];
  lnfG: number;
  lnfB: number;
  total: number;
}

/** The layout of a SASRec over `numItems` items (and `numAttributes` attributes) with options `o`. */
export function makeSasRecLayout(numItems: number, o: Pick<SasRecOptions, 'dim' | 'maxLen' | 'blocks'>, numAttributes = 0): SasRecLayout {
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
  const blocks: SasRecBlockLayout[] = [];
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
export class ParameterViews {
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
export interface PackedBatch {
  items: Int32Array;
  positions: Int32Array;
  blocks: AttentionBlock[];
  rows: number;
  probSize: number;
}

/** Input items, positions and next-item targets of `batch`, packed without padding, right-aligned. */
export function packWindows(batch: readonly SequenceWindow[], o: Pick<SasRecOptions, 'dim' | 'heads' | 'maxLen'>): { packed: PackedBatch; targets: Int32Array } {
  let rows = 0;
  for (const w of batch) rows += w.end - 1 - w.start;
  const items = new Int32Array(rows);
  const positions = new Int32Array(rows);
  const targets = new Int32Array(rows);
  const lengths = new Int32Array(batch.length);
  let r = 0;
  batch.forEach((w, b) => {
    const T = w.end - 1 - w.start;
    lengths[b] = T;
    for (let t = 0; t < T; t++) {
      items[r] = w.seq[w.start + t];
      targets[r] = w.seq[w.start + t + 1];
      positions[r] = o.maxLen - T + t;
      r++;
    }
  });
  return { packed: packedFromLengths(items, positions, lengths, o), targets };
}

/** A packed batch over `items` and `positions` whose sequences have the given lengths, in order. */
export function packedFromLengths(items: Int32Array, positions: Int32Array, lengths: ArrayLike<number>, o: Pick<SasRecOptions, 'dim' | 'heads'>): PackedBatch {
  const blocks: AttentionBlock[] = [];
  let rowOff = 0;
  let probOff = 0;
  for (let b = 0; b < lengths.length; b++) {
    const T = lengths[b];
    blocks.push({ rowOff, length: T, probOff, dim: o.dim, heads: o.heads });
    rowOff += T;
    probOff += attentionProbSize(T, o.heads);
  }
  return { items, positions, blocks, rows: rowOff, probSize: probOff };
}

/** The row of each sequence's newest position in a packed batch. */
export function lastRows(p: PackedBatch): Int32Array {
  return Int32Array.from(p.blocks, (b) => b.rowOff + b.length - 1);
}

/**
 * The dropout masks of one forward pass: mask `k` of row `r` is `data[k·stride + offset + r·dim, +dim)`.
 * Mask 0 is the input embedding's, then three per block (attention output, feed-forward hidden and
 * output layer), drawn in that order, which is the order the forward pass applies them.
 */
export interface DropoutMasks {
  data: Float32Array;
  /** Entries between two masks (rows of the whole batch × dim). */
  stride: number;
  /** First entry of this part's rows within each mask. */
  offset: number;
}

/** Masks per forward pass of a network with `blocks` transformer blocks. */
export function maskCount(blocks: number): number {
  return 1 + 3 * blocks;
}

/** Draws every dropout mask of a forward pass over `rows` rows into `data` (length ≥ masks × rows × dim). */
export function drawDropoutMasks(data: Float32Array, rows: number, o: Pick<SasRecOptions, 'dim' | 'blocks' | 'dropout'>, rng: Rng): DropoutMasks {
  const stride = rows * o.dim;
  for (let k = 0; k < maskCount(o.blocks); k++) fillDropoutMask(data.subarray(k * stride, (k + 1) * stride), o.dropout, rng);
  return { data, stride, offset: 0 };
}

/** The shared sampled negatives of one step: `k` uniform item indices (into `out` when given). */
export function drawNegatives(k: number, numItems: number, rng: Rng, out: Int32Array = new Int32Array(k)): Int32Array {
  const negs = out.subarray(0, k);
  for (let s = 0; s < k; s++) negs[s] = rng.int(numItems);
  return negs;
}

function maskAt(m: DropoutMasks, k: number, n: number): Float32Array {
  const from = k * m.stride + m.offset;
  return m.data.subarray(from, from + n);
}

/** SASRec's forward and backward passes over the parameter vector `theta`. */
export class SasRecNetwork {
  constructor(
    readonly theta: Float32Array,
    readonly layout: SasRecLayout,
    readonly options: SasRecOptions,
    readonly numItems: number,
    readonly attributes: ItemAttributes | undefined,
  ) {}

  /** Forward pass over a packed batch; dropout when `masks` are given. Returns the final hidden states (in `ws`). */
  forward(p: PackedBatch, masks: DropoutMasks | undefined, ws: Workspace): Float32Array {
    const o = this.options;
    const d = o.dim;
    const R = p.rows;
    const n = R * d;
    const theta = this.theta;
    const v = new ParameterViews(theta, d);
    const L = this.layout;
    let x = ws.get('x0', n);
    const attrs = this.attributes;
    for (let r = 0; r < R; r++) {
      const e = L.emb + p.items[r] * d;
      const q = L.pos + p.positions[r] * d;
      for (let c = 0; c < d; c++) x[r * d + c] = theta[e + c] + theta[q + c];
      if (attrs) {
        const from = attrs.indptr[p.items[r]];
        const to = attrs.indptr[p.items[r] + 1];
        const w = 1 / Math.max(1, to - from);
        for (let j = from; j < to; j++) {
          const a = L.attr + attrs.indices[j] * d;
          for (let c = 0; c < d; c++) x[r * d + c] += w * theta[a + c];
        }
      }
    }
    if (masks) applyMask(x, maskAt(masks, 0, n), n);
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
      if (masks) applyMask(att, maskAt(masks, 1 + 3 * l, n), n);
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
      if (masks) applyMask(f1d, maskAt(masks, 2 + 3 * l, n), n);
      const f2 = ws.get(pre + 'f2', n);
      linear(f1d, v.mat(b.w2), v.vec(b.b2), f2, R, d, d);
      if (masks) applyMask(f2, maskAt(masks, 3 + 3 * l, n), n);
      const next = ws.get(`x${l + 1}`, n);
      for (let i = 0; i < n; i++) next[i] = h[i] + f2[i];
      x = next;
    });
    const out = ws.get('out', n);
    layerNorm(x, v.vec(L.lnfG), v.vec(L.lnfB), out, ws.get('xhatf', n), ws.get('rstdf', R), R, d);
    return out;
  }

  /** Backward pass of the last {@link SasRecNetwork.forward} in `ws` (with the same masks) from dLoss/dOut; adds into `grad`. */
  backward(p: PackedBatch, dOut: Float32Array, grad: Float32Array, masks: DropoutMasks | undefined, ws: Workspace): void {
    const o = this.options;
    const d = o.dim;
    const R = p.rows;
    const n = R * d;
    const v = new ParameterViews(this.theta, d);
    const g = new ParameterViews(grad, d);
    const L = this.layout;
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
      if (masks) applyMask(df2, maskAt(masks, 3 + 3 * l, n), n);
      const df1 = tmp2;
      linearBackward(ws.get(pre + 'f1d', n), v.mat(b.w2), df2, g.mat(b.w2), g.vec(b.b2), df1, R, d, d);
      const f1 = ws.get(pre + 'f1', n);
      if (masks) applyMask(df1, maskAt(masks, 2 + 3 * l, n), n);
      for (let i = 0; i < n; i++) if (f1[i] <= 0) df1[i] = 0;
      const dc = tmp;
      linearBackward(ws.get(pre + 'c', n), v.mat(b.w1), df1, g.mat(b.w1), g.vec(b.b1), dc, R, d, d);
      layerNormBackward(dc, ws.get(pre + 'xhat2', n), ws.get(pre + 'rstd2', R), v.vec(b.ln2G), dc, g.vec(b.ln2G), g.vec(b.ln2B), R, d);
      for (let i = 0; i < n; i++) dh[i] += dc[i];
      // h = x + drop(att)
      dx.set(dh);
      const datt = dh;
      if (masks) applyMask(datt, maskAt(masks, 1 + 3 * l, n), n);
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
    if (masks) applyMask(dx, maskAt(masks, 0, n), n);
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
   * Forward, next-item cross-entropy and backward over one part of a batch (all of it, or the rows
   * one thread takes), adding the gradient into `grad`. The loss and its gradient are divided by
   * `batchRows`, the rows of the whole batch, so that the parts' losses and gradients sum to the
   * batch's mean. `negatives` are the step's shared sampled negatives (undefined: full softmax).
   */
  partLoss(p: PackedBatch, targets: Int32Array, masks: DropoutMasks | undefined, negatives: Int32Array | undefined, batchRows: number, grad: Float32Array, ws: Workspace): number {
    const d = this.options.dim;
    const out = this.forward(p, masks, ws);
    const dOut = ws.get('dOut', p.rows * d);
    const loss = softmaxCrossEntropy(
      { hidden: out, rows: p.rows, dim: d, targets, itemEmbedding: this.theta.subarray(0, this.numItems * d), numItems: this.numItems, negatives: this.options.negatives, sampled: negatives, meanOver: batchRows },
      dOut,
      grad.subarray(0, this.numItems * d),
      undefined,
      ws,
    );
    this.backward(p, dOut, grad, masks, ws);
    return loss;
  }
}
