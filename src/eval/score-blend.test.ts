import { describe, expect, it } from 'vitest';
import type { UserQuery } from '../models/recommender.js';
import { ScoreBlend, standardiseScores } from './score-blend.js';

const fixed = (values: number[]): { numItems: number; score: (q: UserQuery, out: Float32Array) => void } => ({
  numItems: values.length,
  score: (_q, out) => out.set(values),
});

describe('score blend', () => {
  it('standardises scores to mean 0 and deviation 1 (constant scores to 0)', () => {
    const out = new Float32Array(4);
    standardiseScores(Float32Array.of(1, 2, 3, 6), out);
    const mean = out.reduce((a, b) => a + b, 0) / 4;
    const sd = Math.sqrt(out.reduce((a, b) => a + (b - mean) ** 2, 0) / 4);
    expect(mean).toBeCloseTo(0, 6);
    expect(sd).toBeCloseTo(1, 6);
    standardiseScores(Float32Array.of(5, 5, 5, 5), out);
    expect(Array.from(out)).toEqual([0, 0, 0, 0]);
  });

  it('sums the members\' z-scores with their weights', () => {
    const a = [0, 1, 2, 3];
    const b = [10, 0, 0, 30];
    const blend = new ScoreBlend(
      [
        { name: 'a', model: fixed(a) },
        { name: 'b', model: fixed(b) },
      ],
      [1, 0.5],
    );
    const za = new Float32Array(4);
    const zb = new Float32Array(4);
    standardiseScores(Float32Array.from(a), za);
    standardiseScores(Float32Array.from(b), zb);
    const out = new Float32Array(4);
    blend.score({ userIdx: 0, items: new Int32Array(0), values: new Float32Array(0) }, out);
    for (let i = 0; i < 4; i++) expect(out[i]).toBeCloseTo(za[i] + 0.5 * zb[i], 6);
    expect(blend.params).toEqual({ a: 1, b: 0.5 });
    expect(() => new ScoreBlend([{ name: 'a', model: fixed(a) }], [1, 2])).toThrow(RangeError);
  });
});
