/**
 * With no trained model, lists come from popularity over the stored events, counted once per state
 * of the event log in the background (a request never rescans every event, except the very first).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStorage } from '../storage/index.js';
import { createEngine } from './engine.js';
import type { Engine } from './engine.js';

describe('engine without a trained model', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lmrec-live-pop-'));
  let engine: Engine;
  const t0 = Date.UTC(2024, 0, 1);

  beforeAll(async () => {
    engine = createEngine(await openStorage(`sqlite://${join(dir, 'p.db')}`));
    await engine.storage.items.upsert(['a', 'b', 'c'].map((id) => ({ id, title: id.toUpperCase() })));
    await engine.storage.events.append([
      ...['u1', 'u2', 'u3'].map((userId, i) => ({ userId, itemId: 'a', type: 'like' as const, timestamp: t0 + i })),
      { userId: 'u1', itemId: 'b', type: 'like' as const, timestamp: t0 + 10 },
    ]);
  });

  afterAll(async () => {
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the popular items, and takes new events into account after a background count', async () => {
    const first = await engine.recommend('nobody', { k: 3 });
    expect(first.modelVersion).toBe('popularity@live');
    expect(first.items.map((i) => i.id)).toEqual(['a', 'b']);
    await engine.storage.events.append(['u4', 'u5', 'u6', 'u7'].map((userId, i) => ({ userId, itemId: 'c', type: 'like' as const, timestamp: t0 + 20 + i })));
    // The request right after the events may still read the previous count; a later one reads the new.
    let ids: string[] = [];
    for (let attempt = 0; attempt < 50 && ids[0] !== 'c'; attempt++) {
      ids = (await engine.recommend('nobody', { k: 3 })).items.map((i) => i.id);
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(ids).toEqual(['c', 'a', 'b']);
  });
});
