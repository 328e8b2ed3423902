// dot / axpy / scale / norm2 against the obvious loops, for lengths around the unroll by four.
import { describe, expect, it } from 'vitest';
import { naiveDot } from './naive.js';
import { createRng } from './random.js';
import { axpy, dot, norm2, scale } from './vector.js';

const SIZES = [0, 1, 2, 3, 4, 5, 7, 8, 63, 64, 65, 1001];

function randomVector(seed: number, n: number, kind: 'f32' | 'f64'): Float32Array | Float64Array {
  const rng = createRng(seed);
  const v = kind === 'f32' ? new Float32Array(n) : new Float64Array(n);
  for (let i = 0; i < n; i++) v[i] = rng.normal();
  return v;
}

describe('dot', () => {
  it.each(SIZES)('matches naiveDot for n=%i with offsets and mixed precision', (n) => {
    for (const [ka, kb] of [
      ['f64', 'f64'],
      ['f32', 'f32'],
      ['f32', 'f64'],
    ] as const) {
      const a = randomVector(n + 1, n + 3, ka);
      const b = randomVector(n + 2, n + 5, kb);
      const expected = naiveDot(a, 3, b, 5, n);
      const tol = 1e-6 * Math.sqrt(Math.max(1, n)); // terms are O(1); only the summation order differs
      expect(Math.abs(dot(a, 3, b, 5, n) - expected)).toBeLessThanOrEqual(tol);
    }
  });

  it('returns 0 for n = 0 and handles empty arrays', () => {
    expect(dot(new Float64Array(0), 0, new Float64Array(0), 0, 0)).toBe(0);
  });

  it('computes a known value', () => {
    expect(dot(Float64Array.of(1, 2, 3, 4, 5), 0, Float64Array.of(5, 4, 3, 2, 1), 0, 5)).toBe(35);
  });

  it('throws RangeError for windows outside the arrays', () => {
    expect(() => dot(new Float64Array(4), 1, new Float64Array(4), 0, 4)).toThrow(RangeError);
    expect(() => dot(new Float64Array(4), -1, new Float64Array(4), 0, 2)).toThrow(RangeError);
    expect(() => dot(new Float64Array(4), 0, new Float64Array(4), 0, 2.5)).toThrow(RangeError);
  });
});

describe('axpy', () => {
  it.each(SIZES)('matches the obvious loop for n=%i', (n) => {
    const x = randomVector(n + 10, n + 2, 'f32');
    const y = randomVector(n + 11, n + 1, 'f64');
    const expected = y.slice();
    for (let i = 0; i < n; i++) expected[1 + i] += 0.75 * x[2 + i];
    axpy(0.75, x, 2, y, 1, n);
    expect(Array.from(y)).toEqual(Array.from(expected));
  });

  it('leaves y unchanged outside the window', () => {
    const y = Float64Array.of(1, 1, 1, 1, 1, 1);
    axpy(2, Float64Array.of(1, 1), 0, y, 2, 2);
    expect(Array.from(y)).toEqual([1, 1, 3, 3, 1, 1]);
  });

  it('throws RangeError when y is too short', () => {
    expect(() => axpy(1, new Float64Array(5), 0, new Float64Array(4), 0, 5)).toThrow(RangeError);
  });
});

describe('scale', () => {
  it.each(SIZES)('multiplies the window only, n=%i', (n) => {
    const x = randomVector(n + 20, n + 2, 'f64');
    const expected = x.slice();
    for (let i = 0; i < n; i++) expected[1 + i] *= -3;
    scale(x, 1, n, -3);
    expect(Array.from(x)).toEqual(Array.from(expected));
  });
});

describe('norm2', () => {
  it.each(SIZES)('equals sqrt(naiveDot(x, x)) for n=%i', (n) => {
    const x = randomVector(n + 30, n + 4, 'f32');
    const expected = Math.sqrt(naiveDot(x, 4, x, 4, n));
    expect(Math.abs(norm2(x, 4, n) - expected)).toBeLessThanOrEqual(1e-12 * Math.max(1, expected));
  });

  it('computes a known value', () => {
    expect(norm2(Float64Array.of(3, 4), 0, 2)).toBe(5);
  });
});
