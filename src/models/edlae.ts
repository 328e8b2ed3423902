/**
 * EDLAE, the full-rank emphasized denoising linear autoencoder (Steck, "Autoencoders that don't
 * overfit towards the Identity", NeurIPS 2020): EASE's closed form with a dropout-derived penalty
 * Λ = λI + p/(1 − p)·diag(XᵀX) and B's diagonal held at zero (full emphasis on the dropped-out inputs).
 * It shares EASE's fit, item cap, fallback, scoring of a live history row and snapshot (`ease.ts`).
 * @module
 */
import { EaseModel } from './ease.js';
import type { EaseOptions } from './ease.js';

/** Hyper-parameters of EDLAE: EASE's, plus the dropout probability. */
export interface EdlaeOptions extends EaseOptions {
  /** Dropout probability p in [0, 1); 0 is EASE. */
  dropout: number;
}

const DEFAULTS: EdlaeOptions = { lambda: 50, minSupport: 1, maxItems: 6000, tailNeighbours: 50, dropout: 0.25 };

/** Creates an EDLAE recommender (an {@link EaseModel} of kind `edlae`). */
export function createEdlae(options: Partial<EdlaeOptions> = {}): EaseModel {
  const { dropout, ...ease } = { ...DEFAULTS, ...options };
  return new EaseModel(ease, { dropout });
}
