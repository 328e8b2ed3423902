import { describe, expect, it } from 'vitest';
import { createRng } from './random.js';
import { SparseScores } from './sparse-scores.js';
import { topK } from './top-k.js';

describe('SparseScores', () => {
  it('gives exactly the dense top-k (order, ties, zeros, negatives, exclusions) over seeded cases', () => {
    const rng = createRng(11);
    const sparse = new SparseScores(500);
    for (let round = 0; round < 200; round++) {
      const dense = new Float32Array(500);
      const writes = rng.int(300);
      for (let w = 0; w < writes; w++) {
        const j = rng.int(500);
        // Coarse values make ties and exact zeros common; a third are negative.
        const v = (rng.int(7) - 2) / 4;
        if (rng.next() < 0.5) {
          sparse.add(j, v);
          dense[j] += v;
        } else {
          sparse.set(j, v);
          dense[j] = v;
        }
      }
      const mask = new Uint8Array(500);
      for (let e = 0; e < rng.int(400); e++) mask[rng.int(500)] = 1;
      const k = 1 + rng.int(round % 3 === 0 ? 500 : 40);
      const want = topK(dense, k, mask);
      const got = sparse.topK(k, mask);
      expect(Array.from(got.indices)).toEqual(Array.from(want.indices));
      expect(Array.from(got.scores)).toEqual(Array.from(want.scores));
      // Moments over all positions, unwritten zeros included, as a two-pass over the dense vector.
      let sum = 0;
      for (const v of dense) sum += v;
      const mean = sum / 500;
      let q = 0;
      for (const v of dense) q += (v - mean) * (v - mean);
      const [m, sd] = sparse.meanStd();
      expect(m).toBeCloseTo(mean, 10);
      expect(sd).toBeCloseTo(Math.sqrt(q / 500) || 1, 10);
      const byPredicate = sparse.topK(k, (j) => mask[j] !== 0);
      expect(Array.from(byPredicate.indices)).toEqual(Array.from(want.indices));
      sparse.reset();
      expect(sparse.written).toBe(0);
      expect(sparse.values.every((v) => v === 0)).toBe(true);
    }
  });

  it('grows its list of written positions past its first capacity', () => {
    const sparse = new SparseScores(5000);
    for (let j = 0; j < 5000; j++) sparse.add(j, j % 2 === 0 ? 1 : 2);
    expect(sparse.written).toBe(5000);
    expect(Array.from(sparse.topK(3).indices)).toEqual([1, 3, 5]);
  });
});
