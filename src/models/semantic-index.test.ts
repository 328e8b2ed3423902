/**
 * The semantic model's retrieval index against exact scoring, on the real USE-lite vectors of the
 * demo catalogue (shipped in data/demo as an embedding pack): recall@100 of the exact top 100, for
 * the index built now (format 2, int8 codes) and for one stored before the codes (format 1).
 */
import { describe, expect, it } from 'vitest';
import { csrFromCoo } from '../core/csr-matrix.js';
import { createRng, gemm, topK } from '../linalg/index.js';
import { buildIvfIndex, ivfArrays } from './ivf-index.js';
import { principalSubspace } from './principal-subspace.js';
import { createSemantic, INDEX_FORMAT, INDEX_RANK, SemanticModel } from './semantic.js';
import { buildSemanticIndex, searchSemanticIndex } from './semantic-index.js';
import { decodeSnapshot, encodeSnapshot } from './snapshot.js';
import { packVectors } from './test-support.js';
import type { ModelSnapshot } from './snapshot.js';

/** Recall@100 of `restored.retrieve` against `model`'s exact scores, for 40 seeded users of 5–40 random items; checks the scores and the mask too. */
function recallOnDemo(model: SemanticModel, restored: SemanticModel, rows: number): number {
  const rng = createRng(11);
  let found = 0;
  let total = 0;
  const exact = new Float32Array(rows);
  for (let u = 0; u < 40; u++) {
    // A user with 5–40 liked items drawn at random.
    const size = 5 + rng.int(36);
    const items = Int32Array.from(new Set(Array.from({ length: size }, () => rng.int(rows)))).sort();
    const query = { userIdx: -1, items, values: new Float32Array(items.length).fill(1) };
    const mask = new Uint8Array(rows);
    for (const i of items) mask[i] = 1;
    model.score(query, exact);
    const want = new Set(topK(exact, 100, mask).indices);
    const got = restored.retrieve(query, 100, mask);
    for (const i of got.indices) if (want.has(i)) found++;
    total += want.size;
    // Scores returned are the exact ones.
    got.indices.forEach((i, r) => expect(got.scores[r]).toBeCloseTo(exact[i], 5));
    for (const i of got.indices) expect(mask[i]).toBe(0);
  }
  return found / total;
}

/**
 * A snapshot as versions stored before the int8 codes held it (format 1, no `indexFormat`): the
 * vectors' 64 principal directions, and the items in them either as IVF lists or as one array.
 */
function format1Snapshot(model: SemanticModel, ivf: boolean): ModelSnapshot {
  const { vectors, dim } = model.itemVectors;
  const n = model.numItems;
  const q = principalSubspace(vectors, n, dim, INDEX_RANK);
  const reduced64 = new Float64Array(n * INDEX_RANK);
  gemm(vectors, q, reduced64, n, dim, INDEX_RANK);
  const reduced = Float32Array.from(reduced64);
  const arrays: ModelSnapshot['arrays'] = { vectors, indexBasis: Float32Array.from(q) };
  if (ivf) Object.assign(arrays, ivfArrays(buildIvfIndex(reduced, n, INDEX_RANK, { seed: 1 }), 'ivf'));
  else arrays.indexItems = reduced;
  return { kind: 'semantic', params: model.params, meta: { dim, indexRank: INDEX_RANK }, arrays };
}

describe('semantic retrieval index', () => {
  it.each([
    { pass: 'a first pass over every item', ivfMinItems: undefined },
    { pass: 'IVF lists', ivfMinItems: 5_000 },
  ])('finds at least 95% of the exact top 100 on the demo catalogue with $pass, and survives a snapshot', async ({ ivfMinItems }) => {
    const { vectors, dim, rows } = packVectors();
    const model = createSemantic({}, { ivfMinItems });
    // The matrix only fixes the number of items; the model reads their text vectors.
    await model.fit(csrFromCoo(1, rows, [0], [0], [1]), { itemEmbeddings: { vectors, dim } });
    expect(model.indexed).toBe(true);
    const stored = model.snapshot();
    expect(stored.meta.indexFormat).toBe(INDEX_FORMAT);
    // Through the bytes storage keeps, so the int8 codes survive as their byte views.
    const restored = SemanticModel.fromSnapshot(decodeSnapshot(encodeSnapshot(stored)));
    expect(restored.indexed).toBe(true);
    expect('ivfItems' in stored.arrays).toBe(ivfMinItems !== undefined);
    expect(recallOnDemo(model, restored, rows)).toBeGreaterThanOrEqual(0.95);
  }, 60_000);

  it.each([{ ivf: false }, { ivf: true }])('serves a version stored before the int8 codes (format 1, IVF lists: $ivf) as it was', async ({ ivf }) => {
    const { vectors, dim, rows } = packVectors();
    // A model without an index of its own: only its vectors and exact scores are used.
    const model = createSemantic({}, { ivfMinItems: ivf ? 5_000 : undefined });
    await model.fit(csrFromCoo(1, rows, [0], [0], [1]), { itemEmbeddings: { vectors, dim } });
    const old = format1Snapshot(model, ivf);
    const restored = SemanticModel.fromSnapshot(decodeSnapshot(encodeSnapshot(old)));
    expect(restored.indexed).toBe(true);
    expect(recallOnDemo(model, restored, rows)).toBeGreaterThanOrEqual(0.95);
    // Stored again, it keeps its format.
    const again = restored.snapshot();
    expect(again.meta.indexFormat).toBeUndefined();
    expect(ivf ? 'ivfVectors' in again.arrays : 'indexItems' in again.arrays).toBe(true);
  }, 60_000);

  it('scores small catalogues exactly', async () => {
    const rng = createRng(2);
    const dim = 16;
    const rows = 300;
    const vectors = Float32Array.from({ length: rows * dim }, () => rng.next() - 0.5);
    const model = createSemantic();
    await model.fit(csrFromCoo(1, rows, [0], [0], [1]), { itemEmbeddings: { vectors, dim } });
    expect(model.indexed).toBe(false);
    const query = { userIdx: -1, items: Int32Array.from([1, 2, 3]), values: Float32Array.from([1, 1, 1]) };
    const exact = new Float32Array(rows);
    model.score(query, exact);
    expect(Array.from(model.retrieve(query, 10).indices)).toEqual(Array.from(topK(exact, 10).indices));
  });
});

describe('searchSemanticIndex', () => {
  it('returns the exact top k when every stage keeps every item', () => {
    const rng = createRng(12);
    const n = 3_000;
    const dim = 40;
    const vectors = Float32Array.from({ length: n * dim }, () => rng.normal());
    for (const [lists, gramSampleRows] of [
      [false, undefined],
      [true, 1_000],
    ] as const) {
      // Directions from a sample of the rows change the codes, never the exact stage.
      const index = buildSemanticIndex(vectors, n, dim, { rank: 24, listRank: 8, lists, gramSampleRows });
      expect(index.lists > 1).toBe(lists);
      for (let t = 0; t < 5; t++) {
        const u = Float32Array.from({ length: dim }, () => rng.normal());
        const exclude = Uint8Array.from({ length: n }, () => (rng.next() < 0.1 ? 1 : 0));
        const exact = new Float32Array(n);
        for (let i = 0; i < n; i++) for (let d = 0; d < dim; d++) exact[i] += u[d] * vectors[i * dim + d];
        const want = topK(exact, 50, exclude);
        const got = searchSemanticIndex(index, u, vectors, 50, { candidates: n, middle: n, shortlist: n, probes: index.lists, minScanned: n, exclude });
        expect(Array.from(got.indices)).toEqual(Array.from(want.indices));
        got.scores.forEach((s, r) => expect(s).toBeCloseTo(want.scores[r], 4));
      }
    }
  });

  it('ranks by the codes between the stages: with a short list it keeps most of the exact top k', () => {
    const rng = createRng(13);
    const n = 4_000;
    const dim = 32;
    const vectors = Float32Array.from({ length: n * dim }, () => rng.normal());
    // Every direction is coded, so only quantisation separates the second stage from exact scores.
    const index = buildSemanticIndex(vectors, n, dim, { rank: dim, listRank: 8, lists: false });
    let hits = 0;
    for (let t = 0; t < 10; t++) {
      const u = Float32Array.from({ length: dim }, () => rng.normal());
      const exact = new Float32Array(n);
      for (let i = 0; i < n; i++) for (let d = 0; d < dim; d++) exact[i] += u[d] * vectors[i * dim + d];
      const want = new Set(topK(exact, 20).indices);
      for (const i of searchSemanticIndex(index, u, vectors, 20, { candidates: n, middle: n, shortlist: 40, probes: 1, minScanned: n }).indices) if (want.has(i)) hits++;
    }
    expect(hits / 200).toBeGreaterThanOrEqual(0.98);
  });
});
