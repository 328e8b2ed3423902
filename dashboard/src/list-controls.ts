/**
 * Controls of the sortable, filterable list views (catalogue, users): a filter box, column headers
 * that sort, a pager and the totals line. The view's state lives in the page's address
 * (`?f=&sort=&order=&page=`), so a view can be bookmarked and Back works.
 * @module
 */
import { h } from './dom.js';
import { href, navigate } from './router.js';
import type { ViewPage } from './types.js';

/** The state of a list view, read from the address. */
export interface ViewState {
  filter: string;
  sort: string;
  order: 'asc' | 'desc';
  page: number;
}

/** Reads a view's state from the route's query, with `sorts[0]` as the default column. */
export function readViewState(query: URLSearchParams, sorts: readonly string[]): ViewState {
  const sort = query.get('sort') ?? '';
  return {
    filter: query.get('f') ?? '',
    sort: sorts.includes(sort) ? sort : sorts[0],
    order: query.get('order') === 'desc' ? 'desc' : 'asc',
    page: Math.max(1, Number(query.get('page') ?? '1') || 1),
  };
}

/** The address of `path` showing `state`. */
export function viewHref(path: string, state: ViewState): string {
  const search = new URLSearchParams();
  if (state.filter !== '') search.set('f', state.filter);
  search.set('sort', state.sort);
  search.set('order', state.order);
  if (state.page > 1) search.set('page', String(state.page));
  return `${path}?${search.toString()}`;
}

/** A filter box that navigates to the filtered view (first page). */
export function filterForm(path: string, state: ViewState, placeholder: string): HTMLFormElement {
  const input = h('input', { type: 'search', name: 'f', placeholder, value: state.filter, 'aria-label': placeholder });
  const form = h('form', { class: 'searchbar filter', role: 'search' }, input, h('button', { type: 'submit', class: 'btn' }, 'Filter'));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    navigate(viewHref(path, { ...state, filter: input.value.trim(), page: 1 }));
  });
  return form;
}

/** A column header that sorts by `column` (a second click reverses), with `aria-sort` set. */
export function sortHeader(path: string, state: ViewState, column: string, label: string, className = ''): HTMLTableCellElement {
  const active = state.sort === column;
  const order = active && state.order === 'asc' ? 'desc' : 'asc';
  const arrow = active ? (state.order === 'asc' ? ' ▲' : ' ▼') : '';
  return h(
    'th',
    { class: `sortable ${className}`.trim(), 'aria-sort': active ? (state.order === 'asc' ? 'ascending' : 'descending') : 'none', 'data-column': column },
    h('a', { href: href(viewHref(path, { ...state, sort: column, order, page: 1 })) }, label, arrow),
  );
}

/** "12 of 610 users · page 2 of 3", plus a note when only the first rows were read. */
export function totalsLine(view: ViewPage, noun: string, state: ViewState, pageSize: number): HTMLElement {
  const pages = Math.max(1, Math.ceil(view.matched / pageSize));
  const counted = state.filter === '' ? `${view.total} ${noun}` : `${view.matched} of ${view.total} ${noun} match “${state.filter}”`;
  return h(
    'p',
    { class: 'muted small totals' },
    `${counted} · page ${state.page} of ${pages}`,
    view.truncated ? ' · too many to sort all: only the first ones by stored id are sorted and filtered' : '',
  );
}

/** Previous / next links of a view. */
export function pager(path: string, state: ViewState, view: ViewPage, pageSize: number): HTMLElement {
  const last = Math.max(1, Math.ceil(view.matched / pageSize));
  const link = (page: number, label: string, enabled: boolean): HTMLElement =>
    enabled ? h('a', { class: 'btn', href: href(viewHref(path, { ...state, page })) }, label) : h('span', { class: 'btn disabled' }, label);
  return h('div', { class: 'pager' }, link(state.page - 1, '← Previous', state.page > 1), h('span', { class: 'muted' }, `Page ${state.page} of ${last}`), link(state.page + 1, 'Next →', state.page < last));
}
