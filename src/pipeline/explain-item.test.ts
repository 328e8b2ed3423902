/**
 * Explanations for a user without history: no reason may claim the user's picks or likes; the
 * sentence names what the proposing sources stand for.
 */
import { describe, expect, it } from 'vitest';
import type { Item } from '../core/types.js';
import { createRng } from '../linalg/random.js';
import { explainItem, explainItems, facetProfile } from './explain-item.js';

const items = new Map<string, Item>([
  ['1', { id: '1', title: 'Toy Story', attributes: { genres: ['Animation', 'Comedy'] } }],
  ['2', { id: '2', title: 'Heat', attributes: { genres: ['Crime', 'Thriller'] } }],
  ['3', { id: '3', title: 'Ronin', attributes: { genres: ['Crime', 'Action'] } }],
  ['4', { id: '4', title: 'Casino', attributes: { genres: ['Crime', 'Drama'] } }],
]);
const none = (): number => 0;

describe('explainItem', () => {
  it('names the history items a full sort by weight, then similarity, then history order would', () => {
    const rng = createRng(11);
    for (let round = 0; round < 50; round++) {
      const positives = Array.from({ length: 1 + rng.int(60) }, () => String(rng.int(30)));
      // Coarse similarities, so ties (and zeros) are common.
      const table = new Map<string, number>();
      const similarity = (a: string, b: string): number => {
        const key = a < b ? `${a}|${b}` : `${b}|${a}`;
        if (!table.has(key)) table.set(key, rng.int(5) / 4);
        return table.get(key)!;
      };
      const named = new Map([...new Set(positives)].filter(() => rng.next() < 0.3).map((id) => [id, 1 + rng.int(2)] as [string, number]));
      const ctx = { positives, items, similarity, profile: facetProfile(positives, items) };
      const target = String(rng.int(30));
      const maxBecause = 1 + rng.int(3);
      const want = [...new Set(positives.slice(-100))]
        .filter((h) => h !== target)
        .map((h) => ({ h, s: similarity(target, h) }))
        .filter((x) => x.s > 0)
        .map((x) => ({ ...x, w: x.s * Math.pow(0.5, named.get(x.h) ?? 0) }))
        .sort((a, b) => b.w - a.w || b.s - a.s)
        .slice(0, maxBecause)
        .map((x) => x.h);
      expect(explainItem(target, { itemknn: 1 }, ctx, maxBecause, named).because.map((b) => b.itemId)).toEqual(want);
    }
  });

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

  it('varies the history items named across a list, keeping a real similarity', () => {
    const positives = ['2', '3', '4'];
    // 2 is the closest history item to every candidate; 3 and 4 are close too, 1 to nothing.
    const sim = (a: string, b: string): number => (a === '1' ? 0 : b === '2' ? 0.9 : b === '3' ? 0.6 : b === '4' ? 0.5 : 0);
    const ctx = { positives, items, similarity: sim, profile: facetProfile(positives, items) };
    const list = ['x', 'y', 'z', '1'].map((itemId) => ({ itemId, sourceScores: { itemknn: 1 } }));
    const repeated = explainItems(list, { ...ctx, repeatPenalty: 1 }, 1).map((e) => e.because.map((b) => b.itemId));
    expect(repeated).toEqual([['2'], ['2'], ['2'], []]);
    const varied = explainItems(list, ctx, 1).map((e) => e.because.map((b) => b.itemId));
    expect(varied).toEqual([['2'], ['3'], ['4'], []]);
    expect(explainItems(list, ctx, 1)[1].because[0].similarity).toBe(0.6);
  });

  it('explains by the similarity of the sources that proposed the item', () => {
    const positives = ['2', '3'];
    const coOccurrence = (_: string, b: string): number => (b === '2' ? 0.8 : 0);
    const text = (_: string, b: string): number => (b === '3' ? 0.7 : 0);
    const ctx = { positives, items, similarity: coOccurrence, textSimilarity: text, profile: new Map<string, number>() };
    const collaborative = explainItem('4', { itemknn: 1, semantic: 0.5 }, ctx);
    expect(collaborative.because.map((b) => b.itemId)).toEqual(['2']);
    expect(collaborative.sentence).toBe('Because you liked Heat (liked by the same people).');
    const semantic = explainItem('4', { semantic: 0.5, popularity: 0.1 }, ctx);
    expect(semantic.because.map((b) => b.itemId)).toEqual(['3']);
    expect(semantic.sentence).toBe('Close in content to Ronin, which you liked.');
    // Only trending proposed it: no history item is claimed as the reason.
    expect(explainItem('4', { trending: 3 }, { ...ctx, isTrendingNow: () => true }).sentence).toBe('Popular this week.');
  });
});
