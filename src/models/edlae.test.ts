// EDLAE against its closed form computed naively: B = I − P·diag(1/diag(P)), P = (XᵀX + Λ)⁻¹,
// Λ = λI + p/(1 − p)·diag(XᵀX); p = 0 is EASE; the kind and dropout survive a snapshot.
import { describe, expect, it } from 'vitest';
import { csrFromCoo } from '../core/csr-matrix.js';
import type { CsrMatrix } from '../core/csr-matrix.js';
import { createRng, naiveInverse } from '../linalg/index.js';
import { createEase } from './ease.js';
import { createEdlae } from './edlae.js';
import { deserializeModel, serializeModel } from './registry.js';
import type { Recommender } from './recommender.js';

function randomMatrix(seed: number, users: number, items: number): CsrMatrix {
  const rng = createRng(seed);
  const rows: number[] = [];
  const cols: number[] = [];
  for (let u = 0; u < users; u++) {
    for (let i = 0; i < items; i++) {
      if (rng.next() < 0.15 + 0.5 * (i / items) ** 2) {
        rows.push(u);
        cols.push(i);
      }
    }
  }
  return csrFromCoo(users, items, rows, cols, null, 'max');
}

function naiveEdlae(x: CsrMatrix, lambda: number, p: number): Float64Array {
  const n = x.numCols;
  const g = new Float64Array(n * n);
  for (let u = 0; u < x.numRows; u++) {
    for (let a = x.indptr[u]; a < x.indptr[u + 1]; a++) for (let b = x.indptr[u]; b < x.indptr[u + 1]; b++) g[x.indices[a] * n + x.indices[b]] += 1;
  }
  for (let i = 0; i < n; i++) g[i * n + i] += lambda + (p / (1 - p)) * g[i * n + i];
  const inv = naiveInverse(g, n);
  const b = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) b[i * n + j] = i === j ? 0 : -inv[i * n + j] / inv[j * n + j];
  return b;
}

function scores(model: Recommender, items: number[]): Float32Array {
  const out = new Float32Array(model.numItems);
  model.score({ userIdx: -1, items: Int32Array.from(items), values: new Float32Array(items.length).fill(1) }, out);
  return out;
}

describe('EDLAE', () => {
  const x = randomMatrix(11, 80, 24);

  it('scores a history as X·B of its closed form', async () => {
    for (const [lambda, dropout] of [
      [5, 0.25],
      [20, 0.5],
    ] as const) {
      const model = createEdlae({ lambda, dropout });
      await model.fit(x);
      const b = naiveEdlae(x, lambda, dropout);
      const history = [1, 4, 9, 17, 23];
      const got = scores(model, history);
      for (let j = 0; j < 24; j++) {
        let want = 0;
        for (const i of history) want += b[i * 24 + j];
        expect(got[j]).toBeCloseTo(want, 4);
      }
    }
  });

  it('is EASE at dropout 0, and differs from it otherwise', async () => {
    const ease = createEase({ lambda: 30 });
    const plain = createEdlae({ lambda: 30, dropout: 0 });
    const emphasised = createEdlae({ lambda: 30, dropout: 0.3 });
    await Promise.all([ease.fit(x), plain.fit(x), emphasised.fit(x)]);
    expect(scores(plain, [2, 5, 8])).toEqual(scores(ease, [2, 5, 8]));
    expect(scores(emphasised, [2, 5, 8])).not.toEqual(scores(ease, [2, 5, 8]));
  });

  it('keeps its kind and dropout through a snapshot', async () => {
    const model = createEdlae({ lambda: 10, dropout: 0.2 });
    await model.fit(x);
    const copy = deserializeModel(serializeModel(model));
    expect(copy.kind).toBe('edlae');
    expect(copy.params.dropout).toBe(0.2);
    expect(scores(copy, [0, 3, 7])).toEqual(scores(model, [0, 3, 7]));
  });
});
