/**
 * Language-model features of the engine with the real local encoder (Universal Sentence Encoder
 * Lite from npm) on a 150-movie slice of the vendored MovieLens demo.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotFoundError } from '../core/errors.js';
import { createUseLiteEncoder } from '../encoders/index.js';
import { loadMovieLensLatest } from '../ingest/index.js';
import { openStorage } from '../storage/index.js';
import { createEngine } from './engine.js';
import type { Engine } from './engine.js';

const DEMO = fileURLToPath(new URL('../../data/demo/ml-latest-small', import.meta.url));

describe('engine language-model features (USE-lite, real SQLite file)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lmrec-text-'));
  let engine: Engine;
  let coldId = '';

  beforeAll(async () => {
    const ds = await loadMovieLensLatest(DEMO);
    // The 150 most rated movies, plus a rarely rated one whose events are all left out, so it has
    // text but no interactions at all in this engine (a cold item).
    const counts = new Map<string, number>();
    for (const e of ds.batch.events) if (e.itemId) counts.set(e.itemId, (counts.get(e.itemId) ?? 0) + 1);
    const top = new Set([...counts.entries()].sort((a, b) => b[1] - a[1]).slice(0, 150).map(([id]) => id));
    const cold = ds.batch.items.find((it) => !top.has(it.id) && (counts.get(it.id) ?? 0) <= 3 && (it.text ?? '').length > 100)!;
    coldId = cold.id;
    const items = ds.batch.items.filter((it) => top.has(it.id)).concat(cold);
    const events = ds.batch.events.filter((e) => e.itemId !== undefined && top.has(e.itemId));
    engine = createEngine(await openStorage(`sqlite://${join(dir, 'text.db')}`), { encoder: createUseLiteEncoder() });
    await engine.storage.bulkWrite({ items, users: ds.batch.users, events });
  }, 60_000);

  afterAll(async () => {
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('embeds the catalogue once: a second run encodes nothing', async () => {
    const first = await engine.embedCatalogue();
    expect(first).toMatchObject({ encoder: 'use-lite', items: 151, encoded: 151, cached: 0 });
    const second = await engine.embedCatalogue();
    expect(second).toMatchObject({ items: 151, encoded: 0, cached: 151 });
    expect(await engine.storage.embeddings.count('use-lite')).toBe(151);
  }, 120_000);

  it('answers natural-language queries with the semantic model', async () => {
    await expect(engine.query('space adventure')).rejects.toThrow(NotFoundError);
    await engine.train('semantic');
    const toys = await engine.query('animated toys that come to life', { k: 5 });
    expect(toys.modelVersion).toBe('semantic@1');
    expect(toys.items.map((i) => i.title)).toContain('Toy Story (1995)');
    const mob = await engine.query('mafia crime family drama', { k: 5 });
    expect(mob.items.map((i) => i.title).join(' | ')).toMatch(/Godfather/);
  }, 120_000);

  it('scores an item nobody interacted with from its text (semantic and hybrid)', async () => {
    await engine.train('hybrid', { epochs: 10, factors: 16, textBlend: 0.5 });
    for (const model of ['semantic', 'hybrid']) {
      const loaded = await engine.loadModel(model);
      const idx = loaded!.trained.items.indexOf(coldId);
      expect(idx, model).toBeGreaterThanOrEqual(0);
      const scores = new Float32Array(loaded!.trained.items.size);
      loaded!.trained.model.score({ userIdx: -1, items: Int32Array.from([0, 1, 2]), values: Float32Array.from([1, 1, 1]) }, scores);
      expect(Number.isFinite(scores[idx]), model).toBe(true);
      expect(scores[idx], model).not.toBe(0);
    }
    const similar = await engine.similarItems(coldId, { model: 'semantic', k: 3 });
    expect(similar.items).toHaveLength(3);
  }, 120_000);

  it('moves a user\'s semantic list with their likes and dislikes at once', async () => {
    const t = Date.now();
    const before = await engine.recommend('new-user', { model: 'semantic', k: 10 });
    expect(before.fallback).toBe('unknown user');
    await engine.storage.events.append([
      { userId: 'new-user', itemId: '1', type: 'like', timestamp: t },
      { userId: 'new-user', itemId: '318', type: 'dislike', timestamp: t + 1 },
    ]);
    const after = await engine.recommend('new-user', { model: 'semantic', k: 10 });
    expect(after.fallback).toBeUndefined();
    expect(after.items.map((i) => i.id)).not.toEqual(before.items.map((i) => i.id));
  }, 60_000);
});
