/**
 * Explanations (C18): for a recommended item, the data behind it — which sources proposed it with
 * their scores, the user's history items most similar to it, the aspects (genres, tags, category)
 * it shares with the history — and one readable sentence built from them.
 * @module
 */
import type { Item } from '../core/types.js';
import type { ItemSimilarity } from './mmr-diversify.js';
import { itemFacets } from './item-similarity.js';

/** A history item that led to a recommendation. */
export interface BecauseItem {
  itemId: string;
  title: string;
  similarity: number;
}

/** The reasons of one recommendation. */
export interface Explanation {
  sentence: string;
  because: BecauseItem[];
  aspects: string[];
  sourceScores: Record<string, number>;
}

/** What {@link explainItem} needs about the user. */
export interface ExplanationContext {
  /** Positively judged items, most recent last. */
  positives: readonly string[];
  /** Catalogue records of the history and the candidate. */
  items: ReadonlyMap<string, Item>;
  /** Similarity used to pick history items. */
  similarity: ItemSimilarity;
  /** Facet counts over the user's history (see {@link facetProfile}). */
  profile: ReadonlyMap<string, number>;
  /** Wording of the trending reason (default "popular this week"). */
  trendingPhrase?: string;
  /**
   * Whether the item is genuinely new (e.g. added in the last 30 days): the "new arrival" reason is
   * given only then, not merely because the fresh source proposed it. Default: always false.
   */
  isNew?: (itemId: string) => boolean;
  /** Whether the item has real recent activity: the trending reason is given only then. Default: always true. */
  isTrendingNow?: (itemId: string) => boolean;
}

/** Counts of descriptive attribute values over the user's latest positives (case kept from the data). */
export function facetProfile(positives: readonly string[], items: ReadonlyMap<string, Item>, last = 50): Map<string, number> {
  const counts = new Map<string, number>();
  for (const id of positives.slice(-last)) for (const f of itemFacets(items.get(id))) counts.set(f, (counts.get(f) ?? 0) + 1);
  return counts;
}

/** Explains `itemId`, proposed by `sourceScores`' sources. */
export function explainItem(itemId: string, sourceScores: Record<string, number>, ctx: ExplanationContext, maxBecause = 2): Explanation {
  const history = ctx.positives.slice(-100);
  const scored = history
    .map((h) => ({ itemId: h, similarity: ctx.similarity(itemId, h) }))
    .filter((b) => b.similarity > 0)
    .sort((a, b) => b.similarity - a.similarity)
    .slice(0, maxBecause);
  const because: BecauseItem[] = scored.map((b) => ({ itemId: b.itemId, title: ctx.items.get(b.itemId)?.title ?? b.itemId, similarity: round(b.similarity) }));
  // Aspects: the item's facets that the user's history shares, most frequent in the history first.
  // With no history there is nothing to share: every facet would pass a threshold of zero.
  const minCount = Math.max(1, Math.min(Math.max(2, Math.ceil(history.length * 0.1)), history.length));
  const aspects = (history.length === 0 ? [] : itemFacets(ctx.items.get(itemId)))
    .filter((f) => (ctx.profile.get(f) ?? 0) >= minCount)
    .sort((a, b) => (ctx.profile.get(b) ?? 0) - (ctx.profile.get(a) ?? 0))
    .slice(0, 3);
  const parts: string[] = [];
  if (because.length > 0) parts.push(`Because you liked ${joinWords(because.map((b) => b.title))}`);
  const sources = Object.keys(sourceScores);
  if (sources.includes('session') && because.length === 0) parts.push('similar to what you just looked at');
  if (sources.includes('trending') && (ctx.isTrendingNow?.(itemId) ?? true)) parts.push(ctx.trendingPhrase ?? 'popular this week');
  if (sources.includes('fresh') && (ctx.isNew?.(itemId) ?? false)) parts.push('new arrival');
  if (aspects.length > 0) parts.push(`${joinWords(aspects).toLowerCase()} like your recent picks`);
  if (parts.length === 0) parts.push(sources.includes('popularity') ? 'Popular with other users' : 'Recommended for you');
  const sentence = `${capitalise(parts.join('; '))}.`;
  return { sentence, because, aspects, sourceScores: roundAll(sourceScores) };
}

function joinWords(words: readonly string[]): string {
  if (words.length <= 1) return words.join('');
  return `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}`;
}

function capitalise(s: string): string {
  return s.length > 0 ? s[0].toUpperCase() + s.slice(1) : s;
}

function round(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}

function roundAll(r: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(r)) out[k] = round(v);
  return out;
}
