import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConflictError } from '../../core/errors.js';
import { openStorage } from '../index.js';
import { createSqliteStorage } from './sqlite-storage.js';
import type { Storage } from '../storage.js';

describe('SQLite impressions: lists recorded together share a transaction', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lmrec-impressions-'));
  let storage: Storage;

  beforeAll(async () => {
    storage = await openStorage(`sqlite://${join(dir, 'i.db')}`);
    await storage.users.upsert([{ id: 'known' }]);
  });

  afterAll(async () => {
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const list = (id: string, userId = 'known') => ({ id, userId, modelVersion: 'ease@1', variant: 'default', itemIds: ['a', 'b'], createdAt: 1_000 });

  it('answers each list on its own: recorded, unknown user, id taken', async () => {
    const answers = await Promise.allSettled([
      storage.impressions.record(list('one'), { onlyKnownUser: true }),
      storage.impressions.record(list('two', 'stranger'), { onlyKnownUser: true }),
      storage.impressions.record(list('one')),
      ...Array.from({ length: 300 }, (_, i) => storage.impressions.record(list(`many-${i}`))),
    ]);
    expect(answers[0]).toEqual({ status: 'fulfilled', value: true });
    expect(answers[1]).toEqual({ status: 'fulfilled', value: false });
    expect(answers[2].status).toBe('rejected');
    expect((answers[2] as PromiseRejectedResult).reason).toBeInstanceOf(ConflictError);
    expect(answers.slice(3).every((a) => a.status === 'fulfilled' && a.value === true)).toBe(true);
    expect(await storage.impressions.get('two')).toBeUndefined();
    expect((await storage.impressions.get('many-299'))?.itemIds).toEqual(['a', 'b']);
    const stats = await storage.impressions.stats();
    expect(stats).toEqual([{ modelVersion: 'ease@1', variant: 'default', impressions: 301, clicks: 0 }]);
  });

  it('leaves out a list whose request was aborted before its transaction', async () => {
    const controller = new AbortController();
    const aborted = storage.impressions.record(list('gone'), { signal: controller.signal });
    controller.abort();
    await expect(aborted).rejects.toThrow();
    expect(await storage.impressions.get('gone')).toBeUndefined();
  });

  it('rejects every list of a transaction that fails, and keeps nothing of it', async () => {
    const readOnly = createSqliteStorage({ path: join(dir, 'i.db'), readonly: true });
    try {
      const answers = await Promise.allSettled([readOnly.impressions.record(list('ro-1')), readOnly.impressions.record(list('ro-2'))]);
      expect(answers.every((a) => a.status === 'rejected')).toBe(true);
      expect(await storage.impressions.get('ro-1')).toBeUndefined();
    } finally {
      await readOnly.close();
    }
  });
});
