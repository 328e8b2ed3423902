import { describe, expect, it } from 'vitest';
import { csrFromCoo } from '../core/csr-matrix.js';
import { createModel } from '../models/registry.js';
import { recencyWeight, scoreWeighted } from './recency.js';

describe('recency weighting', () => {
  it('halves a weight every half-life and is off without one', () => {
    expect(recencyWeight(0, 10)).toBe(1);
    expect(recencyWeight(20, 10)).toBeCloseTo(0.25, 12);
    expect(recencyWeight(1e12, undefined)).toBe(1);
  });

  it('scores item-linear models as the weighted sum of single-item scores (within the bucket step)', async () => {
    const users = [0, 0, 1, 1, 2, 2, 2, 3, 3];
    const items = [0, 1, 1, 2, 0, 2, 3, 3, 4];
    const train = csrFromCoo(4, 5, Int32Array.from(users), Int32Array.from(items), null, 'max');
    const model = createModel('itemknn', { k: 10, shrink: 0 });
    await model.fit(train);
    const single = (i: number): Float32Array => {
      const out = new Float32Array(5);
      model.score({ userIdx: -1, items: Int32Array.of(i), values: Float32Array.of(1) }, out);
      return out;
    };
    const out = new Float32Array(5);
    scoreWeighted(model, { userIdx: -1, items: Int32Array.of(0, 3), values: Float32Array.of(1, 0.25) }, out);
    const a = single(0);
    const b = single(3);
    for (let j = 0; j < 5; j++) expect(out[j]).toBeCloseTo(a[j] + 0.25 * b[j], 5);
  });
});
