import { describe, expect, it } from 'vitest';
import { addUserRankingMetrics, finalizeMetrics, gini, headItemMask, listMetrics, metricKeys } from './metrics.js';

function metricsFor(ranked: number[], relevant: number[], ks: number[]) {
  const sums = new Float64Array(metricKeys(ks).length);
  const rel = new Set(relevant);
  addUserRankingMetrics(ranked, (i) => rel.has(i), rel.size, ks, sums);
  return finalizeMetrics(sums, ks, 1);
}

describe('ranking metrics', () => {
  it('match hand-computed values', () => {
    // Hits at ranks 2 and 4 of 5; three relevant items.
    const m = metricsFor([9, 1, 8, 2, 7], [1, 2, 3], [5]);
    expect(m['recall@5']).toBeCloseTo(2 / 3, 12);
    expect(m['precision@5']).toBeCloseTo(2 / 5, 12);
    expect(m['hit@5']).toBe(1);
    expect(m['mrr@5']).toBeCloseTo(1 / 2, 12);
    const dcg = 1 / Math.log2(3) + 1 / Math.log2(5);
    const idcg = 1 + 1 / Math.log2(3) + 1 / Math.log2(4);
    expect(m['ndcg@5']).toBeCloseTo(dcg / idcg, 12);
    expect(m['map@5']).toBeCloseTo((1 / 2 + 2 / 4) / 3, 12);
  });

  it('limit the ideal DCG and MAP denominator to K', () => {
    const m = metricsFor([1, 2], [1, 2, 3, 4, 5], [2]);
    expect(m['ndcg@2']).toBeCloseTo(1, 12);
    expect(m['map@2']).toBeCloseTo(1, 12);
    expect(m['recall@2']).toBeCloseTo(2 / 5, 12);
  });

  it('are zero without hits and stay within [0, 1] (property)', () => {
    let seed = 1;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let t = 0; t < 200; t++) {
      const ranked = Array.from({ length: 20 }, () => Math.floor(rand() * 30));
      const relevant = Array.from({ length: 1 + Math.floor(rand() * 6) }, () => Math.floor(rand() * 30));
      const m = metricsFor([...new Set(ranked)], relevant, [1, 5, 10]);
      for (const v of Object.values(m)) {
        expect(v).toBeGreaterThanOrEqual(0);
        expect(v).toBeLessThanOrEqual(1 + 1e-12);
      }
      expect(m['recall@5']).toBeLessThanOrEqual(m['recall@10'] + 1e-12);
      expect(m['hit@1']).toBeLessThanOrEqual(m['hit@5']);
    }
    const none = metricsFor([4, 5, 6], [1], [3]);
    expect(Object.values(none).every((v) => v === 0)).toBe(true);
  });
});

describe('list metrics', () => {
  it('gini is 0 for equal exposure and near 1 for one item', () => {
    expect(gini([3, 3, 3, 3])).toBeCloseTo(0, 12);
    expect(gini([0, 0, 0, 10])).toBeCloseTo(0.75, 12);
    expect(gini([])).toBe(0);
  });

  it('head mask holds the top 20% by popularity', () => {
    const pop = Int32Array.from([5, 1, 9, 0, 3, 2, 8, 7, 6, 4]);
    const head = headItemMask(pop);
    expect(Array.from(head)).toEqual([0, 0, 1, 0, 0, 0, 1, 0, 0, 0]);
  });

  it('coverage, tail share and novelty of lists', () => {
    const pop = Int32Array.from([10, 5, 1, 1, 1]);
    const m = listMetrics([[0, 1], [0, 2]], pop, 10);
    expect(m.coverage).toBeCloseTo(3 / 5, 12);
    expect(m.tailShare).toBeCloseTo(2 / 4, 12);
    expect(m.novelty).toBeCloseTo((0 + 1 + 0 + Math.log2(10)) / 4, 12);
  });
});
