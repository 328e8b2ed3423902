import { describe, expect, it } from 'vitest';
import { createRng } from './random.js';
import { selectTop } from './select-top.js';
import { topK } from './top-k.js';

describe('selectTop', () => {
  it('keeps the positions topK keeps (ties to the lower position), in ascending order', () => {
    const rng = createRng(8);
    for (let round = 0; round < 300; round++) {
      const n = 1 + rng.int(400);
      const kind = round % 3;
      const scores = Float32Array.from({ length: n }, () => (kind === 0 ? rng.normal() : kind === 1 ? rng.int(5) : rng.next() < 0.2 ? -Infinity : rng.normal()));
      const m = rng.int(n + 3);
      const got = selectTop(scores, m, round % 2 === 0 ? new Float32Array(n + 1) : undefined);
      const want = Array.from(topK(scores, m).indices).sort((a, b) => a - b);
      expect(Array.from(got)).toEqual(want);
    }
  });

  it('never keeps -Infinity or NaN', () => {
    const scores = Float32Array.from([NaN, 1, -Infinity, 3, NaN, -Infinity]);
    expect(Array.from(selectTop(scores, 6))).toEqual([1, 3]);
    expect(Array.from(selectTop(scores, 1))).toEqual([3]);
    expect(selectTop(new Float32Array(0), 3).length).toBe(0);
    expect(selectTop(Float32Array.from([-Infinity]), 1).length).toBe(0);
  });
});
