/**
 * One user: their history as a timeline and their current recommendations with reasons and source
 * badges. Posting an event from the page (like, dislike, view) refetches the list at once and marks
 * the items that moved or are new, which is the engine's real-time re-ranking made visible.
 * @module
 */
import { api } from '../api.js';
import { ApiError, errorMessage } from '../api-error.js';
import { emptyState, errorBox, formatTime, h, loading, replace } from '../dom.js';
import { ranksOf, recList } from '../rec-list.js';
import { href } from '../router.js';
import type { RouteContext } from '../router.js';
import { loadSettings } from '../settings.js';
import type { RecommendationList, RecommendedItem, StoredEvent } from '../types.js';

/** Timeline markers, from characters every common font has. */
const EVENT_ICONS: Record<string, string> = { like: '♥', dislike: '✗', view: '○', rating: '★', click: '↗', purchase: '$', 'add-to-cart': '+', review: '✎', search: '?', tag: '#', share: '↪', skip: '»' };

function eventLine(e: StoredEvent): HTMLElement {
  const what = e.itemId === undefined ? (e.text ?? '') : h('a', { href: href(`/items/${encodeURIComponent(e.itemId)}`) }, e.title ?? e.itemId);
  const value = e.type === 'rating' && e.value !== undefined ? h('span', { class: 'rating' }, `${e.value}/5`) : null;
  const text = e.text !== undefined && e.itemId !== undefined ? h('span', { class: 'muted' }, ` “${e.text}”`) : null;
  return h(
    'li',
    { class: `tl-event ev-${e.type}` },
    h('span', { class: 'tl-dot', 'aria-hidden': 'true' }, EVENT_ICONS[e.type] ?? '•'),
    h('div', {}, h('span', { class: `badge ev ev-${e.type}` }, e.type), ' ', what, ' ', value, text, h('div', { class: 'muted small' }, formatTime(e.timestamp))),
  );
}

/** What the sources of a list stand for, for people: `popularity` → "popular with other users", … */
const SOURCE_WORDS: Record<string, string> = { popularity: 'popular with other users', trending: 'trending now', fresh: 'new in the catalogue' };

/**
 * The note shown over the list of a user without history: which kinds of items it holds, from the
 * sources that proposed them (not a promise the list may not keep).
 */
export function fallbackNote(userId: string, items: readonly RecommendedItem[]): string {
  const sources = [...new Set(items.flatMap((it) => it.sources ?? []))];
  const kinds = sources.map((s) => SOURCE_WORDS[s]).filter((w): w is string => w !== undefined);
  const what = kinds.length === 0 ? 'items chosen without a history' : `items ${kinds.length === 1 ? kinds[0] : `${kinds.slice(0, -1).join(', ')} or ${kinds[kinds.length - 1]}`}`;
  return `User ${userId} has no history yet, so this is what anyone new gets: ${what}, in the order served. A like or a view below personalises it at once.`;
}

/** Renders the user page. */
export async function renderUser(root: HTMLElement, ctx: RouteContext): Promise<void> {
  const userId = ctx.params.id;
  const model = ctx.query.get('model') ?? '';
  let current: RecommendationList | undefined;
  let busy = false;

  const recSlot = h('div', {}, loading('Ranking'));
  const fallbackSlot = h('div', {});
  const recMeta = h('p', { class: 'muted small' });
  const status = h('div', { class: 'status', 'aria-live': 'polite' });
  const timeline = h('div', {}, loading('Reading history'));
  const headCount = h('span', { class: 'muted' });
  const modelSelect = h('select', { 'aria-label': 'model', name: 'model' }, h('option', { value: '' }, 'as served (default)'));

  const itemInput = h('input', { name: 'itemId', placeholder: 'item id', required: true, size: 10, 'aria-label': 'item id' });
  const typeSelect = h('select', { name: 'type', 'aria-label': 'event type' }, ['like', 'dislike', 'view', 'click', 'purchase', 'rating'].map((t) => h('option', { value: t }, t)));
  const valueInput = h('input', { name: 'value', type: 'number', min: 0.5, max: 5, step: 0.5, placeholder: 'rating', class: 'narrow', 'aria-label': 'rating value' });
  const addForm = h('form', { class: 'inline-form' }, itemInput, typeSelect, valueInput, h('button', { type: 'submit', class: 'btn' }, 'Add event'));

  async function loadRecs(previous?: Map<string, number>): Promise<void> {
    const t0 = performance.now();
    const res = await api.recommendations(userId, { k: 10, model: model === '' ? undefined : model }, ctx.signal);
    const ms = performance.now() - t0;
    current = res;
    replace(fallbackSlot, res.fallback === 'unknown user' ? h('p', { class: 'notice fallback-note' }, fallbackNote(userId, res.items)) : null);
    replace(
      recSlot,
      recList(res.items, {
        previous,
        actions: (item) => actionButtons(item),
        onOpen: (item) => {
          // Opening an item from the served list is a click on it (counted in online CTR).
          if (res.impressionId !== undefined) void api.feedback(res.impressionId, item.id, 'click').catch(() => undefined);
        },
        empty: emptyState('Nothing to recommend', h('p', {}, 'No item is left to recommend for this user. ', h('a', { href: href('/models') }, 'Train a model'), ' or import more items.')),
      }),
    );
    replace(recMeta, `${res.modelVersion}${res.variant ? ` · variant ${res.variant}` : ''}${res.fallback ? ` · fallback: ${res.fallback}` : ''} · ${Math.round(ms)} ms`);
    if (previous) {
      const now = ranksOf(res.items);
      const added = res.items.filter((it) => !previous.has(it.id)).length;
      const moved = res.items.filter((it) => previous.has(it.id) && previous.get(it.id) !== now.get(it.id)).length;
      return void status.setAttribute('data-changes', String(added + moved));
    }
  }

  async function loadTimeline(): Promise<void> {
    let detail;
    try {
      detail = await api.timeline(userId, 50, ctx.signal);
    } catch (error) {
      // A user storage knows nothing about is no error here: they simply have no history yet.
      if (!(error instanceof ApiError && error.status === 404)) throw error;
      replace(headCount, 'no events yet · not stored');
      replace(timeline, h('p', { class: 'muted no-history' }, `No events for user ${userId} yet. Add one below, or post it to /v1/events; the user is stored with their first event.`));
      return;
    }
    replace(headCount, `${detail.eventCount ?? detail.events.length} events${detail.stored === false ? ' · not stored as a user row' : ''}`);
    replace(timeline, detail.events.length === 0 ? h('p', { class: 'muted' }, 'No events yet.') : h('ol', { class: 'timeline' }, detail.events.map(eventLine)));
  }

  async function post(type: string, itemId: string, options: { title?: string; value?: number; fromList?: boolean } = {}): Promise<void> {
    const { title, value, fromList = false } = options;
    if (busy) return;
    busy = true;
    root.classList.add('is-busy');
    const previous = current ? ranksOf(current.items) : new Map<string, number>();
    replace(status, `Posting ${type} on ${title ?? itemId}…`);
    try {
      const t0 = performance.now();
      if (fromList && current?.impressionId !== undefined) {
        // Feedback on the served list is stored as the user's event, attributed to the list.
        await api.feedback(current.impressionId, itemId, type);
      } else {
        await api.postEvent(value === undefined ? { userId, itemId, type } : { userId, itemId, type, value });
      }
      await loadRecs(previous);
      const ms = performance.now() - t0;
      const changes = Number(status.getAttribute('data-changes') ?? '0');
      replace(status, h('span', { class: changes > 0 ? 'ok' : 'muted' }, `${type} on ${title ?? itemId} recorded; the list was re-ranked in ${Math.round(ms)} ms (${changes} item${changes === 1 ? '' : 's'} new or moved).`));
      await loadTimeline();
    } catch (error) {
      if (!ctx.signal.aborted) replace(status, errorBox(errorMessage(error)));
    } finally {
      busy = false;
      root.classList.remove('is-busy');
    }
  }

  function actionButtons(item: RecommendedItem): HTMLElement[] {
    const title = item.title ?? item.id;
    const button = (type: string, label: string, text: string): HTMLElement => {
      const b = h('button', { type: 'button', class: `btn small act-${type}`, title: `${text} “${title}”`, 'aria-label': `${text} ${title}` }, label);
      b.addEventListener('click', () => void post(type, item.id, { title, fromList: true }));
      return b;
    };
    return [button('like', '♥ Like', 'Like'), button('dislike', '✗ Dislike', 'Dislike'), button('view', 'View', 'View')];
  }

  addForm.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const itemId = itemInput.value.trim();
    if (itemId === '') return;
    const value = typeSelect.value === 'rating' && valueInput.value !== '' ? Number(valueInput.value) : undefined;
    void post(typeSelect.value, itemId, { value });
  });
  modelSelect.addEventListener('change', () => {
    window.location.hash = `#/users/${encodeURIComponent(userId)}${modelSelect.value === '' ? '' : `?model=${encodeURIComponent(modelSelect.value)}`}`;
  });

  const settings = loadSettings();
  const readOnly =
    settings.keySource === 'server' && settings.serverScope === 'read'
      ? h('p', { class: 'muted small' }, "Liking, disliking and adding events need a key with scope write; this page's session key only reads. Enter a write key on the ", h('a', { href: href('/settings') }, 'Settings'), ' page.')
      : null;
  root.append(
    h('div', { class: 'page-head' }, h('p', { class: 'crumbs' }, h('a', { href: href('/users') }, 'Users'), ` / ${userId}`), h('h2', {}, `User ${userId} `, headCount)),
    h(
      'div',
      { class: 'grid-2 wide-left' },
      h('section', { class: 'card', id: 'recommendations' }, h('div', { class: 'card-head' }, h('h3', {}, 'Recommendations'), modelSelect), fallbackSlot, status, recSlot, recMeta),
      h('section', { class: 'card' }, h('h3', {}, 'History'), readOnly, h('p', { class: 'muted small' }, 'Add an event (the list above re-ranks at once):'), addForm, timeline),
    ),
  );

  void api
    .models(ctx.signal)
    .then((list) => {
      // The ranker orders the pipeline's candidates; it is not a model a list can be asked from.
      for (const m of list.models) if (m.name !== 'ranker') modelSelect.append(h('option', { value: m.name, selected: m.name === model }, m.name));
    })
    .catch(() => undefined);
  await Promise.all([
    loadRecs().catch((error: unknown) => {
      if (!ctx.signal.aborted) replace(recSlot, errorBox(errorMessage(error)));
    }),
    loadTimeline().catch((error: unknown) => {
      if (!ctx.signal.aborted) replace(timeline, errorBox(errorMessage(error)));
    }),
  ]);
}
