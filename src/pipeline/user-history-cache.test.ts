import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Event } from '../core/types.js';
import { openStorage } from '../storage/index.js';
import { UserHistoryCache } from './user-history-cache.js';

const like = (userId: string, itemId: string, timestamp: number): Event => ({ userId, itemId, type: 'like', timestamp });

describe('UserHistoryCache (real SQLite file, two connections)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lmrec-history-cache-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads once, then follows events written by anyone, in time order and within the limit', async () => {
    const url = `sqlite://${join(dir, 'h.db')}`;
    const server = await openStorage(url);
    const other = await openStorage(url);
    let reads = 0;
    const cache = new UserHistoryCache(server, {
      historyLimit: 4,
      read: async (id) => {
        reads++;
        return server.events.forUser(id, { limit: 4 });
      },
    });
    try {
      await server.events.append([like('a', 'x', 10), like('a', 'y', 20), like('b', 'z', 5)]);
      expect((await cache.get('a')).map((e) => e.itemId)).toEqual(['x', 'y']);
      expect((await cache.get('a')).map((e) => e.itemId)).toEqual(['x', 'y']);
      expect(reads).toBe(1);
      // Another process appends, one of them back-dated.
      await other.events.append([like('a', 'w', 30), like('a', 'v', 15), like('b', 'q', 6)]);
      expect((await cache.get('a')).map((e) => e.itemId)).toEqual(['x', 'v', 'y', 'w']);
      await other.events.append([like('a', 'u', 40)]);
      // At most the limit, the oldest dropped: what a read of the store gives.
      const a = await cache.get('a');
      expect(a.map((e) => e.itemId)).toEqual(['v', 'y', 'w', 'u']);
      expect(a).toEqual(await server.events.forUser('a', { limit: 4 }));
      expect(reads).toBe(1);
      cache.forget('a');
      await cache.get('a');
      expect(reads).toBe(2);
    } finally {
      await other.close();
      await server.close();
    }
  });

  it('drops held events older than a retention cut-off, as storage deleted them', async () => {
    const url = `sqlite://${join(dir, 'retention.db')}`;
    const storage = await openStorage(url);
    const cache = new UserHistoryCache(storage, { historyLimit: 10, read: (id) => storage.events.forUser(id, { limit: 10 }) });
    try {
      await storage.events.append([like('a', 'x', 10), like('a', 'y', 20), like('a', 'z', 30), like('b', 'q', 5)]);
      expect((await cache.get('a')).map((e) => e.itemId)).toEqual(['x', 'y', 'z']);
      await cache.get('b');
      expect(cache.events).toBe(4);
      // Retention deletes the oldest events; the latest seq is unchanged, so nothing new is read.
      await storage.events.deleteBefore(25, { limit: 100 });
      expect((await cache.get('a')).map((e) => e.itemId)).toEqual(['x', 'y', 'z']);
      cache.dropBefore(25);
      expect(await cache.get('a')).toEqual(await storage.events.forUser('a', { limit: 10 }));
      expect((await cache.get('a')).map((e) => e.itemId)).toEqual(['z']);
      expect(await cache.get('b')).toEqual([]);
      expect(cache.events).toBe(1);
    } finally {
      await storage.close();
    }
  });

  it('holds at most maxEvents events in all, least recently read users first out', async () => {
    const storage = await openStorage(`sqlite://${join(dir, 'budget.db')}`);
    let reads = 0;
    const cache = new UserHistoryCache(storage, { historyLimit: 100, maxEvents: 25, read: async (id) => (reads++, storage.events.forUser(id, { limit: 100 })) });
    try {
      for (const user of ['a', 'b', 'c']) await storage.events.append(Array.from({ length: 10 }, (_, i) => like(user, `i${i}`, i)));
      await cache.get('a');
      await cache.get('b');
      expect(cache.events).toBe(20);
      await cache.get('a');
      await cache.get('c');
      // 30 > 25: b, read least recently, went.
      expect([cache.size, cache.events]).toEqual([2, 20]);
      expect(reads).toBe(3);
      await cache.get('a');
      expect(reads).toBe(3);
      await cache.get('b');
      expect(reads).toBe(4);
      // Events appended later count too.
      await storage.events.append(Array.from({ length: 10 }, (_, i) => like('b', `j${i}`, 100 + i)));
      expect((await cache.get('b')).length).toBe(20);
      expect(cache.events).toBeLessThanOrEqual(25);
      cache.forget('b');
      expect(cache.events).toBe(0);
    } finally {
      await storage.close();
    }
  });

  it('starts over when more events arrived than it would read', async () => {
    const storage = await openStorage(`sqlite://${join(dir, 'big.db')}`);
    let reads = 0;
    const cache = new UserHistoryCache(storage, { historyLimit: 100, maxCatchUp: 10, read: async (id) => (reads++, storage.events.forUser(id, { limit: 100 })) });
    try {
      await storage.events.append([like('a', 'x', 1)]);
      await cache.get('a');
      await storage.events.append(Array.from({ length: 20 }, (_, i) => like('c', `i${i}`, i + 2)));
      await storage.events.append([like('a', 'y', 50)]);
      expect((await cache.get('a')).map((e) => e.itemId)).toEqual(['x', 'y']);
      expect(reads).toBe(2);
    } finally {
      await storage.close();
    }
  });
});
