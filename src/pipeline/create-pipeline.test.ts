/**
 * The pipeline end to end on a slice of the vendored MovieLens demo (the 600 most rated movies) in
 * a real SQLite file, with ease and item-kNN trained, a stored ranker, and a small deterministic
 * bag-of-words encoder standing in for a sentence encoder.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Item } from '../core/types.js';
import { createEngine } from '../engine/engine.js';
import type { Engine } from '../engine/engine.js';
import { loadMovieLensLatest } from '../ingest/index.js';
import { openStorage } from '../storage/index.js';
import { createPipeline } from './create-pipeline.js';
import type { Pipeline } from './create-pipeline.js';
import { attributeSimilarity } from './item-similarity.js';
import { intraListSimilarity } from './mmr-diversify.js';
import { trainEngineRanker } from './train-ranker.js';
import { bagOfWordsEncoder } from '../encoders/test-support.js';

const DEMO = fileURLToPath(new URL('../../data/demo/ml-latest-small', import.meta.url));


describe('createPipeline on the MovieLens demo slice (real SQLite file)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lmrec-pipeline-'));
  let engine: Engine;
  let pipeline: Pipeline;
  let catalogue: Map<string, Item>;
  const genreShare = (ids: string[], genre: string): number =>
    ids.filter((id) => JSON.stringify(catalogue.get(id)?.attributes?.genres ?? []).includes(genre)).length / Math.max(ids.length, 1);

  beforeAll(async () => {
    const ds = await loadMovieLensLatest(DEMO);
    const counts = new Map<string, number>();
    for (const e of ds.batch.events) if (e.itemId) counts.set(e.itemId, (counts.get(e.itemId) ?? 0) + 1);
    const top = new Set([...counts.entries()].sort((a, b) => b[1] - a[1]).slice(0, 600).map(([id]) => id));
    const items = ds.batch.items.filter((it) => top.has(it.id));
    catalogue = new Map(items.map((it) => [it.id, it]));
    engine = createEngine(await openStorage(`sqlite://${join(dir, 'x.db')}`), { encoder: bagOfWordsEncoder() });
    await engine.storage.bulkWrite({ items, users: ds.batch.users, events: ds.batch.events.filter((e) => e.itemId !== undefined && top.has(e.itemId)) });
    await engine.train('ease', { lambda: 250 });
    await engine.train('itemknn', { k: 100, shrink: 10 });
    // The catalogue's text vectors come from the trained semantic model (the request path never encodes).
    await engine.train('semantic');
    const ranker = await trainEngineRanker(engine, { seed: 7, candidatesPerSource: 50 });
    expect(ranker.version).toBe(1);
    pipeline = await createPipeline(engine);
  }, 60_000);

  afterAll(async () => {
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves an unknown user from trending and popularity, never an error', async () => {
    const rec = await pipeline.recommend('nobody', { k: 10 });
    expect(rec.fallback).toBe('unknown user');
    expect(rec.items).toHaveLength(10);
    expect(rec.modelVersion).toMatch(/^pipeline@ranker-1\[/);
    expect(rec.items.every((i) => i.sources.some((s) => s === 'trending' || s === 'popularity' || s === 'fresh'))).toBe(true);
    expect(pipeline.sourceNames).toEqual(['itemknn', 'ease', 'semantic', 'popularity', 'trending', 'session', 'fresh']);
  });

  it('turns toward a genre after a few likes, at once, and explains with a history item', async () => {
    const liked = ['1', '2355', '3114', '4886', '6377', '8961'].filter((id) => catalogue.has(id)); // animation
    expect(liked.length).toBeGreaterThanOrEqual(4);
    const before = await pipeline.recommend('fan', { k: 10 });
    const t = Date.now();
    const events = liked.map((itemId, k) => ({ userId: 'fan', itemId, type: 'like' as const, timestamp: t - 60_000 + k }));
    await engine.storage.events.append(events);
    for (const e of events) pipeline.observe(e);
    const after = await pipeline.recommend('fan', { k: 10 });
    expect(after.fallback).toBeUndefined();
    const ids = after.items.map((i) => i.id);
    expect(genreShare(ids, 'Animation'), after.items.map((i) => i.title).join('; ')).toBeGreaterThan(genreShare(before.items.map((i) => i.id), 'Animation') + 0.2);
    for (const id of liked) expect(ids).not.toContain(id);
    expect(after.items.some((i) => i.sources.includes('session'))).toBe(true);
    const explained = after.items.find((i) => (i.explanation?.because.length ?? 0) > 0)!;
    expect(explained.explanation!.sentence).toContain(explained.explanation!.because[0].title);
    expect(liked).toContain(explained.explanation!.because[0].itemId);
    expect(Object.keys(explained.explanation!.sourceScores).length).toBeGreaterThan(0);
  });

  it('keeps no live buffer for events storage holds, only for those it does not', async () => {
    const before = pipeline.liveUsers;
    const t = Date.now();
    const events = Array.from({ length: 1000 }, (_, u) => ({ userId: `passer-${u}`, itemId: '1', type: 'view' as const, timestamp: t }));
    const seqs = await engine.storage.events.append(events);
    for (const [i, e] of events.entries()) pipeline.observe({ seq: seqs[i], ...e });
    expect(pipeline.liveUsers).toBe(before);
    // The stored event still counts for the user's next list: item 1 is seen and left out.
    expect((await pipeline.recommend('passer-0', { k: 10 })).items.map((i) => i.id)).not.toContain('1');
    pipeline.observe({ userId: 'not-stored', itemId: '1', type: 'view', timestamp: t });
    expect(pipeline.liveUsers).toBe(before + 1);
    expect((await pipeline.recommend('not-stored', { k: 10 })).items.map((i) => i.id)).not.toContain('1');
  });

  it('honours filters, boosts and exclusions', async () => {
    const comedy = await pipeline.recommend('1', { k: 10, filters: { genres: 'Comedy' } });
    expect(comedy.items).toHaveLength(10);
    for (const it of comedy.items) expect(catalogue.get(it.id)?.attributes?.genres).toContain('Comedy');
    const first = await pipeline.recommend('1', { k: 5, includeExplanations: false });
    expect(first.items[0].explanation).toBeUndefined();
    const again = await pipeline.recommend('1', { k: 5, exclude: [first.items[0].id] });
    expect(again.items.map((i) => i.id)).not.toContain(first.items[0].id);
    const seen = new Set((await engine.storage.events.forUser('1')).map((e) => e.itemId));
    for (const it of again.items) expect(seen.has(it.id)).toBe(false);
  });

  it('MMR lowers intra-list similarity', async () => {
    const byAttributes = await createPipeline(engine, { similarity: 'attributes' });
    const sim = attributeSimilarity(catalogue);
    const plain = await byAttributes.recommend('1', { k: 10, diversity: 1 });
    const diverse = await byAttributes.recommend('1', { k: 10, diversity: 0.3 });
    expect(intraListSimilarity(diverse.items.map((i) => i.id), sim)).toBeLessThan(intraListSimilarity(plain.items.map((i) => i.id), sim));
  });

  it('recommends an item upserted with text at once through the fresh path', async () => {
    const toy = catalogue.get('1')!;
    const fresh: Item = { id: 'new-toys', title: 'Toy Story: Back in the Box (2026)', text: toy.text, attributes: toy.attributes, createdAt: Date.now() };
    await engine.storage.items.upsert([fresh]);
    await pipeline.observeItems([fresh]);
    const rec = await pipeline.recommend('fan', { k: 10 });
    const hit = rec.items.find((i) => i.id === 'new-toys');
    expect(hit, rec.items.map((i) => i.title).join('; ')).toBeDefined();
    expect(hit!.sources).toContain('fresh');
  });

  it('searches every item encoded since the semantic version by text, not only the newest', async () => {
    const toy = catalogue.get('1')!;
    const t = Date.now();
    // One fitting item, then 300 newer ones that do not fit: it is far out of the newest 50 that are
    // scored by text, so only the index of items encoded while serving can propose it.
    const fitting: Item = { id: 'batch-toy', title: 'Toy Story: The Attic Tapes (2026)', text: toy.text, attributes: toy.attributes, createdAt: t - 1_000 };
    const others: Item[] = Array.from({ length: 300 }, (_, i) => ({ id: `ledger-${i}`, title: `Quarterly Ledger Audit ${i}`, text: 'quarterly ledger audit compliance spreadsheet taxation', createdAt: t - 500 + i }));
    await engine.storage.items.upsert([fitting, ...others]);
    await pipeline.observeItems([fitting, ...others]);
    for (let wait = 0; pipeline.pendingEncodings > 0 && wait < 200; wait++) await new Promise((r) => setTimeout(r, 25));
    expect(pipeline.pendingEncodings).toBe(0);
    const rec = await pipeline.recommend('fan', { k: 20 });
    const hit = rec.items.find((i) => i.id === 'batch-toy');
    expect(hit, rec.items.map((i) => i.title).join('; ')).toBeDefined();
    expect(hit!.sources).toContain('fresh');
    // A deleted item leaves the index with the catalogue.
    pipeline.forgetItems(['batch-toy']);
    await engine.storage.items.delete('batch-toy');
    expect((await pipeline.recommend('fan', { k: 20 })).items.map((i) => i.id)).not.toContain('batch-toy');
    // The later tests read the demo catalogue alone.
    for (const it of others) await engine.storage.items.delete(it.id);
    pipeline.forgetItems(others.map((it) => it.id));
  });

  it('serves scores a client can read: the final re-ranked ones, in [0, 1] and non-increasing, unknown users included', async () => {
    for (const userId of ['nobody', '1', '68']) {
      for (const diversity of [0.8, 1]) {
        const rec = await pipeline.recommend(userId, { k: 10, diversity, includeExplanations: false });
        const scores = rec.items.map((i) => i.score);
        expect(scores.length).toBe(10);
        for (const [r, s] of scores.entries()) {
          expect(s, `${userId} λ=${diversity}: ${scores.join(', ')}`).toBeGreaterThanOrEqual(0);
          expect(s).toBeLessThanOrEqual(1);
          if (r > 0) expect(s, `${userId} λ=${diversity}: ${scores.join(', ')}`).toBeLessThanOrEqual(scores[r - 1]);
        }
      }
    }
  });

  it('names varied history items across a list, each by the similarity of the source that proposed it', async () => {
    for (const userId of ['1', '68', '414']) {
      const rec = await pipeline.recommend(userId, { k: 10 });
      const named = rec.items.flatMap((i) => i.explanation?.because.map((b) => b.itemId) ?? []);
      const counts = new Map<string, number>();
      for (const id of named) counts.set(id, (counts.get(id) ?? 0) + 1);
      const sentences = rec.items.map((i) => `${i.sources.join('+')}: ${i.explanation?.sentence}`).join('\n');
      // No history item carries the list: at most three mentions each, and many distinct ones.
      expect(Math.max(...counts.values()), sentences).toBeLessThanOrEqual(3);
      expect(counts.size, sentences).toBeGreaterThanOrEqual(Math.min(6, named.length));
      for (const it of rec.items) {
        for (const b of it.explanation?.because ?? []) expect(b.similarity).toBeGreaterThan(0);
        const personal = it.sources.filter((s) => s !== 'trending' && s !== 'popularity');
        if (personal.length === 0) expect(it.explanation?.because).toEqual([]);
        else if (personal.every((s) => s === 'semantic' || s === 'fresh') && (it.explanation?.because.length ?? 0) > 0) expect(it.explanation?.sentence).toMatch(/^Close in content to /);
      }
    }
  });

  it('renews a kept list in the background once it is two thirds of the TTL old, serving the kept one meanwhile', async () => {
    let now = Date.now();
    const kept = await createPipeline(engine, { clock: () => now, listCache: { ttlMs: 9_000 } });
    const first = await kept.recommend('68', { k: 10 });
    const misses = kept.listCache.misses;
    now += 5_999;
    expect(await kept.recommend('68', { k: 10 })).toBe(first);
    expect(kept.listCache.renewed).toBe(0);
    now += 1;
    // Old enough: still the kept list, its successor computed after this request.
    expect(await kept.recommend('68', { k: 10 })).toBe(first);
    for (let i = 0; i < 200 && kept.listCache.renewed === 0; i++) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(kept.listCache.renewed).toBe(1);
    const renewed = await kept.recommend('68', { k: 10 });
    expect(renewed).not.toBe(first);
    expect(renewed.items.map((i) => i.id)).toEqual(first.items.map((i) => i.id));
    // No request computed a list: the renewal did.
    expect(kept.listCache.misses).toBe(misses);
    // The renewed list lives its own TTL: past the first one's it is still served.
    now += 8_000;
    expect(await kept.recommend('68', { k: 10 })).toBe(renewed);
    // Renewal off: the list expires and the next request computes it.
    const plain = await createPipeline(engine, { clock: () => now, listCache: { ttlMs: 9_000, refreshAtMs: 9_000 } });
    const once = await plain.recommend('68', { k: 10 });
    now += 8_999;
    expect(await plain.recommend('68', { k: 10 })).toBe(once);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(plain.listCache.renewed).toBe(0);
    now += 1;
    expect(await plain.recommend('68', { k: 10 })).not.toBe(once);
  });

  it('reuses a user\'s list until the user, the served versions, the catalogue or the TTL change it', async () => {
    let now = Date.now();
    const kept = await createPipeline(engine, { clock: () => now, listCache: { ttlMs: 10_000 } });
    const first = await kept.recommend('68', { k: 10 });
    // The same request again: the same answer, from the cache.
    expect(await kept.recommend('68', { k: 10 })).toBe(first);
    expect(kept.listCache.hits).toBe(1);
    // Another request shape is computed on its own.
    expect(await kept.recommend('68', { k: 5 })).not.toBe(first);
    // The user's own event (stored, as the server passes it) is in the next list.
    const top = first.items[0].id;
    const e = { userId: '68', itemId: top, type: 'like' as const, timestamp: now };
    const [seq] = await engine.storage.events.append([e]);
    kept.observe({ seq, ...e });
    const after = await kept.recommend('68', { k: 10 });
    expect(after.items.map((i) => i.id)).not.toContain(top);
    // So is a live event storage does not hold.
    const second = after.items[0].id;
    kept.observe({ userId: '68', itemId: second, type: 'like', timestamp: now + 1 });
    expect((await kept.recommend('68', { k: 10 })).items.map((i) => i.id)).not.toContain(second);
    const settled = await kept.recommend('68', { k: 10 });
    expect(await kept.recommend('68', { k: 10 })).toBe(settled);
    // A catalogue write: the list is computed again (the changed item leaves it when unavailable).
    const shown = settled.items[0].id;
    const record = catalogue.get(shown)!;
    await engine.storage.items.upsert([{ ...record, available: false }]);
    await kept.observeItems([{ ...record, available: false }]);
    const refreshed = await kept.recommend('68', { k: 10 });
    expect(refreshed).not.toBe(settled);
    await engine.storage.items.upsert([record]);
    await kept.observeItems([record]);
    // A version swap.
    const swapped = await kept.recommend('68', { k: 10 });
    expect(await kept.recommend('68', { k: 10 })).toBe(swapped);
    const ease = engine.servingVersion('ease')!;
    await engine.serveVersion('ease', ease);
    expect(await kept.recommend('68', { k: 10 })).not.toBe(swapped);
    // Past the TTL.
    const aged = await kept.recommend('68', { k: 10 });
    now += 10_000;
    expect(await kept.recommend('68', { k: 10 })).not.toBe(aged);
    // Off: every request computes its list, to the same result.
    const off = await createPipeline(engine, { clock: () => now, listCache: { ttlMs: 0 } });
    const a = await off.recommend('414', { k: 10 });
    const b = await off.recommend('414', { k: 10 });
    expect(b).not.toBe(a);
    expect(b.items.map((i) => i.id)).toEqual(a.items.map((i) => i.id));
    // A kept list is the list computed afresh.
    await kept.recommend('414', { k: 10 });
    expect((await kept.recommend('414', { k: 10 })).items.map((i) => i.id)).toEqual(a.items.map((i) => i.id));
    // Under exposure caps every list is arranged afresh.
    const capped = await createPipeline(engine, { clock: () => now, servingRules: { apply: (list) => [...list], reuseKey: () => undefined } });
    const c1 = await capped.recommend('68', { k: 10 });
    expect(await capped.recommend('68', { k: 10 })).not.toBe(c1);
  });

  it('decodes every source\u2019s serving version while it is built, not at its first request', async () => {
    const other = createEngine(await openStorage(`sqlite://${join(dir, 'x.db')}`), { encoder: bagOfWordsEncoder() });
    try {
      expect(other.servingVersion('ease')).toBeUndefined();
      const built = await createPipeline(other);
      for (const kind of ['itemknn', 'ease', 'semantic']) expect(other.servingVersion(kind), kind).toBe(engine.servingVersion(kind));
      expect(built.sourceNames).toContain('semantic');
    } finally {
      await other.close();
    }
  });

  it("takes a deleted user's events out of trending without reading every event again, as a pipeline built afterwards counts", async () => {
    let last = 0;
    for await (const page of engine.storage.events.scan()) for (const e of page) last = Math.max(last, e.timestamp);
    const clock = (): number => last + 86_400_000;
    const live = await createPipeline(engine, { clock });
    const userId = '414';
    const events = await engine.storage.events.forUser(userId);
    expect(events.length).toBeGreaterThan(100);
    expect((await engine.storage.users.delete(userId)).events).toBe(events.length);
    await live.forgetUser(userId, { events });
    const rebuilt = await createPipeline(engine, { clock });
    const got = await live.trendingItems(30);
    const want = await rebuilt.trendingItems(30);
    expect(got).toHaveLength(30);
    // Ties may fall the other way: the scores down the list agree.
    got.forEach((g, r) => expect(g.score).toBeCloseTo(want[r].score, 9));
    const [gotTopics, wantTopics] = [await live.trendingTopics(10), await rebuilt.trendingTopics(10)];
    expect(gotTopics.length).toBeGreaterThan(0);
    expect(gotTopics.map((t) => t.topic)).toEqual(wantTopics.map((t) => t.topic));
    gotTopics.forEach((t, r) => expect(t.score).toBeCloseTo(wantTopics[r].score, 6));
  }, 60_000);
});

