/**
 * The text index of items encoded while serving: every item whose text arrived after the served
 * `semantic` version was trained (a new item, or a changed text) is searchable by its vector at once,
 * until the next training folds it into the model's own index. The vectors lie in one row-major
 * matrix that a query scans exactly, so its cost is proportional to the items added since the last
 * training and bounded by the capacity (the oldest puts leave first).
 *
 * @example
 * const index = new FreshTextIndex(20_000);
 * index.set('new-toys', unitVector);
 * index.nearest(userInterest, 100, (id) => seen.has(id)); // [{ itemId: 'new-toys', score: 0.83 }, …]
 * @module
 */
import { dotRows, topK } from '../linalg/index.js';

/** Items the fresh text index holds at most by default (20,000 × 512-d: 40 MB, about 10 ms per scan). */
export const FRESH_TEXT_CAPACITY = 20_000;

/** See the module description. */
export class FreshTextIndex {
  /** Row of each item, in order of their latest put (oldest first). */
  private readonly rowOf = new Map<string, number>();
  /** Item at each row. */
  private ids: string[] = [];
  private matrix = new Float32Array(0);
  private dim = 0;
  private scores = new Float32Array(0);

  constructor(readonly capacity: number = FRESH_TEXT_CAPACITY) {
    if (!Number.isInteger(capacity) || capacity < 0) throw new RangeError(`capacity must be a non-negative integer, got ${capacity}`);
  }

  /** Items held. */
  get size(): number {
    return this.ids.length;
  }

  /**
   * Holds (or replaces) the vector of `itemId`; the first vector sets the dimension, and a vector of
   * another dimension (another encoder) replaces the whole index.
   */
  set(itemId: string, vector: Float32Array): void {
    if (this.capacity === 0) return;
    if (vector.length !== this.dim) {
      this.clear();
      this.dim = vector.length;
    }
    const dim = this.dim;
    let row = this.rowOf.get(itemId);
    if (row !== undefined) this.rowOf.delete(itemId);
    else {
      if (this.ids.length >= this.capacity) this.delete(this.rowOf.keys().next().value as string);
      row = this.ids.length;
      if ((row + 1) * dim > this.matrix.length) {
        const grown = new Float32Array(Math.min(this.capacity, Math.max(64, 2 * (row + 1))) * dim);
        grown.set(this.matrix.subarray(0, row * dim));
        this.matrix = grown;
      }
      this.ids.push(itemId);
    }
    this.rowOf.set(itemId, row);
    this.matrix.set(vector, row * dim);
  }

  /** True when `itemId` is held. */
  has(itemId: string): boolean {
    return this.rowOf.has(itemId);
  }

  /** Drops `itemId` (the last row moves into its place). */
  delete(itemId: string): void {
    const row = this.rowOf.get(itemId);
    if (row === undefined) return;
    this.rowOf.delete(itemId);
    const last = this.ids.length - 1;
    if (row !== last) {
      const moved = this.ids[last];
      this.ids[row] = moved;
      this.matrix.copyWithin(row * this.dim, last * this.dim, (last + 1) * this.dim);
      this.rowOf.set(moved, row);
    }
    this.ids.pop();
  }

  /** Drops every item. */
  clear(): void {
    this.rowOf.clear();
    this.ids = [];
    this.matrix = new Float32Array(0);
  }

  /**
   * The `k` held items with the highest inner product with `query`, best first, leaving out those
   * `skip` names; empty when the query's dimension is not the index's.
   */
  nearest(query: Float32Array, k: number, skip?: (itemId: string) => boolean): { itemId: string; score: number }[] {
    const n = this.ids.length;
    if (n === 0 || query.length !== this.dim || k <= 0) return [];
    if (this.scores.length < n) this.scores = new Float32Array(Math.min(this.capacity, 2 * n));
    const scores = this.scores.subarray(0, n);
    dotRows(query, this.matrix, this.dim, 0, n, scores);
    const ids = this.ids;
    const best = topK(scores, k, skip === undefined ? undefined : (r: number) => skip(ids[r]));
    return Array.from(best.indices, (r, c) => ({ itemId: ids[r], score: best.scores[c] }));
  }
}
