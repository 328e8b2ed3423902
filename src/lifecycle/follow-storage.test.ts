/**
 * Following storage: versions trained or activated through a second connection to the same SQLite
 * file (as `lmrec train` beside `lmrec serve` does) are put into service by the serving engine's
 * lifecycle, by the rules of `autoActivate`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine } from '../engine/engine.js';
import type { Engine } from '../engine/engine.js';
import { openStorage } from '../storage/index.js';
import { createLifecycle } from './lifecycle.js';
import type { StorageChange } from './model-manager.js';
import { writeDemoSlice } from './test-support.js';

describe('a lifecycle follows versions another connection stores (real SQLite file)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lmrec-follow-'));
  const url = `sqlite://${join(dir, 'follow.db')}`;
  /** The serving process's engine. */
  let engine: Engine;
  /** Another process on the same file (e.g. `lmrec train`). */
  let other: Engine;

  beforeAll(async () => {
    writeDemoSlice(dir, 40);
    engine = createEngine(await openStorage(url));
    await engine.import({ format: 'movielens-latest', dir });
    other = createEngine(await openStorage(url));
  });

  afterAll(async () => {
    await other.close();
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const served = async (model: string): Promise<string> => (await engine.recommend('1', { model })).modelVersion;

  it('with autoActivate: serves a newer version trained elsewhere, also over an older activated one; reports new kinds and artefacts', async () => {
    await engine.train('itemknn', { k: 20 });
    const reported: StorageChange[][] = [];
    const lifecycle = createLifecycle({ engine, storageUrl: url, syncEvery: 0, onStorageChange: (changes) => reported.push([...changes]) });
    try {
      expect(await lifecycle.followStorage()).toEqual([]); // the baseline
      expect(await served('itemknn')).toBe('itemknn@1');

      // Nothing activated: the latest serves, as soon as the lifecycle looks.
      expect((await other.train('itemknn', { k: 30 })).version).toBe(2);
      expect(await served('itemknn')).toBe('itemknn@1');
      expect(await lifecycle.followStorage()).toEqual([{ name: 'itemknn', version: 2 }]);
      expect(await served('itemknn')).toBe('itemknn@2');

      // The operator goes back to v1; a look changes nothing, and nothing is reported.
      await lifecycle.activate('itemknn', 1);
      expect(await lifecycle.followStorage()).toEqual([]);
      expect(await served('itemknn')).toBe('itemknn@1');

      // A version trained elsewhere afterwards is new: autoActivate puts it into service (persisted).
      expect((await other.train('itemknn', { k: 40 })).version).toBe(3);
      expect(await lifecycle.followStorage()).toEqual([{ name: 'itemknn', version: 3 }]);
      expect(await served('itemknn')).toBe('itemknn@3');
      expect(await engine.storage.models.active('itemknn')).toBe(3);
      expect(await lifecycle.followStorage()).toEqual([]);

      // A model stored for the first time and a new artefact (the pipeline's ranker) are reported.
      await other.train('pop');
      await other.storage.models.save('ranker', {}, new Uint8Array([1, 2, 3]));
      expect(await lifecycle.followStorage()).toEqual([
        { name: 'pop', version: 1 },
        { name: 'ranker', version: 1 },
      ]);
      expect(reported).toEqual([[{ name: 'itemknn', version: 2 }], [{ name: 'itemknn', version: 3 }], [{ name: 'pop', version: 1 }, { name: 'ranker', version: 1 }]]);
    } finally {
      await lifecycle.close();
    }
  });

  it('without autoActivate: an activated version keeps serving; an activation made elsewhere is followed', async () => {
    const lifecycle = createLifecycle({ engine, storageUrl: url, syncEvery: 0, autoActivate: false });
    try {
      await lifecycle.followStorage();
      expect(await served('itemknn')).toBe('itemknn@3');
      const { version } = await other.train('itemknn', { k: 25 });
      expect(await lifecycle.followStorage()).toEqual([]);
      expect(await served('itemknn')).toBe('itemknn@3');
      // Another process (an operator's API call on a replica) activates it.
      await other.storage.models.activate('itemknn', version);
      expect(await lifecycle.followStorage()).toEqual([{ name: 'itemknn', version }]);
      expect(await served('itemknn')).toBe(`itemknn@${version}`);
    } finally {
      await lifecycle.close();
    }
  });

  it('looks on its own every syncEvery', async () => {
    const seen: StorageChange[] = [];
    const lifecycle = createLifecycle({ engine, storageUrl: url, syncEvery: 50, onStorageChange: (changes) => seen.push(...changes) });
    try {
      // The first look (the baseline) is taken at creation.
      await new Promise((resolve) => setTimeout(resolve, 100));
      const { version } = await other.train('itemknn', { k: 35 });
      const deadline = Date.now() + 10_000;
      while (!seen.some((c) => c.name === 'itemknn' && c.version === version) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(seen).toContainEqual({ name: 'itemknn', version });
      expect(await served('itemknn')).toBe(`itemknn@${version}`);
    } finally {
      await lifecycle.close();
    }
    expect(() => createLifecycle({ engine, storageUrl: url, syncEvery: 'often' })).toThrow(/lifecycle\.syncEvery must be/);
  });
});
