// choleskyInPlace / choleskySolve: L·Lᵀ = A and solve residuals on seeded SPD matrices, pivot errors.
import { describe, expect, it } from 'vitest';
import { choleskyInPlace, choleskySolve } from './cholesky.js';
import { gemm } from './gemm.js';
import { naiveGemm } from './naive.js';
import { createRng } from './random.js';
import { maxAbsDiff, randomMatrix, randomSpd } from './test-support.js';

// Sizes around the 64-column panel, the 4-row kernel groups and the 512-column tile.
const SIZES = [0, 1, 2, 5, 7, 63, 64, 65, 130, 200, 600];

describe('choleskyInPlace', () => {
  it.each(SIZES)('gives a lower factor with L·Lᵀ = A for n=%i', (n) => {
    const a = randomSpd(createRng(n + 1), n);
    const l = a.slice();
    choleskyInPlace(l, n);
    let badEntries = 0;
    for (let i = 0; i < n; i++) {
      if (!(l[i * n + i] > 0)) badEntries++;
      for (let j = i + 1; j < n; j++) if (l[i * n + j] !== 0) badEntries++;
    }
    expect(badEntries).toBe(0);
    const llt = new Float64Array(n * n);
    const lt = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) lt[j * n + i] = l[i * n + j];
    gemm(l, lt, llt, n, n, n); // gemm is tested against naiveGemm; the naive loop is slow at n=600
    expect(maxAbsDiff(llt, a)).toBeLessThanOrEqual(1e-12 * Math.max(1, n));
  });

  it('reads only the lower triangle', () => {
    const n = 70;
    const a = randomSpd(createRng(3), n);
    const garbage = a.slice();
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) garbage[i * n + j] = 1e6;
    choleskyInPlace(a, n);
    choleskyInPlace(garbage, n);
    expect(maxAbsDiff(a, garbage)).toBe(0);
  });

  it.each([
    [3, 2],
    [100, 77],
  ])('throws RangeError naming the pivot for an indefinite matrix (n=%i, pivot %i)', (n, bad) => {
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) a[i * n + i] = i === bad ? -1 : 1;
    expect(() => choleskyInPlace(a, n)).toThrow(RangeError);
    const b = new Float64Array(n * n);
    for (let i = 0; i < n; i++) b[i * n + i] = i === bad ? -1 : 1;
    expect(() => choleskyInPlace(b, n)).toThrow(new RegExp(`not positive definite \\(pivot ${bad} `));
  });

  it('rejects a singular matrix and NaN entries', () => {
    expect(() => choleskyInPlace(Float64Array.of(1, 1, 1, 1), 2)).toThrow(/not positive definite \(pivot 1 /);
    expect(() => choleskyInPlace(Float64Array.of(NaN), 1)).toThrow(RangeError);
  });

  it('throws RangeError when the array is shorter than n²', () => {
    expect(() => choleskyInPlace(new Float64Array(3), 2)).toThrow(RangeError);
  });
});

describe('choleskySolve', () => {
  it.each([1, 3, 64, 65, 150])('solves A·x = b for n=%i, at an offset', (n) => {
    const rng = createRng(n + 100);
    const a = randomSpd(rng, n);
    const x = randomMatrix(rng, n, 1);
    const b = new Float64Array(n + 3);
    naiveGemm(a, x, b.subarray(3), n, n, 1);
    const l = a.slice();
    choleskyInPlace(l, n);
    choleskySolve(l, n, b, 3);
    expect(maxAbsDiff(b.subarray(3), x)).toBeLessThanOrEqual(1e-10);
  });

  it('is a no-op for n = 0 and throws on a short right-hand side', () => {
    choleskySolve(new Float64Array(0), 0, new Float64Array(0));
    expect(() => choleskySolve(Float64Array.of(1, 0, 0, 1), 2, new Float64Array(2), 1)).toThrow(RangeError);
  });
});
