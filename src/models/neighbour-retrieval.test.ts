/**
 * The models whose scores come from a few rows (item-kNN, EASE with its co-occurrence tail) answer
 * `retrieve` without a pass over the catalogue; the answer must be exactly the dense top-k of
 * `score` (same items, order, ties and float32 scores), masks and short histories included.
 */
import { describe, expect, it } from 'vitest';
import { binarize, csrFromCoo } from '../core/csr-matrix.js';
import type { CsrMatrix } from '../core/csr-matrix.js';
import { createRng, topK } from '../linalg/index.js';
import { createEase } from './ease.js';
import { ItemKnnModel } from './item-knn.js';
import type { Recommender, UserQuery } from './recommender.js';

function seededMatrix(seed: number, users: number, items: number): CsrMatrix {
  const rng = createRng(seed);
  const u: number[] = [];
  const it: number[] = [];
  for (let user = 0; user < users; user++) {
    const set = new Set<number>();
    const size = 1 + rng.int(15);
    while (set.size < size) set.add(Math.floor(items * rng.next() ** 2));
    for (const item of set) {
      u.push(user);
      it.push(item);
    }
  }
  return binarize(csrFromCoo(users, items, Int32Array.from(u), Int32Array.from(it), new Float32Array(u.length).fill(1)));
}

function expectExact(model: Recommender, train: CsrMatrix, seed: number): void {
  const rng = createRng(seed);
  const n = model.numItems;
  const dense = new Float32Array(n);
  for (let q = 0; q < 60; q++) {
    const u = rng.int(train.numRows);
    // Training rows, some cut to one item, and a history of items never trained on.
    let items = train.indices.slice(train.indptr[u], train.indptr[u + 1]);
    if (q % 5 === 0) items = items.slice(0, 1);
    if (q % 7 === 0) items = Int32Array.of(n - 1, n - 2);
    const query: UserQuery = { userIdx: -1, items, values: new Float32Array(items.length).fill(1) };
    const mask = new Uint8Array(n);
    for (const i of items) mask[i] = 1;
    for (let e = 0; e < rng.int(20); e++) mask[rng.int(n)] = 1;
    for (const k of [10, 1 + rng.int(n)]) {
      model.score(query, dense);
      const want = topK(dense, k, mask);
      const got = model.retrieve!(query, k, mask)!;
      expect(Array.from(got.indices)).toEqual(Array.from(want.indices));
      expect(Array.from(got.scores)).toEqual(Array.from(want.scores));
    }
  }
}

describe('retrieval from neighbour rows equals the dense top-k', () => {
  it('item-kNN, both ways of summing', async () => {
    const train = seededMatrix(5, 120, 300);
    for (const aggregate of ['candidate', 'history'] as const) {
      const model = new ItemKnnModel({ k: 20, shrink: 5, aggregate });
      await model.fit(train);
      expect((model as { indexed?: boolean }).indexed).toBe(true);
      expectExact(model, train, 9);
    }
  });

  it('EASE, under and over its item cap (kept items plus the co-occurrence tail)', async () => {
    const train = seededMatrix(6, 150, 200);
    for (const maxItems of [6000, 40]) {
      const model = createEase({ lambda: 20, maxItems });
      await model.fit(train);
      expectExact(model, train, 10);
    }
  });
});
