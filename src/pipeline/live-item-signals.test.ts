import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStorage } from '../storage/index.js';
import { DEFAULT_FEEDBACK_POLICY } from '../engine/feedback-policy.js';
import { createRng } from '../linalg/random.js';
import { LiveItemSignals } from './live-item-signals.js';

describe('LiveItemSignals.newest', () => {
  it('keeps items in birth order as they arrive, the same as sorting everything afresh', () => {
    const rng = createRng(7);
    const live = new LiveItemSignals({ policy: DEFAULT_FEEDBACK_POLICY });
    const steps: ((s: LiveItemSignals) => void)[] = [];
    for (let i = 0; i < 3000; i++) {
      const id = `i${rng.int(400)}`;
      const t = rng.int(1_000_000);
      const r = rng.next();
      // Events with any timestamp (first-seen moves earlier), items with and without a creation time.
      if (r < 0.6) steps.push((s) => s.observe({ userId: 'u', itemId: id, type: 'view', timestamp: t }));
      else if (r < 0.8) steps.push((s) => s.observeItems([{ id, title: id, createdAt: t }], undefined));
      else steps.push((s) => s.observeItems([{ id, title: id }], t));
    }
    steps.forEach((step, i) => {
      step(live);
      // Built early, then maintained: read it now and then.
      if (i % 97 === 0) live.newest(5, 2_000_000);
    });
    const rebuilt = new LiveItemSignals({ policy: DEFAULT_FEEDBACK_POLICY });
    for (const step of steps) step(rebuilt);
    for (const now of [2_000_000, 500_000, 10]) {
      const got = live.newest(1000, now);
      const want = rebuilt.newest(1000, now);
      expect(got.map((g) => g.bornAt)).toEqual(want.map((w) => w.bornAt));
      expect(new Set(got.map((g) => g.itemId))).toEqual(new Set(want.map((w) => w.itemId)));
    }
    expect(live.newest(1000, 2_000_000)).toHaveLength(400);
  });
});

describe('LiveItemSignals.load', () => {
  it('yields to the event loop between pages, so a rebuild over many events never holds requests up', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lmrec-signals-'));
    const storage = await openStorage(`sqlite://${join(dir, 's.db')}`);
    try {
      const t0 = Date.UTC(2024, 0, 1);
      await storage.events.append(Array.from({ length: 30_000 }, (_, i) => ({ userId: `u${i % 500}`, itemId: `i${i % 700}`, type: 'view' as const, timestamp: t0 + i })));
      const live = new LiveItemSignals({ policy: DEFAULT_FEEDBACK_POLICY });
      let ticks = 0;
      const timer = setInterval(() => ticks++, 0);
      try {
        await live.load(storage);
      } finally {
        clearInterval(timer);
      }
      // Six pages of 5,000 events: timers ran between them.
      expect(ticks).toBeGreaterThanOrEqual(3);
      expect(live.popularity('i0')).toBeGreaterThan(0);
    } finally {
      await storage.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
