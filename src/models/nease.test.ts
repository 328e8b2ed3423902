// The degree-normalised EASE against its closed form computed naively: B = (I − P·diag(1/diag(P)))·diag(c^−δ),
// P = (XᵀWX + λI + p/(1 − p)·diag(XᵀWX))⁻¹ with W = diag(|u|^−β) rescaled to keep the trace; zero
// exponents are EDLAE; the kind and the exponents survive a snapshot.
import { describe, expect, it } from 'vitest';
import { csrFromCoo } from '../core/csr-matrix.js';
import type { CsrMatrix } from '../core/csr-matrix.js';
import { createRng, naiveInverse } from '../linalg/index.js';
import { createEdlae } from './edlae.js';
import { createNease } from './nease.js';
import { createModel, deserializeModel, serializeModel } from './registry.js';
import type { Recommender } from './recommender.js';

function randomMatrix(seed: number, users: number, items: number): CsrMatrix {
  const rng = createRng(seed);
  const rows: number[] = [];
  const cols: number[] = [];
  for (let u = 0; u < users; u++) {
    // Users of very different activity, so the user weights matter.
    const density = 0.1 + 0.6 * (u % 5) / 4;
    for (let i = 0; i < items; i++) {
      if (rng.next() < density * (0.2 + 0.8 * (i / items) ** 2)) {
        rows.push(u);
        cols.push(i);
      }
    }
  }
  return csrFromCoo(users, items, rows, cols, null, 'max');
}

function naiveNease(x: CsrMatrix, lambda: number, p: number, beta: number, delta: number): Float64Array {
  const n = x.numCols;
  const weight = new Float64Array(x.numRows);
  let nnz = 0;
  let weighted = 0;
  for (let u = 0; u < x.numRows; u++) {
    const len = x.indptr[u + 1] - x.indptr[u];
    nnz += len;
    if (len > 0) weight[u] = len ** -beta;
    weighted += weight[u] * len;
  }
  const g = new Float64Array(n * n);
  const counts = new Float64Array(n);
  for (let u = 0; u < x.numRows; u++) {
    const w = (weight[u] * nnz) / weighted;
    for (let a = x.indptr[u]; a < x.indptr[u + 1]; a++) {
      counts[x.indices[a]] += 1;
      for (let b = x.indptr[u]; b < x.indptr[u + 1]; b++) g[x.indices[a] * n + x.indices[b]] += w;
    }
  }
  for (let i = 0; i < n; i++) g[i * n + i] += lambda + (p / (1 - p)) * g[i * n + i];
  const inv = naiveInverse(g, n);
  const mean = counts.reduce((s, c) => s + c, 0) / n;
  const b = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) b[i * n + j] = i === j ? 0 : (-inv[i * n + j] / inv[j * n + j]) * (counts[j] / mean) ** -delta;
  }
  return b;
}

function scores(model: Recommender, items: number[]): Float32Array {
  const out = new Float32Array(model.numItems);
  model.score({ userIdx: -1, items: Int32Array.from(items), values: new Float32Array(items.length).fill(1) }, out);
  return out;
}

describe('degree-normalised EASE', () => {
  const x = randomMatrix(13, 90, 24);

  it('scores a history as X·B of its closed form', async () => {
    for (const [lambda, dropout, userNorm, popularity] of [
      [5, 0, 0.5, 0],
      [20, 0.25, 0, 0.3],
      [10, 0.5, 1, 0.2],
    ] as const) {
      const model = createNease({ lambda, dropout, userNorm, popularity });
      await model.fit(x);
      const b = naiveNease(x, lambda, dropout, userNorm, popularity);
      const history = [1, 4, 9, 17, 23];
      const got = scores(model, history);
      for (let j = 0; j < 24; j++) {
        let want = 0;
        for (const i of history) want += b[i * 24 + j];
        expect(got[j]).toBeCloseTo(want, 4);
      }
    }
  });

  it('is EDLAE with both exponents at 0, and differs from it otherwise', async () => {
    const edlae = createEdlae({ lambda: 30, dropout: 0.2 });
    const plain = createNease({ lambda: 30, dropout: 0.2, userNorm: 0, popularity: 0 });
    const users = createNease({ lambda: 30, dropout: 0.2, userNorm: 0.5, popularity: 0 });
    const items = createNease({ lambda: 30, dropout: 0.2, userNorm: 0, popularity: 0.2 });
    await Promise.all([edlae.fit(x), plain.fit(x), users.fit(x), items.fit(x)]);
    expect(scores(plain, [2, 5, 8])).toEqual(scores(edlae, [2, 5, 8]));
    expect(scores(users, [2, 5, 8])).not.toEqual(scores(edlae, [2, 5, 8]));
    expect(scores(items, [2, 5, 8])).not.toEqual(scores(edlae, [2, 5, 8]));
  });

  it('keeps its kind and exponents through a snapshot, and its top-k matches its scores', async () => {
    const model = createModel('nease', { lambda: 10, dropout: 0.1, userNorm: 0.25, popularity: 0.1 });
    await model.fit(x);
    const copy = deserializeModel(serializeModel(model));
    expect(copy.kind).toBe('nease');
    expect(copy.params).toMatchObject({ dropout: 0.1, userNorm: 0.25, popularity: 0.1 });
    expect(scores(copy, [0, 3, 7])).toEqual(scores(model, [0, 3, 7]));
    const query = { userIdx: -1, items: Int32Array.of(0, 3, 7), values: new Float32Array(3).fill(1) };
    const top = copy.retrieve?.(query, 5);
    if (!top) throw new Error('nease retrieves its top-k');
    const dense = scores(copy, [0, 3, 7]);
    expect(Array.from(top.scores)).toEqual(Array.from(top.indices).map((i) => dense[i]));
  });

  it('refuses negative exponents', () => {
    expect(() => createModel('nease', { userNorm: -0.5 })).toThrow(/userNorm/);
    expect(() => createModel('nease', { popularity: -1 })).toThrow(/popularity/);
  });
});
