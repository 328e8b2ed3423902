/**
 * Re-rank stage: text placement of fresh items (C17). An item that only the fresh source proposes
 * is unknown to every collaborative model, so the ranker sees one weak vote for it whatever its
 * text says. This stage places it among the known candidates by text instead: it scores at least
 * as high as the best known candidate whose text matches the user's interest less well (ties go to
 * the known item), so a new item that fits the user lands where its text earns and one that does
 * not fit stays where it was.
 * @module
 */
import type { ScoredItem } from './scored-item.js';

/**
 * Returns the list with the scores of `fresh` items raised to their text place among the first
 * `window` known candidates by score; `match(id)` is the cosine of an item's text to the user's
 * interest (undefined without a vector). Pure; order unchanged (sort afterwards).
 */
export function placeByText(list: readonly ScoredItem[], isFresh: (c: ScoredItem) => boolean, match: (itemId: string) => number | undefined, window = 50): ScoredItem[] {
  const known = [...list]
    .filter((c) => !isFresh(c))
    .sort((a, b) => b.score - a.score)
    .slice(0, window)
    .map((c) => ({ score: c.score, cos: match(c.itemId) }))
    .filter((c): c is { score: number; cos: number } => c.cos !== undefined);
  if (known.length === 0) return [...list];
  return list.map((c) => {
    if (!isFresh(c)) return c;
    const cos = match(c.itemId);
    if (cos === undefined) return c;
    let best = -Infinity;
    for (const k of known) if (k.cos < cos && k.score > best) best = k.score;
    if (!(best > c.score)) return c;
    // Just below the known item it outmatches would misrank it; just above keeps ties with known items strict.
    return { ...c, score: best + Math.abs(best) * 1e-6 + 1e-9 };
  });
}
