import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStorage } from '../storage/index.js';
import type { Storage } from '../storage/index.js';
import { ItemCache } from './item-cache.js';

describe('ItemCache', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lmrec-item-cache-'));
  let storage: Storage;

  beforeAll(async () => {
    storage = await openStorage(`sqlite://${join(dir, 'c.db')}`);
    await storage.items.upsert([
      { id: 'a', title: 'A' },
      { id: 'b', title: 'B' },
    ]);
  });

  afterAll(async () => {
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads through, keeps order, skips unknown ids and follows puts and deletes', async () => {
    const cache = new ItemCache(storage);
    expect((await cache.getMany(['b', 'x', 'a'])).map((i) => i.id)).toEqual(['b', 'a']);
    expect(cache.size).toBe(2);
    // A change in storage alone is not seen (it is a cache) until the owner puts it.
    await storage.items.upsert([{ id: 'a', title: 'A2' }]);
    expect((await cache.getMany(['a']))[0].title).toBe('A');
    cache.put([{ id: 'a', title: 'A2' }, { id: 'x', title: 'X' }]);
    expect((await cache.getMany(['a', 'x'])).map((i) => i.title)).toEqual(['A2', 'X']);
    cache.forget(['b']);
    expect(await cache.getMany(['b'])).toEqual([]);
  });

  it('stays within its bound', async () => {
    const cache = new ItemCache(storage, { maxItems: 1 });
    await cache.getMany(['a', 'b']);
    expect(cache.size).toBe(1);
  });
});
