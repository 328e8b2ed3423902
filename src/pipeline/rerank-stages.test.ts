import { describe, expect, it } from 'vitest';
import type { Item } from '../core/types.js';
import { applyBusinessRules } from './business-rules.js';
import { excludeItems } from './exclude-items.js';
import { boostFreshness } from './freshness-boost.js';
import { attributeSimilarity } from './item-similarity.js';
import { enforceTailQuota } from './long-tail-exposure.js';
import { intraListSimilarity, mmrDiversify } from './mmr-diversify.js';
import type { ScoredItem } from './scored-item.js';
import { sortByScore } from './scored-item.js';

const item = (id: string, genres: string[], extra: Partial<Item> = {}): Item => ({ id, title: `T${id}`, attributes: { genres, price: Number(id) }, ...extra });
const scored = (items: Item[]): ScoredItem[] => items.map((it, r) => ({ itemId: it.id, score: 10 - r, sources: ['ease'], sourceScores: { ease: 10 - r }, item: it }));

describe('re-rank stages', () => {
  const items = [
    item('1', ['Action', 'Thriller']),
    item('2', ['Action', 'Thriller']),
    item('3', ['Action']),
    item('4', ['Comedy']),
    item('5', ['Comedy', 'Romance'], { available: false }),
    item('6', ['Drama']),
  ];
  const list = scored(items);

  it('excludes seen, explicit and unavailable items and duplicates', () => {
    const out = excludeItems([...list, list[0]], new Set(['1']), new Set(['3']));
    expect(out.map((c) => c.itemId)).toEqual(['2', '4', '6']);
  });

  it('filters by attribute value, list and range, and boosts matches', () => {
    expect(applyBusinessRules(list, { filters: { genres: 'comedy' } }).map((c) => c.itemId)).toEqual(['4']);
    expect(applyBusinessRules(list, { filters: { genres: ['Drama', 'Comedy'], price: { min: 4 } } }).map((c) => c.itemId)).toEqual(['4', '6']);
    const boosted = sortByScore(applyBusinessRules(list, { boosts: [{ where: { genres: 'Drama' }, factor: 3 }] }));
    expect(boosted[0].itemId).toBe('6');
    expect(boosted.map((c) => c.itemId)).not.toContain('5');
  });

  it('MMR lowers intra-list similarity', () => {
    const sim = attributeSimilarity(new Map(items.map((it) => [it.id, it])));
    const plain = list.slice(0, 3).map((c) => c.itemId);
    const diverse = mmrDiversify(list, 3, sim, 0.5).map((c) => c.itemId);
    expect(diverse[0]).toBe('1');
    expect(intraListSimilarity(diverse, sim)).toBeLessThan(intraListSimilarity(plain, sim));
    expect(mmrDiversify(list, 3, sim, 1).map((c) => c.itemId)).toEqual(plain);
  });

  it('meets a tail quota and boosts fresh items', () => {
    const tail = new Set(['4', '6']);
    const out = enforceTailQuota(list, 3, (id) => tail.has(id), 0.5);
    expect(out.slice(0, 3).filter((c) => tail.has(c.itemId))).toHaveLength(2);
    expect(out.slice(0, 3)[0].itemId).toBe('1');
    const fresh = sortByScore(boostFreshness(list, (id) => (id === '6' ? 0 : undefined), { weight: 1.5 }));
    expect(fresh[0].itemId).toBe('6');
  });
});
