// gemm against naiveGemm on seeded inputs of odd, degenerate and tile-crossing shapes.
import { describe, expect, it } from 'vitest';
import { gemm } from './gemm.js';
import { naiveGemm } from './naive.js';
import { createRng } from './random.js';
import { maxAbsDiff, randomMatrix } from './test-support.js';

// Shapes around the kernel's 4-row / 4-k groups and the 128 × 512 cache tiles, plus degenerate ones.
const SHAPES: [number, number, number][] = [
  [0, 0, 0],
  [0, 3, 4],
  [3, 0, 4],
  [3, 4, 0],
  [1, 1, 1],
  [1, 7, 1],
  [2, 3, 5],
  [4, 4, 4],
  [5, 7, 9],
  [17, 129, 13],
  [33, 130, 515],
  [64, 257, 64],
];

describe('gemm', () => {
  it.each(SHAPES)('matches naiveGemm for m=%i k=%i n=%i (both transA settings)', (m, k, n) => {
    const rng = createRng(m * 10007 + k * 101 + n);
    const a = randomMatrix(rng, m, k);
    const b = randomMatrix(rng, k, n);
    for (const transA of [false, true]) {
      const expected = new Float64Array(m * n);
      const got = new Float64Array(m * n).fill(NaN); // beta = 0 must ignore old contents, even NaN
      naiveGemm(a, b, expected, m, k, n, { transA });
      gemm(a, b, got, m, k, n, { transA });
      expect(maxAbsDiff(got, expected)).toBeLessThanOrEqual(1e-12 * Math.max(1, k));
    }
  });

  it.each([0.5, 1, -2])('adds beta·C for beta=%d', (beta) => {
    const rng = createRng(99);
    const [m, k, n] = [13, 21, 37];
    const a = randomMatrix(rng, k, m);
    const b = randomMatrix(rng, k, n);
    const c0 = randomMatrix(rng, m, n);
    const expected = c0.slice();
    const got = c0.slice();
    naiveGemm(a, b, expected, m, k, n, { transA: true, beta });
    gemm(a, b, got, m, k, n, { transA: true, beta });
    expect(maxAbsDiff(got, expected)).toBeLessThanOrEqual(1e-12 * k);
  });

  it('accepts Float32 inputs and outputs', () => {
    const rng = createRng(5);
    const [m, k, n] = [9, 70, 11];
    const a = Float32Array.from(randomMatrix(rng, m, k));
    const b = Float32Array.from(randomMatrix(rng, k, n));
    const expected = new Float64Array(m * n);
    naiveGemm(a, b, expected, m, k, n);
    const got = new Float32Array(m * n).fill(1);
    gemm(a, b, got, m, k, n, { beta: 1 });
    for (let p = 0; p < m * n; p++) expected[p] += 1;
    expect(maxAbsDiff(got, expected)).toBeLessThanOrEqual(1e-5 * k);
  });

  it('multiplies a known 2×3 by 3×2 product', () => {
    const c = new Float64Array(4);
    gemm(Float64Array.of(1, 2, 3, 4, 5, 6), Float64Array.of(7, 8, 9, 10, 11, 12), c, 2, 3, 2);
    expect(Array.from(c)).toEqual([58, 64, 139, 154]);
  });

  it('throws RangeError on short arrays or bad dimensions', () => {
    expect(() => gemm(new Float64Array(5), new Float64Array(6), new Float64Array(4), 2, 3, 2)).toThrow(RangeError);
    expect(() => gemm(new Float64Array(6), new Float64Array(6), new Float64Array(3), 2, 3, 2)).toThrow(RangeError);
    expect(() => gemm(new Float64Array(6), new Float64Array(6), new Float64Array(4), -2, 3, 2)).toThrow(RangeError);
  });
});
