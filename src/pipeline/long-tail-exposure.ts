/**
 * Re-rank stage: long-tail exposure (C14, C16). Items outside the head (top 20% by popularity) get
 * an additive boost of `boost` × the list's score range, and, with `minShare`, the first `k` slots
 * hold at least that share of tail items (the best tail items replace the lowest head items).
 * @module
 */
import type { ScoredItem } from './scored-item.js';
import { sortByScore } from './scored-item.js';

/** Options of {@link longTailExposure}. */
export interface LongTailOptions {
  /** Additive boost relative to the score range (default 0). */
  boost?: number;
  /** Minimum share of tail items in the first `k` (default 0). */
  minShare?: number;
}

/** Returns the list re-sorted with tail items boosted and the quota met within the first `k`. */
export function longTailExposure(list: readonly ScoredItem[], k: number, isTail: (itemId: string) => boolean, options: LongTailOptions): ScoredItem[] {
  const boost = options.boost ?? 0;
  let lo = Infinity;
  let hi = -Infinity;
  for (const c of list) {
    lo = Math.min(lo, c.score);
    hi = Math.max(hi, c.score);
  }
  const span = hi > lo ? hi - lo : 1;
  const sorted = sortByScore(boost > 0 ? list.map((c) => (isTail(c.itemId) ? { ...c, score: c.score + boost * span } : c)) : list);
  return enforceTailQuota(sorted, k, isTail, options.minShare ?? 0);
}

/**
 * Makes at least `minShare` of the first `k` items tail items by swapping the best remaining tail
 * items (in their order) into the places of the lowest-placed head items; other positions keep
 * their order.
 */
export function enforceTailQuota(list: readonly ScoredItem[], k: number, isTail: (itemId: string) => boolean, minShare: number): ScoredItem[] {
  const want = Math.ceil(Math.min(k, list.length) * minShare);
  const head = list.slice(0, k);
  const rest = list.slice(k);
  if (want === 0) return [...head, ...rest];
  let have = head.filter((c) => isTail(c.itemId)).length;
  for (let r = 0; have < want && r < rest.length; r++) {
    if (!isTail(rest[r].itemId)) continue;
    for (let p = head.length - 1; p >= 0; p--) {
      if (isTail(head[p].itemId)) continue;
      const [moved] = head.splice(p, 1, rest[r]);
      rest[r] = moved;
      have++;
      break;
    }
  }
  return [...head, ...rest];
}
