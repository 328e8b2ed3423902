import { describe, expect, it } from 'vitest';
import { ValidationError } from '../core/errors.js';
import { DEFAULT_FEEDBACK_POLICY } from '../engine/feedback-policy.js';
import { createRng } from '../linalg/index.js';
import { TrendingTracker } from './trending-tracker.js';

const DAY = 86_400_000;
const click = (itemId: string, timestamp: number) => ({ userId: 'u', itemId, type: 'click' as const, timestamp });

describe('TrendingTracker', () => {
  it('halves a count every half-life', () => {
    const t = new TrendingTracker({ halfLifeMs: 2 * DAY, policy: DEFAULT_FEEDBACK_POLICY });
    t.observe(click('a', 0));
    t.observe(click('a', 0));
    expect(t.score('a', 0)).toBeCloseTo(2, 10);
    expect(t.score('a', 2 * DAY)).toBeCloseTo(1, 10);
    expect(t.score('a', 6 * DAY)).toBeCloseTo(0.25, 10);
  });

  it('lets a recent burst overtake an older, larger count', () => {
    const t = new TrendingTracker({ halfLifeMs: DAY, policy: DEFAULT_FEEDBACK_POLICY });
    for (let i = 0; i < 10; i++) t.observe(click('old', 0));
    for (let i = 0; i < 3; i++) t.observe(click('new', 4 * DAY));
    expect(t.top(2, 4 * DAY).map((e) => e.itemId)).toEqual(['new', 'old']);
    // Out-of-order arrival gives the same count.
    const u = new TrendingTracker({ halfLifeMs: DAY, policy: DEFAULT_FEEDBACK_POLICY });
    u.observe(click('x', 3 * DAY));
    u.observe(click('x', DAY));
    expect(u.score('x', 3 * DAY)).toBeCloseTo(1 + 0.25, 10);
  });

  it('keeps the order exact after decades of decay, and counts only positive feedback', () => {
    const t = new TrendingTracker({ halfLifeMs: 3600_000, policy: DEFAULT_FEEDBACK_POLICY });
    t.observe(click('a', 0));
    t.observe(click('b', 0));
    t.observe(click('b', 0));
    t.observe({ itemId: 'c', type: 'dislike', timestamp: 0 });
    t.observe({ itemId: 'd', type: 'rating', value: 1, timestamp: 0 });
    const later = 20 * 365 * DAY;
    expect(t.top(5, later).map((e) => e.itemId)).toEqual(['b', 'a']);
    expect(t.log2Score('b', later) - t.log2Score('a', later)).toBeCloseTo(1, 6);
    expect(t.top(5, later, new Set(['b'])).map((e) => e.itemId)).toEqual(['a']);
  });

  it('is a popularity counter with an infinite half-life, and rejects a bad half-life', () => {
    const t = new TrendingTracker({ halfLifeMs: Infinity, policy: DEFAULT_FEEDBACK_POLICY });
    t.observe(click('a', 0));
    expect(t.score('a', 1e15)).toBe(1);
    expect(() => new TrendingTracker({ halfLifeMs: 0, policy: DEFAULT_FEEDBACK_POLICY })).toThrow(ValidationError);
  });
});

describe('TrendingTracker kept ranking', () => {
  it('answers exactly what a full scan gives, across time, events and large exclusions', () => {
    const policy = { ...DEFAULT_FEEDBACK_POLICY };
    const tracker = new TrendingTracker({ halfLifeMs: 1_000, policy });
    const rng = createRng(4);
    const naive = (k: number, now: number, exclude: ReadonlySet<string>): string[] => {
      const scored = tracker
        .items()
        .map((id, i) => ({ id, i, s: tracker.log2Score(id, now) }))
        .filter((x) => !exclude.has(x.id));
      scored.sort((a, b) => b.s - a.s || a.i - b.i);
      return scored.slice(0, k).map((x) => x.id);
    };
    let now = 10_000;
    for (let round = 0; round < 30; round++) {
      for (let e = 0; e < 50; e++) tracker.observe({ itemId: `i${Math.floor(3_000 * rng.next() ** 3)}`, type: 'like', timestamp: now - rng.int(5_000) });
      for (const dt of [0, 700, 5_000]) {
        const at = now + dt;
        const exclude = new Set(Array.from({ length: round % 3 === 0 ? 1_200 : 5 }, () => `i${rng.int(3_000)}`));
        expect(tracker.top(20, at, exclude).map((t) => t.itemId)).toEqual(naive(20, at, exclude));
        expect(tracker.top(20, at).map((t) => t.itemId)).toEqual(naive(20, at, new Set()));
      }
      now += 1_000;
    }
  });

  it('forgets events as if they had never been counted, for decayed and all-time counts', () => {
    for (const halfLifeMs of [3 * DAY, Infinity]) {
      const rng = createRng(11);
      const events = Array.from({ length: 2_000 }, () => ({ userId: `u${rng.int(40)}`, itemId: `i${Math.floor(300 * rng.next() ** 2)}`, type: rng.next() < 0.5 ? ('click' as const) : ('like' as const), timestamp: rng.int(30 * DAY) }));
      const all = new TrendingTracker({ halfLifeMs, policy: DEFAULT_FEEDBACK_POLICY });
      const kept = new TrendingTracker({ halfLifeMs, policy: DEFAULT_FEEDBACK_POLICY });
      for (const e of events) all.observe(e);
      // Read once, so that the kept ranking exists when events are taken back.
      all.top(10, 30 * DAY);
      const gone = (e: { userId: string }): boolean => e.userId === 'u3' || e.userId === 'u7';
      for (const e of events) if (!gone(e)) kept.observe(e);
      for (const e of events) if (gone(e)) all.forget(e);
      expect(all.size).toBe(kept.size);
      expect([...all.items()].sort()).toEqual([...kept.items()].sort());
      for (const id of kept.items()) expect(all.score(id, 31 * DAY)).toBeCloseTo(kept.score(id, 31 * DAY), 9);
      // The same ranking; ties may fall the other way (they go to the item observed first, forgotten events included).
      const got = all.top(50, 31 * DAY);
      const want = kept.top(50, 31 * DAY);
      got.forEach((g, r) => expect(g.score).toBeCloseTo(want[r].score, 9));
    }
  });

  it('lists an item none of whose events are left no longer, and again once it has one', () => {
    const t = new TrendingTracker({ halfLifeMs: DAY, policy: DEFAULT_FEEDBACK_POLICY });
    t.observe(click('a', 0));
    t.observe(click('a', DAY));
    t.observe(click('b', 0));
    expect(t.top(5, DAY).map((e) => e.itemId)).toEqual(['a', 'b']);
    t.forget(click('a', 0));
    t.forget(click('a', DAY));
    expect(t.score('a', DAY)).toBe(0);
    expect(t.size).toBe(1);
    expect(t.items()).toEqual(['b']);
    expect(t.top(5, DAY).map((e) => e.itemId)).toEqual(['b']);
    // Forgetting what is not counted changes nothing.
    t.forget(click('a', 0));
    t.forget(click('zzz', 0));
    expect(t.size).toBe(1);
    t.observe(click('a', 2 * DAY));
    expect(t.size).toBe(2);
    expect(t.score('a', 2 * DAY)).toBeCloseTo(1, 12);
    expect(t.top(5, 2 * DAY).map((e) => e.itemId)).toEqual(['a', 'b']);
  });
});
