// sparseGram against naiveSparseGram on seeded CSR matrices: sorted, unsorted, duplicates, stripes.
import { describe, expect, it } from 'vitest';
import { naiveSparseGram } from './naive.js';
import { createRng } from './random.js';
import { sparseGram } from './sparse-gram.js';
import { maxAbsDiff, randomCsr } from './test-support.js';

describe('sparseGram', () => {
  // 1,500 columns makes the output stripes (~87 rows each) cross several boundaries.
  const CASES: [number, number, number][] = [
    [0, 5, 0.5],
    [5, 1, 0.5],
    [1, 1, 1],
    [7, 9, 0],
    [7, 9, 0.4],
    [40, 33, 0.2],
    [60, 1500, 0.01],
  ];

  it.each(CASES)('matches naiveSparseGram for %i×%i, density %d, sorted or not, with and without values', (rows, cols, density) => {
    for (const sorted of [true, false]) {
      const rng = createRng(rows * 7919 + cols * 13 + (sorted ? 1 : 0));
      const x = randomCsr(rng, rows, cols, { density, sorted });
      for (const values of [null, x.values]) {
        const expected = naiveSparseGram(x.indptr, x.indices, values, rows, cols);
        const got = sparseGram(x.indptr, x.indices, values, rows, cols);
        expect(got.length).toBe(cols * cols);
        expect(maxAbsDiff(got, expected)).toBeLessThanOrEqual(1e-9);
      }
    }
  });

  it('adds up repeated column indices within a row', () => {
    const rng = createRng(17);
    const x = randomCsr(rng, 30, 25, { density: 0.3, sorted: false, duplicates: 0.3 });
    for (const values of [null, x.values]) {
      const expected = naiveSparseGram(x.indptr, x.indices, values, 30, 25);
      expect(maxAbsDiff(sparseGram(x.indptr, x.indices, values, 30, 25), expected)).toBeLessThanOrEqual(1e-9);
    }
    // [1, 1] in column 0 behaves like a single 2: XᵀX = [[4]].
    expect(Array.from(sparseGram(Int32Array.of(0, 2), Int32Array.of(0, 0), null, 1, 1))).toEqual([4]);
  });

  it('counts co-occurrences of a small implicit matrix exactly', () => {
    // rows: {0, 2}, {1}, {0, 1, 2}
    const gram = sparseGram(Int32Array.of(0, 2, 3, 6), Int32Array.of(0, 2, 1, 0, 1, 2), null, 3, 3);
    expect(Array.from(gram)).toEqual([2, 1, 2, 1, 2, 1, 2, 1, 2]);
  });

  it('does not reorder the caller arrays', () => {
    const indices = Int32Array.of(2, 0, 1);
    sparseGram(Int32Array.of(0, 3), indices, null, 1, 3);
    expect(Array.from(indices)).toEqual([2, 0, 1]);
  });

  it('throws RangeError on malformed CSR', () => {
    expect(() => sparseGram(Int32Array.of(0, 1), Int32Array.of(3), null, 1, 3)).toThrow(RangeError);
    expect(() => sparseGram(Int32Array.of(0, 1), Int32Array.of(-1), null, 1, 3)).toThrow(RangeError);
    expect(() => sparseGram(Int32Array.of(0, 2, 1), Int32Array.of(0, 1), null, 2, 3)).toThrow(RangeError);
    expect(() => sparseGram(Int32Array.of(0, 2), Int32Array.of(0), null, 1, 3)).toThrow(RangeError);
    expect(() => sparseGram(Int32Array.of(0, 2), Int32Array.of(0, 1), new Float32Array(1), 1, 3)).toThrow(RangeError);
  });
});
