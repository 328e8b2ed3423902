// Higher-order EASE: with no iterations it is EASE; each block step lowers the objective
// ‖X − XB − ZC‖² + λ‖B‖² + λ_pairs‖C‖² (exact block coordinate descent); the constraints hold; the
// chosen pairs are the most co-occurring; a snapshot scores as the fitted model.
import { describe, expect, it } from 'vitest';
import { csrFromCoo } from '../core/csr-matrix.js';
import type { CsrMatrix } from '../core/csr-matrix.js';
import { createRng } from '../linalg/index.js';
import { createEase } from './ease.js';
import { createHigherEase } from './higher-ease.js';
import { deserializeModel, serializeModel } from './registry.js';
import type { Recommender } from './recommender.js';

/** Users hold items of two overlapping blocks; holding both 16 and 17 also makes 5 likely (a pair effect). */
function pairMatrix(seed: number, users: number, items: number): CsrMatrix {
  const rng = createRng(seed);
  const rows: number[] = [];
  const cols: number[] = [];
  for (let u = 0; u < users; u++) {
    const held = new Set<number>();
    for (let i = 0; i < items; i++) if (rng.next() < 0.12 + 0.4 * (i / items) ** 2) held.add(i);
    if (held.has(16) && held.has(17) && rng.next() < 0.8) held.add(5);
    for (const i of held) {
      rows.push(u);
      cols.push(i);
    }
  }
  return csrFromCoo(users, items, rows, cols, null, 'max');
}

function scores(model: Recommender, items: number[]): Float32Array {
  const out = new Float32Array(model.numItems);
  model.score({ userIdx: -1, items: Int32Array.from(items), values: new Float32Array(items.length).fill(1) }, out);
  return out;
}

/** The objective of a fitted model, read from its snapshot (every item kept, so kept index = item). */
function objective(model: Recommender, x: CsrMatrix, lambda: number, pairLambda: number): number {
  const { arrays } = model.snapshot();
  const b = arrays.weights as Float32Array;
  const c = arrays.pairWeights as Float32Array;
  const pairs = arrays.pairItems as Int32Array;
  const n = x.numCols;
  let loss = 0;
  for (let u = 0; u < x.numRows; u++) {
    const held = new Uint8Array(n);
    for (let p = x.indptr[u]; p < x.indptr[u + 1]; p++) held[x.indices[p]] = 1;
    const pred = new Float64Array(n);
    for (let i = 0; i < n; i++) if (held[i]) for (let j = 0; j < n; j++) pred[j] += b[i * n + j];
    for (let k = 0; k < pairs.length / 2; k++) if (held[pairs[2 * k]] && held[pairs[2 * k + 1]]) for (let j = 0; j < n; j++) pred[j] += c[k * n + j];
    for (let j = 0; j < n; j++) loss += (held[j] - pred[j]) ** 2;
  }
  let rb = 0;
  for (const v of b) rb += v * v;
  let rc = 0;
  for (const v of c) rc += v * v;
  return loss + lambda * rb + pairLambda * rc;
}

describe('higher-order EASE', () => {
  const x = pairMatrix(3, 200, 20);

  it('is EASE with no iterations', async () => {
    const ease = createEase({ lambda: 20 });
    const higher = createHigherEase({ lambda: 20, pairs: 30, iterations: 0 });
    await Promise.all([ease.fit(x), higher.fit(x)]);
    const a = scores(ease, [1, 4, 9]);
    const b = scores(higher, [1, 4, 9]);
    for (let j = 0; j < 20; j++) expect(b[j]).toBeCloseTo(a[j], 5);
  });

  it('lowers the objective with every iteration and keeps its constraints', async () => {
    let previous = Infinity;
    for (const iterations of [0, 1, 2, 4]) {
      const model = createHigherEase({ lambda: 20, pairLambda: 5, pairs: 40, iterations });
      await model.fit(x);
      const f = objective(model, x, 20, 5);
      expect(f).toBeLessThan(previous + 1e-6);
      previous = f;
      const { arrays } = model.snapshot();
      const b = arrays.weights as Float32Array;
      const c = arrays.pairWeights as Float32Array;
      const pairs = arrays.pairItems as Int32Array;
      for (let i = 0; i < 20; i++) expect(b[i * 20 + i]).toBe(0);
      for (let k = 0; k < pairs.length / 2; k++) {
        expect(c[k * 20 + pairs[2 * k]]).toBe(0);
        expect(c[k * 20 + pairs[2 * k + 1]]).toBe(0);
      }
    }
  });

  it('picks the most co-occurring pairs and lets a held pair lift its target', async () => {
    const model = createHigherEase({ lambda: 20, pairLambda: 5, pairs: 60, iterations: 3 });
    await model.fit(x);
    const pairs = model.snapshot().arrays.pairItems as Int32Array;
    expect(pairs.length).toBe(120);
    const co = (i: number, j: number): number => {
      let k = 0;
      for (let u = 0; u < x.numRows; u++) {
        const row = Array.from(x.indices.subarray(x.indptr[u], x.indptr[u + 1]));
        if (row.includes(i) && row.includes(j)) k++;
      }
      return k;
    };
    const chosen = new Set<string>();
    let least = Infinity;
    for (let k = 0; k < 60; k++) {
      chosen.add(`${pairs[2 * k]},${pairs[2 * k + 1]}`);
      least = Math.min(least, co(pairs[2 * k], pairs[2 * k + 1]));
    }
    for (let i = 0; i < 20; i++) for (let j = i + 1; j < 20; j++) if (!chosen.has(`${i},${j}`)) expect(co(i, j)).toBeLessThanOrEqual(least);
    // The pair effect planted in the data: 16 and 17 together lift 5 more than the sum of each alone.
    const both = scores(model, [16, 17])[5];
    const apart = scores(model, [16])[5] + scores(model, [17])[5];
    expect(chosen.has('16,17')).toBe(true);
    expect(both).toBeGreaterThan(apart);
  });

  it('restores from its snapshot with identical scores', async () => {
    const model = createHigherEase({ lambda: 10, pairLambda: 5, pairs: 25, iterations: 2 });
    await model.fit(x);
    const copy = deserializeModel(serializeModel(model));
    expect(copy.kind).toBe('hoease');
    expect(copy.params).toMatchObject({ pairs: 25, pairLambda: 5 });
    for (const h of [[0, 3, 7], [2, 3], [19]]) expect(scores(copy, h)).toEqual(scores(model, h));
  });
});
