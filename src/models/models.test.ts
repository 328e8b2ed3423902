import { describe, expect, it } from 'vitest';
import { csrFromCoo } from '../core/csr-matrix.js';
import type { CsrMatrix } from '../core/csr-matrix.js';
import { createRng, topK } from '../linalg/index.js';
import { MODEL_KINDS, SEQUENCE_MODEL_KINDS, createModel, deserializeModel, serializeModel } from './registry.js';
import type { ItemEmbeddings, ModelParams, Recommender } from './recommender.js';

/**
 * Two planted communities: users 0..29 mostly hold items 0..19, users 30..59 mostly items 20..39,
 * with a little cross-traffic. Item 0 and item 20 are each community's most popular item.
 */
function communities(): CsrMatrix {
  const rng = createRng(11);
  const rows: number[] = [];
  const cols: number[] = [];
  for (let u = 0; u < 60; u++) {
    const base = u < 30 ? 0 : 20;
    const other = u < 30 ? 20 : 0;
    rows.push(u);
    cols.push(base);
    for (let t = 0; t < 8; t++) {
      rows.push(u);
      cols.push(base + rng.int(20));
    }
    if (rng.next() < 0.3) {
      rows.push(u);
      cols.push(other + rng.int(20));
    }
  }
  return csrFromCoo(60, 40, rows, cols, null, 'max');
}

/** Synthetic text embeddings: each community's items share a direction, plus noise. */
function communityText(): ItemEmbeddings {
  const rng = createRng(5);
  const dim = 16;
  const vectors = new Float32Array(40 * dim);
  for (let i = 0; i < 40; i++) {
    vectors[i * dim + (i < 20 ? 0 : 1)] = 1;
    for (let k = 2; k < dim; k++) vectors[i * dim + k] = rng.normal() * 0.3;
  }
  return { vectors, dim };
}

const context = { itemEmbeddings: communityText() };

function fastParams(kind: string): ModelParams {
  if (kind === 'hybrid') return { factors: 8, epochs: 20, textBlend: 0.5, easeLambda: 10 };
  if (kind === 'als') return { factors: 8, iterations: 10, alpha: 2, regularization: 1 };
  if (kind === 'bpr') return { factors: 8, epochs: 60, learningRate: 0.05, regularization: 0.001 };
  if (kind === 'ease') return { lambda: 10 };
  if (kind === 'edlae') return { lambda: 10, dropout: 0.2 };
  if (kind === 'multvae') return { hidden: 32, latent: 8, epochs: 60, batchSize: 32, learningRate: 0.01, annealEpochs: 10 };
  if (kind === 'itemknn' || kind === 'userknn') return { k: 20, shrink: 0 };
  if (kind === 'sasrec') return { dim: 16, blocks: 1, maxLen: 12, dropout: 0.1, negatives: 0, epochs: 40, batchSize: 16, learningRate: 0.01 };
  if (kind === 'gru4rec') return { dim: 16, maxLen: 12, dropout: 0.1, negatives: 0, epochs: 40, batchSize: 16, learningRate: 0.01 };
  return {};
}

function scoresFor(model: Recommender, m: CsrMatrix, u: number, known = true): Float32Array {
  const out = new Float32Array(m.numCols);
  model.score(
    {
      userIdx: known ? u : -1,
      items: m.indices.subarray(m.indptr[u], m.indptr[u + 1]),
      values: m.values.subarray(m.indptr[u], m.indptr[u + 1]),
    },
    out,
  );
  return out;
}

function inCommunityShare(model: Recommender, m: CsrMatrix, known: boolean): number {
  let hits = 0;
  let total = 0;
  for (let u = 0; u < m.numRows; u++) {
    const s = scoresFor(model, m, u, known);
    const mask = new Uint8Array(m.numCols);
    for (let p = m.indptr[u]; p < m.indptr[u + 1]; p++) mask[m.indices[p]] = 1;
    const top = topK(s, 5, mask);
    for (const i of top.indices) {
      total++;
      if ((u < 30) === (i < 20)) hits++;
    }
  }
  return hits / total;
}

describe.each(MODEL_KINDS.filter((k) => k !== 'pop' && k !== 'random'))('%s', (kind) => {
  const train = communities();

  // The communities have no order, so sequence models (which predict the next item) are checked on
  // ordered walks below instead of these two tests.
  const ordered = SEQUENCE_MODEL_KINDS.includes(kind);

  it.skipIf(ordered)('recommends from the user\'s own community', async () => {
    const model = createModel(kind, fastParams(kind));
    await model.fit(train, context);
    expect(model.numItems).toBe(40);
    expect(inCommunityShare(model, train, true)).toBeGreaterThan(0.85);
  });

  it.skipIf(ordered)('scores an unseen user from a history (fold-in) like a known one', async () => {
    const model = createModel(kind, fastParams(kind));
    await model.fit(train, context);
    expect(inCommunityShare(model, train, false)).toBeGreaterThan(0.8);
  });

  it('restores from its snapshot with identical scores', async () => {
    const model = createModel(kind, fastParams(kind));
    await model.fit(train, context);
    const copy = deserializeModel(serializeModel(model));
    expect(copy.kind).toBe(kind);
    expect(copy.params).toEqual(model.params);
    for (const u of [0, 17, 45]) expect(Array.from(scoresFor(copy, train, u))).toEqual(Array.from(scoresFor(model, train, u)));
    const a = new Float32Array(40);
    const b = new Float32Array(40);
    model.similarItems(3, a);
    copy.similarItems(3, b);
    expect(Array.from(b)).toEqual(Array.from(a));
  });

  it('finds similar items inside the item\'s community', async () => {
    const model = createModel(kind, fastParams(kind));
    await model.fit(train, context);
    const s = new Float32Array(40);
    model.similarItems(5, s);
    const mask = new Uint8Array(40);
    mask[5] = 1;
    const top = topK(s, 5, mask);
    const inside = Array.from(top.indices).filter((i) => i < 20).length;
    expect(inside).toBeGreaterThanOrEqual(4);
  });
});

describe('pop', () => {
  it('ranks by number of users', async () => {
    const train = communities();
    const model = createModel('pop');
    await model.fit(train, context);
    const s = scoresFor(model, train, 0);
    const top = topK(s, 2);
    expect(new Set(top.indices)).toEqual(new Set([0, 20]));
    let holders = 0;
    for (let u = 0; u < train.numRows; u++) if (train.indices.subarray(train.indptr[u], train.indptr[u + 1]).includes(0)) holders++;
    expect(s[0]).toBe(holders);
  });
});

describe('iterative models', () => {
  it('keep the state of the best validation score and stop early', async () => {
    const train = communities();
    const model = createModel('bpr', { ...fastParams('bpr'), epochs: 200, evalEvery: 5, patience: 2 });
    let calls = 0;
    // A validator that peaks at its third call: the fit must stop two calls later and keep epoch 15.
    const report = await model.fit(train, { validate: () => [0.1, 0.2, 0.5, 0.3, 0.2, 0.9][calls++] });
    expect(calls).toBe(5);
    expect(report.bestEpoch).toBe(15);
    expect(report.bestScore).toBe(0.5);
    expect(report.epochs).toBe(25);
  });

  it('are reproducible for a fixed seed', async () => {
    const train = communities();
    const a = createModel('bpr', fastParams('bpr'));
    const b = createModel('bpr', fastParams('bpr'));
    await a.fit(train);
    await b.fit(train);
    expect(Array.from(scoresFor(a, train, 3))).toEqual(Array.from(scoresFor(b, train, 3)));
  });
});

/** Users walk the items in order: item i is followed by item i + 1 (mod 20), from a random start. */
function walks(): { train: CsrMatrix; sequences: Int32Array[] } {
  const rng = createRng(23);
  const sequences: Int32Array[] = [];
  const rows: number[] = [];
  const cols: number[] = [];
  for (let u = 0; u < 80; u++) {
    const start = rng.int(20);
    const seq = Int32Array.from({ length: 4 + rng.int(5) }, (_, t) => (start + t) % 20);
    sequences.push(seq);
    for (const i of seq) {
      rows.push(u);
      cols.push(i);
    }
  }
  return { train: csrFromCoo(80, 20, rows, cols, null, 'max'), sequences };
}

describe.each(['sasrec', 'gru4rec'])('%s (sequence model)', (kind) => {
  it('learns that item i is followed by item i + 1', async () => {
    const { train, sequences } = walks();
    const model = createModel(kind, fastParams(kind));
    await model.fit(train, { sequences });
    let correct = 0;
    const out = new Float32Array(20);
    for (let start = 0; start < 20; start++) {
      const sequence = Int32Array.from([start, (start + 1) % 20, (start + 2) % 20]);
      model.score({ userIdx: -1, items: sequence.slice().sort(), values: new Float32Array(3).fill(1), sequence }, out);
      if (topK(out, 1, Uint8Array.from(out, (_, i) => (sequence.includes(i) ? 1 : 0))).indices[0] === (start + 3) % 20) correct++;
    }
    expect(correct).toBeGreaterThanOrEqual(18);
  });

  it('order matters: the same items reversed predict what follows the newest one', async () => {
    const { train, sequences } = walks();
    const model = createModel(kind, fastParams(kind));
    await model.fit(train, { sequences });
    const out = new Float32Array(20);
    const items = Int32Array.from([10, 11, 12]);
    model.score({ userIdx: -1, items, values: new Float32Array(3).fill(1), sequence: Int32Array.from([10, 11, 12]) }, out);
    expect(topK(out, 1).indices[0]).toBe(13);
    model.score({ userIdx: -1, items, values: new Float32Array(3).fill(1), sequence: Int32Array.from([12, 11, 10]) }, out);
    expect(topK(out, 1).indices[0]).toBe(11);
  });
});

describe('registry', () => {
  it('rejects unknown models with the list of known ones', () => {
    expect(() => createModel('lightgcn')).toThrow(/unknown model "lightgcn".*ease/);
  });
});

describe('text-aware models', () => {
  it('refuse to fit without item embeddings, naming the fix', async () => {
    await expect(createModel('semantic').fit(communities())).rejects.toThrow(/needs item text embeddings/);
    await expect(createModel('hybrid').fit(communities())).rejects.toThrow(/needs item text embeddings/);
  });

  it('rank items without any interaction from their text (cold items)', async () => {
    // Items 15..19 and 35..39 lose all their interactions: they are cold, known only by text.
    const full = communities();
    const rows: number[] = [];
    const cols: number[] = [];
    for (let u = 0; u < full.numRows; u++) {
      for (let p = full.indptr[u]; p < full.indptr[u + 1]; p++) {
        const i = full.indices[p];
        if (i % 20 >= 15) continue;
        rows.push(u);
        cols.push(i);
      }
    }
    const train = csrFromCoo(60, 40, rows, cols, null, 'max');
    const cold = new Uint8Array(40);
    for (let i = 0; i < 40; i++) if (i % 20 >= 15) cold[i] = 1;
    for (const kind of ['semantic', 'hybrid']) {
      // The hybrid on its text part alone; the semantic model has no blend.
      const model = createModel(kind, kind === 'hybrid' ? { ...fastParams(kind), textBlend: 1 } : fastParams(kind));
      await model.fit(train, context);
      let inside = 0;
      for (const u of [0, 5, 10, 35, 40, 50]) {
        const s = scoresFor(model, train, u);
        const mask = Uint8Array.from(cold, (c) => 1 - c);
        const top = topK(s, 5, mask);
        inside += Array.from(top.indices).filter((i) => (u < 30) === (i < 20)).length;
      }
      expect(inside, kind).toBeGreaterThanOrEqual(27);
    }
  });
});
