/**
 * The scores a pipeline list is served with: the final re-ranked score of each item, consistent with
 * the served order. Ranker scores can be negative and MMR reorders by relevance minus redundancy, so
 * the raw scores of a served list are neither non-negative nor in order; this stage reports instead
 * each item's MMR marginal value in the order served, shifted into [0, 1]:
 *
 *   score_i = λ·rel_i − (1 − λ)·max_{j<i} sim(i, j) + (1 − λ)
 *
 * with rel the min-max normalised score (after freshness and long-tail boosts) over the window MMR
 * chose from. For a list MMR picked greedily this sequence is already non-increasing (an item's value
 * can only fall as more items are picked); a running minimum keeps it so after later reorderings
 * (the long-tail quota). With λ = 1 it is the normalised score.
 * @module
 */
import type { ItemSimilarity } from './mmr-diversify.js';
import type { ScoredItem } from './scored-item.js';

/**
 * Scores for `served` (in its order) relative to `window`, the candidates it was chosen from:
 * in [0, 1], non-increasing down the list.
 * @example
 * servedScores([{ itemId: 'a', score: -0.2, … }, { itemId: 'b', score: -1.5, … }], window, sim, 0.8);
 * // e.g. [1, 0.61]
 */
export function servedScores(served: readonly ScoredItem[], window: readonly ScoredItem[], similarity: ItemSimilarity, lambda: number): number[] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const c of window.length > 0 ? window : served) {
    lo = Math.min(lo, c.score);
    hi = Math.max(hi, c.score);
  }
  const out: number[] = [];
  let previous = 1;
  for (let i = 0; i < served.length; i++) {
    const rel = hi > lo ? Math.min(1, Math.max(0, (served[i].score - lo) / (hi - lo))) : 1;
    let redundancy = 0;
    if (lambda < 1) for (let j = 0; j < i; j++) redundancy = Math.max(redundancy, similarity(served[i].itemId, served[j].itemId));
    const value = lambda * rel - (1 - lambda) * Math.min(1, redundancy) + (1 - lambda);
    previous = Math.min(previous, Math.max(0, value));
    out.push(round(previous));
  }
  return out;
}

function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
