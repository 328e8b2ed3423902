/**
 * Re-rank stage: diversity by maximal marginal relevance. Picks `k` items greedily, each maximising
 * λ·relevance − (1 − λ)·max similarity to the items already picked, with relevance the min-max
 * normalised score. λ = 1 keeps the score order.
 * @module
 */
import { ValidationError } from '../core/errors.js';
import type { ScoredItem } from './scored-item.js';

/** Similarity of two items in [0, 1] (or any bounded scale). */
export type ItemSimilarity = (a: string, b: string) => number;

/** Selects `k` of `list` (best first by score) by MMR; the returned items keep their scores. */
export function mmrDiversify(list: readonly ScoredItem[], k: number, similarity: ItemSimilarity, lambda = 0.7): ScoredItem[] {
  if (!(lambda >= 0 && lambda <= 1)) throw new ValidationError(`MMR lambda must be in [0, 1], got ${lambda}`, { details: { field: 'lambda', value: lambda } });
  const n = list.length;
  if (n === 0 || k <= 0) return [];
  let lo = Infinity;
  let hi = -Infinity;
  for (const c of list) {
    lo = Math.min(lo, c.score);
    hi = Math.max(hi, c.score);
  }
  const rel = Float64Array.from(list, (c) => (hi > lo ? (c.score - lo) / (hi - lo) : 1));
  const maxSim = new Float64Array(n);
  const taken = new Uint8Array(n);
  const out: ScoredItem[] = [];
  while (out.length < Math.min(k, n)) {
    let best = -1;
    let bestValue = -Infinity;
    for (let i = 0; i < n; i++) {
      if (taken[i]) continue;
      const v = lambda * rel[i] - (1 - lambda) * maxSim[i];
      if (v > bestValue) {
        bestValue = v;
        best = i;
      }
    }
    taken[best] = 1;
    out.push(list[best]);
    for (let i = 0; i < n; i++) if (!taken[i]) maxSim[i] = Math.max(maxSim[i], similarity(list[i].itemId, list[best].itemId));
  }
  return out;
}

/** Mean pairwise similarity of a list (intra-list similarity; lower is more diverse). */
export function intraListSimilarity(ids: readonly string[], similarity: ItemSimilarity): number {
  let sum = 0;
  let pairs = 0;
  for (let a = 0; a < ids.length; a++) for (let b = a + 1; b < ids.length; b++) {
    sum += similarity(ids[a], ids[b]);
    pairs++;
  }
  return pairs > 0 ? sum / pairs : 0;
}
