/**
 * Adam (Kingma & Ba, 2015) over one flat parameter vector, with optional decoupled weight decay;
 * the optimiser of the neural sequence models.
 * @module
 */

/** Settings of {@link Adam}. */
export interface AdamOptions {
  learningRate: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  /** Decoupled weight decay per step, scaled by the learning rate (AdamW). */
  weightDecay?: number;
}

/** Adam state for a parameter vector. */
export class Adam {
  private readonly m: Float32Array;
  private readonly v: Float32Array;
  private t = 0;

  constructor(
    private readonly params: Float32Array,
    private readonly options: AdamOptions,
  ) {
    this.m = new Float32Array(params.length);
    this.v = new Float32Array(params.length);
  }

  /** One update from `grad` (same layout as the parameters). */
  step(grad: Float32Array): void {
    const { learningRate: lr, beta1 = 0.9, beta2 = 0.98, eps = 1e-8, weightDecay = 0 } = this.options;
    this.t++;
    const c1 = 1 / (1 - beta1 ** this.t);
    const c2 = 1 / (1 - beta2 ** this.t);
    const { params: p, m, v } = this;
    adamUpdate(p, m, v, grad, 0, p.length, { beta1, beta2, c1, c2, lr, decay: 1 - lr * weightDecay, eps });
  }
}

/** Constants of one Adam step: moment decays, bias corrections 1/(1-βᵗ), rate, weight-decay factor. */
export interface AdamStepConstants {
  beta1: number;
  beta2: number;
  c1: number;
  c2: number;
  lr: number;
  decay: number;
  eps: number;
}

/**
 * The Adam update of elements `start` to `end` (exclusive) of `p` from `grad`, moments `m` and `v`
 * updated in place; shared by {@link Adam} (the whole vector) and the lazy variant (touched rows).
 */
export function adamUpdate(p: Float32Array, m: Float32Array, v: Float32Array, grad: Float32Array, start: number, end: number, k: AdamStepConstants): void {
  const { beta1, beta2, c1, c2, lr, decay, eps } = k;
  for (let i = start; i < end; i++) {
    const g = grad[i];
    const mi = beta1 * m[i] + (1 - beta1) * g;
    const vi = beta2 * v[i] + (1 - beta2) * g * g;
    m[i] = mi;
    v[i] = vi;
    p[i] = p[i] * decay - (lr * mi * c1) / (Math.sqrt(vi * c2) + eps);
  }
}
