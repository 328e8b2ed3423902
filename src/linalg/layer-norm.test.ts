// layerNorm against a direct formula, and its backward pass against central differences.
import { describe, expect, it } from 'vitest';
import { layerNorm, layerNormBackward } from './layer-norm.js';
import { createRng } from './random.js';
import { maxAbsDiff, randomMatrix } from './test-support.js';

const rows = 5;
const dim = 7;

function setup(seed: number) {
  const rng = createRng(seed);
  return { x: randomMatrix(rng, rows, dim), gamma: randomMatrix(rng, 1, dim), beta: randomMatrix(rng, 1, dim), w: randomMatrix(rng, rows, dim) };
}

function loss(x: Float64Array, gamma: Float64Array, beta: Float64Array, w: Float64Array): number {
  const y = new Float64Array(rows * dim);
  layerNorm(x, gamma, beta, y, new Float64Array(rows * dim), new Float64Array(rows), rows, dim);
  let s = 0;
  for (let i = 0; i < y.length; i++) s += y[i] * w[i];
  return s;
}

describe('layerNorm', () => {
  it('normalises each row to mean 0 and variance 1 before the affine map', () => {
    const { x, gamma, beta } = setup(1);
    const y = new Float64Array(rows * dim);
    layerNorm(x, gamma, beta, y, new Float64Array(rows * dim), new Float64Array(rows), rows, dim, 0);
    const expected = new Float64Array(rows * dim);
    for (let r = 0; r < rows; r++) {
      const row = Array.from(x.subarray(r * dim, r * dim + dim));
      const mean = row.reduce((a, b) => a + b, 0) / dim;
      const sd = Math.sqrt(row.reduce((a, b) => a + (b - mean) ** 2, 0) / dim);
      row.forEach((v, c) => (expected[r * dim + c] = gamma[c] * ((v - mean) / sd) + beta[c]));
    }
    expect(maxAbsDiff(y, expected)).toBeLessThan(1e-12);
  });

  it('backward matches central differences for x, gamma and beta', () => {
    const { x, gamma, beta, w } = setup(2);
    const xhat = new Float64Array(rows * dim);
    const rstd = new Float64Array(rows);
    layerNorm(x, gamma, beta, new Float64Array(rows * dim), xhat, rstd, rows, dim);
    const dx = new Float64Array(rows * dim);
    const dGamma = new Float64Array(dim);
    const dBeta = new Float64Array(dim);
    layerNormBackward(w, xhat, rstd, gamma, dx, dGamma, dBeta, rows, dim);
    const eps = 1e-6;
    const numeric = (arr: Float64Array): Float64Array =>
      arr.map((v, i) => {
        arr[i] = v + eps;
        const up = loss(x, gamma, beta, w);
        arr[i] = v - eps;
        const down = loss(x, gamma, beta, w);
        arr[i] = v;
        return (up - down) / (2 * eps);
      });
    expect(maxAbsDiff(dx, numeric(x))).toBeLessThan(1e-6);
    expect(maxAbsDiff(dGamma, numeric(gamma))).toBeLessThan(1e-6);
    expect(maxAbsDiff(dBeta, numeric(beta))).toBeLessThan(1e-6);
  });
});
