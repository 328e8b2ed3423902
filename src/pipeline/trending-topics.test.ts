import { describe, expect, it } from 'vitest';
import { ValidationError } from '../core/errors.js';
import type { Event, Item } from '../core/types.js';
import { DEFAULT_FEEDBACK_POLICY } from '../engine/feedback-policy.js';
import { TrendingTopics } from './trending-topics.js';

const DAY = 86_400_000;
const like = (itemId: string, timestamp: number): Event => ({ userId: 'u', itemId, type: 'like', timestamp });
const movie = (id: string, genres: string[], tags: string[] = []): Item => ({ id, title: id, attributes: { genres, tags } });

describe('TrendingTopics', () => {
  it('scores a burst above a steady, larger topic and lists the bursting items', () => {
    const t = new TrendingTopics({ policy: DEFAULT_FEEDBACK_POLICY });
    t.observeItems([movie('d1', ['Drama']), movie('d2', ['Drama']), movie('h1', ['Horror']), movie('h2', ['Horror', 'Drama'])]);
    // Drama: 10 likes a day for 60 days. Horror: nothing, then 12 likes on the last day.
    for (let d = 0; d < 60; d++) for (let i = 0; i < 10; i++) t.observe(like(i % 2 === 0 ? 'd1' : 'd2', d * DAY + i * 1000));
    const now = 60 * DAY;
    for (let i = 0; i < 12; i++) t.observe(like(i < 8 ? 'h1' : 'h2', now - DAY / 2 + i));
    const top = t.top(2, now, { itemsPerTopic: 2 });
    expect(top[0].topic).toBe('genres:horror');
    expect(top[0].name).toBe('Horror');
    expect(top[0].items.map((i) => i.itemId)).toEqual(['h1', 'h2']);
    // A steady topic sits near zero: its recent count is what its baseline predicts.
    expect(Math.abs(t.score('genres:drama', now - DAY / 2 - 1))).toBeLessThan(2.5);
    expect(t.score('genres:horror', now)).toBeGreaterThan(5);
  });

  it('counts user tag events under the tag, shared with item tags', () => {
    const t = new TrendingTopics({ policy: DEFAULT_FEEDBACK_POLICY });
    t.observeItems([movie('a', ['Comedy'], ['Dark Comedy'])]);
    t.observe({ userId: 'u', itemId: 'b', type: 'tag', text: 'dark comedy', timestamp: 0 });
    t.observe(like('a', 0));
    const tag = t.top(5, 0).find((x) => x.topic === 'tag:dark comedy');
    expect(tag?.recent).toBeCloseTo(2, 6);
    expect(tag?.items.map((i) => i.itemId).sort()).toEqual(['a', 'b']);
    // Negative feedback and unknown topics count for nothing.
    t.observe({ userId: 'u', itemId: 'a', type: 'dislike', timestamp: 0 });
    expect(t.top(5, 0).find((x) => x.topic === 'genres:comedy')?.recent).toBeCloseTo(1, 6);
    expect(t.score('genres:western', 0)).toBe(0);
  });

  it('follows an item whose attributes change, orders old data by last activity, and checks its half-lives', () => {
    const t = new TrendingTopics({ policy: DEFAULT_FEEDBACK_POLICY });
    t.observeItems([movie('x', ['Western'])]);
    t.observeItems([movie('x', ['Musical'])]);
    t.observe(like('x', 0));
    t.observe(like('y', 5 * DAY), movie('y', ['Western']));
    expect(t.topicsOf('x')).toEqual(['genres:musical']);
    // Ten years later every count has underflowed; the topic active last still comes first.
    expect(t.top(2, 3650 * DAY).map((x) => x.topic)).toEqual(['genres:western', 'genres:musical']);
    expect(() => new TrendingTopics({ policy: DEFAULT_FEEDBACK_POLICY, shortHalfLifeMs: DAY, longHalfLifeMs: DAY })).toThrow(ValidationError);
  });

  it('counts a bulk load per item and then per topic exactly as event by event, tags included', async () => {
    const genres = ['Drama', 'Horror', 'Comedy', 'Western', 'Noir'];
    const items = Array.from({ length: 60 }, (_, i) => movie(`m${i}`, [genres[i % 5], genres[(i * 7) % 5]], i % 4 === 0 ? ['Cult'] : []));
    let seed = 5;
    const next = (): number => (seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648;
    const events: Event[] = Array.from({ length: 3_000 }, () => {
      const itemId = `m${Math.floor(60 * next() ** 2)}`;
      const timestamp = Math.floor(next() * 40 * DAY);
      const r = next();
      if (r < 0.1) return { userId: 'u', itemId, type: 'tag', text: r < 0.05 ? 'cult' : 'so bad it is good', timestamp };
      return r < 0.2 ? { userId: 'u', itemId, type: 'dislike', timestamp } : like(itemId, timestamp);
    });
    const one = new TrendingTopics({ policy: DEFAULT_FEEDBACK_POLICY });
    const bulk = new TrendingTopics({ policy: DEFAULT_FEEDBACK_POLICY });
    for (const t of [one, bulk]) t.observeItems(items);
    for (const e of events) one.observe(e);
    bulk.beginLoad();
    for (const e of events) bulk.observeLoaded(e);
    await bulk.finishLoad();
    for (const now of [40 * DAY, 41 * DAY, 70 * DAY]) {
      const want = one.top(20, now, { itemsPerTopic: 5 });
      const got = bulk.top(20, now, { itemsPerTopic: 5 });
      expect(got.map((x) => x.topic)).toEqual(want.map((x) => x.topic));
      got.forEach((x, r) => {
        expect(x.recent).toBeCloseTo(want[r].recent, 9);
        expect(x.expected).toBeCloseTo(want[r].expected, 9);
        expect(x.items.map((i) => i.itemId)).toEqual(want[r].items.map((i) => i.itemId));
      });
    }
    expect(bulk.top(20, 40 * DAY).some((x) => x.topic === 'tag:so bad it is good')).toBe(true);
    // After the load, events count one by one again.
    one.observe(like('m1', 40 * DAY));
    bulk.observeLoaded(like('m1', 40 * DAY));
    expect(bulk.score('genres:horror', 40 * DAY)).toBeCloseTo(one.score('genres:horror', 40 * DAY), 9);
  });
});

