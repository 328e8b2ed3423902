import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Event } from '../core/types.js';
import { DEFAULT_FEEDBACK_POLICY } from '../engine/feedback-policy.js';
import { createRng } from '../linalg/random.js';
import { openStorage } from '../storage/index.js';
import type { Storage } from '../storage/index.js';
import { LiveItemSignals } from './live-item-signals.js';
import type { LiveItemSignalsOptions } from './live-item-signals.js';
import { LoadTally } from './load-tally.js';
import { SIGNALS_SNAPSHOT, decodeSignalsSnapshot, encodeSignalsSnapshot } from './signals-snapshot.js';

const T0 = Date.UTC(2024, 0, 1);
const OPTIONS: LiveItemSignalsOptions = { policy: DEFAULT_FEEDBACK_POLICY, topics: true };

async function withStorage(test: (storage: Storage) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'lmrec-snapshot-'));
  const storage = await openStorage(`sqlite://${join(dir, 's.db')}`);
  try {
    await test(storage);
  } finally {
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Seeded events of every kind the counts treat apart: out of time order, views, tags with text, ratings, unknown items. */
function events(seed: number, count: number, users = 40): Event[] {
  const rng = createRng(seed);
  const types = ['view', 'like', 'click', 'tag', 'rating'] as const;
  return Array.from({ length: count }, () => {
    const type = types[rng.int(types.length)];
    const itemId = rng.next() < 0.05 ? `x${rng.int(10)}` : `i${Math.floor(60 * rng.next() ** 2)}`;
    return { userId: `u${rng.int(users)}`, itemId, type, timestamp: T0 + rng.int(40 * 86_400_000), ...(type === 'tag' ? { text: `t${rng.int(4)}` } : type === 'rating' ? { value: 1 + rng.int(5) } : {}) };
  });
}

async function seedCatalogue(storage: Storage): Promise<void> {
  await storage.items.upsert(Array.from({ length: 60 }, (_, i) => ({ id: `i${i}`, title: `Item ${i}`, attributes: { genre: `g${i % 7}` }, ...(i % 5 === 0 ? { createdAt: T0 - i } : {}) })));
}

/** Everything the pipeline reads from the signals, in a form `toEqual` compares. */
function view(s: LiveItemSignals): unknown {
  const now = T0 + 41 * 86_400_000;
  const ids = [...Array.from({ length: 60 }, (_, i) => `i${i}`), ...Array.from({ length: 10 }, (_, i) => `x${i}`)];
  return {
    trending: s.trending.top(100, now),
    popular: s.popularityCounts.top(100, now),
    items: ids.map((id) => [s.popularity(id), s.bornAt(id), s.isTail(id), s.trending.score(id, now)]),
    newest: s.newest(100, now),
    topics: s.topics?.top(20, now, { itemsPerTopic: 10 }),
  };
}

async function fullLoad(storage: Storage, options: LiveItemSignalsOptions = OPTIONS): Promise<LiveItemSignals> {
  const s = new LiveItemSignals(options);
  await s.load(storage);
  return s;
}

describe('encodeSignalsSnapshot / decodeSignalsSnapshot', () => {
  it('round-trip a tally and its tags over many lines of ids, and refuse other half-lives or a cut payload', async () => {
    const halfLives = [Infinity, 86_400_000];
    const tally = new LoadTally(halfLives);
    const rng = createRng(5);
    for (let e = 0; e < 500; e++) tally.add(`id ${rng.int(40)} "\n"`, rng.next() < 0.3 ? 0 : 1 + rng.int(3), T0 + rng.int(1e9));
    const tags = [{ type: 'tag' as const, itemId: 'id 1 "\n"', text: 'noir\nline', timestamp: T0 }, { type: 'tag' as const, itemId: 'id 2 "\n"', value: 4, text: 'x', timestamp: T0 + 1 }];
    let pauses = 0;
    const { meta, payload } = await encodeSignalsSnapshot(tally, tags, { dataSeq: 9, events: 500, fingerprint: 'f' }, async () => void pauses++, 7);
    expect(pauses).toBe(Math.ceil(tally.size / 7));
    const back = await decodeSignalsSnapshot(meta, payload, halfLives, 'f');
    expect(back?.tags).toEqual(tags);
    expect(back?.tally.toParts()).toEqual(tally.toParts());
    expect(back).toMatchObject({ dataSeq: 9, events: 500 });
    expect(await decodeSignalsSnapshot(meta, payload, [Infinity, 1], 'f')).toBeDefined();
    expect(await decodeSignalsSnapshot(meta, payload, [Infinity], 'f')).toBeUndefined();
    expect(await decodeSignalsSnapshot(meta, payload, halfLives, 'g')).toBeUndefined();
    expect(await decodeSignalsSnapshot(meta, payload.slice(0, payload.length - 3), halfLives, 'f')).toBeUndefined();
  });
});

describe('the live counts started from a stored snapshot', () => {
  it('equal a load of every event, and read only the events after the snapshot', async () => {
    await withStorage(async (storage) => {
      await seedCatalogue(storage);
      await storage.events.append(events(1, 3_000));
      const first = new LiveItemSignals(OPTIONS);
      const written = await first.load(storage, { snapshot: { minEvents: 1 } });
      expect(written).toMatchObject({ snapshot: 'none', eventsRead: 3_000 });
      expect(await written.saved).toBe(true);
      expect((await storage.snapshots.get(SIGNALS_SNAPSHOT))?.meta).toMatchObject({ events: 3_000, dataSeq: await storage.events.lastSeq() });
      // More events of every kind, tags included, after the snapshot.
      await storage.events.append(events(2, 1_500));
      const resumed = new LiveItemSignals(OPTIONS);
      const report = await resumed.load(storage, { snapshot: { minEvents: 10_000 } });
      expect(report).toMatchObject({ snapshot: 'used', eventsRead: 1_500 });
      expect(await report.saved).toBe(false);
      expect(view(resumed)).toEqual(view(await fullLoad(storage)));
      // A stored event observed again (handed over after the load) is not counted twice.
      const [last] = await storage.events.forUser('u1', { limit: 1 });
      const before = resumed.popularity(last.itemId as string);
      resumed.observe(last);
      expect(resumed.popularity(last.itemId as string)).toBe(before);
      // With nothing new, the snapshot alone.
      const again = new LiveItemSignals(OPTIONS);
      expect(await again.load(storage, { snapshot: { minEvents: 1 } })).toMatchObject({ snapshot: 'used', eventsRead: 1_500 });
    });
  });

  it('are read from every event again after a user deletion, retention or a change of half-life or policy, and equal a load of every event', async () => {
    await withStorage(async (storage) => {
      await seedCatalogue(storage);
      await storage.events.append(events(3, 3_000));
      const save = async (options: LiveItemSignalsOptions = OPTIONS): Promise<void> => {
        const s = new LiveItemSignals(options);
        expect(await (await s.load(storage, { snapshot: { minEvents: 1 } })).saved).toBe(true);
      };
      const resume = async (options: LiveItemSignalsOptions = OPTIONS): Promise<{ state: string; signals: LiveItemSignals }> => {
        const s = new LiveItemSignals(options);
        return { state: (await s.load(storage, { snapshot: { minEvents: Infinity } })).snapshot, signals: s };
      };
      await save();
      // A user deletion removes the snapshot with the events (it may hold theirs).
      await storage.users.delete('u7');
      let after = await resume();
      expect(after.state).toBe('none');
      expect(view(after.signals)).toEqual(view(await fullLoad(storage)));

      await save();
      expect(await storage.events.deleteBefore(T0 + 5 * 86_400_000)).toBeGreaterThan(0);
      after = await resume();
      expect(after.state).toBe('none');
      expect(view(after.signals)).toEqual(view(await fullLoad(storage)));

      await save();
      const shorter = { ...OPTIONS, trendingHalfLifeMs: 86_400_000 };
      after = await resume(shorter);
      expect(after.state).toBe('stale');
      expect(view(after.signals)).toEqual(view(await fullLoad(storage, shorter)));
      expect((await resume({ ...OPTIONS, topics: false })).state).toBe('stale');
      expect((await resume({ ...OPTIONS, policy: { ...DEFAULT_FEEDBACK_POLICY, positiveRating: 4 } })).state).toBe('stale');
      expect((await resume()).state).toBe('used');
    });
  });

  it('ignore a snapshot that does not decode, and store none when events were deleted during the load', async () => {
    await withStorage(async (storage) => {
      await seedCatalogue(storage);
      await storage.events.append(events(4, 2_000));
      const first = new LiveItemSignals(OPTIONS);
      const report = await first.load(storage, { snapshot: { minEvents: 1 } });
      expect(await report.saved).toBe(true);
      const stored = await storage.snapshots.get(SIGNALS_SNAPSHOT);
      await storage.snapshots.put(SIGNALS_SNAPSHOT, stored?.meta ?? {}, (stored?.payload ?? new Uint8Array(0)).slice(0, 1_000));
      const broken = new LiveItemSignals(OPTIONS);
      expect((await broken.load(storage, { snapshot: {} })).snapshot).toBe('stale');
      expect(view(broken)).toEqual(view(await fullLoad(storage)));

      await storage.snapshots.delete(SIGNALS_SNAPSHOT);
      const racing = new LiveItemSignals(OPTIONS);
      const raced = await racing.load(storage, { snapshot: { minEvents: 1 } });
      // The deletion commits before the snapshot's write begins (which first yields a turn).
      await storage.users.delete('u3');
      expect(await raced.saved).toBe(false);
      expect(await storage.snapshots.get(SIGNALS_SNAPSHOT)).toBeUndefined();
      // Retention alike: the counts may hold the events it took.
      const retained = await new LiveItemSignals(OPTIONS).load(storage, { snapshot: { minEvents: 1 } });
      expect(await storage.events.deleteBefore(T0 + 86_400_000)).toBeGreaterThan(0);
      expect(await retained.saved).toBe(false);
      expect(await storage.snapshots.get(SIGNALS_SNAPSHOT)).toBeUndefined();
      expect(await (await new LiveItemSignals(OPTIONS).load(storage, { snapshot: { minEvents: 1 } })).saved).toBe(true);
    });
  });
});
