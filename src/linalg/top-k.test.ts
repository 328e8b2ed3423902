// topK equals the sorted prefix (naiveTopK) on seeded arrays with ties, NaN, ±Infinity and masks.
import { describe, expect, it } from 'vitest';
import type { FloatArray } from './float-array.js';
import { naiveTopK } from './naive.js';
import { createRng, type Rng } from './random.js';
import { topK } from './top-k.js';

/** Scores drawn from few distinct values (many ties), sprinkled with NaN and ±Infinity. */
function tiedScores(rng: Rng, n: number, f32: boolean): FloatArray {
  const s = f32 ? new Float32Array(n) : new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const u = rng.next();
    s[i] = u < 0.05 ? NaN : u < 0.08 ? -Infinity : u < 0.1 ? Infinity : rng.int(7) - 3 + (f32 ? 0 : rng.int(2) * 0.5);
  }
  return s;
}

function randomMask(rng: Rng, n: number, rate: number): Uint8Array {
  const mask = new Uint8Array(n);
  for (let i = 0; i < n; i++) mask[i] = rng.next() < rate ? 1 : 0;
  return mask;
}

describe('topK', () => {
  const SIZES = [0, 1, 2, 5, 37, 1000];
  const KS = [0, 1, 3, 10, 50, 2000];

  it.each(SIZES)('equals the sorted prefix (naiveTopK) for n=%i, every k, with and without exclusions', (n) => {
    const rng = createRng(n + 1);
    for (const f32 of [false, true]) {
      const scores = tiedScores(rng, n, f32);
      const mask = randomMask(rng, n, 0.3);
      const predicate = (idx: number): boolean => idx % 3 === 1;
      for (const k of KS) {
        for (const exclude of [undefined, mask, predicate]) {
          const got = topK(scores, k, exclude);
          const expected = naiveTopK(scores, k, exclude);
          expect(Array.from(got.indices)).toEqual(Array.from(expected.indices));
          expect(Array.from(got.scores)).toEqual(Array.from(expected.scores));
        }
      }
    }
  });

  it('holds on many random continuous arrays (property)', () => {
    const rng = createRng(77);
    for (let trial = 0; trial < 200; trial++) {
      const n = rng.int(300);
      const k = rng.int(40);
      const scores = new Float64Array(n);
      for (let i = 0; i < n; i++) scores[i] = rng.next() < 0.2 ? Math.round(rng.normal()) : rng.normal();
      const mask = randomMask(rng, n, rng.next());
      const got = topK(scores, k, mask);
      const expected = naiveTopK(scores, k, mask);
      expect(Array.from(got.indices)).toEqual(Array.from(expected.indices));
    }
  });

  it('breaks ties by lower index and orders by score descending', () => {
    const result = topK(Float64Array.of(1, 5, 3, 5, 5, 2), 4);
    expect(Array.from(result.indices)).toEqual([1, 3, 4, 2]);
    expect(Array.from(result.scores)).toEqual([5, 5, 5, 3]);
  });

  it('skips NaN and -Infinity and returns fewer than k when candidates run out', () => {
    const result = topK(Float32Array.of(NaN, -Infinity, 1, Infinity, NaN), 10);
    expect(Array.from(result.indices)).toEqual([3, 2]);
    expect(Array.from(result.scores)).toEqual([Infinity, 1]);
  });

  it('treats any nonzero mask byte as excluded', () => {
    const result = topK(Float64Array.of(9, 8, 7, 6), 2, Uint8Array.of(1, 0, 255, 0));
    expect(Array.from(result.indices)).toEqual([1, 3]);
  });

  it('calls the predicate only for entries that would enter the top k', () => {
    const n = 10_000;
    const scores = new Float64Array(n);
    for (let i = 0; i < n; i++) scores[i] = i; // ascending: every entry beats the current threshold
    const descending = scores.slice().reverse();
    let calls = 0;
    const result = topK(descending, 5, (idx) => {
      calls++;
      return idx === 0;
    });
    expect(Array.from(result.indices)).toEqual([1, 2, 3, 4, 5]);
    expect(calls).toBe(6);
  });

  it('floors a fractional k and rejects a short mask', () => {
    expect(topK(Float64Array.of(1, 2, 3), 2.7).indices.length).toBe(2);
    expect(topK(Float64Array.of(1, 2, 3), -1).indices.length).toBe(0);
    expect(() => topK(Float64Array.of(1, 2, 3), 2, new Uint8Array(2))).toThrow(RangeError);
  });
});
