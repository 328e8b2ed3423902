/**
 * Ask: a conversation that ends in recommendations ("something like Alien but funnier", then "from
 * the 80s"), each message read into a structured request the engine answers with its own models,
 * optionally for a given user; and a one-off natural-language request ("a quiet drama set in Japan")
 * answered by the semantic model.
 * @module
 */
import { api } from '../api.js';
import { ApiError, errorMessage } from '../api-error.js';
import { emptyState, errorBox, h, loading, replace } from '../dom.js';
import { recList } from '../rec-list.js';
import { href, navigate } from '../router.js';
import type { RouteContext } from '../router.js';
import type { ConversationTurn } from '../types.js';

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
  root.append(
    h('div', { class: 'page-head' }, h('h2', {}, 'Ask'), h('p', { class: 'muted' }, 'Talk about what you want; every answer comes from the catalogue, and each message refines the last.')),
    conversationPanel(userInput),
    h('h3', {}, 'One-off query'),
    h('p', { class: 'muted' }, 'Describe what you want in your own words; the text encoder finds items whose descriptions match.'),
    form,
    chips,
    results,
  );
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

/** What a turn was read as, in words: the structured request the engine answered. */
function wishLine(turn: ConversationTurn): string {
  const w = turn.wish;
  const parts: string[] = [];
  if (w.liked.length > 0) parts.push(`like ${w.liked.map((l) => l.title).join(', ')}`);
  if (w.disliked.length > 0) parts.push(`not ${w.disliked.map((l) => l.title).join(', ')}`);
  if (w.genres.length > 0) parts.push(w.genres.join(' or '));
  if (w.excludeGenres.length > 0) parts.push(`no ${w.excludeGenres.join(', ')}`);
  if (w.yearFrom !== undefined || w.yearTo !== undefined) parts.push(`${w.yearFrom ?? '…'}–${w.yearTo ?? '…'}`);
  if (w.maxPrice !== undefined) parts.push(`≤ ${w.maxPrice}`);
  if (w.moods.length > 0) parts.push(w.moods.join(', '));
  return parts.length > 0 ? parts.join(' · ') : w.query;
}

/** The conversation: a thread of turns and a message box; the conversation starts with the first message. */
function conversationPanel(userInput: HTMLInputElement): HTMLElement {
  const thread = h('div', { class: 'thread', 'aria-live': 'polite' });
  const message = h('input', { type: 'text', name: 'message', placeholder: 'something like Alien but funnier', 'aria-label': 'your message', class: 'grow', autocomplete: 'off' });
  const send = h('button', { type: 'submit', class: 'btn primary' }, 'Send');
  const restart = h('button', { type: 'button', class: 'btn' }, 'New conversation');
  const form = h('form', { class: 'searchbar converse' }, message, send, restart);
  let conversationId: string | undefined;
  restart.addEventListener('click', () => {
    conversationId = undefined;
    replace(thread);
    message.focus();
  });
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const text = message.value.trim();
    if (text === '') return;
    message.value = '';
    send.disabled = true;
    thread.append(h('div', { class: 'turn user' }, h('p', {}, text)));
    const pending = loading('Thinking');
    thread.append(pending);
    void (async () => {
      try {
        conversationId ??= (await api.startConversation(userInput.value.trim())).conversationId;
        let turn: ConversationTurn;
        try {
          turn = await api.converse(conversationId, text);
        } catch (error) {
          // An expired conversation starts again with this message.
          if (!(error instanceof ApiError && error.status === 404)) throw error;
          conversationId = (await api.startConversation(userInput.value.trim())).conversationId;
          turn = await api.converse(conversationId, text);
        }
        pending.replaceWith(
          h(
            'div',
            { class: 'turn assistant' },
            h('p', { class: 'reply' }, turn.reply.split('\n')[0]),
            h('p', { class: 'muted small wish' }, `read as: ${wishLine(turn)} (${turn.parsedBy === 'llm' ? 'by the LLM' : 'by rules'}; reply ${turn.replySource === 'llm' ? 'written by the LLM' : 'from the template'}${turn.fallback === undefined ? '' : `; ${turn.fallback} search`})`),
            recList(
              turn.items.map((it) => ({ id: it.id, title: it.title, score: it.score, sources: it.sources, explanation: it.reasons.join('; ') })),
              { empty: 'Nothing matched: try fewer conditions.' },
            ),
          ),
        );
      } catch (error) {
        pending.replaceWith(
          error instanceof ApiError && error.status === 501 ? emptyState('Conversations are not enabled on this server', h('p', {}, errorMessage(error))) : errorBox(errorMessage(error)),
        );
      } finally {
        send.disabled = false;
      }
    })();
  });
  return h('section', { id: 'conversation', class: 'conversation' }, thread, form);
}
