/**
 * Degree-normalised EASE (kind `nease`): EDLAE's closed form (`edlae.ts`) with two normalisations of
 * the kind studied for linear autoencoders by Park et al. ("Why is Normalization Necessary for Linear
 * Recommenders?", SIGIR 2025), each a validation-chosen exponent that is 0 for plain EDLAE:
 *
 * - user side: user u's squared reconstruction error is weighted by |u|^−β, so the Gram is XᵀWX and
 *   heavy users no longer dominate the item-item correlations (W is rescaled to keep the Gram's
 *   trace, so λ means what it means in EASE);
 * - item side: column j of B is scaled by count(j)^−δ (relative to the mean count), which lowers the
 *   scores of popular targets against rare ones.
 *
 * B = (I − P·diag(1/diag(P)))·diag(c^−δ), P = (XᵀWX + λI + p/(1 − p)·diag(XᵀWX))⁻¹. A history still
 * scores as the sum of its items' rows of B, so the model shares EASE's item cap, fallback, live-history
 * scoring, sparse retrieval and snapshot (`ease.ts`).
 * @module
 */
import { EaseModel } from './ease.js';
import type { EaseOptions } from './ease.js';

/** Hyper-parameters of the degree-normalised EASE: EASE's, EDLAE's dropout and the two exponents. */
export interface NeaseOptions extends EaseOptions {
  /** EDLAE's dropout probability p in [0, 1). */
  dropout: number;
  /** Exponent β ≥ 0 of the user weight |u|^−β on the squared error. */
  userNorm: number;
  /** Exponent δ ≥ 0 of the popularity scaling count(j)^−δ of B's columns. */
  popularity: number;
}

const DEFAULTS: NeaseOptions = { lambda: 250, minSupport: 1, maxItems: 6000, tailNeighbours: 50, dropout: 0, userNorm: 0.5, popularity: 0.1 };

/** Creates a degree-normalised EASE recommender (an {@link EaseModel} of kind `nease`). */
export function createNease(options: Partial<NeaseOptions> = {}): EaseModel {
  const { dropout, userNorm, popularity, ...ease } = { ...DEFAULTS, ...options };
  return new EaseModel(ease, { dropout, userNorm, popularity });
}
