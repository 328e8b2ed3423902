import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Event, StoredEvent } from '../core/types.js';
import { createEngine } from '../engine/engine.js';
import type { Engine } from '../engine/engine.js';
import { openStorage } from '../storage/index.js';
import { createModelSource } from './model-source.js';
import { buildUserState } from './user-state.js';

describe('model source candidate cache', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lmrec-model-source-'));
  let engine: Engine;

  beforeAll(async () => {
    const events: Event[] = [];
    for (let u = 0; u < 30; u++) for (let i = 0; i < 40; i++) if ((i * 7 + u * 3) % 5 < 2) events.push({ userId: `u${u}`, itemId: `i${i}`, type: 'like', timestamp: 1_000 + i });
    engine = createEngine(await openStorage(`sqlite://${join(dir, 'm.db')}`));
    await engine.storage.bulkWrite({ items: Array.from({ length: 40 }, (_, i) => ({ id: `i${i}`, title: `Item ${i}` })), events });
    await engine.train('itemknn', { k: 20, shrink: 0 });
  });

  afterAll(async () => {
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const request = (history: readonly StoredEvent[], k = 10) => ({
    userId: 'u1',
    state: buildUserState('u1', history, { policy: engine.feedbackPolicy(), now: 10_000 }),
    k,
    now: 10_000,
  });

  it('scores in a turn of its own, after the work already waiting; a kept list is answered at once', async () => {
    const source = createModelSource(engine, 'itemknn');
    const history = await engine.userHistory('u2');
    const req = { ...request(history), userId: 'u2', state: buildUserState('u2', history, { policy: engine.feedbackPolicy(), now: 10_000 }) };
    await source.generate(req);
    const order: string[] = [];
    // Work already waiting in the event loop (here an immediate; on a server, requests read from sockets).
    setImmediate(() => order.push('io'));
    const computed = createModelSource(engine, 'itemknn').generate(req).then(() => order.push('scored'));
    const kept = source.generate(req).then(() => order.push('kept'));
    await Promise.all([computed, kept]);
    expect(order).toEqual(['kept', 'io', 'scored']);
  });

  it('reuses a list while history, version and k are the same, and recomputes when one changes', async () => {
    const cached = createModelSource(engine, 'itemknn');
    const uncached = createModelSource(engine, 'itemknn', { cacheUsers: 0 });
    const history = await engine.userHistory('u1');
    const first = await cached.generate(request(history));
    const again = await cached.generate(request(history));
    // Kept compactly: the same candidates and scores (scores as float32, as models compute them).
    expect(again).toEqual(first);
    expect(again).toEqual(await uncached.generate(request(history)));
    expect((await cached.generate(request(history, 5))).candidates).toHaveLength(5);

    // A new event is a new history: the liked item leaves the list at once.
    const top = first.candidates[0].itemId;
    const [seq] = await engine.storage.events.append([{ userId: 'u1', itemId: top, type: 'like', timestamp: 9_000 }]);
    const after = await cached.generate(request([...history, { userId: 'u1', itemId: top, type: 'like', timestamp: 9_000, seq }]));
    expect(after.candidates.map((c) => c.itemId)).not.toContain(top);

    // A new version serves new lists.
    await engine.train('itemknn', { k: 5, shrink: 0 });
    const retrained = await cached.generate(request(await engine.userHistory('u1')));
    expect(retrained.version).toBe('itemknn@2');
  });
});
