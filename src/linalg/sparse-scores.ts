/**
 * A score vector over n items in which only the positions written since the last reset can be
 * non-zero, with a top-k that costs O(written + k) instead of O(n): what a model whose scores come
 * from a few neighbour rows (item-kNN, EASE's kept items and co-occurrence tail) needs so that a
 * request does not scale with the catalogue.
 *
 * {@link SparseScores.topK} returns exactly what `topK` over the dense vector returns (descending,
 * ties by lower index first): the positive written scores, then zeros in index order (every
 * position never written, and written ones that are exactly 0), then the negative written scores.
 * The instance is scratch space: one synchronous use at a time, then {@link SparseScores.reset}.
 * @module
 */
import { kthLargest } from './kth-largest.js';
import type { TopKExclude, TopKResult } from './top-k.js';

/** See the module description. */
export class SparseScores {
  /** The dense values (0 where nothing was written). */
  readonly values: Float32Array;
  private readonly mark: Uint8Array;
  private touched: Int32Array;
  private count = 0;
  /** Values copied for the selection in `topK` (reordered by it). */
  private scratch = new Float32Array(0);

  constructor(readonly size: number) {
    this.values = new Float32Array(size);
    this.mark = new Uint8Array(size);
    this.touched = new Int32Array(Math.min(size, 1024));
  }

  /** values[j] += v (a float32 addition, as on a dense Float32Array). */
  add(j: number, v: number): void {
    this.note(j);
    this.values[j] += v;
  }

  /** values[j] = v. */
  set(j: number, v: number): void {
    this.note(j);
    this.values[j] = v;
  }

  /** Positions written since the last reset. */
  get written(): number {
    return this.count;
  }

  /** The `k` best positions not excluded, best first; see the module description for the order. */
  topK(k: number, exclude?: TopKExclude): TopKResult {
    const excluded = exclude === undefined ? () => false : typeof exclude === 'function' ? exclude : (j: number) => exclude[j] !== 0;
    const want = Math.max(0, Math.min(Math.floor(k), this.size));
    const positive: number[] = [];
    const negative: number[] = [];
    for (let c = 0; c < this.count; c++) {
      const j = this.touched[c];
      const v = this.values[j];
      if (v > 0) {
        if (!excluded(j)) positive.push(j);
      } else if (v < 0 && !excluded(j)) negative.push(j);
    }
    const byScore = (a: number, b: number): number => this.values[b] - this.values[a] || a - b;
    const best = positive.length > 4 * want ? this.selectBest(positive, want) : positive;
    best.sort(byScore);
    const out: number[] = best.length > want ? best.slice(0, want) : best;
    // Zeros, in index order: untouched positions and written zeros alike.
    for (let j = 0; j < this.size && out.length < want; j++) if (this.values[j] === 0 && !excluded(j)) out.push(j);
    if (out.length < want) {
      negative.sort(byScore);
      for (const j of negative) {
        if (out.length >= want) break;
        out.push(j);
      }
    }
    const indices = Int32Array.from(out);
    const scores = new Float32Array(indices.length);
    for (let r = 0; r < indices.length; r++) scores[r] = this.values[indices[r]];
    return { indices, scores };
  }

  /**
   * The `want` best of `positions` by (value descending, position ascending), unordered: a
   * quickselect threshold, then every position above it and the lowest-positioned ties, in O(p)
   * where sorting all p written positions would cost O(p log p).
   */
  private selectBest(positions: readonly number[], want: number): number[] {
    if (want === 0) return [];
    if (this.scratch.length < positions.length) this.scratch = new Float32Array(Math.max(positions.length, 2 * this.scratch.length));
    const copy = this.scratch.subarray(0, positions.length);
    for (let c = 0; c < positions.length; c++) copy[c] = this.values[positions[c]];
    const threshold = kthLargest(copy, want);
    const out: number[] = [];
    const ties: number[] = [];
    for (const j of positions) {
      const v = this.values[j];
      if (v > threshold) out.push(j);
      else if (v === threshold) ties.push(j);
    }
    ties.sort((a, b) => a - b);
    for (let t = 0; t < ties.length && out.length < want; t++) out.push(ties[t]);
    return out;
  }

  /**
   * Mean and standard deviation (population) of all `size` values, the unwritten zeros included, in
   * O(written): [mean, std], with std 1 when it is 0 (what a z-score divides by).
   */
  meanStd(): [number, number] {
    let sum = 0;
    for (let c = 0; c < this.count; c++) sum += this.values[this.touched[c]];
    const n = Math.max(this.size, 1);
    const mean = sum / n;
    let q = (this.size - this.count) * mean * mean;
    for (let c = 0; c < this.count; c++) {
      const d = this.values[this.touched[c]] - mean;
      q += d * d;
    }
    const std = Math.sqrt(q / n);
    return [mean, std > 0 ? std : 1];
  }

  /** Zeroes what was written (O(written)), ready for the next query. */
  reset(): void {
    for (let c = 0; c < this.count; c++) {
      const j = this.touched[c];
      this.values[j] = 0;
      this.mark[j] = 0;
    }
    this.count = 0;
  }

  private note(j: number): void {
    if (this.mark[j] !== 0) return;
    this.mark[j] = 1;
    if (this.count === this.touched.length) {
      const grown = new Int32Array(Math.min(this.size, this.touched.length * 2));
      grown.set(this.touched);
      this.touched = grown;
    }
    this.touched[this.count++] = j;
  }
}
