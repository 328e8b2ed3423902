import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStorage } from '../index.js';
import type { Storage } from '../index.js';
import { createEventStats } from './event-stats.js';

describe('event statistics read from storage (real SQLite file)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lmrec-event-stats-'));
  let storage: Storage;

  beforeAll(async () => {
    storage = await openStorage(`sqlite://${join(dir, 'stats.db')}`);
    await storage.events.append([
      { userId: 'u1', itemId: 'a', type: 'rating', value: 4, timestamp: 10 },
      { userId: 'u1', itemId: 'a', type: 'view', timestamp: 30 },
      { userId: 'u2', itemId: 'a', type: 'rating', value: 5, timestamp: 20 },
      { userId: 'u3', itemId: 'a', type: 'rating', value: 4, timestamp: 15 },
      { userId: 'u3', itemId: 'b', type: 'like', timestamp: 40 },
      { userId: 'u3', type: 'search', text: 'a', timestamp: 41 },
    ]);
  });

  afterAll(async () => {
    await storage?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('summarises one item: events, distinct users, counts by type, rating histogram, newest event', async () => {
    const stats = createEventStats(storage);
    expect(await stats.item('a')).toEqual({
      itemId: 'a',
      events: 4,
      users: 3,
      byType: { rating: 3, view: 1 },
      ratings: { count: 3, mean: 13 / 3, histogram: [{ value: 4, count: 2 }, { value: 5, count: 1 }] },
      lastEventAt: 30,
    });
    expect(await stats.item('none')).toEqual({ itemId: 'none', events: 0, users: 0, byType: {}, ratings: { count: 0, mean: null, histogram: [] }, lastEventAt: null });
  });

  it('counts events per user, and answers from storage as it is now', async () => {
    const stats = createEventStats(storage);
    expect(await stats.userEvents(['u1', 'u3', 'nobody'])).toEqual(new Map([['u1', 2], ['u3', 3], ['nobody', 0]]));
    await storage.users.delete('u3');
    expect((await stats.userEvents(['u3'])).get('u3')).toBe(0);
    expect(await stats.item('a')).toMatchObject({ events: 3, users: 2 });
  });
});
