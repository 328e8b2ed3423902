/**
 * Kernels of the hybrid's text adapter over item text coordinates T (`n × width`) and the adapter
 * stored transposed, Aᵀ (`width × dim`): the adapter's part of the item vectors, T·Aᵀ, densely (block
 * by block, so no catalogue-sized Float64 copy is made) or for the rows an epoch touches; and a
 * per-epoch sample of the touched rows whose gradients estimate the adapter's full gradient Tᵀ·R
 * without bias.
 * @module
 */
import { createRng, gemm } from '../linalg/index.js';
import type { Rng } from '../linalg/index.js';

/** Rows per block of {@link projectAllRows}. */
const BLOCK = 4_096;

/**
 * `out` (`n × cols`, Float32) = T · W for T (`n × width`) and W (`width × cols`), `BLOCK` rows at a
 * time, in place.
 */
export function projectAllRows(t: Float32Array, width: number, w: Float32Array, cols: number, out: Float32Array): void {
  const n = out.length / Math.max(cols, 1);
  for (let start = 0; start < n; start += BLOCK) {
    const m = Math.min(BLOCK, n - start);
    gemm(t.subarray(start * width, (start + m) * width), w, out.subarray(start * cols, (start + m) * cols), m, width, cols);
  }
}

/**
 * Rows `rows[0..count)` of T · W into `out` (`n × cols`) and of T · b into `bias` (W is `width × cols`,
 * b `width`): gathered `BLOCK` rows at a time into `scratch` (at least `BLOCK × width`), multiplied
 * as one block and scattered back, so the cost is count × width × cols at the blocked kernel's speed.
 */
export function projectRowsOf(t: Float32Array, width: number, w: Float32Array, b: Float32Array, cols: number, rows: Int32Array, count: number, out: Float32Array, bias: Float32Array, scratch: ProjectScratch): void {
  const { gathered, product, biasProduct } = scratch;
  for (let start = 0; start < count; start += BLOCK) {
    const m = Math.min(BLOCK, count - start);
    for (let r = 0; r < m; r++) {
      const i = rows[start + r];
      gathered.set(t.subarray(i * width, (i + 1) * width), r * width);
    }
    gemm(gathered, w, product, m, width, cols);
    gemm(gathered, b, biasProduct, m, width, 1);
    for (let r = 0; r < m; r++) {
      const i = rows[start + r];
      for (let k = 0; k < cols; k++) out[i * cols + k] = product[r * cols + k];
      bias[i] = biasProduct[r];
    }
  }
}

/** Buffers of {@link projectRowsOf}, allocated once per fit. */
export interface ProjectScratch {
  gathered: Float64Array;
  product: Float64Array;
  biasProduct: Float64Array;
}

/** Buffers of {@link projectRowsOf} for rows `width` wide and products `cols` wide. */
export function projectScratch(width: number, cols: number): ProjectScratch {
  return { gathered: new Float64Array(BLOCK * width), product: new Float64Array(BLOCK * cols), biasProduct: new Float64Array(BLOCK) };
}

/**
 * Writes `count` of the `candidates` (all when there are at most `count`), drawn without
 * replacement and kept in order, into `out`; returns how many were written. Selection sampling
 * (Knuth's algorithm S).
 */
export function sampleInOrder(candidates: Int32Array, candidateCount: number, count: number, out: Int32Array, rng: Rng): number {
  if (candidateCount <= count) {
    out.set(candidates.subarray(0, candidateCount));
    return candidateCount;
  }
  let taken = 0;
  for (let p = 0; p < candidateCount && taken < count; p++) if ((candidateCount - p) * rng.next() < count - taken) out[taken++] = candidates[p];
  return taken;
}

/**
 * The items whose gradient rows enter one epoch's adapter gradient: every item the epoch touches
 * when there are at most `max`, else `max` of them drawn without replacement, each weighted by
 * touched/max, so the estimate of Σᵢ tᵢ ⊗ rᵢ (zero for untouched items) is unbiased.
 */
export class GradientSample {
  /** Slot of each item in the sample, −1 when it is not in it. */
  readonly slot: Int32Array;
  /** The sampled items, by slot (the first `size`). */
  readonly items: Int32Array;
  /** Gradient rows of the sampled items (`max × dim`) and their bias gradients (`max`). */
  readonly rows: Float32Array;
  readonly bias: Float32Array;
  /** Text coordinates of the sampled items (`max × width`), gathered by {@link GradientSample.draw}. */
  private readonly coords: Float32Array;
  /** Items in this epoch's sample. */
  size = 0;
  /** Weight of a sampled row: touched/size. */
  weight = 1;
  private readonly rng: Rng;

  constructor(
    numItems: number,
    private readonly max: number,
    private readonly dim: number,
    private readonly width: number,
    seed: number,
  ) {
    const cap = Math.max(1, Math.min(numItems, max));
    this.slot = new Int32Array(numItems).fill(-1);
    this.items = new Int32Array(cap);
    this.rows = new Float32Array(cap * dim);
    this.bias = new Float32Array(cap);
    this.coords = new Float32Array(cap * width);
    this.rng = createRng(seed);
  }

  /**
   * Draws this epoch's sample from the `count` touched items in `touched`, gathers their text
   * coordinates and zeroes their gradients.
   */
  draw(text: Float32Array, touched: Int32Array, count: number): void {
    const { items, slot, width } = this;
    for (let s = 0; s < this.size; s++) slot[items[s]] = -1;
    this.size = sampleInOrder(touched, count, Math.min(this.max, items.length), items, this.rng);
    for (let s = 0; s < this.size; s++) {
      slot[items[s]] = s;
      this.coords.set(text.subarray(items[s] * width, (items[s] + 1) * width), s * width);
    }
    this.weight = this.size > 0 ? count / this.size : 1;
    this.rows.fill(0, 0, this.size * this.dim);
    this.bias.fill(0, 0, this.size);
  }

  /** Adapter gradients from the sampled rows, weighted: ∂/∂Aᵀ (`width × dim`) and ∂/∂w (`width`). */
  gradient(gradA: Float32Array, gradW: Float32Array): void {
    const size = this.size;
    gemm(this.coords, this.rows, gradA, this.width, size, this.dim, { transA: true });
    gemm(this.coords, this.bias, gradW, this.width, size, 1, { transA: true });
    if (this.weight !== 1) {
      for (let k = 0; k < gradA.length; k++) gradA[k] *= this.weight;
      for (let k = 0; k < gradW.length; k++) gradW[k] *= this.weight;
    }
  }
}
