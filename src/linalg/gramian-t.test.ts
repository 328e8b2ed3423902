// gramianT against naive FᵀF (naiveGemm with transA) across the 256-row chunk boundary.
import { describe, expect, it } from 'vitest';
import { gramianT } from './gramian-t.js';
import { naiveGemm } from './naive.js';
import { createRng } from './random.js';
import { maxAbsDiff, randomMatrix } from './test-support.js';

describe('gramianT', () => {
  it.each([
    [0, 0],
    [0, 3],
    [5, 0],
    [1, 1],
    [1, 5],
    [7, 3],
    [100, 8],
    [257, 64], // crosses the 256-row chunk
    [600, 65],
  ])('matches naive FᵀF for rows=%i dim=%i', (rows, dim) => {
    const rng = createRng(rows * 31 + dim);
    const f = Float32Array.from(randomMatrix(rng, rows, dim));
    const expected = new Float64Array(dim * dim);
    naiveGemm(f, f, expected, dim, rows, dim, { transA: true });
    const got = gramianT(f, rows, dim);
    expect(got.length).toBe(dim * dim);
    expect(maxAbsDiff(got, expected)).toBeLessThanOrEqual(1e-9 * Math.max(1, rows));
    let asymmetric = 0;
    for (let i = 0; i < dim; i++) {
      for (let j = 0; j < i; j++) if (got[i * dim + j] !== got[j * dim + i]) asymmetric++;
    }
    expect(asymmetric).toBe(0);
  });

  it('overwrites a supplied output buffer and returns it', () => {
    const rng = createRng(2);
    const f = Float32Array.from(randomMatrix(rng, 20, 6));
    const out = new Float64Array(36).fill(123);
    const result = gramianT(f, 20, 6, out);
    expect(result).toBe(out);
    expect(maxAbsDiff(out, gramianT(f, 20, 6))).toBe(0);
  });

  it('throws RangeError when f or out is too short', () => {
    expect(() => gramianT(new Float32Array(5), 2, 3)).toThrow(RangeError);
    expect(() => gramianT(new Float32Array(6), 2, 3, new Float64Array(8))).toThrow(RangeError);
  });
});
