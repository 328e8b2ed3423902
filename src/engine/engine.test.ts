import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotFoundError, ValidationError } from '../core/errors.js';
import { openStorage } from '../storage/index.js';
import { createEngine } from './engine.js';
import type { Engine } from './engine.js';

const DEMO = fileURLToPath(new URL('../../data/demo/ml-latest-small', import.meta.url));

describe('engine on the vendored MovieLens demo (real SQLite file)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lmrec-engine-'));
  const url = `sqlite://${join(dir, 'engine.db')}`;
  let engine: Engine;

  beforeAll(async () => {
    engine = createEngine(await openStorage(url));
    const report = await engine.import({ format: 'movielens-latest', dir: DEMO });
    expect(report.items).toBe(9742);
    await engine.train('pop');
    await engine.train('itemknn', { k: 100, shrink: 10 });
    await engine.train('ease', { lambda: 500, minSupport: 5 });
    await engine.train('als', { factors: 32, iterations: 10, alpha: 4, regularization: 1 });
  }, 180_000);

  afterAll(async () => {
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('recommends unseen, titled items for a known user with the default model', async () => {
    const rec = await engine.recommend('1', { k: 10 });
    expect(rec.modelVersion).toBe('ease@1');
    expect(rec.fallback).toBeUndefined();
    expect(rec.items).toHaveLength(10);
    const seen = new Set((await engine.storage.events.forUser('1')).map((e) => e.itemId));
    for (const it of rec.items) {
      expect(seen.has(it.id)).toBe(false);
      expect(it.title).toBeTruthy();
      expect(it.sources).toEqual(['ease']);
    }
    const scores = rec.items.map((i) => i.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
  });

  it('gives an unknown user the popularity list, not an error', async () => {
    const rec = await engine.recommend('nobody-at-all', { k: 5 });
    expect(rec.fallback).toBe('unknown user');
    expect(rec.items.map((i) => i.sources[0])).toEqual(Array(5).fill('popularity'));
    const pop = await engine.recommend('nobody-at-all', { k: 5, model: 'pop' });
    expect(rec.items.map((i) => i.id)).toEqual(pop.items.map((i) => i.id));
  });

  it('answers similar items, and a clear not-found error for an unknown item', async () => {
    const sim = await engine.similarItems('1', { k: 5, model: 'itemknn' });
    expect(sim.items).toHaveLength(5);
    expect(sim.items.map((i) => i.id)).not.toContain('1');
    await expect(engine.similarItems('no-such-item')).rejects.toThrow(NotFoundError);
    await expect(engine.similarItems('no-such-item')).rejects.toThrow(/item "no-such-item" not found/);
  });

  it('folds in a new user\'s events at once, without retraining', async () => {
    const liked = ['1', '3114', '4886', '6377', '4306', '2355', '8961']; // Pixar / DreamWorks animation
    const animatedIn = async (ids: string[]) =>
      (await engine.storage.items.getMany(ids)).filter((it) => JSON.stringify(it.attributes?.genres ?? []).match(/Animation|Children/)).length;
    const baseline = await animatedIn((await engine.recommend('fresh', { k: 10 })).items.map((i) => i.id));
    const t = Date.now();
    await engine.storage.events.append(liked.map((itemId, k) => ({ userId: 'fresh', itemId, type: 'like' as const, timestamp: t + k })));
    for (const [model, gain] of [['ease', 3]] as const) {
      const rec = await engine.recommend('fresh', { k: 10, model });
      expect(rec.fallback).toBeUndefined();
      const animated = await animatedIn(rec.items.map((i) => i.id));
      // Before the events the user got the popularity list; now the list turns to animation.
      expect(animated, `${model}: ${rec.items.map((i) => i.title).join('; ')}`).toBeGreaterThanOrEqual(baseline + gain);
      for (const id of liked) expect(rec.items.map((i) => i.id)).not.toContain(id);
    }
    // Factor models fold the new history in with one closed-form user step: the list changes at once.
    const als = await engine.recommend('fresh', { k: 10, model: 'als' });
    expect(als.fallback).toBeUndefined();
    expect(als.items.map((i) => i.sources[0])).toEqual(Array(10).fill('als'));
    const knn = await engine.recommend('fresh', { k: 10, model: 'itemknn' });
    expect(knn.fallback).toBeUndefined();
    expect(await animatedIn(knn.items.map((i) => i.id))).toBeGreaterThan(baseline);
  });

  it('honours exclusions and availability', async () => {
    const first = await engine.recommend('2', { k: 5 });
    const top = first.items[0].id;
    const again = await engine.recommend('2', { k: 5, exclude: [top] });
    expect(again.items.map((i) => i.id)).not.toContain(top);
    const item = (await engine.storage.items.get(top))!;
    await engine.storage.items.upsert([{ ...item, available: false }]);
    const hidden = await engine.recommend('2', { k: 5 });
    expect(hidden.items.map((i) => i.id)).not.toContain(top);
    await engine.storage.items.upsert([{ ...item, available: true }]);
  });

  it('rejects a bad k and an unknown model clearly', async () => {
    await expect(engine.recommend('1', { k: 0 })).rejects.toThrow(ValidationError);
    await expect(engine.recommend('1', { model: 'lightgcn' })).rejects.toThrow(/unknown model "lightgcn"/);
  });

  it('keeps model versions across a reopen and serves the same list', async () => {
    const before = await engine.recommend('7', { k: 10, model: 'itemknn' });
    await engine.train('itemknn', { k: 50, shrink: 10 });
    const versions = await engine.storage.models.versions('itemknn');
    expect(versions.map((v) => v.version)).toEqual([2, 1]);
    await engine.close();
    engine = createEngine(await openStorage(url));
    const v1 = await engine.loadModel('itemknn', 1);
    expect(v1?.version).toBe(1);
    const latest = await engine.recommend('7', { k: 10, model: 'itemknn' });
    expect(latest.modelVersion).toBe('itemknn@2');
    expect(before.modelVersion).toBe('itemknn@1');
    expect(latest.items).toHaveLength(10);
  });
});
