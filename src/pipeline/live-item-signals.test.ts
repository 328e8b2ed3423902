import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStorage } from '../storage/index.js';
import { DEFAULT_FEEDBACK_POLICY } from '../engine/feedback-policy.js';
import { createRng } from '../linalg/random.js';
import { LiveItemSignals } from './live-item-signals.js';
import type { Storage } from '../storage/index.js';

/** Runs `test` on a SQLite file of its own, closed and removed afterwards. */
async function withStorage(test: (storage: Storage) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'lmrec-signals-'));
  const storage = await openStorage(`sqlite://${join(dir, 's.db')}`);
  try {
    await test(storage);
  } finally {
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

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
    await withStorage(async (storage) => {
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
    });
  });
});

describe('LiveItemSignals.forget', () => {
  it('loads from storage exactly what observing every event one at a time gives: counts, order, birth times, topics', async () => {
    await withStorage(async (storage) => {
      const t0 = Date.UTC(2024, 0, 1);
      const rng = createRng(11);
      const items = Array.from({ length: 60 }, (_, i) => ({ id: `i${i}`, title: `Item ${i}`, attributes: { genre: `g${i % 7}` }, ...(i % 5 === 0 ? { createdAt: t0 - i } : {}) }));
      await storage.items.upsert(items);
      // Out of time order, views (weight 0 for the counts, still births), tags with text, items outside the catalogue.
      const types = ['view', 'like', 'click', 'tag', 'rating'] as const;
      await storage.events.append(
        Array.from({ length: 4_000 }, () => {
          const type = types[rng.int(types.length)];
          const at = t0 + rng.int(40 * 86_400_000);
          const itemId = rng.next() < 0.05 ? `x${rng.int(10)}` : `i${Math.floor(60 * rng.next() ** 2)}`;
          return { userId: `u${rng.int(50)}`, itemId, type, timestamp: at, ...(type === 'tag' ? { text: `t${rng.int(4)}` } : type === 'rating' ? { value: 1 + rng.int(5) } : {}) };
        }),
      );
      const options = { policy: DEFAULT_FEEDBACK_POLICY, topics: true };
      const loaded = new LiveItemSignals(options);
      await loaded.load(storage);
      const observed = new LiveItemSignals(options);
      observed.observeItems(items, undefined);
      for await (const page of storage.events.scan()) for (const e of page) observed.observe(e);
      const now = t0 + 41 * 86_400_000;
      for (const tracker of ['trending', 'popularityCounts'] as const) expect(loaded[tracker].top(100, now)).toEqual(observed[tracker].top(100, now));
      for (const id of [...items.map((i) => i.id), ...Array.from({ length: 10 }, (_, i) => `x${i}`)]) {
        expect(loaded.popularity(id)).toBe(observed.popularity(id));
        expect(loaded.bornAt(id)).toBe(observed.bornAt(id));
        expect(loaded.isTail(id)).toBe(observed.isTail(id));
      }
      expect(loaded.newest(100, now)).toEqual(observed.newest(100, now));
      const topics = (s: LiveItemSignals) => s.topics?.top(20, now, { itemsPerTopic: 10 }).map((t) => ({ ...t, score: Number(t.score.toPrecision(12)), recent: Number(t.recent.toPrecision(12)), expected: Number(t.expected.toPrecision(12)), items: t.items.map((i) => ({ ...i, score: Number(i.score.toPrecision(12)) })) }));
      expect(topics(loaded)?.length).toBeGreaterThan(5);
      expect(topics(loaded)).toEqual(topics(observed));
    });
  });

  it("takes a deleted user's events out as a rebuild from the remaining events would, birth times included", async () => {
    await withStorage(async (storage) => {
      const t0 = Date.UTC(2024, 0, 1);
      const rng = createRng(3);
      await storage.items.upsert([{ id: 'dated', title: 'Dated', createdAt: t0 - 1_000 }]);
      // u0 is first to see 'early' (others follow later) and the only one to see 'only-u0'.
      await storage.events.append([
        { userId: 'u0', itemId: 'early', type: 'like', timestamp: t0 },
        { userId: 'u0', itemId: 'only-u0', type: 'like', timestamp: t0 + 5 },
        { userId: 'u0', itemId: 'dated', type: 'like', timestamp: t0 + 6 },
        { userId: 'u1', itemId: 'early', type: 'view', timestamp: t0 + 50_000 },
      ]);
      await storage.events.append(Array.from({ length: 3_000 }, (_, i) => ({ userId: `u${rng.int(30)}`, itemId: `i${Math.floor(200 * rng.next() ** 2)}`, type: rng.next() < 0.3 ? ('like' as const) : ('view' as const), timestamp: t0 + 100 + rng.int(20 * 86_400_000) + i })));
      const options = { policy: DEFAULT_FEEDBACK_POLICY, topics: true };
      const live = new LiveItemSignals(options);
      await live.load(storage);
      const now = t0 + 21 * 86_400_000;
      live.newest(10, now);
      const events = await storage.events.forUser('u0');
      expect((await storage.users.delete('u0')).events).toBe(events.length);
      expect(await live.forget(events, storage)).toBe(true);
      const rebuilt = new LiveItemSignals(options);
      await rebuilt.load(storage);
      for (const id of ['early', 'only-u0', 'dated', ...Array.from({ length: 200 }, (_, i) => `i${i}`)]) {
        expect(live.popularity(id)).toBeCloseTo(rebuilt.popularity(id), 9);
        expect(live.trending.score(id, now)).toBeCloseTo(rebuilt.trending.score(id, now), 9);
        expect(live.bornAt(id)).toBe(rebuilt.bornAt(id));
        expect(live.isTail(id)).toBe(rebuilt.isTail(id));
      }
      expect(live.bornAt('early')).toBe(t0 + 50_000);
      expect(live.bornAt('only-u0')).toBeUndefined();
      expect(live.bornAt('dated')).toBe(t0 - 1_000);
      // Ties may fall the other way (to the item observed first, forgotten events included): the scores down the lists agree.
      for (const tracker of ['trending', 'popularityCounts'] as const) {
        const want = rebuilt[tracker].top(30, now);
        live[tracker].top(30, now).forEach((e, r) => expect(e.score).toBeCloseTo(want[r].score, 9));
      }
      expect(live.newest(1_000, now)).toEqual(rebuilt.newest(1_000, now));
    });
  });

  it('refuses, changing nothing, when a tag of the user made a trending topic', async () => {
    await withStorage(async (storage) => {
      const t0 = Date.UTC(2024, 0, 1);
      await storage.events.append([
        { userId: 'u0', itemId: 'a', type: 'tag', text: 'noir', timestamp: t0 },
        { userId: 'u1', itemId: 'a', type: 'like', timestamp: t0 + 1 },
      ]);
      const live = new LiveItemSignals({ policy: DEFAULT_FEEDBACK_POLICY, topics: true });
      await live.load(storage);
      const before = live.popularity('a');
      const events = await storage.events.forUser('u0');
      await storage.users.delete('u0');
      expect(await live.forget(events, storage)).toBe(false);
      expect(live.popularity('a')).toBe(before);
    });
  });
});
