import { describe, expect, it } from 'vitest';
import { createRng } from '../linalg/index.js';
import { LearnedRanker } from './learned-ranker.js';

describe('LearnedRanker.score', () => {
  it('equals the row-by-row forward pass on sparse rows, for linear and hidden-unit rankers', () => {
    const rng = createRng(11);
    for (const hidden of [0, 8]) {
      const dim = 31;
      const names = Array.from({ length: dim }, (_, d) => `f${d}`);
      const mean = Float32Array.from({ length: dim }, () => rng.normal());
      const std = Float32Array.from({ length: dim }, () => 0.1 + rng.next());
      const params = Float32Array.from({ length: dim + 2 * hidden + hidden * dim }, () => rng.normal());
      const ranker = new LearnedRanker(['a'], names, hidden, mean, std, params);
      const rows = 200;
      // Mostly zeros, as a candidate is proposed by few sources.
      const features = Float32Array.from({ length: rows * dim }, () => (rng.next() < 0.7 ? 0 : rng.normal()));
      const got = new Float32Array(rows);
      ranker.score(features, rows, got);
      const x = new Float32Array(dim);
      const t = new Float32Array(hidden);
      for (let r = 0; r < rows; r++) expect(got[r]).toBeCloseTo(ranker.forward(features, r, x, t), 4);
    }
  });
});
