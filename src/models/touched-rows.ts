/**
 * The set of rows of an embedding table that a training step wrote gradient into, kept as a list
 * plus a mark per row, so that adding a row and clearing the set cost O(rows touched), never
 * O(table). The lazy optimiser updates only these rows and the step zeroes only their gradient.
 * @module
 */

/** Distinct rows of a `numRows`-row table touched since the last {@link TouchedRows.clear}. */
export class TouchedRows {
  private readonly marked: Uint8Array;
  private readonly list: Int32Array;
  private count = 0;

  constructor(numRows: number) {
    this.marked = new Uint8Array(numRows);
    this.list = new Int32Array(numRows);
  }

  /** Number of distinct rows touched. */
  get size(): number {
    return this.count;
  }

  /** The touched rows in the order first touched (a view, valid until the next change). */
  get rows(): Int32Array {
    return this.list.subarray(0, this.count);
  }

  /** Marks `row` as touched (repeats are ignored). */
  add(row: number): void {
    if (this.marked[row] !== 0) return;
    this.marked[row] = 1;
    this.list[this.count++] = row;
  }

  /** Marks every row in `rows`. */
  addAll(rows: ArrayLike<number>): void {
    for (let k = 0; k < rows.length; k++) this.add(rows[k]);
  }

  /** Zeroes the touched rows of `grad` (rows of `width` entries) and forgets them. */
  clearGradient(grad: Float32Array, width: number): void {
    for (let k = 0; k < this.count; k++) grad.fill(0, this.list[k] * width, (this.list[k] + 1) * width);
    this.clear();
  }

  /** Forgets every touched row. */
  clear(): void {
    for (let k = 0; k < this.count; k++) this.marked[this.list[k]] = 0;
    this.count = 0;
  }
}
