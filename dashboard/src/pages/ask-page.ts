/**
 * Ask: a natural-language request ("a quiet drama set in Japan") answered by the engine, optionally
 * for a given user (whose tastes then break ties and whose known items are left out).
 * @module
 */
import { api } from '../api.js';
import { ApiError, errorMessage } from '../api-error.js';
import { emptyState, errorBox, h, loading, replace } from '../dom.js';
import { recList } from '../rec-list.js';
import { href, navigate } from '../router.js';
import type { RouteContext } from '../router.js';

const EXAMPLES = ['a quiet drama set in Japan', 'something like Alien but funnier', 'animated film for the whole family', 'a heist with a clever twist', 'true story about war'];

/** Renders the query page. */
export async function renderAsk(root: HTMLElement, ctx: RouteContext): Promise<void> {
  const text = ctx.query.get('text') ?? '';
  const user = ctx.query.get('user') ?? '';
  const input = h('input', { type: 'search', name: 'text', placeholder: 'a quiet drama set in Japan', value: text, 'aria-label': 'what are you looking for', class: 'grow' });
  const userInput = h('input', { name: 'user', placeholder: 'for user (optional)', value: user, 'aria-label': 'for user', class: 'narrow-user' });
  const form = h('form', { class: 'searchbar ask', role: 'search' }, input, userInput, h('button', { type: 'submit', class: 'btn primary' }, 'Ask'));
  const go = (t: string, u: string): void => navigate(`/ask?text=${encodeURIComponent(t)}${u === '' ? '' : `&user=${encodeURIComponent(u)}`}`);
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    if (input.value.trim() !== '') go(input.value.trim(), userInput.value.trim());
  });
  const chips = h(
    'div',
    { class: 'chips' },
    EXAMPLES.map((e) => {
      const b = h('button', { type: 'button', class: 'chip' }, e);
      b.addEventListener('click', () => go(e, userInput.value.trim()));
      return b;
    }),
  );
  const results = h('div', { class: 'results', id: 'ask-results' });
  root.append(h('div', { class: 'page-head' }, h('h2', {}, 'Ask'), h('p', { class: 'muted' }, 'Describe what you want in your own words; the text encoder finds items whose descriptions match.')), form, chips, results);
  if (text === '') return;
  replace(results, loading('Thinking'));
  try {
    const t0 = performance.now();
    const res = await api.query(text, 10, user === '' ? undefined : user, ctx.signal);
    const ms = performance.now() - t0;
    replace(results, h('h3', {}, `“${text}”${user === '' ? '' : ` for user ${user}`}`), recList(res.items, { empty: 'Nothing matched.' }), h('p', { class: 'muted small' }, `${res.modelVersion} · ${Math.round(ms)} ms`));
  } catch (error) {
    if (ctx.signal.aborted) return;
    replace(
      results,
      error instanceof ApiError && error.status === 404
        ? emptyState('Queries need the semantic model', h('p', {}, errorMessage(error), ' Train ', h('code', {}, 'semantic'), ' on the ', h('a', { href: href('/models') }, 'Models'), ' page; the server needs a text encoder configured.'))
        : errorBox(errorMessage(error)),
    );
  }
}
