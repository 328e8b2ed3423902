import { describe, expect, it } from 'vitest';
import { csrFromCoo } from '../core/csr-matrix.js';
import type { Recommender } from '../models/recommender.js';
import { evaluateRanking } from './evaluate-ranking.js';

/** A model that knows nothing: every item scores 0. */
const blind: Recommender = {
  kind: 'blind',
  params: {},
  numItems: 1000,
  fit: () => Promise.resolve({ seconds: 0, epochs: 1 }),
  score: (_q, out) => out.fill(0),
  similarItems: (_i, out) => out.fill(0),
  snapshot: () => {
    throw new Error('not stored');
  },
};

describe('evaluateRanking tie-breaking', () => {
  // 200 users, each with one target among the first 50 items; the candidates are all 1000 items.
  const users = 200;
  const rows = Int32Array.from({ length: users }, (_, u) => u);
  const cols = Int32Array.from({ length: users }, (_, u) => u % 50);
  const targets = csrFromCoo(users, 1000, rows, cols, new Float32Array(users).fill(1), 'max');
  const empty = csrFromCoo(users, 1000, new Int32Array(0), new Int32Array(0), new Float32Array(0), 'max');
  const task = { history: empty, exclude: [], targets, itemPopularity: new Int32Array(1000) };
  const candidates = new Uint8Array(1000).fill(1);

  it('lets index order decide ties by default (targets at low indices all hit)', () => {
    const r = evaluateRanking(blind, task, { ks: [10], candidates });
    expect(r.metrics['hit@10']).toBeCloseTo(0.2, 5); // items 0..9 of 0..49
  });

  it('gives a model with constant scores chance level under random tie-breaking', () => {
    const r = evaluateRanking(blind, task, { ks: [10], candidates, tieBreak: 'random', seed: 3 });
    // chance: 10 / 1000 = 0.01; allow sampling noise over 200 users
    expect(r.metrics['hit@10']).toBeLessThan(0.05);
    const again = evaluateRanking(blind, task, { ks: [10], candidates, tieBreak: 'random', seed: 3 });
    expect(again.metrics).toEqual(r.metrics);
  });
});
