import { describe, expect, it } from 'vitest';
import { binarize, csrFromCoo } from '../core/csr-matrix.js';
import type { CsrMatrix } from '../core/csr-matrix.js';
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

/** Seeded users with `minSize` to `minSize + spread − 1` distinct items, skewed so some items co-occur often and some never. */
function skewedRows(seed: number, nUsers: number, nItems: number, minSize: number, spread: number): { rows: number[][]; matrix: CsrMatrix } {
  const rng = createRng(seed);
  const rows: number[][] = [];
  const u: number[] = [];
  const it: number[] = [];
  for (let user = 0; user < nUsers; user++) {
    const set = new Set<number>();
    const size = minSize + Math.floor(rng.next() * spread);
    while (set.size < size) set.add(Math.floor(nItems * rng.next() ** 2));
    rows.push([...set]);
    for (const item of set) {
      u.push(user);
      it.push(item);
    }
  }
  return { rows, matrix: binarize(csrFromCoo(nUsers, nItems, Int32Array.from(u), Int32Array.from(it), new Float32Array(u.length).fill(1))) };
}

describe('item-kNN neighbours', () => {
  it('match the dense definition on seeded random data, ties included', () => {
    for (const seed of [1, 2, 3]) {
      const nItems = 80;
      const { rows, matrix } = skewedRows(seed, 60, nItems, 1, 12);
      for (const [k, shrink] of [
        [5, 0],
        [20, 3],
      ] as const) {
        const got = itemNeighbours(matrix, k, shrink);
        const want = naiveNeighbours(rows, nItems, k, shrink);
        for (let i = 0; i < nItems; i++) {
          const idx = Array.from(got.indices.subarray(got.indptr[i], got.indptr[i + 1]));
          const val = Array.from(got.values.subarray(got.indptr[i], got.indptr[i + 1]));
          // Rows are stored in ascending item order (for binary search), the same neighbours as the definition's.
          const order = want[i].idx.map((_, r) => r).sort((a, b) => want[i].idx[a] - want[i].idx[b]);
          expect(idx).toEqual(order.map((r) => want[i].idx[r]));
          val.forEach((v, r) => expect(v).toBeCloseTo(want[i].val[order[r]], 5));
        }
      }
    }
  });

  it('with aggregate history, each history item lifts its own k neighbours (the serving default)', async () => {
    const nItems = 40;
    const { rows, matrix } = skewedRows(11, 50, nItems, 2, 10);
    const lists = naiveNeighbours(rows, nItems, 4, 2);
    const model = new ItemKnnModel({ k: 4, shrink: 2, aggregate: 'history' });
    await model.fit(matrix);
    const out = new Float32Array(nItems);
    for (const history of [rows[0], rows[5], [2, 9, 30]]) {
      model.score({ userIdx: -1, items: Int32Array.from(history), values: new Float32Array(history.length).fill(1) }, out);
      const want = new Float64Array(nItems);
      for (const i of history) lists[i].idx.forEach((j, r) => (want[j] += lists[i].val[r]));
      for (let j = 0; j < nItems; j++) expect(out[j]).toBeCloseTo(want[j], 5);
    }
    // The choice is kept in the version.
    const restored = ItemKnnModel.fromSnapshot(model.snapshot());
    const again = new Float32Array(nItems);
    restored.score({ userIdx: -1, items: Int32Array.from([2, 9, 30]), values: new Float32Array(3).fill(1) }, again);
    expect(Array.from(again)).toEqual(Array.from(out));
  });

  it('score as RecBole\'s X · W: item j sums sim(i, j) over the history items i among j\'s k neighbours', async () => {
    const nItems = 40;
    const { rows, matrix } = skewedRows(9, 50, nItems, 2, 10);
    const k = 4;
    const shrink = 2;
    // W[i][j] = sim(i, j) when i is among j's top-k (a column's neighbours), else 0.
    const lists = naiveNeighbours(rows, nItems, k, shrink);
    const w = Array.from({ length: nItems }, () => new Float64Array(nItems));
    lists.forEach((list, j) => list.idx.forEach((i, r) => (w[i][j] = list.val[r])));
    const model = new ItemKnnModel({ k, shrink, aggregate: 'candidate' });
    await model.fit(matrix);
    const out = new Float32Array(nItems);
    for (const history of [rows[0], rows[7], [3, 11, 25]]) {
      model.score({ userIdx: -1, items: Int32Array.from(history), values: new Float32Array(history.length).fill(1) }, out);
      for (let j = 0; j < nItems; j++) {
        let want = 0;
        for (const i of history) want += w[i][j];
        expect(out[j]).toBeCloseTo(want, 5);
      }
    }
    // An item that is not among j's neighbours adds nothing to j, even when j is among its own (which
    // similar items still list): a one-item history scores W's row, similar items are the item's own list.
    let asymmetric = 0;
    const single = new Float32Array(nItems);
    for (let a = 0; a < nItems; a++) {
      model.score({ userIdx: -1, items: Int32Array.of(a), values: Float32Array.of(1) }, single);
      model.similarItems(a, out);
      for (let j = 0; j < nItems; j++) {
        expect(single[j]).toBeCloseTo(w[a][j], 5);
        expect(out[j]).toBeCloseTo(w[j][a], 5);
        if (w[a][j] === 0 && w[j][a] !== 0) asymmetric++;
      }
    }
    expect(asymmetric).toBeGreaterThan(0);
    // A restored version scores the same (W is rebuilt from the stored lists).
    const copy = ItemKnnModel.fromSnapshot(model.snapshot());
    const again = new Float32Array(nItems);
    copy.score({ userIdx: -1, items: Int32Array.from(rows[7]), values: new Float32Array(rows[7].length).fill(1) }, again);
    model.score({ userIdx: -1, items: Int32Array.from(rows[7]), values: new Float32Array(rows[7].length).fill(1) }, out);
    expect(Array.from(again)).toEqual(Array.from(out));
  });

  it('answers pairwise similarity from the neighbour lists', async () => {
    const matrix = binarize(csrFromCoo(3, 4, Int32Array.from([0, 0, 1, 1, 2]), Int32Array.from([0, 1, 0, 1, 2]), new Float32Array(5).fill(1)));
    const model = new ItemKnnModel({ k: 10, shrink: 0, aggregate: 'candidate' });
    await model.fit(matrix);
    const dense = new Float32Array(4);
    model.similarItems(0, dense);
    expect(model.itemSimilarity(0, 1)).toBeCloseTo(dense[1], 6);
    expect(model.itemSimilarity(1, 0)).toBeCloseTo(dense[1], 6);
    expect(model.itemSimilarity(0, 2)).toBe(0);
    expect(model.itemSimilarity(0, 99)).toBe(0);
  });

  it('finds every pair by binary search, and by a scan in a version stored with rows in score order', async () => {
    const rng = createRng(5);
    const u: number[] = [];
    const it: number[] = [];
    for (let user = 0; user < 80; user++) for (let t = 0; t < 10; t++) {
      u.push(user);
      it.push(Math.floor(50 * rng.next() ** 2));
    }
    const matrix = binarize(csrFromCoo(80, 50, Int32Array.from(u), Int32Array.from(it), new Float32Array(u.length).fill(1)));
    const model = new ItemKnnModel({ k: 8, shrink: 0, aggregate: 'candidate' });
    await model.fit(matrix);
    const snap = model.snapshot();
    // The same lists with each row reversed: not ascending, as versions fitted before sorting stored them.
    const indptr = snap.arrays.indptr as Int32Array;
    const indices = (snap.arrays.indices as Int32Array).slice();
    const values = (snap.arrays.values as Float32Array).slice();
    for (let i = 0; i < 50; i++) {
      indices.subarray(indptr[i], indptr[i + 1]).reverse();
      values.subarray(indptr[i], indptr[i + 1]).reverse();
    }
    const old = ItemKnnModel.fromSnapshot({ ...snap, arrays: { ...snap.arrays, indices, values } });
    const row = new Float32Array(50);
    for (let a = 0; a < 50; a++) {
      model.similarItems(a, row);
      for (let b = 0; b < 50; b++) {
        const want = row[b] !== 0 ? row[b] : model.itemSimilarity(b, a);
        expect(model.itemSimilarity(a, b)).toBe(want);
        expect(old.itemSimilarity(a, b)).toBe(want);
      }
    }
  });
});
