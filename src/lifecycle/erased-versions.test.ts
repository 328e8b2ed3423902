/**
 * Versions trained on data of deleted users: the taint rule, the purge, and the model manager
 * refusing to serve such versions again. Real SQLite storage (in memory) and in-process training
 * of small models.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConflictError, NotFoundError } from '../core/errors.js';
import type { Event } from '../core/types.js';
import { createEngine } from '../engine/engine.js';
import type { Engine } from '../engine/engine.js';
import { openStorage } from '../storage/index.js';
import type { Erasure, ModelRecord } from '../storage/storage.js';
import { erasuresTainting, isTrainedOnErasedData, purgeErasedVersions } from './erased-versions.js';
import { ModelManager } from './model-manager.js';

const T0 = Date.UTC(2024, 0, 1);

function likes(userId: string, itemIds: readonly string[]): Event[] {
  return itemIds.map((itemId, i) => ({ userId, itemId, type: 'like', timestamp: T0 + i }));
}

function version(name: string, createdAt: number, meta: Record<string, unknown>): Omit<ModelRecord, 'payload'> {
  return { name, version: 1, createdAt, meta };
}

describe('taint rule', () => {
  const erasure: Erasure = { id: 3, firstSeq: 100, at: 5_000 };

  it('a version that read the log before the erasure and reached the first event is tainted', () => {
    expect(isTrainedOnErasedData(version('ease', 4_000, { dataSeq: 100, erasureWatermark: 2 }), [erasure])).toBe(true);
    // Saved after the erasure, but its training began reading before it: the watermark decides.
    expect(isTrainedOnErasedData(version('ease', 9_000, { dataSeq: 150, erasureWatermark: 2 }), [erasure])).toBe(true);
    expect(erasuresTainting(version('ease', 9_000, { dataSeq: 150, erasureWatermark: 0 }), [{ id: 1, firstSeq: 10, at: 1 }, erasure])).toHaveLength(2);
  });

  it('a version that read after the erasure, or stopped before the first event, is clean', () => {
    expect(isTrainedOnErasedData(version('ease', 9_000, { dataSeq: 150, erasureWatermark: 3 }), [erasure])).toBe(false);
    expect(isTrainedOnErasedData(version('ease', 4_000, { dataSeq: 99, erasureWatermark: 0 }), [erasure])).toBe(false);
    expect(isTrainedOnErasedData(version('ease', 4_000, { dataSeq: 150 }), [])).toBe(false);
  });

  it('without a watermark, the save time decides', () => {
    expect(isTrainedOnErasedData(version('als', 4_999, { dataSeq: 150 }), [erasure])).toBe(true);
    expect(isTrainedOnErasedData(version('als', 5_000, { dataSeq: 150 }), [erasure])).toBe(false);
  });

  it('keeps the ranker; treats any other artefact without dataSeq saved before the erasure as tainted', () => {
    expect(isTrainedOnErasedData(version('ranker', 1_000, { sources: ['ease'] }), [erasure])).toBe(false);
    expect(isTrainedOnErasedData(version('custom-artefact', 1_000, {}), [erasure])).toBe(true);
    expect(isTrainedOnErasedData(version('custom-artefact', 6_000, {}), [erasure])).toBe(false);
  });
});

describe('purging versions trained on deleted users', () => {
  let engine: Engine;
  let manager: ModelManager;
  const others = [
    ...likes('u1', ['a', 'b', 'c']),
    ...likes('u2', ['a', 'c', 'd']),
    ...likes('u3', ['b', 'd', 'e']),
    ...likes('u4', ['a', 'e', 'f']),
  ];

  beforeEach(async () => {
    engine = createEngine(await openStorage('sqlite::memory:'));
    manager = new ModelManager(engine);
  });

  afterEach(async () => {
    await engine.close();
  });

  it('deletes tainted versions that do not serve, keeps the serving one until a clean version replaces it', async () => {
    const { storage } = engine;
    await storage.events.append(others);
    expect((await engine.train('pop')).version).toBe(1);
    await storage.events.append(likes('erased', ['x', 'y', 'a']));
    await engine.train('pop');
    await engine.train('pop');
    await engine.train('itemknn');
    await manager.activate('pop', 3);
    expect((await engine.loadModel('pop', 2))?.trained.users.has('erased')).toBe(true);
    // Nothing to purge before anyone is deleted.
    expect(await purgeErasedVersions(engine)).toEqual({ purged: [], serving: [] });

    await storage.users.delete('erased');
    const first = await purgeErasedVersions(engine);
    expect(first.purged).toEqual([{ model: 'pop', version: 2 }]);
    expect(first.serving).toEqual([
      { model: 'itemknn', version: 1 },
      { model: 'pop', version: 3 },
    ]);
    expect((await storage.models.versions('pop')).map((v) => v.version)).toEqual([3, 1]);
    // Not answered from the engine's cache either.
    expect(await engine.loadModel('pop', 2)).toBeUndefined();

    // The serving tainted version cannot be activated again; rollback passes to the clean one and purges.
    const refused = await manager.activate('pop', 3).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ConflictError);
    expect((refused as Error).message).toMatch(/trained on data of a deleted user/);
    expect(await manager.rollback('pop')).toEqual({ name: 'pop', version: 1 });
    expect((await storage.models.versions('pop')).map((v) => v.version)).toEqual([1]);
    expect(await engine.loadModel('pop', 3)).toBeUndefined();
    expect((await engine.recommend('u1', { model: 'pop' })).modelVersion).toBe('pop@1');

    // Retrained after the deletion: clean, a fresh number, and it replaces the tainted item-kNN.
    const retrained = await engine.train('itemknn');
    expect(retrained.version).toBe(2);
    expect((await storage.models.versions('itemknn'))[0].meta.erasureWatermark).toBe(1);
    expect(await manager.purgeErased()).toEqual({ purged: [{ model: 'itemknn', version: 1 }], serving: [] });
    expect((await engine.loadModel('itemknn'))?.trained.users.has('erased')).toBe(false);
    expect((await engine.train('pop')).version).toBe(4);
  });

  it('refuses a version whose training was reading when the user was deleted, though saved after', async () => {
    const { storage } = engine;
    await storage.events.append([...others, ...likes('erased', ['x', 'y'])]);
    await engine.train('pop');
    await manager.activate('pop', 1);
    const watermark = await storage.erasures.lastId();
    const inFlight = await storage.models.load('pop', 1);
    await storage.users.delete('erased');
    // What a job that read the events before the deletion stores once it finishes.
    const late = await storage.models.save('pop', { ...inFlight!.meta, erasureWatermark: watermark }, inFlight!.payload);
    expect(late.createdAt).toBeGreaterThanOrEqual((await storage.erasures.list())[0].at);
    await expect(manager.activate('pop', late.version)).rejects.toThrow(ConflictError);
    expect(await storage.models.active('pop')).toBe(1);
    // Neither it nor the served v1 holds anything clean to roll back to.
    await expect(manager.rollback('pop')).rejects.toThrow(NotFoundError);
    expect(await manager.purgeErased({ names: ['pop'] })).toEqual({ purged: [{ model: 'pop', version: 2 }], serving: [{ model: 'pop', version: 1 }] });
  });

  it('rollback says why it has nothing to go back to when older versions hold a deleted user', async () => {
    const { storage } = engine;
    await storage.events.append([...others, ...likes('erased', ['x', 'y'])]);
    await engine.train('pop');
    await storage.users.delete('erased');
    await engine.train('pop');
    // Deleted by another process: no purge ran here yet, so v1 is still stored.
    const error = await manager.rollback('pop').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotFoundError);
    expect((error as Error).message).toMatch(/v1\) were trained on data of a deleted user/);
    expect((await engine.recommend('u1', { model: 'pop' })).modelVersion).toBe('pop@2');
  });
});
