/**
 * Explanations (C18): for a recommended item, the data behind it — which sources proposed it with
 * their scores, the user's history items most similar to it (by the similarity its proposing sources
 * rest on, varied across a list: {@link explainItems}), the aspects (genres, tags, category) it
 * shares with the history — and one readable sentence built from them.
 * @module
 */
import type { Item } from '../core/types.js';
import type { ItemSimilarity } from './mmr-diversify.js';
import { itemFacets } from './item-similarity.js';

/**
 * What the similarity used to pick history items measures, which decides the wording: `co-occurrence`
 * (item-kNN: liked by the same people), `text` (cosine of text vectors) or `attributes` (shared genres, tags …).
 */
export type SimilarityKind = 'co-occurrence' | 'text' | 'attributes';

/** Sources whose proposals rest on item text: their items are explained by text similarity. */
export const TEXT_SOURCES: readonly string[] = ['semantic', 'fresh'];
/** Sources that propose items whatever the user's history: no history item explains their proposals. */
export const UNPERSONAL_SOURCES: readonly string[] = ['trending', 'popularity'];

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
  /** Who wrote `sentence`: set by the pipeline (`template`, or `llm` when a checked written sentence replaced it). */
  provenance?: 'llm' | 'template';
}

/** What {@link explainItem} needs about the user. */
export interface ExplanationContext {
  /** Positively judged items, most recent last. */
  positives: readonly string[];
  /** Catalogue records of the history and the candidate. */
  items: ReadonlyMap<string, Item>;
  /** Similarity used to pick history items for items a collaborative source (a model, the session) proposed. */
  similarity: ItemSimilarity;
  /** What {@link ExplanationContext.similarity} measures (default `co-occurrence`). */
  similarityKind?: SimilarityKind;
  /**
   * Text similarity for items only text-based sources ({@link TEXT_SOURCES}) proposed; without it
   * (and unless `similarityKind` is `text`) such items name no history item.
   */
  textSimilarity?: ItemSimilarity;
  /**
   * Each history item's weight as a reason is multiplied by this per earlier use in the same list
   * (see {@link explainItems}; default 0.5, 1 = no penalty).
   */
  repeatPenalty?: number;
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

/**
 * The similarity that is true of the sources that proposed an item: the collaborative one when any
 * personal source other than a text-based one proposed it, text similarity when only text-based
 * sources did, none when only unpersonal sources (trending, popularity) did.
 */
function basisOf(sources: readonly string[], ctx: ExplanationContext): { similarity: ItemSimilarity; kind: SimilarityKind } | undefined {
  const personal = sources.filter((s) => !UNPERSONAL_SOURCES.includes(s));
  if (personal.length === 0) return undefined;
  const kind = ctx.similarityKind ?? 'co-occurrence';
  if (!personal.every((s) => TEXT_SOURCES.includes(s))) return { similarity: ctx.similarity, kind };
  if (ctx.textSimilarity) return { similarity: ctx.textSimilarity, kind: 'text' };
  return kind === 'text' ? { similarity: ctx.similarity, kind } : undefined;
}

/**
 * Explains a whole list, best first: each item names the history items most similar to it (a real
 * similarity > 0, measured as its proposing sources measure it), a history item already named
 * earlier in the list counting `repeatPenalty` times less per use, so the list names varied items.
 */
export function explainItems(list: readonly { itemId: string; sourceScores: Record<string, number> }[], ctx: ExplanationContext, maxBecause = 2): Explanation[] {
  const named = new Map<string, number>();
  // The history's distinct items, once for the whole list.
  const history = [...new Set(ctx.positives.slice(-100))];
  return list.map((c) => {
    const e = explainItem(c.itemId, c.sourceScores, ctx, maxBecause, named, history);
    for (const b of e.because) named.set(b.itemId, (named.get(b.itemId) ?? 0) + 1);
    return e;
  });
}

/**
 * Explains `itemId`, proposed by `sourceScores`' sources. `named` counts how often each history item
 * was already named in the list (see {@link explainItems}).
 */
export function explainItem(
  itemId: string,
  sourceScores: Record<string, number>,
  ctx: ExplanationContext,
  maxBecause = 2,
  named?: ReadonlyMap<string, number>,
  distinctHistory?: readonly string[],
): Explanation {
  const history = ctx.positives.slice(-100);
  const sources = Object.keys(sourceScores);
  const basis = basisOf(sources, ctx);
  const penalty = ctx.repeatPenalty ?? 0.5;
  const scored = basis ? bestHistoryItems(itemId, distinctHistory ?? [...new Set(history)], basis.similarity, penalty, named, maxBecause) : [];
  const because: BecauseItem[] = scored.map((b) => ({ itemId: b.itemId, title: ctx.items.get(b.itemId)?.title ?? b.itemId, similarity: round(b.similarity) }));
  // Aspects: the item's facets that the user's history shares, most frequent in the history first.
  // With no history there is nothing to share: every facet would pass a threshold of zero.
  const minCount = Math.max(1, Math.min(Math.max(2, Math.ceil(history.length * 0.1)), history.length));
  const aspects = (history.length === 0 ? [] : itemFacets(ctx.items.get(itemId)))
    .filter((f) => (ctx.profile.get(f) ?? 0) >= minCount)
    .sort((a, b) => (ctx.profile.get(b) ?? 0) - (ctx.profile.get(a) ?? 0))
    .slice(0, 3);
  const parts: string[] = [];
  if (because.length > 0 && basis) parts.push(becausePhrase(joinWords(because.map((b) => b.title)), basis.kind));
  if (sources.includes('session') && because.length === 0) parts.push('similar to what you just looked at');
  if (sources.includes('trending') && (ctx.isTrendingNow?.(itemId) ?? true)) parts.push(ctx.trendingPhrase ?? 'popular this week');
  if (sources.includes('fresh') && (ctx.isNew?.(itemId) ?? false)) parts.push('new arrival');
  if (aspects.length > 0) parts.push(`${joinWords(aspects).toLowerCase()} like your recent picks`);
  if (parts.length === 0) parts.push(sources.includes('popularity') ? 'Popular with other users' : 'Recommended for you');
  const sentence = `${capitalise(parts.join('; '))}.`;
  return { sentence, because, aspects, sourceScores: roundAll(sourceScores) };
}

/** The "because" reason in the words of what the similarity measures. */
/**
 * The `n` history items most similar to `itemId` by weight (similarity, lowered for items already
 * named in the list), ties by similarity, then by history order: one pass keeping the best `n`,
 * where sorting every history item per explained item cost a sort and three arrays each.
 */
function bestHistoryItems(
  itemId: string,
  history: readonly string[],
  similarity: ItemSimilarity,
  penalty: number,
  named: ReadonlyMap<string, number> | undefined,
  n: number,
): { itemId: string; similarity: number; weight: number }[] {
  const best: { itemId: string; similarity: number; weight: number }[] = [];
  if (n <= 0) return best;
  for (const h of history) {
    if (h === itemId) continue;
    const sim = similarity(itemId, h);
    if (!(sim > 0)) continue;
    const uses = named?.get(h) ?? 0;
    const weight = uses === 0 ? sim : sim * Math.pow(penalty, uses);
    if (best.length === n) {
      const last = best[n - 1];
      if (weight < last.weight || (weight === last.weight && sim <= last.similarity)) continue;
    }
    let at = best.length;
    while (at > 0 && (best[at - 1].weight < weight || (best[at - 1].weight === weight && best[at - 1].similarity < sim))) at--;
    best.splice(at, 0, { itemId: h, similarity: sim, weight });
    if (best.length > n) best.pop();
  }
  return best;
}

function becausePhrase(titles: string, kind: SimilarityKind): string {
  if (kind === 'text') return `close in content to ${titles}, which you liked`;
  if (kind === 'attributes') return `shares genres or tags with ${titles}, which you liked`;
  return `because you liked ${titles} (liked by the same people)`;
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
