/**
 * Re-rank stage: freshness (C17). Adds `weight` × the list's score range × 2^(−age / halfLife) to
 * each item whose age is known, so brand-new items rise and the boost fades with age.
 * @module
 */
import type { ScoredItem } from './scored-item.js';

/** Options of {@link boostFreshness}. */
export interface FreshnessOptions {
  /** Boost of a brand-new item, relative to the score range (default 0.3). */
  weight?: number;
  /** Age at which the boost halves, ms (default 3 days). */
  halfLifeMs?: number;
}

/** Returns the items with freshness-boosted scores (order unchanged; sort afterwards). */
export function boostFreshness(list: readonly ScoredItem[], ageMs: (itemId: string) => number | undefined, options: FreshnessOptions = {}): ScoredItem[] {
  const weight = options.weight ?? 0.3;
  const halfLife = options.halfLifeMs ?? 3 * 86_400_000;
  if (weight === 0) return [...list];
  let lo = Infinity;
  let hi = -Infinity;
  for (const c of list) {
    lo = Math.min(lo, c.score);
    hi = Math.max(hi, c.score);
  }
  const span = hi > lo ? hi - lo : 1;
  return list.map((c) => {
    const age = ageMs(c.itemId);
    if (age === undefined) return c;
    const b = weight * span * Math.pow(2, -Math.max(0, age) / halfLife);
    return b > 0 ? { ...c, score: c.score + b } : c;
  });
}
