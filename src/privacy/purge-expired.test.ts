import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AbortError } from '../core/errors.js';
import type { Event } from '../core/types.js';
import { createSqliteStorage } from '../storage/sqlite/sqlite-storage.js';
import type { Storage } from '../storage/storage.js';
import { purgeExpired } from './purge-expired.js';
import { retentionCutoffs, startRetentionSchedule } from './retention-schedule.js';

const DAY = 86_400_000;
const NOW = Date.UTC(2025, 5, 1);

let dir: string;
let storage: Storage;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lmrec-retention-'));
  storage = createSqliteStorage({ path: join(dir, 'db.sqlite') });
});

afterEach(async () => {
  await storage.close();
  rmSync(dir, { recursive: true, force: true });
});

function events(n: number, from: number, step: number): Event[] {
  return Array.from({ length: n }, (_, i) => ({ userId: `u${i % 50}`, itemId: `i${i % 200}`, type: 'view', timestamp: from + i * step }));
}

describe('purgeExpired', () => {
  it('deletes events and served lists older than their cut-offs, batch by batch, and keeps the rest', async () => {
    await storage.events.append(events(250, NOW - 400 * DAY, DAY / 10)); // 25 days of old events
    await storage.events.append(events(40, NOW - 10 * DAY, 1_000));
    for (let i = 0; i < 5; i++) {
      await storage.impressions.record({ id: `old-${i}`, userId: 'u1', modelVersion: 'ease@1', variant: 'A', itemIds: ['i1'], createdAt: NOW - 100 * DAY + i });
    }
    await storage.impressions.record({ id: 'new', userId: 'u1', modelVersion: 'ease@1', variant: 'A', itemIds: ['i1'], createdAt: NOW - DAY });
    await storage.impressions.click('old-0', 'i1', NOW - 99 * DAY);
    const progress: number[] = [];
    const removed = await purgeExpired(storage, {
      ...retentionCutoffs({ eventsDays: 365, impressionsDays: 30 }, NOW),
      batchSize: 60,
      pauseMs: 0,
      onProgress: (r) => progress.push(r.events),
    });
    expect(removed).toEqual({ events: 250, impressions: 5, clicks: 1 });
    // 60, 120, …: one batch per transaction, then the impressions' batch.
    expect(progress.slice(0, 5)).toEqual([60, 120, 180, 240, 250]);
    expect(await storage.events.count()).toBe(40);
    expect(await storage.impressions.get('new')).toBeDefined();
    expect(await purgeExpired(storage, retentionCutoffs({ eventsDays: 365, impressionsDays: 30 }, NOW))).toEqual({ events: 0, impressions: 0, clicks: 0 });
  });

  it('keeps the event loop responsive while it deletes 60,000 events', async () => {
    await storage.bulkWrite({ events: events(60_000, NOW - 1_000 * DAY, 1_000) }, { transactionRows: 20_000 });
    let longest = 0;
    let last = performance.now();
    const ticker = setInterval(() => {
      const t = performance.now();
      longest = Math.max(longest, t - last);
      last = t;
    }, 1);
    try {
      const removed = await purgeExpired(storage, { eventsBefore: NOW });
      expect(removed.events).toBe(60_000);
    } finally {
      clearInterval(ticker);
    }
    // One batch of 500 deletes is a few ms (a WAL checkpoint on a commit takes longer); a single
    // 60,000-row transaction blocks for about 350 ms on the same machine.
    expect(longest).toBeLessThan(250);
  });

  it('stops between batches when aborted; what was deleted stays deleted', async () => {
    await storage.events.append(events(100, NOW - 500 * DAY, 1_000));
    const controller = new AbortController();
    const purge = purgeExpired(storage, { eventsBefore: NOW, batchSize: 10, pauseMs: 5, signal: controller.signal, onProgress: () => controller.abort() });
    await expect(purge).rejects.toBeInstanceOf(AbortError);
    expect(await storage.events.count()).toBe(90);
  });
});

describe('startRetentionSchedule', () => {
  it('runs after start, never twice at once, and does nothing without windows', async () => {
    await storage.events.append(events(30, NOW - 40 * DAY, 1_000));
    await storage.events.append(events(5, NOW - DAY, 1_000));
    const purged: number[] = [];
    const schedule = startRetentionSchedule({ storage, eventsDays: 30, now: () => NOW, firstRunAfter: 5, onPurge: (r) => purged.push(r.events) });
    try {
      await expect.poll(() => purged, { timeout: 2_000 }).toEqual([30]);
      const [a, b] = await Promise.all([schedule.runNow(), schedule.runNow()]);
      expect(a).toBe(b);
      expect(a.events).toBe(0);
      expect(await storage.events.count()).toBe(5);
    } finally {
      await schedule.close();
    }
    const idle = startRetentionSchedule({ storage, now: () => NOW + 1_000 * DAY });
    expect(await idle.runNow()).toEqual({ events: 0, impressions: 0, clicks: 0 });
    await idle.close();
    expect(await storage.events.count()).toBe(5);
    expect(() => startRetentionSchedule({ storage, eventsDays: -1 })).toThrow(/retention\.eventsDays/);
  });
});
