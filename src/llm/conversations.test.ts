/**
 * Conversations on the vendored MovieLens demo (the 2,000 most rated movies, real SQLite file):
 * the rule-based parser on real phrasing, answers from the engine's own models with no LLM (keyword
 * search before a semantic model exists, then the semantic model), and a scripted OpenAI-compatible
 * server reading messages and writing replies — well-formed, naming an item outside the answer,
 * malformed, and too slow.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { NotFoundError } from '../core/errors.js';
import { bagOfWordsEncoder } from '../encoders/test-support.js';
import { createEngine } from '../engine/engine.js';
import type { Engine } from '../engine/engine.js';
import { loadMovieLensLatest } from '../ingest/index.js';
import { openStorage } from '../storage/index.js';
import { buildCatalogueVocabulary } from './catalogue-vocabulary.js';
import type { CatalogueVocabulary } from './catalogue-vocabulary.js';
import { ConversationStore } from './conversation-store.js';
import { createConversations } from './conversations.js';
import { guardChatModel } from './guarded-chat-model.js';
import { createOpenAiChatModel } from './openai-chat-model.js';
import { parseWishByRules } from './rule-wish-parser.js';
import { startScriptedChatServer } from './test-support/scripted-chat-server.js';
import type { ScriptedChatServer } from './test-support/scripted-chat-server.js';
import { mergeWish } from './wish.js';

const DEMO = fileURLToPath(new URL('../../data/demo/ml-latest-small', import.meta.url));
const MATRIX = '2571';
const TITANIC = '1721';
const TOY_STORY = '1';

describe('conversations on the MovieLens demo', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lmrec-converse-'));
  let engine: Engine;
  let vocabulary: CatalogueVocabulary;
  let server: ScriptedChatServer;
  const genresOf = (id: string): readonly string[] => vocabulary.items.get(id)?.genres ?? [];

  beforeAll(async () => {
    server = await startScriptedChatServer();
    const ds = await loadMovieLensLatest(DEMO);
    const counts = new Map<string, number>();
    for (const e of ds.batch.events) if (e.itemId) counts.set(e.itemId, (counts.get(e.itemId) ?? 0) + 1);
    const top = new Set([...counts.entries()].sort((a, b) => b[1] - a[1]).slice(0, 2_000).map(([id]) => id));
    engine = createEngine(await openStorage(`sqlite://${join(dir, 'c.db')}`), { encoder: bagOfWordsEncoder() });
    await engine.storage.bulkWrite({ items: ds.batch.items.filter((it) => top.has(it.id)), users: ds.batch.users, events: ds.batch.events.filter((e) => e.itemId !== undefined && top.has(e.itemId)) });
    await engine.train('itemknn', { k: 100, shrink: 10 });
    vocabulary = await buildCatalogueVocabulary(engine.storage, { popularity: (id) => counts.get(id) ?? 0 });
  }, 120_000);

  afterAll(async () => {
    await server.close();
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  });

  afterEach(() => {
    server.requests.length = 0;
    server.setDefault({ status: 500 });
  });

  describe('rule-based parser', () => {
    it('reads liked titles and moods: "like The Matrix but funnier"; "like it" is not the film It', () => {
      const { wish } = parseWishByRules('I loved The Matrix, give me something like it but funnier', vocabulary);
      expect(wish).toMatchObject({ liked: [MATRIX], disliked: [], moods: ['funnier'] });
    });

    it('reads a title without its alternative title in parentheses: "I didn\'t like Men in Black"', () => {
      const { wish } = parseWishByRules("I didn't like Men in Black", vocabulary);
      expect(wish.disliked.map((id) => vocabulary.items.get(id)?.title)).toEqual(['Men in Black (a.k.a. MIB) (1997)']);
      expect(wish.liked).toEqual([]);
    });

    it('reads genres by synonym, decades and exclusions: "Any funny movies from the 90s? No horror please"', () => {
      const { wish } = parseWishByRules('Any funny movies from the 90s? No horror please', vocabulary);
      expect(wish).toMatchObject({ genres: ['Comedy'], excludeGenres: ['Horror'], yearFrom: 1990, yearTo: 1999, liked: [] });
    });

    it('reads dislikes and upper year bounds: "I didn\'t like Titanic. Show me romantic films before 1980"', () => {
      const { wish } = parseWishByRules("I didn't like Titanic. Show me romantic films before 1980", vocabulary);
      expect(wish).toMatchObject({ disliked: [TITANIC], liked: [], genres: ['Romance'], yearTo: 1979 });
    });

    it('reads quoted titles and audiences, ranges, resets, and ignores "I\'d like a thriller" as a title', () => {
      expect(parseWishByRules('Something similar to "Toy Story" for kids', vocabulary).wish).toMatchObject({ liked: [TOY_STORY], genres: ['Children'] });
      const reset = parseWishByRules("Let's start over: sci-fi between 1995 and 2005", vocabulary);
      expect(reset).toMatchObject({ reset: true, wish: { genres: ['Sci-Fi'], yearFrom: 1995, yearTo: 2005 } });
      expect(parseWishByRules("I'd like a thriller", vocabulary).wish).toMatchObject({ liked: [], genres: ['Thriller'] });
      expect(parseWishByRules('anything under $15', vocabulary).wish.maxPrice).toBe(15);
      const series = parseWishByRules('something like Star Wars but funnier', vocabulary).wish;
      expect(series.liked.map((id) => vocabulary.items.get(id)?.title)).toEqual(['Star Wars: Episode IV - A New Hope (1977)']);
    });

    it('merges turns: examples accumulate, attributes given again replace, a genre named again moves side', () => {
      const first = parseWishByRules('I loved The Matrix. Comedies please, no horror', vocabulary).wish;
      const second = parseWishByRules('actually make it horror, from the 80s', vocabulary).wish;
      const merged = mergeWish(first, second);
      expect(merged).toMatchObject({ liked: [MATRIX], genres: ['Horror'], excludeGenres: [], yearFrom: 1980, yearTo: 1989 });
    });
  });

  describe('without an LLM', () => {
    it('answers from the keyword index while no semantic model exists, then from the semantic model and item-kNN; filters hold; the reply names the answer', async () => {
      const conversations = createConversations({ engine, store: new ConversationStore(), vocabulary: async () => vocabulary });
      const c = conversations.start();
      const first = await conversations.message(c.id, 'Any funny movies from the 90s? No horror please');
      expect(first).toMatchObject({ parsedBy: 'rules', replySource: 'template', fallback: 'keyword' });
      expect(first.items.length).toBeGreaterThan(0);
      for (const it of first.items) {
        expect(genresOf(it.id)).toContain('Comedy');
        expect(genresOf(it.id)).not.toContain('Horror');
        expect(vocabulary.items.get(it.id)?.year).toBeGreaterThanOrEqual(1990);
        expect(vocabulary.items.get(it.id)?.year).toBeLessThanOrEqual(1999);
        expect(first.reply).toContain(it.title);
      }
      await engine.train('semantic');
      const second = await conversations.message(c.id, 'something like The Matrix but funnier');
      expect(second.fallback).toBeUndefined();
      expect(second.modelVersion).toMatch(/semantic@\d+/);
      expect(second.modelVersion).toMatch(/itemknn@\d+/);
      expect(second.wish.liked).toEqual([{ id: MATRIX, title: 'Matrix, The (1999)' }]);
      // The 90s and "no horror" carry over; Comedy leans the answer (a mood), the Matrix itself is not answered.
      expect(second.items.map((i) => i.id)).not.toContain(MATRIX);
      expect(second.items.some((i) => i.reasons.includes('similar to Matrix, The (1999)'))).toBe(true);
      for (const it of second.items) expect(vocabulary.items.get(it.id)?.year).toBeLessThanOrEqual(1999);
      expect(second.reply).toMatch(/^Here are \d+ films like Matrix, The \(1999\)/);
      expect(conversations.get(c.id)?.turns).toHaveLength(4);
    });

    it('an unknown or expired conversation is NotFound; the store is bounded', async () => {
      let now = 0;
      const store = new ConversationStore({ maxConversations: 2, ttlMs: 1_000, clock: () => now });
      const conversations = createConversations({ engine, store, vocabulary: async () => vocabulary });
      const a = conversations.start();
      conversations.start();
      conversations.start();
      expect(store.size).toBe(2);
      expect(conversations.get(a.id)).toBeUndefined();
      const b = conversations.start('42');
      now = 2_000;
      await expect(conversations.message(b.id, 'hello')).rejects.toBeInstanceOf(NotFoundError);
      await expect(conversations.message('nope', 'hello')).rejects.toThrow(/not found/);
    });
  });

  describe('with a scripted chat model', () => {
    const conversationsWith = (budgetMs = 2_000) =>
      createConversations({ engine, store: new ConversationStore(), vocabulary: async () => vocabulary, budgetMs, model: guardChatModel(createOpenAiChatModel({ baseUrl: server.baseUrl, model: 'scripted', retries: 0 })) });

    it('the model reads the message and writes the reply by numbers; titles are put in; the prompt holds the whole conversation', async () => {
      const conversations = conversationsWith();
      const c = conversations.start();
      server.enqueue(
        { content: JSON.stringify({ liked: ['The Matrix'], disliked: [], genres: ['comedy'], excludeGenres: [], yearFrom: null, yearTo: null, maxPrice: null, moods: ['funnier'], query: 'a funny Matrix' }) },
        { content: 'Try [1] for laughs, and [2] if you want more.' },
      );
      const turn = await conversations.message(c.id, 'like the matrix but funnier');
      expect(turn).toMatchObject({ parsedBy: 'llm', replySource: 'llm', wish: { liked: [{ id: MATRIX }], genres: ['Comedy'], moods: ['funnier'] } });
      expect(turn.reply).toBe(`Try *${turn.items[0].title}* for laughs, and *${turn.items[1].title}* if you want more.`);
      for (const it of turn.items) expect(genresOf(it.id)).toContain('Comedy');
      expect(server.requests[0].body.response_format).toEqual({ type: 'json_object' });
      expect(server.requests[1].prompt).toContain(`[1] ${turn.items[0].title}`);
    });

    it('a reply naming a catalogue item outside the answer is replaced by the template; malformed parses fall back to the rules', async () => {
      const conversations = conversationsWith();
      const c = conversations.start();
      server.enqueue({ content: '{"liked": ["The Matrix"' }, { content: 'You will love Titanic and [1].' });
      const turn = await conversations.message(c.id, 'I loved The Matrix, something like it');
      expect(turn.parsedBy).toBe('rules');
      expect(turn.parseNote).toMatch(/unreadable answer/);
      expect(turn.wish.liked.map((l) => l.id)).toEqual([MATRIX]);
      expect(turn.items.map((i) => i.id)).not.toContain(TITANIC);
      expect(turn).toMatchObject({ replySource: 'template', replyNote: `names item ${TITANIC}, which is not in the answer` });
    });

    it('a model slower than the budget: the rules read and the template replies, within the budget', async () => {
      const conversations = conversationsWith(150);
      const c = conversations.start();
      server.setDefault({ content: '{}', delayMs: 3_000 });
      const t0 = performance.now();
      const turn = await conversations.message(c.id, 'romantic films before 1980');
      expect(performance.now() - t0).toBeLessThan(1_500);
      expect(turn).toMatchObject({ parsedBy: 'rules', parseNote: 'over the 150 ms budget', replySource: 'template', replyNote: 'over the 150 ms budget' });
      for (const it of turn.items) expect(vocabulary.items.get(it.id)?.year).toBeLessThanOrEqual(1979);
    });
  });
});
