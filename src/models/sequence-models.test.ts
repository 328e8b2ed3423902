// Gradient checks of the sequence models against finite differences, and their sequential behaviour.
import { describe, expect, it } from 'vitest';
import { csrFromCoo } from '../core/csr-matrix.js';
import { createRng } from '../linalg/index.js';
import { createGru4Rec } from './gru4rec.js';
import { modelFromSnapshot } from './registry.js';
import { decodeSnapshot, encodeSnapshot } from './snapshot.js';
import { DENSE_HISTORY, createSasRec, resolveSasRecOptions } from './sasrec.js';
import type { SequenceWindow } from './sequence-data.js';

const NUM_ITEMS = 9;

/** Parameters of a SASRec without attributes: item and position tables, blocks, final norm. */
function sasRecParameterCount(dim: number, maxLen: number, blocks: number): number {
  return NUM_ITEMS * dim + maxLen * dim + blocks * (6 * dim * dim + 10 * dim) + 2 * dim;
}

function tinyTrain() {
  const seqs = [Int32Array.from([0, 3, 5, 2, 8]), Int32Array.from([1, 4, 4, 7]), Int32Array.from([6, 2]), Int32Array.from([3, 8, 1, 0, 5, 6, 2])];
  const rows: number[] = [];
  const cols: number[] = [];
  seqs.forEach((s, u) => s.forEach((i) => (rows.push(u), cols.push(i))));
  return { seqs, train: csrFromCoo(seqs.length, NUM_ITEMS, rows, cols, null) };
}

interface GradModel {
  lossAndGradient(batch: readonly SequenceWindow[], grad: Float32Array, rng: ReturnType<typeof createRng>): number;
  readonly parameters: Float32Array;
}

/**
 * Share of sampled coordinates whose analytic gradient is off by more than 3% relative to central
 * differences. ReLU kinks can spoil a finite difference at a few coordinates, so callers allow a
 * small share; a wrong backward pass spoils most of them.
 */
function gradientError(model: GradModel, batch: SequenceWindow[]): number {
  const theta = model.parameters;
  const grad = new Float32Array(theta.length);
  model.lossAndGradient(batch, grad, createRng(1));
  const rng = createRng(3);
  let bad = 0;
  const samples = 120;
  for (let s = 0; s < samples; s++) {
    const i = rng.int(theta.length);
    const old = theta[i];
    const eps = 1e-3;
    theta[i] = old + eps;
    const up = model.lossAndGradient(batch, new Float32Array(theta.length), createRng(1));
    theta[i] = old - eps;
    const down = model.lossAndGradient(batch, new Float32Array(theta.length), createRng(1));
    theta[i] = old;
    const numeric = (up - down) / (2 * eps);
    if (Math.abs(numeric - grad[i]) / Math.max(1e-2, Math.abs(numeric) + Math.abs(grad[i])) > 0.03) bad++;
  }
  return bad / samples;
}

describe('sequence model gradients', () => {
  const { seqs, train } = tinyTrain();
  const batch: SequenceWindow[] = seqs.map((seq) => ({ seq, start: 0, end: seq.length }));

  it('sasrec backward matches finite differences (full softmax, two heads, two blocks)', async () => {
    const model = createSasRec({ dim: 8, heads: 2, blocks: 2, maxLen: 8, dropout: 0, negatives: 0, epochs: 1, initStd: 0.5 });
    await model.fit(train, { sequences: seqs });
    expect(gradientError(model, batch)).toBeLessThanOrEqual(0.05);
  });

  it('sasrec backward matches finite differences with dropout and sampled negatives', async () => {
    const model = createSasRec({ dim: 8, heads: 1, blocks: 1, maxLen: 8, dropout: 0.3, negatives: 4, epochs: 1, initStd: 0.5 });
    await model.fit(train, { sequences: seqs });
    expect(gradientError(model, batch)).toBeLessThanOrEqual(0.05);
  });

  it('sasrec backward matches finite differences with item attributes in the input embedding', async () => {
    // Items 0..8 with zero to three of five attributes.
    const indptr = Int32Array.from([0, 1, 3, 3, 4, 6, 7, 9, 10, 12]);
    const indices = Int32Array.from([0, 1, 2, 3, 0, 4, 2, 1, 3, 4, 0, 2]);
    const model = createSasRec({ dim: 8, heads: 2, blocks: 1, maxLen: 8, dropout: 0.2, negatives: 0, epochs: 1, initStd: 0.5 });
    await model.fit(train, { sequences: seqs, itemAttributes: { indptr, indices, numAttributes: 5 } });
    expect(model.parameters.length).toBe(sasRecParameterCount(8, 8, 1) + 5 * 8);
    expect(gradientError(model, batch)).toBeLessThanOrEqual(0.05);
  });

  it('sasrec backward matches finite differences with the contrastive term (dropout view and other-sequence view)', async () => {
    const model = createSasRec({ dim: 8, heads: 2, blocks: 1, maxLen: 8, dropout: 0.2, negatives: 0, epochs: 1, initStd: 0.5, contrastive: 0.5, contrastiveTemperature: 2 });
    await model.fit(train, { sequences: seqs });
    expect(gradientError(model, batch)).toBeLessThanOrEqual(0.05);
    const views = [batch[2], batch[0], batch[3], batch[1]];
    const withViews: GradModel = { parameters: model.parameters, lossAndGradient: (b, g, r) => model.lossAndGradient(b, g, r, views) };
    expect(gradientError(withViews, batch)).toBeLessThanOrEqual(0.05);
  });

  it('gru4rec backward matches finite differences', async () => {
    const model = createGru4Rec({ dim: 8, maxLen: 8, dropout: 0.2, negatives: 0, epochs: 1, initStd: 0.5 });
    await model.fit(train, { sequences: seqs });
    expect(gradientError(model, batch)).toBeLessThanOrEqual(0.05);
  });
});

describe('sasrec with item attributes', () => {
  it('restores attributes from its snapshot with identical scores, and ignores attributes of another catalogue', async () => {
    const { seqs, train } = tinyTrain();
    const itemAttributes = { indptr: Int32Array.from([0, 1, 2, 2, 3, 4, 5, 6, 6, 7]), indices: Int32Array.from([0, 1, 0, 2, 1, 0, 2]), numAttributes: 3 };
    const model = createSasRec({ dim: 8, blocks: 1, maxLen: 8, epochs: 3 });
    await model.fit(train, { sequences: seqs, itemAttributes });
    const restored = modelFromSnapshot(decodeSnapshot(encodeSnapshot(model.snapshot())));
    const query = { userIdx: -1, items: Int32Array.from([0, 3]), values: Float32Array.from([1, 1]), sequence: Int32Array.from([3, 0]) };
    const a = new Float32Array(NUM_ITEMS);
    const b = new Float32Array(NUM_ITEMS);
    model.score(query, a);
    restored.score(query, b);
    expect(Array.from(b)).toEqual(Array.from(a));
    const other = createSasRec({ dim: 8, blocks: 1, maxLen: 8, epochs: 1 });
    await other.fit(train, { sequences: seqs, itemAttributes: { ...itemAttributes, indptr: itemAttributes.indptr.subarray(0, 5) } });
    expect(other.parameters.length).toBe(sasRecParameterCount(8, 8, 1));
  });
});

describe('sasrec data-dependent settings', () => {
  const base = { ...createSasRec().params } as unknown as Parameters<typeof resolveSasRecOptions>[0];

  it('takes at least ~128 steps per epoch with few users and at most 64 sequences per step', () => {
    expect(resolveSasRecOptions(base, 900, 150).batchSize).toBe(8);
    expect(resolveSasRecOptions(base, 4000, 10).batchSize).toBe(31);
    expect(resolveSasRecOptions(base, 22000, 7).batchSize).toBe(64);
    expect(resolveSasRecOptions({ ...base, batchSize: 16 }, 22000, 7).batchSize).toBe(16);
  });

  it('uses heavier dropout for short histories unless a rate is given', () => {
    expect(resolveSasRecOptions(base, 1000, 7).dropout).toBe(0.5);
    expect(resolveSasRecOptions(base, 1000, DENSE_HISTORY).dropout).toBe(0.2);
    expect(resolveSasRecOptions({ ...base, dropout: 0.1 }, 1000, 7).dropout).toBe(0.1);
  });

  it('reports the resolved settings in its parameters after a fit', async () => {
    const seqs = [Int32Array.from([0, 1, 2, 3]), Int32Array.from([2, 3, 4])];
    const rows: number[] = [];
    const cols: number[] = [];
    seqs.forEach((q, u) => q.forEach((i) => (rows.push(u), cols.push(i))));
    const model = createSasRec({ dim: 8, maxLen: 4, epochs: 1 });
    await model.fit(csrFromCoo(2, 5, rows, cols, null), { sequences: seqs });
    expect(model.params.batchSize).toBe(8);
    expect(model.params.dropout).toBe(0.5);
  });
});

describe('sequence models with sampled negatives (lazy Adam on the item table)', () => {
  /** 160 users walk 60 items in order (item i, then i + 1 mod 60), from random starts. */
  function walks() {
    const rng = createRng(23);
    const seqs: Int32Array[] = [];
    const rows: number[] = [];
    const cols: number[] = [];
    for (let u = 0; u < 160; u++) {
      const start = rng.int(60);
      const seq = Int32Array.from({ length: 5 + rng.int(5) }, (_, t) => (start + t) % 60);
      seqs.push(seq);
      seq.forEach((i) => (rows.push(u), cols.push(i)));
    }
    return { seqs, train: csrFromCoo(160, 60, rows, cols, null, 'max') };
  }

  it.each([
    ['sasrec', () => createSasRec({ dim: 16, blocks: 1, maxLen: 12, dropout: 0.1, negatives: 8, epochs: 40, batchSize: 16, learningRate: 0.01 })],
    ['gru4rec', () => createGru4Rec({ dim: 16, maxLen: 12, dropout: 0.1, negatives: 8, epochs: 40, batchSize: 16, learningRate: 0.01 })],
  ] as const)('%s learns that item i is followed by item i + 1', async (_kind, create) => {
    const { seqs, train } = walks();
    const model = create();
    await model.fit(train, { sequences: seqs });
    let correct = 0;
    const out = new Float32Array(60);
    for (let start = 0; start < 60; start++) {
      const sequence = Int32Array.from([start, (start + 1) % 60, (start + 2) % 60]);
      model.score({ userIdx: -1, items: sequence.slice().sort(), values: new Float32Array(3).fill(1), sequence }, out);
      let best = -1;
      for (let i = 0; i < 60; i++) if (!sequence.includes(i) && (best < 0 || out[i] > out[best])) best = i;
      if (best === (start + 3) % 60) correct++;
    }
    expect(correct).toBeGreaterThanOrEqual(54);
  });
});
