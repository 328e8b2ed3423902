/**
 * Users: a paged list (with event counts) and a search by id prefix.
 * @module
 */
import { api } from '../api.js';
import { errorMessage } from '../api-error.js';
import { emptyState, errorBox, h, loading, replace } from '../dom.js';
import { href, navigate } from '../router.js';
import type { RouteContext } from '../router.js';

const PAGE = 50;
const cursors: (string | undefined)[] = [undefined];

/** Renders the users list. */
export async function renderUsers(root: HTMLElement, ctx: RouteContext): Promise<void> {
  const q = ctx.query.get('q') ?? '';
  const page = Math.max(1, Number(ctx.query.get('page') ?? '1') || 1);
  const after = ctx.query.get('after') ?? undefined;
  cursors[page - 1] = after;
  const input = h('input', { type: 'search', name: 'q', placeholder: 'User id (or its beginning)', value: q, 'aria-label': 'find a user' });
  const form = h('form', { class: 'searchbar', role: 'search' }, input, h('button', { type: 'submit', class: 'btn primary' }, 'Find'));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const v = input.value.trim();
    navigate(v === '' ? '/users' : `/users?q=${encodeURIComponent(v)}`);
  });
  const list = h('div', {}, loading('Loading users'));
  root.append(h('div', { class: 'page-head' }, h('h2', {}, 'Users'), h('p', { class: 'muted' }, 'Pick someone to see their history and recommendations.')), form, list);
  try {
    const res = await api.users({ after, limit: PAGE, q }, ctx.signal);
    if (res.users.length === 0) {
      replace(
        list,
        q === ''
          ? emptyState('No users yet', h('p', {}, 'Users appear when events are imported or posted to ', h('code', {}, '/v1/events'), '.'))
          : emptyState(`No user id starts with “${q}”`, h('p', {}, 'You can still ', h('a', { href: href(`/users/${encodeURIComponent(q)}`) }, `open user “${q}”`), ': a new user gets popular items.')),
      );
      return;
    }
    const base = q === '' ? '/users?' : `/users?q=${encodeURIComponent(q)}&`;
    const prevCursor = cursors[page - 2];
    replace(
      list,
      h('p', { class: 'muted small' }, res.total === undefined ? '' : `${res.total} users stored.`),
      h(
        'table',
        { class: 'table' },
        h('thead', {}, h('tr', {}, h('th', {}, 'user'), h('th', { class: 'num' }, 'events'))),
        h(
          'tbody',
          {},
          res.users.map((u) => h('tr', {}, h('td', {}, h('a', { href: href(`/users/${encodeURIComponent(u.id)}`) }, `User ${u.id}`)), h('td', { class: 'num' }, u.events === undefined ? '–' : String(u.events)))),
        ),
      ),
      h(
        'div',
        { class: 'pager' },
        page === 1 ? h('span', { class: 'btn disabled' }, '← Previous') : h('a', { class: 'btn', href: href(`${base}page=${page - 1}${prevCursor ? `&after=${encodeURIComponent(prevCursor)}` : ''}`) }, '← Previous'),
        h('span', { class: 'muted' }, `Page ${page}`),
        res.next ? h('a', { class: 'btn', href: href(`${base}page=${page + 1}&after=${encodeURIComponent(res.next)}`) }, 'Next →') : h('span', { class: 'btn disabled' }, 'Next →'),
      ),
    );
  } catch (error) {
    if (!ctx.signal.aborted) replace(list, errorBox(errorMessage(error)));
  }
}
