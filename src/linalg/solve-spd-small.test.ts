// solveSpdSmall against naiveInverse(A)·b; A must stay untouched and work buffers reusable.
import { describe, expect, it } from 'vitest';
import { naiveGemm, naiveInverse } from './naive.js';
import { createRng } from './random.js';
import { solveSpdSmall } from './solve-spd-small.js';
import { maxAbsDiff, randomMatrix, randomSpd } from './test-support.js';

describe('solveSpdSmall', () => {
  it.each([0, 1, 2, 3, 5, 64, 65, 100, 256])('matches naiveInverse(A)·b and leaves A untouched, n=%i', (n) => {
    const rng = createRng(n + 500);
    const a = randomSpd(rng, n);
    const aCopy = a.slice();
    const b = randomMatrix(rng, n, 1);
    const expected = new Float64Array(n);
    if (n > 0) naiveGemm(naiveInverse(a, n), b, expected, n, n, 1);
    solveSpdSmall(a, n, b);
    expect(maxAbsDiff(b, expected)).toBeLessThanOrEqual(1e-11);
    expect(maxAbsDiff(a, aCopy)).toBe(0);
  });

  it('reuses a work buffer across calls of different sizes', () => {
    const rng = createRng(8);
    const work = new Float64Array(64 * 64);
    for (const n of [64, 10, 33]) {
      const a = randomSpd(rng, n);
      const x = randomMatrix(rng, n, 1);
      const b = new Float64Array(n);
      naiveGemm(a, x, b, n, n, 1);
      solveSpdSmall(a, n, b, work);
      expect(maxAbsDiff(b, x)).toBeLessThanOrEqual(1e-11);
    }
  });

  it('reads only the lower triangle of A', () => {
    const a = Float64Array.of(4, 999, 2, 3);
    const b = Float64Array.of(1, 2);
    solveSpdSmall(a, 2, b);
    // [[4, 2], [2, 3]]⁻¹·[1, 2] = [-0.125, 0.75]
    expect(maxAbsDiff(b, [-0.125, 0.75])).toBeLessThanOrEqual(1e-15);
  });

  it('throws RangeError for a non-SPD matrix or short buffers', () => {
    expect(() => solveSpdSmall(Float64Array.of(1, 2, 2, 1), 2, new Float64Array(2))).toThrow(/not positive definite \(pivot 1 /);
    expect(() => solveSpdSmall(Float64Array.of(1, 0, 0, 1), 2, new Float64Array(1))).toThrow(RangeError);
    expect(() => solveSpdSmall(Float64Array.of(1, 0, 0, 1), 2, new Float64Array(2), new Float64Array(3))).toThrow(RangeError);
  });
});
