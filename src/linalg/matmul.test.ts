// matmul against naiveGemm for every transpose setting, on odd and block-crossing shapes.
import { describe, expect, it } from 'vitest';
import { matmul } from './matmul.js';
import { naiveGemm } from './naive.js';
import { createRng } from './random.js';
import { maxAbsDiff, randomMatrix } from './test-support.js';

function transpose(a: Float64Array, rows: number, cols: number): Float64Array {
  const t = new Float64Array(a.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) t[c * rows + r] = a[r * cols + c];
  return t;
}

describe('matmul', () => {
  it.each([
    [1, 1, 1],
    [3, 5, 2],
    [4, 4, 4],
    [7, 9, 13],
    [17, 64, 33],
    [0, 3, 4],
  ])('matches naiveGemm for m=%i k=%i n=%i with and without transposes', (m, k, n) => {
    const rng = createRng(m * 131 + k * 17 + n);
    const a = randomMatrix(rng, m, k);
    const b = randomMatrix(rng, k, n);
    const expected = new Float64Array(m * n);
    naiveGemm(a, b, expected, m, k, n);
    const a32 = Float32Array.from(a);
    const b32 = Float32Array.from(b);
    const at = Float32Array.from(transpose(a, m, k));
    const bt = Float32Array.from(transpose(b, k, n));
    const tol = 1e-5 * Math.max(1, k);
    for (const [x, y, options] of [
      [a32, b32, {}],
      [at, b32, { transA: true }],
      [a32, bt, { transB: true }],
    ] as const) {
      const c = new Float32Array(m * n).fill(NaN);
      matmul(x, y, c, m, k, n, options);
      expect(maxAbsDiff(c, expected)).toBeLessThan(tol);
      const acc = new Float32Array(m * n).fill(1);
      matmul(x, y, acc, m, k, n, { ...options, accumulate: true });
      expect(maxAbsDiff(acc, expected.map((v) => v + 1))).toBeLessThan(tol);
    }
  });

  it('rejects short arrays and both transposes at once', () => {
    expect(() => matmul(new Float32Array(3), new Float32Array(4), new Float32Array(4), 2, 2, 2)).toThrow(RangeError);
    expect(() => matmul(new Float32Array(4), new Float32Array(4), new Float32Array(4), 2, 2, 2, { transA: true, transB: true })).toThrow(/not supported/);
  });
});
