import { describe, expect, it } from 'vitest';
import { addDotsInt8AtRows, dotRowsInt8, quantiseRowsInt8 } from './dot-rows-int8.js';
import { createRng } from './random.js';

/** Σ_{c = from}^{to − 1} q[c]·codes[row·stride + c], in doubles. */
function naive(q: Float32Array, codes: Int8Array, stride: number, from: number, to: number, row: number): number {
  let s = 0;
  for (let c = from; c < to; c++) s += q[c] * codes[row * stride + c];
  return s;
}

function randomCodes(rng: ReturnType<typeof createRng>, length: number): Int8Array {
  return Int8Array.from({ length }, () => rng.int(255) - 127);
}

describe('dotRowsInt8', () => {
  it('matches a naive sum for every column range, remainder, row offset and output offset', () => {
    const rng = createRng(5);
    for (const stride of [1, 4, 7, 64, 66]) {
      const rows = 29;
      const codes = randomCodes(rng, rows * stride);
      const q = Float32Array.from({ length: stride }, () => rng.normal());
      for (const [from, to] of [
        [0, stride],
        [0, Math.floor(stride / 2)],
        [Math.floor(stride / 3), stride],
      ]) {
        const out = new Float32Array(rows + 2);
        dotRowsInt8(q, codes, stride, from, to, 4, rows - 4, out, 2);
        for (let r = 0; r < rows - 4; r++) expect(out[2 + r]).toBeCloseTo(naive(q, codes, stride, from, to, 4 + r), 3);
      }
    }
  });

  it('refuses columns outside the stride and rows past the end', () => {
    const codes = new Int8Array(8 * 4);
    expect(() => dotRowsInt8(new Float32Array(4), codes, 4, 0, 5, 0, 1, new Float32Array(1))).toThrow(RangeError);
    expect(() => dotRowsInt8(new Float32Array(4), codes, 4, 0, 4, 6, 3, new Float32Array(3))).toThrow(RangeError);
  });
});

describe('addDotsInt8AtRows', () => {
  it('adds the naive sums of the picked rows to what the output holds', () => {
    const rng = createRng(6);
    const stride = 23;
    const codes = randomCodes(rng, 50 * stride);
    const q = Float32Array.from({ length: stride }, () => rng.normal());
    const rows = Int32Array.from({ length: 40 }, () => rng.int(50));
    const start = Float32Array.from({ length: rows.length }, () => rng.normal());
    const out = start.slice();
    addDotsInt8AtRows(q, codes, stride, 5, stride, rows, out);
    rows.forEach((row, j) => expect(out[j]).toBeCloseTo(start[j] + naive(q, codes, stride, 5, stride, row), 3));
    expect(() => addDotsInt8AtRows(q, codes, stride, 0, stride, Int32Array.from([50]), new Float32Array(1))).toThrow(RangeError);
  });
});

describe('quantiseRowsInt8', () => {
  it('rounds to the nearest step and clamps to ±127', () => {
    const rng = createRng(7);
    const rows = 30;
    const dim = 9;
    const x = Float64Array.from({ length: rows * dim }, () => rng.normal());
    const scales = Float32Array.from({ length: dim }, (_, c) => 0.01 + 0.005 * c);
    const codes = new Int8Array(rows * dim + 3);
    quantiseRowsInt8(x, rows, dim, scales, codes, 3);
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < dim; c++) {
        const v = x[r * dim + c];
        const code = codes[3 + r * dim + c];
        const step = scales[c];
        if (Math.abs(v) <= 127 * step) expect(Math.abs(code * step - v)).toBeLessThanOrEqual(step / 2 + 1e-9);
        else expect(code).toBe(v > 0 ? 127 : -127);
      }
    }
  });
});
