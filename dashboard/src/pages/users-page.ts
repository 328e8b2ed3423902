/**
 * Users: every stored user in natural id order (or by event count), filtered by id, with totals.
 * @module
 */
import { api } from '../api.js';
import { errorMessage } from '../api-error.js';
import { emptyState, errorBox, h, loading, replace } from '../dom.js';
import { filterForm, pager, readViewState, sortHeader, totalsLine } from '../list-controls.js';
import { href } from '../router.js';
import type { RouteContext } from '../router.js';

const PAGE = 50;

/** Renders the users list. */
export async function renderUsers(root: HTMLElement, ctx: RouteContext): Promise<void> {
  const view = readViewState(ctx.query, ['id', 'events']);
  const list = h('div', {}, loading('Loading users'));
  root.append(h('div', { class: 'page-head' }, h('h2', {}, 'Users'), h('p', { class: 'muted' }, 'Pick someone to see their history and recommendations.')), list);
  try {
    const res = await api.userView({ q: view.filter, sort: view.sort, order: view.order, offset: (view.page - 1) * PAGE, limit: PAGE }, ctx.signal);
    if (res.total === 0) {
      replace(list, emptyState('No users yet', h('p', {}, 'Users appear when events are imported or posted to ', h('code', {}, '/v1/events'), '.')));
      return;
    }
    replace(
      list,
      filterForm('/users', view, 'Filter by user id'),
      totalsLine(res, 'users', view, PAGE),
      res.users.length === 0
        ? emptyState(
            `No user id contains “${view.filter}”`,
            h('p', {}, 'You can still ', h('a', { href: href(`/users/${encodeURIComponent(view.filter)}`) }, `open user “${view.filter}”`), ': a user without history gets the fallback list.'),
          )
        : h(
            'table',
            { class: 'table' },
            h('thead', {}, h('tr', {}, sortHeader('/users', view, 'id', 'user'), sortHeader('/users', view, 'events', 'events', 'num'))),
            h(
              'tbody',
              {},
              res.users.map((u) => h('tr', {}, h('td', {}, h('a', { href: href(`/users/${encodeURIComponent(u.id)}`) }, `User ${u.id}`)), h('td', { class: 'num' }, String(u.events)))),
            ),
          ),
      pager('/users', view, res, PAGE),
    );
  } catch (error) {
    if (!ctx.signal.aborted) replace(list, errorBox(errorMessage(error)));
  }
}
