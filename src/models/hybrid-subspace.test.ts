/**
 * The hybrid's text subspace and bounded training cost: the subspace coordinates against a naive
 * projection, cold items still ranked from their text through a low-rank adapter, training with
 * sampled steps and sampled adapter gradients, the sampled gradient's mean, and versions in the
 * snapshot layout written before the subspace (format 1) restoring with identical scores.
 */
import { describe, expect, it } from 'vitest';
import { csrFromCoo } from '../core/csr-matrix.js';
import { createRng, topK } from '../linalg/index.js';
import { GradientSample } from './hybrid-adapter.js';
import { adapterText } from './hybrid-text.js';
import { HYBRID_SUBSPACE_MIN_ITEMS, HYBRID_TEXT_RANK, createHybrid, HybridModel } from './hybrid.js';
import { centredUnitRows } from './item-text-matrix.js';
import { decodeSnapshot, encodeSnapshot } from './snapshot.js';
import type { ModelSnapshot } from './snapshot.js';

/**
 * Users 0..39 like topic-0 items, users 40..79 topic-1 items; items of topic t are the even (t = 0)
 * or odd (t = 1) ones, with `dim`-wide text vectors: a topic direction plus noise in every
 * dimension. Items ≥ `warmItems` get no interactions (cold).
 */
function topics(items: number, warmItems: number, dim: number) {
  const rng = createRng(21);
  const centres = [0, 1].map(() => Float32Array.from({ length: dim }, () => rng.normal()));
  const vectors = new Float32Array(items * dim);
  for (let i = 0; i < items; i++) for (let d = 0; d < dim; d++) vectors[i * dim + d] = centres[i % 2][d] + 0.7 * rng.normal();
  const rows: number[] = [];
  const cols: number[] = [];
  for (let u = 0; u < 80; u++) {
    const topic = u < 40 ? 0 : 1;
    for (let t = 0; t < 10; t++) {
      rows.push(u);
      cols.push(2 * rng.int(warmItems / 2) + topic);
    }
  }
  const matrix = csrFromCoo(80, items, rows, cols, null, 'max');
  return { matrix, embeddings: { vectors, dim } };
}

function query(matrix: ReturnType<typeof topics>['matrix'], u: number, known: boolean) {
  const items = matrix.indices.subarray(matrix.indptr[u], matrix.indptr[u + 1]);
  return { userIdx: known ? u : -1, items, values: new Float32Array(items.length).fill(1) };
}

/** Share of the top 5 cold items (warm ones masked) that are of the user's topic, over some users. */
function coldInTopic(model: HybridModel, matrix: ReturnType<typeof topics>['matrix'], items: number, warmItems: number): number {
  const mask = Uint8Array.from({ length: items }, (_, i) => (i < warmItems ? 1 : 0));
  let inside = 0;
  let total = 0;
  for (const u of [0, 7, 19, 33, 41, 50, 66, 79]) {
    const s = new Float32Array(items);
    model.score(query(matrix, u, true), s);
    for (const i of topK(s, 5, mask).indices) {
      inside += i % 2 === (u < 40 ? 0 : 1) ? 1 : 0;
      total++;
    }
  }
  return inside / total;
}

function scores(model: HybridModel, matrix: ReturnType<typeof topics>['matrix'], users: readonly number[]): number[][] {
  return users.map((u) => {
    const s = new Float32Array(model.numItems);
    model.score(query(matrix, u, u % 2 === 0), s);
    return Array.from(s);
  });
}

describe('hybrid text subspace', () => {
  it('gives each item Uᵀẽᵢ, ẽᵢ its centred unit embedding, with zero rows kept and an orthonormal U', () => {
    const { embeddings } = topics(60, 40, 24);
    embeddings.vectors.fill(0, 5 * 24, 6 * 24);
    const full = centredUnitRows(embeddings);
    const { coords, width, basis } = adapterText(embeddings, 6, 3);
    expect(width).toBe(6);
    expect(basis).toBeDefined();
    const u = basis as Float32Array;
    for (let a = 0; a < 6; a++) {
      for (let b = 0; b < 6; b++) {
        let d = 0;
        for (let k = 0; k < 24; k++) d += u[k * 6 + a] * u[k * 6 + b];
        expect(d).toBeCloseTo(a === b ? 1 : 0, 4);
      }
    }
    for (let i = 0; i < 60; i++) {
      for (let c = 0; c < 6; c++) {
        let t = 0;
        for (let k = 0; k < 24; k++) t += full[i * 24 + k] * u[k * 6 + c];
        expect(coords[i * 6 + c]).toBeCloseTo(t, 4);
      }
    }
    expect(Array.from(coords.subarray(30, 36))).toEqual([0, 0, 0, 0, 0, 0]);
    // A rank at least the width is the embedding itself.
    const same = adapterText(embeddings, 64, 3);
    expect(same.width).toBe(24);
    expect(same.basis).toBeUndefined();
    for (let k = 0; k < full.length; k++) expect(same.coords[k]).toBeCloseTo(full[k], 6);
  });

  it('trains on the full embedding below HYBRID_SUBSPACE_MIN_ITEMS items and in the subspace from there', async () => {
    const small = topics(200, 140, 96);
    const a = createHybrid({ factors: 4, epochs: 1, evalEvery: 100 });
    await a.fit(small.matrix, { itemEmbeddings: small.embeddings });
    expect(a.snapshot().meta).toMatchObject({ textDim: 96, embeddingDim: 96 });
    const large = topics(HYBRID_SUBSPACE_MIN_ITEMS, 200, 96);
    const b = createHybrid({ factors: 4, epochs: 1, evalEvery: 100, easeMaxItems: 50 }, { indexMinItems: Infinity });
    await b.fit(large.matrix, { itemEmbeddings: large.embeddings });
    expect(b.snapshot().meta).toMatchObject({ textDim: HYBRID_TEXT_RANK, embeddingDim: 96 });
  });

  it('still ranks cold items from their text through a low-rank adapter', async () => {
    const { matrix, embeddings } = topics(200, 140, 96);
    const model = createHybrid({ factors: 8, epochs: 20, textBlend: 1, evalEvery: 100 }, { textRank: 8 });
    await model.fit(matrix, { itemEmbeddings: embeddings });
    expect(coldInTopic(model, matrix, 200, 140)).toBeGreaterThanOrEqual(0.9);
    // Format 2 round trip: identical scores, the basis kept.
    const copy = HybridModel.fromSnapshot(decodeSnapshot(encodeSnapshot(model.snapshot())));
    expect(scores(copy, matrix, [0, 3, 44, 71])).toEqual(scores(model, matrix, [0, 3, 44, 71]));
    const snap = model.snapshot();
    expect(snap.meta).toMatchObject({ format: 2, textDim: 8, embeddingDim: 96 });
    expect((snap.arrays.text as Float32Array).length).toBe(200 * 8);
    expect((snap.arrays.textBasis as Float32Array).length).toBe(96 * 8);
  });

  it('learns with sampled steps per epoch, a negative pool and a sampled adapter gradient', async () => {
    const { matrix, embeddings } = topics(200, 140, 96);
    const model = createHybrid({ factors: 8, epochs: 30, textBlend: 1, evalEvery: 100 }, { textRank: 8, maxStepsPerEpoch: 300, negativePool: 50, gradientRows: 40 });
    await model.fit(matrix, { itemEmbeddings: embeddings });
    expect(coldInTopic(model, matrix, 200, 140)).toBeGreaterThanOrEqual(0.9);
    // Warm items too: the user's own topic leads the list.
    let inside = 0;
    for (const u of [1, 20, 45, 70]) {
      const s = new Float32Array(200);
      model.score(query(matrix, u, true), s);
      inside += Array.from(topK(s, 10).indices).filter((i) => i % 2 === (u < 40 ? 0 : 1)).length;
    }
    expect(inside).toBeGreaterThanOrEqual(36);
  });

  it('estimates the full adapter gradient without bias from a sample of rows', () => {
    const rng = createRng(8);
    const n = 30;
    const width = 3;
    const dim = 2;
    const text = Float32Array.from({ length: n * width }, () => rng.normal());
    const candidates = Int32Array.from({ length: 20 }, (_, k) => k + 5);
    const rowGrad = Float32Array.from({ length: n * dim }, () => rng.normal());
    const exact = new Float64Array(width * dim);
    for (const i of candidates) for (let c = 0; c < width; c++) for (let k = 0; k < dim; k++) exact[c * dim + k] += text[i * width + c] * rowGrad[i * dim + k];
    const sample = new GradientSample(n, 5, dim, width, 1);
    const mean = new Float64Array(width * dim);
    const gA = new Float32Array(width * dim);
    const gW = new Float32Array(width);
    const draws = 4000;
    for (let t = 0; t < draws; t++) {
      sample.draw(text, candidates, candidates.length);
      for (const i of candidates) {
        const s = sample.slot[i];
        if (s >= 0) for (let k = 0; k < dim; k++) sample.rows[s * dim + k] = rowGrad[i * dim + k];
      }
      sample.gradient(gA, gW);
      for (let k = 0; k < gA.length; k++) mean[k] += gA[k] / draws;
    }
    const scale = Math.max(...Array.from(exact, Math.abs));
    for (let k = 0; k < exact.length; k++) expect(Math.abs(mean[k] - exact[k])).toBeLessThan(0.05 * scale);
  });

  it('restores versions of the format before the subspace (full-width text, no format field) with identical scores', async () => {
    const { matrix, embeddings } = topics(120, 90, 12);
    // A rank of at least the width trains on the full embedding: the layout format 1 stored.
    const model = createHybrid({ factors: 6, epochs: 6, textBlend: 0.5, easeLambda: 10, evalEvery: 100 }, { textRank: 512 });
    await model.fit(matrix, { itemEmbeddings: embeddings });
    const current = model.snapshot();
    const oldMeta = { ...current.meta };
    delete oldMeta.format;
    delete oldMeta.embeddingDim;
    const oldArrays = { ...current.arrays };
    expect(oldArrays.textBasis).toBeUndefined();
    const oldSnap: ModelSnapshot = { ...current, meta: oldMeta, arrays: oldArrays };
    const restored = HybridModel.fromSnapshot(decodeSnapshot(encodeSnapshot(oldSnap)));
    expect(scores(restored, matrix, [0, 1, 50, 77])).toEqual(scores(model, matrix, [0, 1, 50, 77]));
    // The oldest versions also lack the derived vectors: they are recomputed from the text.
    const oldest = { ...oldArrays };
    delete oldest.itemFactors;
    delete oldest.itemBiasDerived;
    const recomputed = HybridModel.fromSnapshot(decodeSnapshot(encodeSnapshot({ ...oldSnap, arrays: oldest })));
    const a = scores(recomputed, matrix, [0, 50]);
    const b = scores(model, matrix, [0, 50]);
    for (let r = 0; r < a.length; r++) for (let k = 0; k < a[r].length; k++) expect(a[r][k]).toBeCloseTo(b[r][k], 4);
  });
});
