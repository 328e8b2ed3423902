/**
 * The output layer shared by the sequence models: scores of a hidden state against every item by a
 * dot product with the item embedding, trained with softmax cross-entropy over all items or over a
 * shared set of uniformly sampled negatives (with the log-Q correction that makes the sampled loss
 * estimate the full one).
 * @module
 */
import { matmul } from '../linalg/index.js';
import type { Rng } from '../linalg/index.js';
import type { TouchedRows } from './touched-rows.js';
import type { Workspace } from './workspace.js';

/** Inputs of {@link softmaxCrossEntropy}. */
export interface SoftmaxBatch {
  /** Hidden states, `rows × dim`. */
  hidden: Float32Array;
  rows: number;
  dim: number;
  /** Target item of each row. */
  targets: Int32Array;
  /** Item embedding, `numItems × dim`. */
  itemEmbedding: Float32Array;
  numItems: number;
  /** Shared sampled negatives per batch; 0 (or ≥ numItems) = full softmax. */
  negatives: number;
  /**
   * The sampled negatives, drawn by the caller (e.g. once for a batch whose rows several threads
   * share); drawn from `rng` when absent. Its length is used in place of `negatives`.
   */
  sampled?: Int32Array | undefined;
  /**
   * Rows the loss is the mean over, when these `rows` are a part of a larger batch (default `rows`):
   * the parts' losses and gradients then sum to the whole batch's.
   */
  meanOver?: number | undefined;
}

/** True when {@link softmaxCrossEntropy} samples negatives (so its gradient reaches few item rows). */
export function samplesNegatives(negatives: number, numItems: number): boolean {
  return negatives > 0 && negatives < numItems - 1;
}

/**
 * Mean cross-entropy over the rows (or their share of the mean over `meanOver` rows). Writes
 * dLoss/dHidden into `dHidden` (overwritten) and adds dLoss/dItemEmbedding into `dItemEmbedding`. With sampled negatives, the item rows it adds gradient
 * to (targets and negatives) are marked in `touched` when given; a full softmax reaches every row.
 */
export function softmaxCrossEntropy(b: SoftmaxBatch, dHidden: Float32Array, dItemEmbedding: Float32Array, rng: Rng | undefined, ws: Workspace, touched?: TouchedRows): number {
  const { hidden, rows, dim, targets, itemEmbedding: E, numItems } = b;
  const inv = 1 / Math.max(b.meanOver ?? rows, 1);
  if (!samplesNegatives(b.negatives, numItems)) {
    const logits = ws.get('softmax.logits', rows * numItems);
    matmul(hidden, E, logits, rows, dim, numItems, { transB: true });
    let loss = 0;
    for (let r = 0; r < rows; r++) {
      const off = r * numItems;
      loss += softmaxRowInPlace(logits, off, numItems, targets[r]);
      for (let j = 0; j < numItems; j++) logits[off + j] *= inv;
      logits[off + targets[r]] -= inv;
    }
    matmul(logits, E, dHidden, rows, numItems, dim);
    matmul(logits, hidden, dItemEmbedding, numItems, rows, dim, { transA: true, accumulate: true });
    return loss * inv;
  }
  let negs = b.sampled;
  if (!negs) {
    if (!rng) throw new RangeError('softmaxCrossEntropy: sampled negatives need an rng or `sampled`');
    negs = new Int32Array(b.negatives);
    for (let s = 0; s < negs.length; s++) negs[s] = rng.int(numItems);
  }
  const k = negs.length;
  if (touched) {
    touched.addAll(negs);
    touched.addAll(targets);
  }
  const En = ws.get('softmax.negEmb', k * dim);
  for (let s = 0; s < k; s++) En.set(E.subarray(negs[s] * dim, negs[s] * dim + dim), s * dim);
  const width = k + 1;
  const logits = ws.get('softmax.logits', rows * width);
  const negLogits = ws.get('softmax.negLogits', rows * k);
  matmul(hidden, En, negLogits, rows, dim, k, { transB: true });
  const correction = Math.log((numItems - 1) / k);
  let loss = 0;
  for (let r = 0; r < rows; r++) {
    const t = targets[r];
    const off = r * width;
    let s = 0;
    for (let c = 0; c < dim; c++) s += hidden[r * dim + c] * E[t * dim + c];
    logits[off] = s;
    for (let j = 0; j < k; j++) logits[off + 1 + j] = negs[j] === t ? -Infinity : negLogits[r * k + j] + correction;
    loss += softmaxRowInPlace(logits, off, width, 0);
    // Gradient of the target column is p − 1; of a negative, p.
    const gt = (logits[off] - 1) * inv;
    for (let c = 0; c < dim; c++) {
      dHidden[r * dim + c] = gt * E[t * dim + c];
      dItemEmbedding[t * dim + c] += gt * hidden[r * dim + c];
    }
    for (let j = 0; j < k; j++) negLogits[r * k + j] = logits[off + 1 + j] * inv;
  }
  matmul(negLogits, En, dHidden, rows, k, dim, { accumulate: true });
  const dEn = ws.get('softmax.dNegEmb', k * dim);
  matmul(negLogits, hidden, dEn, k, rows, dim, { transA: true });
  for (let s = 0; s < k; s++) {
    const dst = negs[s] * dim;
    for (let c = 0; c < dim; c++) dItemEmbedding[dst + c] += dEn[s * dim + c];
  }
  return loss * inv;
}

/** Softmax of `x[off, off + n)` in place; returns −log p[target]. */
function softmaxRowInPlace(x: Float32Array, off: number, n: number, target: number): number {
  let max = -Infinity;
  for (let j = 0; j < n; j++) if (x[off + j] > max) max = x[off + j];
  const shifted = x[off + target] - max;
  let sum = 0;
  for (let j = 0; j < n; j++) {
    const e = Math.exp(x[off + j] - max);
    x[off + j] = e;
    sum += e;
  }
  const targetLogit = shifted - Math.log(sum);
  const invSum = 1 / sum;
  for (let j = 0; j < n; j++) x[off + j] *= invSum;
  return -targetLogit;
}
