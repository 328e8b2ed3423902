/**
 * Catalogue: items in natural id order (or by title, either way), filtered by id or title, with
 * totals, and a search box that asks the engine's text encoder
 * (`POST /v1/query`) for items matching a description.
 * @module
 */
import { api } from '../api.js';
import { ApiError, errorMessage } from '../api-error.js';
import { emptyState, errorBox, h, loading, replace } from '../dom.js';
import { recList } from '../rec-list.js';
import { filterForm, pager, readViewState, sortHeader, totalsLine } from '../list-controls.js';
import { href, navigate } from '../router.js';
import type { RouteContext } from '../router.js';
import type { Item } from '../types.js';

const PAGE = 50;

function attributeSummary(item: Item): string {
  const a = item.attributes ?? {};
  const genres = Array.isArray(a.genres) ? a.genres.map((g) => (typeof g === 'string' ? g : JSON.stringify(g))).join(', ') : typeof a.genres === 'string' ? a.genres : '';
  const year = typeof a.year === 'number' || typeof a.year === 'string' ? String(a.year) : '';
  return [year, genres].filter((s) => s !== '').join(' · ');
}

/** Renders the catalogue page. */
export async function renderCatalogue(root: HTMLElement, ctx: RouteContext): Promise<void> {
  const view = readViewState(ctx.query, ['id', 'title']);
  const searchText = ctx.query.get('q') ?? '';

  const input = h('input', { type: 'search', name: 'q', placeholder: 'Search by meaning, e.g. "heist movie with a twist"', value: searchText, 'aria-label': 'search items' });
  const form = h('form', { class: 'searchbar', role: 'search' }, input, h('button', { type: 'submit', class: 'btn primary' }, 'Search'));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const q = input.value.trim();
    navigate(q === '' ? '/catalogue' : `/catalogue?q=${encodeURIComponent(q)}`);
  });
  const results = h('div', { class: 'results' });
  const table = h('div', {});
  root.append(h('div', { class: 'page-head' }, h('h2', {}, 'Catalogue'), h('p', { class: 'muted' }, 'Browse items, or describe what you are looking for.')), form, results, table);

  if (searchText !== '') {
    replace(results, loading('Searching'));
    try {
      const direct = await api.item(searchText, ctx.signal).catch(() => undefined);
      const res = await api.query(searchText, 20, undefined, ctx.signal);
      replace(
        results,
        h('h3', {}, `Matches for “${searchText}”`),
        direct ? h('p', {}, 'Item with this id: ', h('a', { href: href(`/items/${encodeURIComponent(direct.id)}`) }, direct.title)) : null,
        recList(res.items, { empty: 'Nothing matched.' }),
        h('p', { class: 'muted small' }, `Ranked by ${res.modelVersion}. `, h('a', { href: href('/catalogue') }, 'Clear search')),
      );
    } catch (error) {
      if (ctx.signal.aborted) return;
      const needsModel = error instanceof ApiError && error.status === 404;
      replace(
        results,
        needsModel
          ? emptyState('Text search needs the semantic model', h('p', {}, errorMessage(error), ' Train ', h('code', {}, 'semantic'), ' on the ', h('a', { href: href('/models') }, 'Models'), ' page (an encoder must be configured).'))
          : errorBox(errorMessage(error)),
      );
    }
    return;
  }

  replace(table, loading('Loading items'));
  try {
    const res = await api.itemView({ q: view.filter, sort: view.sort, order: view.order, offset: (view.page - 1) * PAGE, limit: PAGE }, ctx.signal);
    if (res.total === 0) {
      replace(table, emptyState('The catalogue is empty', h('p', {}, 'Import items first, e.g. ', h('code', {}, 'lmrec import data/demo/ml-latest-small'), ', or POST them to ', h('code', {}, '/v1/items'), '.')));
      return;
    }
    const rows = res.items.map((item) =>
      h(
        'tr',
        {},
        h('td', { class: 'mono' }, item.id),
        h('td', {}, h('a', { href: href(`/items/${encodeURIComponent(item.id)}`) }, item.title), item.available === false ? h('span', { class: 'badge warn' }, 'unavailable') : null),
        h('td', { class: 'muted hide-narrow' }, attributeSummary(item)),
      ),
    );
    replace(
      table,
      filterForm('/catalogue', view, 'Filter by id or title'),
      totalsLine(res, 'items', view, PAGE),
      res.items.length === 0
        ? emptyState(`No item id or title contains “${view.filter}”`, h('p', {}, 'Try the search by meaning above.'))
        : h(
            'table',
            { class: 'table' },
            h('thead', {}, h('tr', {}, sortHeader('/catalogue', view, 'id', 'id'), sortHeader('/catalogue', view, 'title', 'title'), h('th', { class: 'hide-narrow' }, 'details'))),
            h('tbody', {}, rows),
          ),
      pager('/catalogue', view, res, PAGE),
    );
  } catch (error) {
    if (!ctx.signal.aborted) replace(table, errorBox(errorMessage(error)));
  }
}
