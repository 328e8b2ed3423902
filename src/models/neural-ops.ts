/**
 * Small building blocks of the neural sequence models on packed `rows × dim` Float32Arrays: affine
 * layers and their gradients, dropout masks, and the seeded initialisers.
 * @module
 */
import { matmul } from '../linalg/index.js';
import type { Rng } from '../linalg/index.js';
import { throwIfAborted } from '../core/errors.js';
import type { EmbeddingAdam } from './embedding-adam.js';

/** y = x·W + b, with W stored `dIn × dOut`. */
export function linear(x: Float32Array, w: Float32Array, bias: Float32Array, y: Float32Array, rows: number, dIn: number, dOut: number): void {
  matmul(x, w, y, rows, dIn, dOut);
  for (let r = 0; r < rows; r++) {
    const off = r * dOut;
    for (let c = 0; c < dOut; c++) y[off + c] += bias[c];
  }
}

/**
 * Gradients of {@link linear}: adds xᵀ·dy into `dW` and the column sums of dy into `dBias`; writes
 * dy·Wᵀ into `dx` (added when `accumulate`), unless `dx` is undefined.
 */
export function linearBackward(
  x: Float32Array,
  w: Float32Array,
  dy: Float32Array,
  dW: Float32Array,
  dBias: Float32Array,
  dx: Float32Array | undefined,
  rows: number,
  dIn: number,
  dOut: number,
  accumulate = false,
): void {
  matmul(x, dy, dW, dIn, rows, dOut, { transA: true, accumulate: true });
  for (let r = 0; r < rows; r++) {
    const off = r * dOut;
    for (let c = 0; c < dOut; c++) dBias[c] += dy[off + c];
  }
  if (dx) matmul(dy, w, dx, rows, dOut, dIn, { transB: true, accumulate });
}

/** Fills `mask` with 0 (probability `p`) or 1/(1 − p): inverted dropout. */
export function fillDropoutMask(mask: Float32Array, p: number, rng: Rng): void {
  const keep = 1 / (1 - p);
  for (let i = 0; i < mask.length; i++) mask[i] = rng.next() < p ? 0 : keep;
}

/** x ⊙= mask. */
export function applyMask(x: Float32Array, mask: Float32Array, n: number): void {
  for (let i = 0; i < n; i++) x[i] *= mask[i];
}

/** Normal draws with standard deviation `std`. */
export function fillNormal(x: Float32Array, std: number, rng: Rng): void {
  for (let i = 0; i < x.length; i++) x[i] = rng.normal() * std;
}

/** Cosine similarity of row `itemIdx` of an `n × dim` embedding to every row. */
export function embeddingCosine(emb: Float32Array, dim: number, itemIdx: number, out: Float32Array): void {
  const n = emb.length / dim;
  const off = itemIdx * dim;
  let ni = 0;
  for (let c = 0; c < dim; c++) ni += emb[off + c] * emb[off + c];
  ni = Math.sqrt(ni) || 1;
  for (let j = 0; j < n; j++) {
    let s = 0;
    let nj = 0;
    for (let c = 0; c < dim; c++) {
      const e = emb[j * dim + c];
      s += emb[off + c] * e;
      nj += e * e;
    }
    out[j] = s / (ni * (Math.sqrt(nj) || 1));
  }
}

/**
 * Initial item vectors from text embeddings: a seeded Gaussian random projection of each item's
 * unit-length text vector to `dim` (which keeps text similarity, Johnson–Lindenstrauss), scaled to
 * `std`. Items without text (a zero row) keep their current rows.
 */
export function projectTextInit(itemEmb: Float32Array, dim: number, text: Float32Array, textDim: number, std: number, rng: Rng): void {
  const n = itemEmb.length / dim;
  const proj = new Float32Array(textDim * dim);
  fillNormal(proj, 1, rng);
  for (let i = 0; i < n; i++) {
    let norm = 0;
    for (let c = 0; c < textDim; c++) norm += text[i * textDim + c] ** 2;
    if (norm === 0) continue;
    const s = std / Math.sqrt(norm);
    for (let o = 0; o < dim; o++) {
      let acc = 0;
      for (let c = 0; c < textDim; c++) acc += text[i * textDim + c] * proj[c * dim + o];
      itemEmb[i * dim + o] = acc * s;
    }
  }
}

/**
 * Ends one training step of a neural model: applies the optimiser (which clears the gradient it
 * used), and every 16 steps yields to the event loop (so a server keeps answering while it trains)
 * and honours `signal`.
 */
export async function finishStep(optimiser: Pick<EmbeddingAdam, 'step'>, step: number, signal?: AbortSignal): Promise<void> {
  optimiser.step();
  if ((step & 15) === 15) {
    await new Promise<void>((resolve) => setImmediate(resolve));
    throwIfAborted(signal);
  }
}
