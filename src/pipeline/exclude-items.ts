/**
 * Re-rank stage: de-duplication and exclusion — drops repeated ids, seen items, explicit
 * exclusions and items marked unavailable.
 * @module
 */
import type { ScoredItem } from './scored-item.js';

/** Keeps the first occurrence of each id that is not in any of `exclude` and not `available === false`. */
export function excludeItems(list: readonly ScoredItem[], ...exclude: ReadonlySet<string>[]): ScoredItem[] {
  const kept = new Set<string>();
  const out: ScoredItem[] = [];
  for (const c of list) {
    if (kept.has(c.itemId) || exclude.some((s) => s.has(c.itemId)) || c.item?.available === false) continue;
    kept.add(c.itemId);
    out.push(c);
  }
  return out;
}
