/**
 * A ranked list of recommended items with their explanation sentence and source badges, optional
 * per-item actions, and movement marks against a previous list ("new", "▲ 3", "▼ 1").
 * @module
 */
import { h } from './dom.js';
import type { Child } from './dom.js';
import { href } from './router.js';
import type { RecommendedItem } from './types.js';

/** The explanation sentence of an item, whichever form the server sent. */
export function explanationOf(item: RecommendedItem): string {
  const e = item.explanation;
  if (typeof e === 'string') return e;
  if (e && typeof e.sentence === 'string') return e.sentence;
  return '';
}

/** Aspects of a structured explanation, as short labels. */
function aspectsOf(item: RecommendedItem): string[] {
  const e = item.explanation;
  if (typeof e !== 'object' || !Array.isArray(e.aspects)) return [];
  return e.aspects.map((a) => (typeof a === 'string' ? a : typeof a === 'object' && a !== null && !Array.isArray(a) && typeof a.aspect === 'string' ? a.aspect : '')).filter((s) => s !== '');
}

/** A small pill naming a candidate source. */
export function sourceBadge(source: string): HTMLElement {
  return h('span', { class: `badge src-${source.replace(/[^a-z0-9-]/gi, '')}`, title: `proposed by ${source}` }, source);
}

/** Options of {@link recList}. */
export interface RecListOptions {
  /** Ranks of the previous list by item id, to mark moves and new entries. */
  previous?: ReadonlyMap<string, number>;
  /** Buttons or other controls per item. */
  actions?: (item: RecommendedItem) => Child;
  /** Called when the item's link is followed. */
  onOpen?: (item: RecommendedItem) => void;
  /** Shown instead of an empty list. */
  empty?: Child;
}

/** Renders `items` as an ordered list. */
export function recList(items: readonly RecommendedItem[], options: RecListOptions = {}): HTMLElement {
  if (items.length === 0) return h('div', { class: 'muted' }, options.empty ?? 'No items.');
  return h(
    'ol',
    { class: 'rec-list' },
    items.map((item, rank) => {
      const before = options.previous?.get(item.id);
      let move: HTMLElement | null = null;
      let cls = 'rec';
      if (options.previous && options.previous.size > 0) {
        if (before === undefined) {
          move = h('span', { class: 'move new', title: 'new in the list' }, 'new');
          cls += ' is-new';
        } else if (before !== rank) {
          const up = before > rank;
          move = h('span', { class: `move ${up ? 'up' : 'down'}`, title: `was #${before + 1}` }, `${up ? '▲' : '▼'} ${Math.abs(before - rank)}`);
          cls += ' is-moved';
        }
      }
      const sentence = explanationOf(item);
      const aspects = aspectsOf(item);
      return h(
        'li',
        { class: cls, 'data-item-id': item.id },
        h('span', { class: 'rank' }, String(rank + 1)),
        h(
          'div',
          { class: 'rec-main' },
          h('div', { class: 'rec-title' }, h('a', { href: href(`/items/${encodeURIComponent(item.id)}`), onclick: () => options.onOpen?.(item) }, item.title ?? item.id), move),
          sentence === '' ? null : h('div', { class: 'why' }, sentence),
          h(
            'div',
            { class: 'badges' },
            (item.sources ?? []).map(sourceBadge),
            aspects.map((a) => h('span', { class: 'badge aspect' }, a)),
            h('span', { class: 'score', title: 'ranking score (ranker or rank fusion) before diversity re-ranking: the list is in served order, so scores need not decrease along it' }, item.score.toFixed(3)),
          ),
        ),
        options.actions ? h('div', { class: 'rec-actions' }, options.actions(item)) : null,
      );
    }),
  );
}

/** Ranks by id of a list, for {@link RecListOptions.previous}. */
export function ranksOf(items: readonly RecommendedItem[]): Map<string, number> {
  return new Map(items.map((it, i) => [it.id, i]));
}
