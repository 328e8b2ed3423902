// EASE's item cap: what the fit report says, the co-occurrence fallback for the left-out items, and
// that the kept items (and everything under the cap) score exactly as plain EASE.
import { describe, expect, it } from 'vitest';
import { binarize, csrFromCoo } from '../core/csr-matrix.js';
import type { CsrMatrix } from '../core/csr-matrix.js';
import { createRng } from '../linalg/index.js';
import { createEase, EaseModel } from './ease.js';
import { easeTailNeighbours } from './ease-tail.js';
import { createHybrid } from './hybrid.js';
import { deserializeModel, serializeModel } from './registry.js';
import type { Recommender } from './recommender.js';

/**
 * 300 users. Items 0..19 are popular (item 0 held by users 0..149, the others ≈ 95 users each);
 * items 20..39 are rare (10 users each). Rare item 20 is held only by holders of item 0, item 21 by
 * five holders and five non-holders, item 22 by none.
 */
function capped(): CsrMatrix {
  const rng = createRng(7);
  const rows: number[] = [];
  const cols: number[] = [];
  const add = (u: number, i: number): void => {
    rows.push(u);
    cols.push(i);
  };
  for (let u = 0; u < 300; u++) {
    if (u < 150) add(u, 0);
    const picked = new Set<number>();
    while (picked.size < 6) picked.add(1 + rng.int(19));
    for (const i of picked) add(u, i);
  }
  for (let u = 0; u < 10; u++) add(u, 20);
  for (let u = 145; u < 155; u++) add(u, 21);
  for (let u = 200; u < 210; u++) add(u, 22);
  for (let i = 23; i < 40; i++) for (let t = 0; t < 10; t++) add(rng.int(300), i);
  return csrFromCoo(300, 40, rows, cols, null, 'max');
}

function scores(model: Recommender, items: number[]): Float32Array {
  const out = new Float32Array(model.numItems);
  model.score({ userIdx: -1, items: Int32Array.from(items).sort(), values: new Float32Array(items.length).fill(1) }, out);
  return out;
}

describe('EASE item cap', () => {
  const train = capped();

  it('reports how many items B kept and how many the cap left out', async () => {
    const model = createEase({ lambda: 50, maxItems: 20 });
    const report = await model.fit(train);
    expect(report.itemCap).toEqual({ maxItems: 20, kept: 20, leftOut: 20 });
    expect(model.itemCap).toEqual(report.itemCap);
    const under = await createEase({ lambda: 50 }).fit(train);
    expect(under.itemCap).toEqual({ maxItems: 6000, kept: 40, leftOut: 0 });
  });

  it('scores left-out items that co-occur with the history, most co-occurring first; others stay 0', async () => {
    const model = createEase({ lambda: 50, maxItems: 20 });
    await model.fit(train);
    const s = scores(model, [0]);
    expect(s[20]).toBeGreaterThan(s[21]);
    expect(s[21]).toBeGreaterThan(0);
    expect(s[22]).toBe(0);
    // On B's scale: a rare item the history points at scores below the popular items it points at most.
    expect(s[20]).toBeLessThan(Math.max(...s.subarray(0, 20)));
    expect(model.fallbackScale).toBeGreaterThan(0);
    expect(model.fallbackScale).toBeLessThanOrEqual(1);
    // A history is the sum of its items' rows, fallback included (recency weighting relies on it).
    const a = scores(model, [0]);
    const b = scores(model, [5]);
    const both = scores(model, [0, 5]);
    for (let j = 20; j < 40; j++) expect(both[j]).toBeCloseTo(a[j] + b[j], 6);
  });

  it('scores the kept items exactly as without the fallback', async () => {
    const withTail = createEase({ lambda: 50, maxItems: 20 });
    const without = createEase({ lambda: 50, maxItems: 20, tailNeighbours: 0 });
    await withTail.fit(train);
    await without.fit(train);
    for (const history of [[0], [0, 5, 21], [3, 7, 11, 20, 30], [25]]) {
      const s = scores(withTail, history);
      const t = scores(without, history);
      expect(Array.from(s.subarray(0, 20))).toEqual(Array.from(t.subarray(0, 20)));
      expect(Array.from(t.subarray(20))).toEqual(new Array(20).fill(0));
    }
  });

  it('is plain EASE when the catalogue fits under the cap', async () => {
    const a = createEase({ lambda: 50 });
    const b = createEase({ lambda: 50, tailNeighbours: 0 });
    await a.fit(train);
    await b.fit(train);
    expect(a.snapshot().arrays.tailIndices).toHaveLength(0);
    for (let u = 0; u < 300; u += 37) {
      const items = Array.from(train.indices.subarray(train.indptr[u], train.indptr[u + 1]));
      expect(Array.from(scores(a, items))).toEqual(Array.from(scores(b, items)));
    }
  });

  it('restores the fallback from its snapshot; a snapshot without one scores left-out items 0', async () => {
    const model = createEase({ lambda: 50, maxItems: 20 });
    await model.fit(train);
    const copy = deserializeModel(serializeModel(model)) as EaseModel;
    expect(Array.from(scores(copy, [0, 9]))).toEqual(Array.from(scores(model, [0, 9])));
    expect(copy.itemCap).toEqual(model.itemCap);
    const sim = new Float32Array(40);
    copy.similarItems(0, sim);
    expect(sim[20]).toBeGreaterThan(0);
    const older = Object.fromEntries(Object.entries(model.snapshot().arrays).filter(([name]) => !name.startsWith('tail')));
    const old = EaseModel.fromSnapshot({ ...model.snapshot(), arrays: older });
    const s = scores(old, [0]);
    expect(Array.from(s.subarray(20))).toEqual(new Array(20).fill(0));
    expect(Array.from(s.subarray(0, 20))).toEqual(Array.from(scores(model, [0]).subarray(0, 20)));
  });

  it('the hybrid reports its backbone\'s cap and keeps the fallback through its snapshot', async () => {
    const rng = createRng(3);
    const dim = 8;
    const vectors = Float32Array.from({ length: 40 * dim }, () => rng.normal());
    const model = createHybrid({ easeMaxItems: 20, easeLambda: 50, factors: 4, epochs: 2 });
    const report = await model.fit(train, { itemEmbeddings: { vectors, dim } });
    expect(report.itemCap).toEqual({ maxItems: 20, kept: 20, leftOut: 20 });
    const copy = deserializeModel(serializeModel(model));
    expect(Array.from(scores(copy, [0, 4]))).toEqual(Array.from(scores(model, [0, 4])));
  });
});

describe('easeTailNeighbours', () => {
  it('matches the dense definition: top-k left-out co-occurrences per item, weight co / (count + λ)', () => {
    const rng = createRng(19);
    const rows: number[] = [];
    const cols: number[] = [];
    for (let e = 0; e < 600; e++) {
      rows.push(rng.int(80));
      cols.push(rng.int(30));
    }
    const m = binarize(csrFromCoo(80, 30, rows, cols, null, 'max'));
    const leftOut = Uint8Array.from({ length: 30 }, (_, i) => (i % 3 === 0 ? 1 : 0));
    const k = 4;
    const lambda = 7;
    const tail = easeTailNeighbours(m, leftOut, k, lambda);
    const co = new Float64Array(30 * 30);
    const count = new Float64Array(30);
    for (let u = 0; u < 80; u++) {
      const items = m.indices.subarray(m.indptr[u], m.indptr[u + 1]);
      for (const a of items) {
        count[a]++;
        for (const b of items) co[a * 30 + b]++;
      }
    }
    for (let h = 0; h < 30; h++) {
      const expected = Array.from({ length: 30 }, (_, j) => j)
        .filter((j) => j !== h && leftOut[j] === 1 && co[h * 30 + j] > 0)
        .sort((a, b) => co[h * 30 + b] - co[h * 30 + a] || a - b)
        .slice(0, k);
      const got = Array.from(tail.indices.subarray(tail.indptr[h], tail.indptr[h + 1]));
      expect(got, `item ${h}`).toEqual(expected);
      for (let p = tail.indptr[h]; p < tail.indptr[h + 1]; p++) {
        expect(tail.values[p]).toBeCloseTo(co[h * 30 + tail.indices[p]] / (count[h] + lambda), 6);
      }
    }
  });
});
