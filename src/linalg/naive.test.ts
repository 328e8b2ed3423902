// The references are checked on hand-computed cases, since every other test trusts them.
import { describe, expect, it } from 'vitest';
import { naiveDot, naiveGemm, naiveInverse, naiveSparseGram, naiveTopK } from './naive.js';

describe('naive references', () => {
  it('naiveDot', () => {
    expect(naiveDot(Float64Array.of(0, 1, 2, 3), 1, Float32Array.of(4, 5, 6), 0, 3)).toBe(1 * 4 + 2 * 5 + 3 * 6);
  });

  it('naiveGemm, plain, transposed and with beta', () => {
    const c = new Float64Array(4);
    naiveGemm(Float64Array.of(1, 2, 3, 4), Float64Array.of(5, 6, 7, 8), c, 2, 2, 2);
    expect(Array.from(c)).toEqual([19, 22, 43, 50]);
    naiveGemm(Float64Array.of(1, 2, 3, 4), Float64Array.of(5, 6, 7, 8), c, 2, 2, 2, { transA: true, beta: 1 });
    expect(Array.from(c)).toEqual([19 + 26, 22 + 30, 43 + 38, 50 + 44]);
  });

  it('naiveInverse, including a matrix that needs a row swap', () => {
    expect(Array.from(naiveInverse(Float64Array.of(0, 1, 1, 0), 2))).toEqual([0, 1, 1, 0]);
    expect(Array.from(naiveInverse(Float64Array.of(2, 0, 0, 4), 2))).toEqual([0.5, 0, 0, 0.25]);
    expect(() => naiveInverse(Float64Array.of(1, 2, 2, 4), 2)).toThrow(RangeError);
  });

  it('naiveSparseGram', () => {
    // X = [[1, 0, 2], [0, 3, 1]]
    const g = naiveSparseGram(Int32Array.of(0, 2, 4), Int32Array.of(0, 2, 1, 2), Float32Array.of(1, 2, 3, 1), 2, 3);
    expect(Array.from(g)).toEqual([1, 0, 2, 0, 9, 3, 2, 3, 5]);
  });

  it('naiveTopK', () => {
    const r = naiveTopK(Float64Array.of(3, NaN, 3, 4, -Infinity), 3, (i) => i === 3);
    expect(Array.from(r.indices)).toEqual([0, 2]);
  });
});
