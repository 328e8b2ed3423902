/**
 * Explanations for a user without history: no reason may claim the user's picks or likes; the
 * sentence names what the proposing sources stand for.
 */
import { describe, expect, it } from 'vitest';
import type { Item } from '../core/types.js';
import { explainItem, facetProfile } from './explain-item.js';

const items = new Map<string, Item>([
  ['1', { id: '1', title: 'Toy Story', attributes: { genres: ['Animation', 'Comedy'] } }],
  ['2', { id: '2', title: 'Heat', attributes: { genres: ['Crime', 'Thriller'] } }],
  ['3', { id: '3', title: 'Ronin', attributes: { genres: ['Crime', 'Action'] } }],
  ['4', { id: '4', title: 'Casino', attributes: { genres: ['Crime', 'Drama'] } }],
]);
const none = (): number => 0;

describe('explainItem', () => {
  it('gives a user without history no "like your recent picks" and no "because you liked"', () => {
    const ctx = { positives: [], items, similarity: none, profile: facetProfile([], items) };
    const popular = explainItem('1', { popularity: 0.9, trending: 0.4 }, { ...ctx, isTrendingNow: () => false });
    expect(popular).toMatchObject({ sentence: 'Popular with other users.', because: [], aspects: [] });
    const trending = explainItem('2', { popularity: 0.5, trending: 2 }, { ...ctx, isTrendingNow: () => true });
    expect(trending.sentence).toBe('Popular this week.');
  });

  it('names facets the history shares once it has some', () => {
    const positives = ['2', '3', '4'];
    const ctx = { positives, items, similarity: none, profile: facetProfile(positives, items) };
    expect(explainItem('2', { itemknn: 1 }, ctx).sentence).toBe('Crime like your recent picks.');
  });
});
