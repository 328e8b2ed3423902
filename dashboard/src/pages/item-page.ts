/**
 * One item: its text and attributes, interaction statistics (events by type, rating histogram) and
 * the items most similar to it.
 * @module
 */
import { api } from '../api.js';
import { ApiError, errorMessage } from '../api-error.js';
import { chartBox, colour } from '../charts.js';
import { emptyState, errorBox, fmt, formatTime, h, loading, replace } from '../dom.js';
import { recList } from '../rec-list.js';
import { href } from '../router.js';
import type { RouteContext } from '../router.js';
import type { Item, ItemStats, Json } from '../types.js';

function attributeChips(attributes: Record<string, Json> | undefined): HTMLElement | null {
  if (!attributes) return null;
  const rows = Object.entries(attributes).map(([k, v]) => {
    const value = Array.isArray(v) ? v.map(String).join(', ') : typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v);
    return h('div', { class: 'kv' }, h('span', { class: 'k' }, k), h('span', { class: 'v' }, value));
  });
  return rows.length === 0 ? null : h('div', { class: 'kv-list' }, rows);
}

function statsSection(stats: ItemStats, signal: AbortSignal): HTMLElement {
  if (stats.events === 0) return emptyState('No interactions yet', 'Nobody has viewed, rated or liked this item so far.');
  const types = Object.entries(stats.byType);
  const byType = chartBox(
    {
      type: 'bar',
      data: { labels: types.map(([t]) => t), datasets: [{ label: 'events', data: types.map(([, n]) => n), backgroundColor: types.map((_, i) => colour(i)) }] },
      options: { indexAxis: 'y', plugins: { legend: { display: false }, title: { display: true, text: 'Events by type' } }, animation: false },
    },
    signal,
    { height: Math.max(140, 40 + types.length * 28), label: 'events by type' },
  );
  const hist = stats.ratings.histogram;
  const ratings =
    hist.length === 0
      ? null
      : chartBox(
          {
            type: 'bar',
            data: { labels: hist.map((b) => String(b.value)), datasets: [{ label: 'ratings', data: hist.map((b) => b.count), backgroundColor: colour(1) }] },
            options: { plugins: { legend: { display: false }, title: { display: true, text: 'Rating histogram' } }, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } }, animation: false },
          },
          signal,
          { height: 200, label: 'rating histogram' },
        );
  return h(
    'div',
    {},
    h(
      'div',
      { class: 'stat-row' },
      h('div', { class: 'stat' }, h('b', {}, String(stats.events)), h('span', {}, 'events')),
      h('div', { class: 'stat' }, h('b', {}, String(stats.users)), h('span', {}, 'users')),
      h('div', { class: 'stat' }, h('b', {}, stats.ratings.mean === null ? '–' : fmt(stats.ratings.mean, 2)), h('span', {}, `mean of ${stats.ratings.count} ratings`)),
      h('div', { class: 'stat' }, h('b', { class: 'small' }, stats.lastEventAt === null ? '–' : formatTime(stats.lastEventAt)), h('span', {}, 'latest event')),
    ),
    h('div', { class: 'grid-2' }, byType.box, ratings?.box ?? null),
  );
}

/** Renders the item page. */
export async function renderItem(root: HTMLElement, ctx: RouteContext): Promise<void> {
  const id = ctx.params.id;
  root.append(loading('Loading item'));
  let item: Item;
  try {
    item = await api.item(id, ctx.signal);
  } catch (error) {
    if (ctx.signal.aborted) return;
    replace(root, error instanceof ApiError && error.status === 404 ? emptyState(`No item “${id}”`, h('a', { href: href('/catalogue') }, 'Back to the catalogue')) : errorBox(errorMessage(error)));
    return;
  }
  const statsSlot = h('section', { class: 'card' }, h('h3', {}, 'Interactions'), loading('Counting'));
  const similarSlot = h('section', { class: 'card' }, h('h3', {}, 'Similar items'), loading('Finding similar items'));
  replace(
    root,
    h('div', { class: 'page-head' }, h('p', { class: 'crumbs' }, h('a', { href: href('/catalogue') }, 'Catalogue'), ` / ${item.id}`), h('h2', {}, item.title), item.available === false ? h('span', { class: 'badge warn' }, 'unavailable') : null),
    h('div', { class: 'grid-2 wide-left' }, h('section', { class: 'card' }, h('h3', {}, 'About'), item.text ? h('p', { class: 'item-text' }, item.text) : h('p', { class: 'muted' }, 'No description.'), attributeChips(item.attributes)), similarSlot),
    statsSlot,
  );
  void api
    .itemStats(id, ctx.signal)
    .then((stats) => replace(statsSlot, h('h3', {}, 'Interactions'), statsSection(stats, ctx.signal)))
    .catch((error: unknown) => {
      if (!ctx.signal.aborted) replace(statsSlot, h('h3', {}, 'Interactions'), errorBox(errorMessage(error)));
    });
  try {
    const similar = await api.similar(id, 10, ctx.signal);
    replace(similarSlot, h('h3', {}, 'Similar items'), recList(similar.items, { empty: 'No similar items: nobody has interacted with this item yet.' }), h('p', { class: 'muted small' }, `By ${similar.modelVersion}.`));
  } catch (error) {
    if (ctx.signal.aborted) return;
    const noModel = error instanceof ApiError && error.status === 404;
    replace(similarSlot, h('h3', {}, 'Similar items'), noModel ? emptyState('No trained model', h('p', {}, errorMessage(error), ' ', h('a', { href: href('/models') }, 'Train one'), '.')) : errorBox(errorMessage(error)));
  }
}
