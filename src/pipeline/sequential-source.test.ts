import { describe, expect, it } from 'vitest';
import { IdDictionary } from '../core/id-dictionary.js';
import type { Event, StoredEvent } from '../core/types.js';
import { DEFAULT_FEEDBACK_POLICY } from '../engine/feedback-policy.js';
import { placeByText } from './place-by-text.js';
import { userSequence } from './sequential-source.js';

describe('userSequence', () => {
  it('orders by time, then storage seq, live events last; keeps repeats, drops negatives and unknown items', () => {
    const items = new IdDictionary();
    for (const id of ['a', 'b', 'c']) items.add(id);
    const stored: StoredEvent[] = [
      { userId: 'u', itemId: 'b', type: 'like', timestamp: 10, seq: 2 },
      { userId: 'u', itemId: 'a', type: 'like', timestamp: 10, seq: 1 },
      { userId: 'u', itemId: 'x', type: 'like', timestamp: 11, seq: 3 },
      { userId: 'u', itemId: 'c', type: 'dislike', timestamp: 12, seq: 4 },
    ];
    const live: Event[] = [{ userId: 'u', itemId: 'a', type: 'click', timestamp: 10 }];
    expect(Array.from(userSequence([...live, ...stored], items, DEFAULT_FEEDBACK_POLICY))).toEqual([0, 1, 0]);
    expect(Array.from(userSequence([...live, ...stored], items, DEFAULT_FEEDBACK_POLICY, 2))).toEqual([1, 0]);
  });
});

describe('placeByText', () => {
  it('raises a fresh item above the known items its text outmatches, and leaves a poor match alone', () => {
    const list = [
      { itemId: 'k1', score: 3, sources: ['ease'], sourceScores: {} },
      { itemId: 'k2', score: 2, sources: ['ease'], sourceScores: {} },
      { itemId: 'new', score: 0.1, sources: ['fresh'], sourceScores: {} },
      { itemId: 'meh', score: 0.2, sources: ['fresh'], sourceScores: {} },
    ];
    const cos: Record<string, number> = { k1: 0.9, k2: 0.5, new: 0.7, meh: 0.1 };
    const out = placeByText(list, (c) => c.sources[0] === 'fresh', (id) => cos[id]);
    const score = (id: string): number => out.find((c) => c.itemId === id)?.score ?? NaN;
    expect(score('new')).toBeGreaterThan(2);
    expect(score('new')).toBeLessThan(3);
    expect(score('meh')).toBe(0.2);
  });
});
