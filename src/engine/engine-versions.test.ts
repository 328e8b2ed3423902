import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotFoundError } from '../core/errors.js';
import { writeDemoSlice } from '../lifecycle/test-support.js';
import { openStorage } from '../storage/index.js';
import { createEngine } from './engine.js';
import type { Engine } from './engine.js';

const ALS = { factors: 8, iterations: 3 };

describe('engine: which version serves (real SQLite file)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lmrec-versions-'));
  const url = `sqlite://${join(dir, 'versions.db')}`;
  let engine: Engine;

  beforeAll(async () => {
    writeDemoSlice(dir, 30);
    engine = createEngine(await openStorage(url));
    await engine.import({ format: 'movielens-latest', dir });
  });

  afterAll(async () => {
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the latest version until one is activated, then the activated one, also after reopening', async () => {
    await engine.train('als', ALS);
    expect((await engine.recommend('1', { model: 'als' })).modelVersion).toBe('als@1');
    await engine.train('als', ALS);
    expect((await engine.recommend('1', { model: 'als' })).modelVersion).toBe('als@2');
    expect(engine.servingVersion('als')).toBe(2);

    await engine.storage.models.activate('als', 1);
    // Another process changed the choice: this engine keeps its in-memory answer until told.
    expect((await engine.recommend('1', { model: 'als' })).modelVersion).toBe('als@2');
    engine.invalidate('als');
    expect((await engine.recommend('1', { model: 'als' })).modelVersion).toBe('als@1');

    // A version trained while another is activated is stored but does not serve by itself.
    expect((await engine.train('als', ALS)).version).toBe(3);
    expect((await engine.recommend('1', { model: 'als' })).modelVersion).toBe('als@1');

    const reopened = createEngine(await openStorage(url));
    try {
      expect((await reopened.recommend('1', { model: 'als' })).modelVersion).toBe('als@1');
      expect(await reopened.storedServingVersion('als')).toBe(1);
    } finally {
      await reopened.close();
    }
  });

  it('swaps the served version in memory, and rejects a version that is not stored', async () => {
    expect(await engine.serveVersion('als', 3)).toEqual({ previous: 1 });
    expect((await engine.recommend('1', { model: 'als' })).modelVersion).toBe('als@3');
    await expect(engine.serveVersion('als', 42)).rejects.toThrow(NotFoundError);
    expect(engine.servingVersion('als')).toBe(3);
    // Concurrent first requests after an invalidation resolve to one decoded object.
    engine.invalidate();
    const [a, b] = await Promise.all([engine.loadModel('als'), engine.loadModel('als')]);
    expect(a?.version).toBe(1);
    expect(a?.trained).toBe(b?.trained);
  });
});
