// spdInverse: A·A⁻¹ ≈ I and agreement with naiveInverse on seeded SPD matrices, symmetry, errors.
import { describe, expect, it } from 'vitest';
import { naiveInverse, naiveSparseGram } from './naive.js';
import { createRng } from './random.js';
import { spdInverse } from './spd-inverse.js';
import { inverseResidual, maxAbsDiff, randomCsr, randomSpd } from './test-support.js';

// Sizes around the 64-pivot block, the 4-row kernel groups and the 512-column tile.
const SIZES = [1, 2, 3, 7, 63, 64, 65, 130, 257, 600];

describe('spdInverse', () => {
  it.each(SIZES)('gives A·A⁻¹ ≈ I and matches naiveInverse for a random SPD matrix, n=%i', (n) => {
    const a = randomSpd(createRng(n), n);
    const inv = a.slice();
    spdInverse(inv, n);
    // Eigenvalues lie in about [0.5, 4.5], so entries of A⁻¹ are ≤ 2 and errors stay near 1e-15·n.
    expect(inverseResidual(a, inv, n)).toBeLessThanOrEqual(1e-12 * n);
    if (n <= 300) expect(maxAbsDiff(inv, naiveInverse(a, n))).toBeLessThanOrEqual(1e-12 * n);
    let asymmetric = 0;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < i; j++) if (inv[i * n + j] !== inv[j * n + i]) asymmetric++;
    }
    expect(asymmetric).toBe(0);
  });

  it('inverts an EASE-style Gram matrix XᵀX + λI', () => {
    const rng = createRng(21);
    const rows = 400;
    const cols = 150;
    const x = randomCsr(rng, rows, cols, { density: 0.05 });
    const g = naiveSparseGram(x.indptr, x.indices, null, rows, cols);
    for (let i = 0; i < cols; i++) g[i * cols + i] += 10;
    const inv = g.slice();
    spdInverse(inv, cols);
    expect(inverseResidual(g, inv, cols)).toBeLessThanOrEqual(1e-11);
  });

  it('reads only the upper triangle', () => {
    const n = 100;
    const a = randomSpd(createRng(4), n);
    const garbage = a.slice();
    for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) garbage[i * n + j] = -7;
    spdInverse(a, n);
    spdInverse(garbage, n);
    expect(maxAbsDiff(a, garbage)).toBe(0);
  });

  it('inverts a known 2×2 matrix and a diagonal one', () => {
    const a = Float64Array.of(4, 2, 2, 3);
    spdInverse(a, 2);
    expect(maxAbsDiff(a, [0.375, -0.25, -0.25, 0.5])).toBeLessThanOrEqual(1e-15);
    const d = new Float64Array(9);
    d[0] = 2;
    d[4] = 4;
    d[8] = 8;
    spdInverse(d, 3);
    expect(Array.from(d)).toEqual([0.5, 0, 0, 0, 0.25, 0, 0, 0, 0.125]);
  });

  it('reports each swept block of 64 pivots, ending at total/total, with the same result', () => {
    const n = 200;
    const a = randomSpd(createRng(7), n);
    const plain = a.slice();
    spdInverse(plain, n);
    const reported = a.slice();
    const calls: [number, number][] = [];
    spdInverse(reported, n, (done, total) => calls.push([done, total]));
    expect(calls).toEqual([[1, 4], [2, 4], [3, 4], [4, 4]]);
    expect(maxAbsDiff(plain, reported)).toBe(0);
  });

  it('is a no-op for n = 0', () => {
    spdInverse(new Float64Array(0), 0);
  });

  it.each([
    [4, 1],
    [150, 100],
  ])('throws RangeError naming the pivot for an indefinite matrix (n=%i, pivot %i)', (n, bad) => {
    const a = randomSpd(createRng(n), n);
    // Make row/column `bad` a copy of row/column 0 plus a tiny diagonal deficit: singular-ish → indefinite.
    for (let j = 0; j < n; j++) {
      a[bad * n + j] = a[j];
      a[j * n + bad] = a[j];
    }
    a[bad * n + bad] = a[0] - 1e-3;
    expect(() => spdInverse(a.slice(), n)).toThrow(RangeError);
    expect(() => spdInverse(a.slice(), n)).toThrow(new RegExp(`not positive definite \\(pivot ${bad} `));
  });

  it('throws RangeError when the array is shorter than n²', () => {
    expect(() => spdInverse(new Float64Array(8), 3)).toThrow(RangeError);
  });
});
