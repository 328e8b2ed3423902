/**
 * Lazy (sparse) Adam for an embedding table, as TensorFlow's LazyAdam and PyTorch's SparseAdam: a
 * step updates only the rows that received gradient, each with its own step count for the bias
 * correction, so a step costs O(rows touched × width) whatever the table's size. Rows a step does not
 * touch do not move (dense Adam would still drift them along their decaying first moment), which
 * is the usual trade for embedding tables where a step sees a few hundred of a million rows. Decoupled
 * weight decay (AdamW) is kept exact: a row owes `(1 − lr·decay)` per step it sat out, paid when it is
 * next touched or by {@link LazyAdam.flush}.
 * @module
 */
import type { AdamOptions } from './adam.js';

/** Adam state per row of a `rows × width` table, updated row by row. */
export class LazyAdam {
  private readonly m: Float32Array;
  private readonly v: Float32Array;
  /** Steps each row was updated in: the `t` of its bias correction. */
  private readonly rowSteps: Int32Array;
  /** The global step each row was last brought up to (weight decay paid until then). */
  private readonly settled: Int32Array;
  private t = 0;
  private work = 0;

  constructor(
    private readonly params: Float32Array,
    private readonly width: number,
    private readonly options: AdamOptions,
  ) {
    if (!(width > 0) || params.length % width !== 0) throw new RangeError(`LazyAdam: table length ${params.length} is not a multiple of the row width ${width}`);
    this.m = new Float32Array(params.length);
    this.v = new Float32Array(params.length);
    this.rowSteps = new Int32Array(params.length / width);
    this.settled = new Int32Array(params.length / width);
  }

  /** Parameter entries updated so far (rows touched × width, summed over steps): the optimiser's work. */
  get updatedEntries(): number {
    return this.work;
  }

  /**
   * One step over the distinct `rows` (the first `count` of them) from `grad`, which has the table's
   * layout; only those rows of it are read.
   */
  step(grad: Float32Array, rows: ArrayLike<number>, count: number = rows.length): void {
    const { learningRate: lr, beta1 = 0.9, beta2 = 0.98, eps = 1e-8, weightDecay = 0 } = this.options;
    this.t++;
    const { params: p, m, v, width } = this;
    const decay = 1 - lr * weightDecay;
    for (let k = 0; k < count; k++) {
      const row = rows[k];
      const t = ++this.rowSteps[row];
      const c1 = 1 / (1 - beta1 ** t);
      const c2 = 1 / (1 - beta2 ** t);
      const owed = this.t - 1 - this.settled[row];
      this.settled[row] = this.t;
      const start = row * width;
      const end = start + width;
      if (owed > 0 && decay !== 1) {
        const f = decay ** owed;
        for (let i = start; i < end; i++) p[i] *= f;
      }
      for (let i = start; i < end; i++) {
        const g = grad[i];
        const mi = beta1 * m[i] + (1 - beta1) * g;
        const vi = beta2 * v[i] + (1 - beta2) * g * g;
        m[i] = mi;
        v[i] = vi;
        p[i] = p[i] * decay - (lr * mi * c1) / (Math.sqrt(vi * c2) + eps);
      }
    }
    this.work += count * width;
  }

  /**
   * Pays the weight decay every row owes for the steps it sat out, so that the parameters are what
   * they would be under per-step decay: call before reading them (e.g. at the end of an epoch).
   * O(table); nothing to do without weight decay.
   */
  flush(): void {
    const { learningRate: lr, weightDecay = 0 } = this.options;
    const decay = 1 - lr * weightDecay;
    const rows = this.settled.length;
    for (let row = 0; row < rows; row++) {
      const owed = this.t - this.settled[row];
      this.settled[row] = this.t;
      if (owed <= 0 || decay === 1) continue;
      const f = decay ** owed;
      for (let i = row * this.width; i < (row + 1) * this.width; i++) this.params[i] *= f;
    }
  }
}
