import { describe, expect, it } from 'vitest';
import { kthLargest } from './kth-largest.js';
import { createRng } from './random.js';

describe('kthLargest', () => {
  it('equals the k-th value of a descending sort, with ties, runs and small arrays', () => {
    const rng = createRng(3);
    for (let round = 0; round < 200; round++) {
      const n = 1 + rng.int(300);
      const kind = round % 4;
      const values = Float64Array.from({ length: n }, (_, i) => (kind === 0 ? rng.next() : kind === 1 ? rng.int(4) : kind === 2 ? i : n - i));
      const sorted = Array.from(values).sort((a, b) => b - a);
      for (const k of [1, n, 1 + rng.int(n)]) expect(kthLargest(Float64Array.from(values), k)).toBe(sorted[k - 1]);
    }
  });

  it('is NaN for k outside 1..n', () => {
    expect(kthLargest(new Float64Array(3), 0)).toBeNaN();
    expect(kthLargest(new Float64Array(3), 4)).toBeNaN();
    expect(kthLargest(new Float64Array(0), 1)).toBeNaN();
  });
});
