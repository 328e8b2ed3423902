/**
 * The service's retention job on a real SQLite file: events and served lists past their windows
 * are deleted in the background after start, while the API keeps answering.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createEngine, openStorage } from '../index.js';
import { startService } from './start-service.js';

const DAY = 86_400_000;

describe('startService retention', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lmrec-retention-service-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('deletes events and impressions older than their windows in the background', async () => {
    const storageUrl = `sqlite://${join(dir, 'r.db')}`;
    const engine = createEngine(await openStorage(storageUrl));
    const now = Date.now();
    await engine.storage.items.upsert([{ id: 'i1', title: 'One' }]);
    const old = Array.from({ length: 5_000 }, (_, i) => ({ userId: `u${i % 100}`, itemId: 'i1', type: 'view' as const, timestamp: now - 400 * DAY + i }));
    await engine.storage.bulkWrite({ events: old });
    await engine.storage.events.append([{ userId: 'u1', itemId: 'i1', type: 'view', timestamp: now - DAY }]);
    await engine.storage.impressions.record({ id: 'old', userId: 'u1', modelVersion: 'pop@1', variant: 'default', itemIds: ['i1'], createdAt: now - 100 * DAY });
    await engine.storage.impressions.record({ id: 'new', userId: 'u1', modelVersion: 'pop@1', variant: 'default', itemIds: ['i1'], createdAt: now });
    const lines: string[] = [];
    const service = await startService({
      engine,
      storageUrl,
      pipeline: false,
      apiKeys: [{ key: 'k', scope: 'admin' }],
      host: '127.0.0.1',
      port: 0,
      retention: { eventsDays: 365, impressionsDays: 30, batchSize: 500, firstRunAfter: 20 },
      say: (line) => lines.push(line),
    });
    try {
      const health = await fetch(`${service.url}/v1/health`);
      expect(health.status).toBe(200);
      await expect.poll(() => engine.storage.events.count(), { timeout: 10_000 }).toBe(1);
      await expect.poll(() => lines.join('\n'), { timeout: 5_000 }).toMatch(/retention: deleted 5000 event\(s\), 1 served list\(s\)/);
      expect(await engine.storage.impressions.get('old')).toBeUndefined();
      expect(await engine.storage.impressions.get('new')).toBeDefined();
      expect((await service.retention.runNow()).events).toBe(0);
      const metrics = await fetch(`${service.url}/v1/metrics`, { headers: { authorization: 'Bearer k' } });
      expect(await metrics.json()).toMatchObject({
        retention: { eventsDays: 365, impressionsDays: 30, checkEveryMs: 3_600_000, lastRun: { events: 0 }, removed: { events: 5_000, impressions: 1, clicks: 0 } },
      });
    } finally {
      await service.close();
      await engine.close();
    }
  }, 60_000);
});
