/**
 * The optimiser of the sequence models: Adam over one flat parameter vector whose first
 * `rows × width` entries are the item embedding table. Dense (one {@link Adam} over everything) when
 * a step's gradient reaches every row, as with a full softmax over the items; lazy on the table
 * ({@link LazyAdam} over the rows the step touched, dense Adam over the rest) when it reaches few, as
 * with sampled negatives, so that a step's optimiser work and gradient reset do not grow with the
 * catalogue. Both give the same parameters (to float tolerance) once {@link EmbeddingAdam.flush}ed.
 * @module
 */
import { Adam } from './adam.js';
import type { AdamOptions } from './adam.js';
import { LazyAdam } from './lazy-adam.js';
import { TouchedRows } from './touched-rows.js';

/** Adam over `[table | rest]`, lazy on the table when asked. */
export class EmbeddingAdam {
  /** Rows of the table the current step wrote gradient into; undefined when dense. */
  readonly touched: TouchedRows | undefined;
  private readonly dense: Adam;
  private readonly lazy: LazyAdam | undefined;
  private readonly tableLength: number;

  /**
   * `theta` and `grad` share one layout whose first `rows × width` entries are the table. With `lazy`,
   * callers mark every table row they write gradient into in {@link EmbeddingAdam.touched}.
   */
  constructor(
    theta: Float32Array,
    private readonly grad: Float32Array,
    rows: number,
    private readonly width: number,
    options: AdamOptions,
    lazy: boolean,
  ) {
    this.tableLength = rows * width;
    if (lazy) {
      this.touched = new TouchedRows(rows);
      this.lazy = new LazyAdam(theta.subarray(0, this.tableLength), width, options);
      this.dense = new Adam(theta.subarray(this.tableLength), options);
    } else {
      this.dense = new Adam(theta, options);
    }
  }

  /** Table entries the lazy optimiser updated so far (undefined when dense). */
  get tableWork(): number | undefined {
    return this.lazy?.updatedEntries;
  }

  /** Applies the step's gradient and zeroes it (only the touched rows of the table when lazy). */
  step(): void {
    const { grad, lazy, touched } = this;
    if (!lazy || !touched) {
      this.dense.step(grad);
      grad.fill(0);
      return;
    }
    const table = grad.subarray(0, this.tableLength);
    const rest = grad.subarray(this.tableLength);
    lazy.step(table, touched.rows);
    this.dense.step(rest);
    touched.clearGradient(table, this.width);
    rest.fill(0);
  }

  /** Brings every row up to date (the steps untouched rows sat out); call before reading the parameters. */
  flush(): void {
    this.lazy?.flush();
  }
}
