// The seeded RNG: known-answer vector, determinism, distribution checks, Fisher-Yates shuffle.
import { describe, expect, it } from 'vitest';
import { createRng, shuffleInPlace, xoshiro128StarStar } from './random.js';

describe('xoshiro128StarStar', () => {
  it('matches the reference implementation from state (1, 2, 3, 4)', () => {
    const next = xoshiro128StarStar(1, 2, 3, 4);
    const first = Array.from({ length: 10 }, () => next());
    expect(first).toEqual([
      11520, 0, 5927040, 70819200, 2031721883, 1637235492, 1287239034, 3734860849, 3729100597, 4258142804,
    ]);
  });

  it('escapes the all-zero state', () => {
    const next = xoshiro128StarStar(0, 0, 0, 0);
    const draws = Array.from({ length: 8 }, () => next());
    expect(draws.some((v) => v !== 0)).toBe(true);
  });
});

describe('createRng', () => {
  it('is deterministic per seed and differs across seeds', () => {
    const a = createRng(42);
    const b = createRng(42);
    const c = createRng(43);
    const seqA = Array.from({ length: 20 }, () => a.next());
    expect(Array.from({ length: 20 }, () => b.next())).toEqual(seqA);
    expect(Array.from({ length: 20 }, () => c.next())).not.toEqual(seqA);
  });

  it('gives uniform floats in [0, 1) with the right mean and variance', () => {
    const rng = createRng(1);
    const n = 100_000;
    let sum = 0;
    let sumSq = 0;
    let outside = 0;
    for (let i = 0; i < n; i++) {
      const u = rng.next();
      if (!(u >= 0 && u < 1)) outside++;
      sum += u;
      sumSq += u * u;
    }
    const mean = sum / n;
    expect(outside).toBe(0);
    expect(mean).toBeCloseTo(0.5, 2);
    expect(sumSq / n - mean * mean).toBeCloseTo(1 / 12, 2);
  });

  it('gives integers in [0, n) covering every value about equally (chi-square)', () => {
    const rng = createRng(7);
    const buckets = 10;
    const draws = 50_000;
    const counts = new Array<number>(buckets).fill(0);
    let invalid = 0;
    for (let i = 0; i < draws; i++) {
      const v = rng.int(buckets);
      if (Number.isInteger(v) && v >= 0 && v < buckets) counts[v]++;
      else invalid++;
    }
    expect(invalid).toBe(0);
    const expected = draws / buckets;
    const chi2 = counts.reduce((acc, c) => acc + (c - expected) ** 2 / expected, 0);
    expect(chi2).toBeLessThan(27.9); // 99.9th percentile of chi-square with 9 degrees of freedom
  });

  it('gives standard normal draws', () => {
    const rng = createRng(3);
    const n = 100_000;
    let sum = 0;
    let sumSq = 0;
    let beyond2 = 0;
    let nonFinite = 0;
    for (let i = 0; i < n; i++) {
      const z = rng.normal();
      if (!Number.isFinite(z)) nonFinite++;
      sum += z;
      sumSq += z * z;
      if (Math.abs(z) > 2) beyond2++;
    }
    expect(nonFinite).toBe(0);
    expect(sum / n).toBeCloseTo(0, 1);
    expect(sumSq / n).toBeCloseTo(1, 1);
    expect(beyond2 / n).toBeCloseTo(0.0455, 2);
  });
});

describe('shuffleInPlace', () => {
  it('returns a permutation, deterministically for a seed', () => {
    const a = Int32Array.from({ length: 100 }, (_, i) => i);
    const b = a.slice();
    shuffleInPlace(a, createRng(5));
    shuffleInPlace(b, createRng(5));
    expect(a).toEqual(b);
    expect(Array.from(a).sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(Array.from(a)).not.toEqual(Array.from({ length: 100 }, (_, i) => i));
  });

  it('handles empty and single-element arrays', () => {
    expect(shuffleInPlace(new Int32Array(0), createRng(1))).toEqual(new Int32Array(0));
    expect(shuffleInPlace(Int32Array.of(9), createRng(1))).toEqual(Int32Array.of(9));
  });

  it('makes all 6 orders of 3 elements about equally likely', () => {
    const rng = createRng(11);
    const counts = new Map<string, number>();
    const trials = 60_000;
    for (let t = 0; t < trials; t++) {
      const key = shuffleInPlace(Int32Array.of(0, 1, 2), rng).join('');
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    expect(counts.size).toBe(6);
    for (const c of counts.values()) expect(Math.abs(c / trials - 1 / 6)).toBeLessThan(0.01);
  });
});
