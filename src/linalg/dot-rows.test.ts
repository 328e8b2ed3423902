import { describe, expect, it } from 'vitest';
import { dotRows } from './dot-rows.js';
import { naiveDot } from './naive.js';
import { createRng } from './random.js';

describe('dotRows', () => {
  it('matches a naive dot per row for every dimension remainder, offset and range', () => {
    const rng = createRng(4);
    for (const dim of [1, 3, 4, 7, 64, 65]) {
      const rows = 37;
      const m = Float32Array.from({ length: rows * dim }, () => rng.normal());
      const q = Float32Array.from({ length: dim }, () => rng.normal());
      const out = new Float32Array(rows + 5);
      dotRows(q, m, dim, 3, rows - 3, out, 5);
      for (let r = 0; r < rows - 3; r++) expect(out[5 + r]).toBeCloseTo(naiveDot(q, 0, m, (3 + r) * dim, dim), 4);
    }
  });

  it('refuses a range past the end of the matrix or of the output', () => {
    const m = new Float32Array(8 * 4);
    expect(() => dotRows(new Float32Array(4), m, 4, 6, 3, new Float32Array(3))).toThrow(RangeError);
    expect(() => dotRows(new Float32Array(4), m, 4, 0, 3, new Float32Array(2))).toThrow(RangeError);
  });
});
