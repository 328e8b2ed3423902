// ∞-AE: its kernel against a wide random network's empirical NTK, its scores against the closed form
// computed naively, the support-set sample and the refusal of a fit too large to hold.
import { describe, expect, it } from 'vitest';
import { csrFromCoo } from '../core/csr-matrix.js';
import type { CsrMatrix } from '../core/csr-matrix.js';
import { ValidationError } from '../core/errors.js';
import { createRng, naiveInverse } from '../linalg/index.js';
import { createInfiniteAe, reluNtk } from './infinite-ae.js';
import { deserializeModel, serializeModel } from './registry.js';

/**
 * The NTK at initialisation of Dense(√2, 0.1) → ReLU → Dense(√2, 0.1) with `width` hidden units, NTK
 * parameterisation, for two binary inputs of `n` items given by their lengths and overlap: the sum
 * over every parameter of the product of the output's derivatives.
 */
function empiricalNtk(overlap: number, lengthA: number, lengthB: number, n: number, width: number, seed: number): number {
  const rng = createRng(seed);
  const wStd = Math.SQRT2;
  const bStd = 0.1;
  // W1·x for a binary x sums its items' weights: the shared items' sum is common to both inputs.
  const sumOf = (count: number): number => Math.sqrt(count) * rng.normal();
  const inner = (2 * overlap) / n + bStd * bStd;
  let relu = 0;
  let derivative = 0;
  for (let k = 0; k < width; k++) {
    const shared = sumOf(overlap);
    const b1 = rng.normal();
    const ha = (wStd * (shared + sumOf(lengthA - overlap))) / Math.sqrt(n) + bStd * b1;
    const hb = (wStd * (shared + sumOf(lengthB - overlap))) / Math.sqrt(n) + bStd * b1;
    const w2 = rng.normal();
    relu += Math.max(ha, 0) * Math.max(hb, 0);
    if (ha > 0 && hb > 0) derivative += w2 * w2;
  }
  // Output bias, output weights, then the first layer's weights and biases through the ReLU.
  return bStd * bStd + (wStd * wStd * relu) / width + ((wStd * wStd * derivative) / width) * inner;
}

/** 60 users over 25 items in three taste groups, some users in two. */
function tastes(): CsrMatrix {
  const rng = createRng(3);
  const rows: number[] = [];
  const cols: number[] = [];
  for (let u = 0; u < 60; u++) {
    const groups = [u % 3, ...(u % 7 === 0 ? [(u + 1) % 3] : [])];
    for (const g of groups) for (let t = 0; t < 4; t++) {
      rows.push(u);
      cols.push(g * 8 + rng.int(8));
    }
    if (u % 5 === 0) {
      rows.push(u);
      cols.push(24);
    }
  }
  return csrFromCoo(60, 25, rows, cols, null, 'max');
}

function historyOf(m: CsrMatrix, u: number): Int32Array {
  return m.indices.slice(m.indptr[u], m.indptr[u + 1]);
}

describe('∞-AE (infae)', () => {
  it('has the kernel of a wide random ReLU autoencoder at initialisation', () => {
    for (const [overlap, a, b] of [
      [0, 3, 5],
      [2, 4, 6],
      [5, 5, 5],
      [10, 40, 12],
    ] as const) {
      const analytic = reluNtk(overlap, a, b, 50);
      const sampled = empiricalNtk(overlap, a, b, 50, 400_000, 11 + overlap);
      expect(Math.abs(sampled - analytic) / analytic).toBeLessThan(0.01);
    }
    // Symmetric, and larger for more overlap at equal lengths.
    expect(reluNtk(2, 4, 6, 50)).toBeCloseTo(reluNtk(2, 6, 4, 50), 12);
    expect(reluNtk(3, 5, 5, 50)).toBeGreaterThan(reluNtk(1, 5, 5, 50));
  });

  it('scores a history as NTK(h, X)·(K + λ·mean diag(K)·I)⁻¹X computed naively', async () => {
    const train = tastes();
    const lambda = 0.5;
    const model = createInfiniteAe({ lambda });
    await model.fit(train);
    const U = train.numRows;
    const n = train.numCols;
    const overlap = (a: Int32Array, b: Int32Array): number => a.filter((j) => b.includes(j)).length;
    const K = new Float64Array(U * U);
    for (let a = 0; a < U; a++) for (let b = 0; b < U; b++) K[a * U + b] = reluNtk(overlap(historyOf(train, a), historyOf(train, b)), historyOf(train, a).length, historyOf(train, b).length, n);
    let trace = 0;
    for (let a = 0; a < U; a++) trace += K[a * U + a];
    for (let a = 0; a < U; a++) K[a * U + a] += (lambda * trace) / U;
    const inv = naiveInverse(K, U);
    for (const history of [historyOf(train, 4), Int32Array.of(0, 9, 24), Int32Array.of(17)]) {
      const k = Array.from({ length: U }, (_, b) => reluNtk(overlap(history, historyOf(train, b)), history.length, historyOf(train, b).length, n));
      const expected = new Float64Array(n);
      for (let b = 0; b < U; b++) {
        let w = 0;
        for (let a = 0; a < U; a++) w += k[a] * inv[a * U + b];
        for (const j of historyOf(train, b)) expected[j] += w;
      }
      const got = new Float32Array(n);
      model.score({ userIdx: -1, items: history, values: new Float32Array(history.length).fill(1) }, got);
      for (let j = 0; j < n; j++) expect(got[j]).toBeCloseTo(expected[j], 4);
    }
    // A taste group's items score above the other groups' for a history inside it.
    const out = new Float32Array(n);
    model.score({ userIdx: -1, items: Int32Array.of(0, 1, 2), values: Float32Array.of(1, 1, 1) }, out);
    const mean = (from: number, to: number): number => out.slice(from, to).reduce((s, v) => s + v, 0) / (to - from);
    expect(mean(3, 8)).toBeGreaterThan(mean(8, 24));
    // The snapshot scores alike.
    const copy = deserializeModel(serializeModel(model));
    const again = new Float32Array(n);
    copy.score({ userIdx: -1, items: Int32Array.of(0, 1, 2), values: Float32Array.of(1, 1, 1) }, again);
    expect(Array.from(again)).toEqual(Array.from(out));
  });

  it('samples its support set by seed beyond maxUsers, and refuses an α it should not hold', async () => {
    const train = tastes();
    const a = createInfiniteAe({ maxUsers: 20, seed: 5 });
    const b = createInfiniteAe({ maxUsers: 20, seed: 5 });
    const c = createInfiniteAe({ maxUsers: 20, seed: 6 });
    await Promise.all([a.fit(train), b.fit(train), c.fit(train)]);
    expect(a.snapshot().meta.supportUsers).toBe(20);
    const scoresOf = (m: typeof a): number[] => {
      const out = new Float32Array(train.numCols);
      m.score({ userIdx: -1, items: Int32Array.of(0, 1), values: Float32Array.of(1, 1) }, out);
      return Array.from(out);
    };
    expect(scoresOf(a)).toEqual(scoresOf(b));
    expect(scoresOf(a)).not.toEqual(scoresOf(c));
    const tooBig = createInfiniteAe({ maxEntries: 1000 });
    await expect(tooBig.fit(train)).rejects.toThrow(ValidationError);
    await expect(tooBig.fit(train)).rejects.toThrow(/60 support users × 25 items = 1500 entries of α exceeds maxEntries 1000/);
  });
});
