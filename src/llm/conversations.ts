/**
 * Conversational recommendation (C19): each message becomes a structured {@link Wish} — read by the
 * chat model from the whole conversation when one is configured, else (or when it fails, is too
 * slow or answers something unreadable) by the rule-based parser merged into the wish so far — which
 * the engine answers with its own models (`answer-wish.ts`). The reply is written around those
 * items: by the model, referring to them only by number, checked to name no catalogue item other
 * than the answer's and the ones the person named; else by a template. Every item of a reply comes
 * from the catalogue.
 * @module
 */
import { NotFoundError, ValidationError } from '../core/errors.js';
import type { Engine } from '../engine/engine.js';
import { answerWish } from './answer-wish.js';
import type { WishAnswer, WishAnswerItem } from './answer-wish.js';
import type { CatalogueVocabulary } from './catalogue-vocabulary.js';
import type { ChatModel } from './chat-model.js';
import type { Conversation, ConversationStore } from './conversation-store.js';
import { createMentionIndex } from './mentions.js';
import type { MentionIndex } from './mentions.js';
import { converseParsePrompt, converseReplyPrompt, domainWords } from './prompts.js';
import { parseWishByRules } from './rule-wish-parser.js';
import type { Wish } from './wish.js';
import { emptyWish, mergeWish } from './wish.js';

/** Longest message accepted, in characters. */
export const MAX_MESSAGE_CHARS = 2_000;

/** The wish as a response shows it: examples with their titles. */
export interface WishView extends Omit<Wish, 'liked' | 'disliked'> {
  liked: { id: string; title: string }[];
  disliked: { id: string; title: string }[];
}

/** The answer to one message. */
export interface TurnResult {
  conversationId: string;
  /** When the conversation expires without another message, ms since epoch. */
  expiresAt: number;
  reply: string;
  /** Who wrote `reply`: the chat model (checked) or the template. */
  replySource: 'llm' | 'template';
  /** Why a written reply was not used (budget, model error, a name outside the answer). */
  replyNote?: string;
  /** Who read the message: the chat model or the rule-based parser. */
  parsedBy: 'llm' | 'rules';
  /** Why the rules read it although a model is configured. */
  parseNote?: string;
  wish: WishView;
  items: WishAnswerItem[];
  modelVersion: string;
  fallback?: string;
}

/** Options of {@link createConversations}. */
export interface ConversationsOptions {
  engine: Engine;
  store: ConversationStore;
  /** The catalogue's vocabulary (built once and shared; see `buildCatalogueVocabulary`). */
  vocabulary: (signal?: AbortSignal) => Promise<CatalogueVocabulary>;
  /** Without one, the rules read messages and the template writes replies. */
  model?: ChatModel;
  /** Per model call (default 5,000 ms). */
  budgetMs?: number;
  /** Items per answer (default 5). */
  k?: number;
}

/** Conversations over one engine. */
export interface Conversations {
  /** Starts a conversation (for a known user, their history blends into answers). */
  start(userId?: string): Conversation;
  /** Answers a message; `NotFoundError` when the conversation is unknown or expired. */
  message(conversationId: string, text: string, options?: { k?: number; signal?: AbortSignal }): Promise<TurnResult>;
  /** The conversation, or undefined. */
  get(conversationId: string): Conversation | undefined;
  /** When `conversation` expires without another message, ms since epoch. */
  expiresAt(conversation: Conversation): number;
  /** Drops a deleted user's conversations. */
  forgetUser(userId: string): void;
}

function stringList(value: unknown): string[] | undefined {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) return undefined;
  return value.map((v) => v.trim()).filter((v) => v !== '');
}

function optionalNumber(value: unknown): number | undefined | false {
  if (value === undefined || value === null) return undefined;
  return typeof value === 'number' && Number.isFinite(value) ? value : false;
}

/** A chat model's parse, checked and resolved against the catalogue; a string says why it is unusable. */
export function wishFromModel(json: unknown, vocabulary: CatalogueVocabulary): Wish | string {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return 'the answer is not a JSON object';
  const o = json as Record<string, unknown>;
  const lists = { liked: stringList(o.liked), disliked: stringList(o.disliked), genres: stringList(o.genres), excludeGenres: stringList(o.excludeGenres), moods: stringList(o.moods) };
  for (const [name, list] of Object.entries(lists)) if (list === undefined) return `"${name}" is not a list of strings`;
  const numbers = { yearFrom: optionalNumber(o.yearFrom), yearTo: optionalNumber(o.yearTo), maxPrice: optionalNumber(o.maxPrice) };
  for (const [name, n] of Object.entries(numbers)) if (n === false) return `"${name}" is not a number`;
  const resolve = (titles: readonly string[]): string[] => [...new Set(titles.map((t) => vocabulary.resolveTitle(t)).filter((id): id is string => id !== undefined))];
  const wish = emptyWish();
  wish.liked = resolve(lists.liked ?? []);
  wish.disliked = resolve(lists.disliked ?? []).filter((id) => !wish.liked.includes(id));
  wish.genres = [...new Set((lists.genres ?? []).flatMap((g) => vocabulary.genresIn(g)))];
  wish.excludeGenres = [...new Set((lists.excludeGenres ?? []).flatMap((g) => vocabulary.genresIn(g)))].filter((g) => !wish.genres.includes(g));
  wish.moods = (lists.moods ?? []).map((m) => m.toLowerCase());
  wish.query = typeof o.query === 'string' ? o.query.trim().slice(0, 300) : '';
  for (const key of ['yearFrom', 'yearTo', 'maxPrice'] as const) {
    const n = numbers[key];
    if (typeof n === 'number') wish[key] = key === 'maxPrice' ? n : Math.round(n);
  }
  return wish;
}

/** The template reply around `items`. */
export function templateReply(domain: string, wish: Wish, vocabulary: CatalogueVocabulary, items: readonly WishAnswerItem[]): string {
  const w = domainWords(domain);
  const parts: string[] = [];
  const liked = wish.liked.map((id) => vocabulary.items.get(id)?.title).filter((t): t is string => t !== undefined);
  if (liked.length > 0) parts.push(`like ${liked.join(' and ')}`);
  if (wish.genres.length > 0) parts.push(`in ${wish.genres.join(' or ')}`);
  if (wish.excludeGenres.length > 0) parts.push(`without ${wish.excludeGenres.join(' or ')}`);
  if (wish.yearFrom !== undefined && wish.yearTo !== undefined) parts.push(wish.yearFrom === wish.yearTo ? `from ${wish.yearFrom}` : `from ${wish.yearFrom}–${wish.yearTo}`);
  else if (wish.yearFrom !== undefined) parts.push(`from ${wish.yearFrom} on`);
  else if (wish.yearTo !== undefined) parts.push(`up to ${wish.yearTo}`);
  if (wish.maxPrice !== undefined) parts.push(`at most ${wish.maxPrice}`);
  if (wish.moods.length > 0) parts.push(`leaning ${wish.moods.join(' and ')}`);
  const what = parts.length > 0 ? ` ${parts.join(', ')}` : '';
  if (items.length === 0) return `I found no ${w.items}${what}. Try fewer conditions, or name a ${w.item} you like.`;
  const list = items.map((it, i) => `${i + 1}. ${it.title}${it.reasons.length > 0 ? ` (${it.reasons.slice(0, 2).join('; ')})` : ''}`).join('\n');
  return `Here ${items.length === 1 ? `is a ${w.item}` : `are ${items.length} ${w.items}`}${what}:\n${list}`;
}

/**
 * Checks a written reply and puts the titles in: `[n]` becomes the n-th item's title. Refused when
 * it refers to a number outside the answer or names a catalogue item that is neither answered nor
 * named by the person.
 */
export function checkReply(reply: string, items: readonly WishAnswerItem[], allowedIds: ReadonlySet<string>, index: MentionIndex): { text: string } | { problem: string } {
  const text = reply.trim();
  if (text === '') return { problem: 'empty reply' };
  if (text.length > 1_500) return { problem: 'reply longer than 1,500 characters' };
  for (const m of text.matchAll(/\[(\d+)\]/g)) {
    const n = Number(m[1]);
    if (n < 1 || n > items.length) return { problem: `refers to [${n}], not an answered item` };
  }
  const withTitles = text.replace(/\[(\d+)\]/g, (_, n: string) => `*${items[Number(n) - 1].title}*`);
  for (const id of index.mentioned(text)) if (!allowedIds.has(id)) return { problem: `names item ${id}, which is not in the answer` };
  return { text: withTitles };
}

/** Creates the conversation service. */
export function createConversations(options: ConversationsOptions): Conversations {
  const { engine, store, model } = options;
  const budgetMs = options.budgetMs ?? 5_000;
  const domain = engine.verbalizer.template.name;
  let mentionIndex: { vocabulary: CatalogueVocabulary; index: MentionIndex } | undefined;
  const indexOf = (vocabulary: CatalogueVocabulary): MentionIndex => {
    if (mentionIndex?.vocabulary !== vocabulary) mentionIndex = { vocabulary, index: createMentionIndex([...vocabulary.items.values()].map((it) => ({ id: it.id, title: it.title }))) };
    return mentionIndex.index;
  };
  const within = (signal: AbortSignal | undefined): AbortSignal => (signal === undefined ? AbortSignal.timeout(budgetMs) : AbortSignal.any([signal, AbortSignal.timeout(budgetMs)]));
  const reason = (error: unknown, signal: AbortSignal | undefined): string => {
    if (signal?.aborted) throw error;
    return error instanceof Error && /abort|timed out/i.test(error.message) ? `over the ${budgetMs} ms budget` : `llm failed: ${error instanceof Error ? error.message : String(error)}`;
  };

  return {
    start: (userId) => store.create(userId),
    get: (id) => store.get(id),
    expiresAt: (conversation) => store.expiresAt(conversation),
    forgetUser: (userId) => store.forgetUser(userId),
    async message(conversationId, text, o = {}) {
      if (typeof text !== 'string' || text.trim() === '') throw new ValidationError('message text must be a non-empty string', { details: { field: 'text' } });
      if (text.length > MAX_MESSAGE_CHARS) throw new ValidationError(`message text is longer than ${MAX_MESSAGE_CHARS} characters`, { details: { field: 'text' } });
      const conversation = store.get(conversationId);
      if (conversation === undefined) throw new NotFoundError(`conversation "${conversationId}" not found (unknown, or expired after inactivity)`, { details: { conversationId } });
      const vocabulary = await options.vocabulary(o.signal);
      let wish: Wish | undefined;
      let parsedBy: TurnResult['parsedBy'] = 'rules';
      let parseNote: string | undefined;
      if (model !== undefined) {
        const turns = [...conversation.turns.map((t) => ({ role: t.role, text: t.text })), { role: 'user' as const, text }];
        try {
          const answer = await model.complete({ messages: converseParsePrompt(domain, turns), json: true, signal: within(o.signal), maxTokens: 300 });
          const parsed = wishFromModel(answer.json, vocabulary);
          if (typeof parsed === 'string') parseNote = `unreadable answer: ${parsed}`;
          else {
            wish = parsed;
            parsedBy = 'llm';
          }
        } catch (error) {
          parseNote = reason(error, o.signal);
        }
      }
      if (wish === undefined) {
        const rules = parseWishByRules(text, vocabulary);
        wish = mergeWish(rules.reset ? emptyWish() : conversation.wish, rules.wish);
      }
      const k = o.k ?? options.k ?? 5;
      const answer: WishAnswer = await answerWish(engine, vocabulary, wish, { k, ...(conversation.userId === undefined ? {} : { userId: conversation.userId }), ...(o.signal === undefined ? {} : { signal: o.signal }) });
      let reply = templateReply(domain, wish, vocabulary, answer.items);
      let replySource: TurnResult['replySource'] = 'template';
      let replyNote: string | undefined;
      if (model !== undefined && answer.items.length > 0) {
        try {
          const written = await model.complete({
            messages: converseReplyPrompt(domain, wish.query === '' ? text : wish.query, answer.items.map((it) => ({ title: it.title, facts: it.reasons.join('; ') || 'matches the wish' }))),
            signal: within(o.signal),
            maxTokens: 300,
            temperature: 0,
          });
          const allowed = new Set([...answer.items.map((it) => it.id), ...wish.liked, ...wish.disliked]);
          const checked = checkReply(written.text, answer.items, allowed, indexOf(vocabulary));
          if ('text' in checked) {
            reply = checked.text;
            replySource = 'llm';
          } else replyNote = checked.problem;
        } catch (error) {
          replyNote = reason(error, o.signal);
        }
      }
      const now = Date.now();
      conversation.wish = wish;
      store.append(conversation, { role: 'user', text, at: now });
      store.append(conversation, { role: 'assistant', text: reply, at: now, itemIds: answer.items.map((it) => it.id) });
      const named = (ids: readonly string[]): { id: string; title: string }[] => ids.map((id) => ({ id, title: vocabulary.items.get(id)?.title ?? id }));
      const result: TurnResult = {
        conversationId,
        expiresAt: store.expiresAt(conversation),
        reply,
        replySource,
        parsedBy,
        wish: { ...wish, liked: named(wish.liked), disliked: named(wish.disliked) },
        items: answer.items,
        modelVersion: answer.modelVersion,
      };
      if (replyNote !== undefined) result.replyNote = replyNote;
      if (parseNote !== undefined) result.parseNote = parseNote;
      if (answer.fallback !== undefined) result.fallback = answer.fallback;
      return result;
    },
  };
}
