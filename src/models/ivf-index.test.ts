import { describe, expect, it } from 'vitest';
import { createRng, topK } from '../linalg/index.js';
import { buildIvfIndex, ivfArrays, ivfFromArrays, listsToScan, searchIvf } from './ivf-index.js';

/** Unit vectors around `topics` random centres (text-embedding-like structure), seeded. */
function clustered(n: number, dim: number, topics: number, seed: number): Float32Array {
  const rng = createRng(seed);
  const centres = Float32Array.from({ length: topics * dim }, () => rng.normal());
  const out = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) {
    const t = rng.int(topics);
    let s = 0;
    for (let d = 0; d < dim; d++) {
      const v = centres[t * dim + d] + 0.9 * rng.normal();
      out[i * dim + d] = v;
      s += v * v;
    }
    for (let d = 0; d < dim; d++) out[i * dim + d] /= Math.sqrt(s);
  }
  return out;
}

function exactTop(vectors: Float32Array, n: number, dim: number, q: Float32Array, k: number, exclude?: Uint8Array): Int32Array {
  const scores = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let d = 0; d < dim; d++) s += q[d] * vectors[i * dim + d];
    scores[i] = s;
  }
  return topK(scores, k, exclude).indices;
}

describe('IVF index', () => {
  it('finds at least 95% of the exact top 100 on clustered vectors while scanning a fraction of them', () => {
    const n = 20_000;
    const dim = 32;
    const vectors = clustered(n, dim, 50, 3);
    const index = buildIvfIndex(vectors, n, dim, { seed: 1 });
    expect(index.lists).toBe(141);
    const rng = createRng(9);
    let hits = 0;
    const queries = 30;
    for (let q = 0; q < queries; q++) {
      // A user's interest: the mean of a few items.
      const u = new Float32Array(dim);
      for (let t = 0; t < 5; t++) {
        const i = rng.int(n);
        for (let d = 0; d < dim; d++) u[d] += vectors[i * dim + d];
      }
      const want = new Set(exactTop(vectors, n, dim, u, 100));
      const got = searchIvf(index, u, 100);
      expect(got.indices.length).toBe(100);
      for (const i of got.indices) if (want.has(i)) hits++;
      // Scores are the exact inner products, best first.
      for (let r = 1; r < got.scores.length; r++) expect(got.scores[r]).toBeLessThanOrEqual(got.scores[r - 1]);
      const i0 = got.indices[0];
      let s = 0;
      for (let d = 0; d < dim; d++) s += u[d] * vectors[i0 * dim + d];
      expect(got.scores[0]).toBeCloseTo(s, 4);
    }
    expect(hits / (100 * queries)).toBeGreaterThanOrEqual(0.95);
  });

  it('files every item exactly once, leaves out masked items and scans every list when asked to', () => {
    const n = 3_000;
    const dim = 16;
    const vectors = clustered(n, dim, 10, 4);
    const index = buildIvfIndex(vectors, n, dim, { seed: 2 });
    expect(Array.from(index.items).sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
    expect(index.offsets[index.lists]).toBe(n);
    const q = vectors.slice(0, dim);
    const exclude = new Uint8Array(n);
    const exact = exactTop(vectors, n, dim, q, 10);
    exclude[exact[0]] = 1;
    exclude[exact[1]] = 1;
    // Probing every list is exact search.
    const all = searchIvf(index, q, 10, { probes: index.lists, exclude });
    expect(Array.from(all.indices)).toEqual(Array.from(exactTop(vectors, n, dim, q, 10, exclude)));
  });

  it('is deterministic for a seed and survives the snapshot arrays', () => {
    const n = 2_000;
    const dim = 8;
    const vectors = clustered(n, dim, 6, 5);
    const a = buildIvfIndex(vectors, n, dim, { seed: 7 });
    const b = buildIvfIndex(vectors, n, dim, { seed: 7 });
    expect(Array.from(a.items)).toEqual(Array.from(b.items));
    const restored = ivfFromArrays(ivfArrays(a, 'ivf'), 'ivf', dim);
    expect(restored).toBeDefined();
    const q = vectors.slice(dim, 2 * dim);
    expect(Array.from(searchIvf(restored!, q, 20).indices)).toEqual(Array.from(searchIvf(a, q, 20).indices));
    expect(ivfFromArrays({}, 'ivf', dim)).toBeUndefined();
  });
});

describe('listsToScan', () => {
  it('takes the first probes lists, then more until minScanned items are covered', () => {
    const offsets = [0, 5, 6, 16, 20]; // lists of 5, 1, 10 and 4 items
    expect(listsToScan([2, 0, 1, 3], offsets, 1, 0)).toEqual({ probed: 1, scanned: 10 });
    expect(listsToScan([1, 0, 2, 3], offsets, 1, 12)).toEqual({ probed: 3, scanned: 16 });
    expect(listsToScan([1, 0, 2, 3], offsets, 2, 100)).toEqual({ probed: 4, scanned: 20 });
  });
});
