// Training a capped EASE through the engine: the cap's effect is logged at info level and stored
// with the version's fit report.
import { describe, expect, it } from 'vitest';
import type { Event } from '../core/types.js';
import type { LogLevel } from '../core/logger.js';
import { openStorage } from '../storage/index.js';
import { createEngine } from './engine.js';

describe('engine.train with EASE\'s item cap', () => {
  it('logs at info level how many items EASE kept and left out, and stores it with the version', async () => {
    const storage = await openStorage('sqlite::memory:');
    const records: { level: LogLevel; message: string; fields?: Record<string, unknown> }[] = [];
    const engine = createEngine(storage, { logger: { log: (level, message, fields) => records.push({ level, message, fields }) } });
    try {
      const events: Event[] = [];
      // Item i is viewed by the first 12 − i users: popularity decreases with the index.
      for (let i = 0; i < 8; i++) for (let u = 0; u < 12 - i; u++) events.push({ userId: `u${u}`, itemId: `i${i}`, type: 'view', timestamp: 1_000 + i });
      await storage.bulkWrite({ items: Array.from({ length: 8 }, (_, i) => ({ id: `i${i}`, title: `Item ${i}` })), events });
      const result = await engine.train('ease', { lambda: 5, maxItems: 3 });
      expect(result.fit.itemCap).toEqual({ maxItems: 3, kept: 3, leftOut: 5 });
      const logged = records.find((r) => r.level === 'info' && r.message.includes('left out'));
      expect(logged?.message).toMatch(/kept 3 items .*maxItems 3.*5 left out/);
      expect(logged?.fields).toEqual({ maxItems: 3, kept: 3, leftOut: 5 });
      const [version] = await storage.models.versions('ease');
      expect(version.meta.fit).toMatchObject({ itemCap: { maxItems: 3, kept: 3, leftOut: 5 } });
      // The left-out items are ranked for a user, not left at 0.
      const rec = await engine.recommend('u11', { k: 8 });
      expect(rec.items.some((item) => ['i3', 'i4'].includes(item.id) && item.score > 0)).toBe(true);
    } finally {
      await engine.close();
    }
  });
});
