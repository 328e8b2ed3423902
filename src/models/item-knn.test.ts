import { describe, expect, it } from 'vitest';
import { binarize, csrFromCoo } from '../core/csr-matrix.js';
import { createRng } from '../linalg/index.js';
import { ItemKnnModel, itemNeighbours } from './item-knn.js';

/** The definition, over dense co-occurrence counts: every item's top-k by cosine with shrinkage, ties by lower index. */
function naiveNeighbours(rows: number[][], nItems: number, k: number, shrink: number): { idx: number[]; val: number[] }[] {
  const co = Array.from({ length: nItems }, () => new Float64Array(nItems));
  const count = new Float64Array(nItems);
  for (const items of rows) {
    for (const a of items) {
      count[a]++;
      for (const b of items) if (a !== b) co[a][b]++;
    }
  }
  return co.map((row, i) => {
    const cands: [number, number][] = [];
    for (let j = 0; j < nItems; j++) if (j !== i && row[j] > 0) cands.push([j, row[j] / (Math.sqrt(count[i]) * Math.sqrt(count[j]) + shrink + 1e-6)]);
    cands.sort((x, y) => y[1] - x[1] || x[0] - y[0]);
    const top = cands.slice(0, k);
    return { idx: top.map((c) => c[0]), val: top.map((c) => c[1]) };
  });
}

describe('item-kNN neighbours', () => {
  it('match the dense definition on seeded random data, ties included', () => {
    for (const seed of [1, 2, 3]) {
      const rng = createRng(seed);
      const nUsers = 60;
      const nItems = 80;
      const rows: number[][] = [];
      const u: number[] = [];
      const it: number[] = [];
      for (let user = 0; user < nUsers; user++) {
        const set = new Set<number>();
        const size = 1 + Math.floor(rng.next() * 12);
        // Skewed item choice, so some items co-occur often and some never.
        while (set.size < size) set.add(Math.floor(nItems * rng.next() ** 2));
        rows.push([...set]);
        for (const item of set) {
          u.push(user);
          it.push(item);
        }
      }
      const matrix = binarize(csrFromCoo(nUsers, nItems, Int32Array.from(u), Int32Array.from(it), new Float32Array(u.length).fill(1)));
      for (const [k, shrink] of [
        [5, 0],
        [20, 3],
      ] as const) {
        const got = itemNeighbours(matrix, k, shrink);
        const want = naiveNeighbours(rows, nItems, k, shrink);
        for (let i = 0; i < nItems; i++) {
          const idx = Array.from(got.indices.subarray(got.indptr[i], got.indptr[i + 1]));
          const val = Array.from(got.values.subarray(got.indptr[i], got.indptr[i + 1]));
          expect(idx).toEqual(want[i].idx);
          val.forEach((v, r) => expect(v).toBeCloseTo(want[i].val[r], 5));
        }
      }
    }
  });

  it('answers pairwise similarity from the neighbour lists', async () => {
    const matrix = binarize(csrFromCoo(3, 4, Int32Array.from([0, 0, 1, 1, 2]), Int32Array.from([0, 1, 0, 1, 2]), new Float32Array(5).fill(1)));
    const model = new ItemKnnModel({ k: 10, shrink: 0 });
    await model.fit(matrix);
    const dense = new Float32Array(4);
    model.similarItems(0, dense);
    expect(model.itemSimilarity(0, 1)).toBeCloseTo(dense[1], 6);
    expect(model.itemSimilarity(1, 0)).toBeCloseTo(dense[1], 6);
    expect(model.itemSimilarity(0, 2)).toBe(0);
    expect(model.itemSimilarity(0, 99)).toBe(0);
  });
});
