import { describe, expect, it } from 'vitest';
import { createRng } from '../linalg/index.js';
import { FreshTextIndex } from './fresh-text-index.js';

function unitVector(rng: ReturnType<typeof createRng>, dim: number): Float32Array {
  const v = new Float32Array(dim);
  let s = 0;
  for (let d = 0; d < dim; d++) {
    v[d] = rng.next() - 0.5;
    s += v[d] * v[d];
  }
  for (let d = 0; d < dim; d++) v[d] /= Math.sqrt(s);
  return v;
}

/** The exact answer: every held vector scored, best first, ties to the earlier id. */
function bruteForce(held: Map<string, Float32Array>, q: Float32Array, k: number, skip: (id: string) => boolean = () => false): string[] {
  const scored = [...held]
    .filter(([id]) => !skip(id))
    .map(([id, v]) => ({ id, s: Math.fround(v.reduce((acc, x, d) => acc + x * q[d], 0)) }));
  return scored.sort((a, b) => b.s - a.s).slice(0, k).map((c) => c.id);
}

describe('FreshTextIndex', () => {
  it('finds exactly the nearest held items through puts, replacements, deletions and skips', () => {
    const rng = createRng(11);
    const dim = 24;
    const index = new FreshTextIndex(1_000);
    const held = new Map<string, Float32Array>();
    for (let i = 0; i < 400; i++) {
      const v = unitVector(rng, dim);
      index.set(`i${i}`, v);
      held.set(`i${i}`, v);
    }
    // A changed text replaces the vector; a deleted item is gone (the last row moves into its place).
    for (let i = 0; i < 50; i++) {
      const v = unitVector(rng, dim);
      index.set(`i${i * 3}`, v);
      held.set(`i${i * 3}`, v);
    }
    for (let i = 0; i < 40; i++) {
      index.delete(`i${i * 7 + 1}`);
      held.delete(`i${i * 7 + 1}`);
    }
    expect(index.size).toBe(held.size);
    for (let t = 0; t < 30; t++) {
      const q = unitVector(rng, dim);
      const skip = (id: string): boolean => id.endsWith('5');
      const got = index.nearest(q, 20, skip);
      const want = bruteForce(held, q, 20, skip);
      // Scores of distinct random vectors do not tie: the lists are the same, in the same order.
      expect(got.map((c) => c.itemId)).toEqual(want);
      for (const c of got) expect(c.score).toBeCloseTo(held.get(c.itemId)!.reduce((acc, x, d) => acc + x * q[d], 0), 5);
    }
  });

  it('keeps the latest puts when full, and answers nothing for another dimension', () => {
    const rng = createRng(3);
    const index = new FreshTextIndex(3);
    const v = (): Float32Array => unitVector(rng, 8);
    index.set('a', v());
    index.set('b', v());
    index.set('c', v());
    // A re-put makes 'a' the latest, so 'b' is the oldest and leaves first.
    index.set('a', v());
    index.set('d', v());
    expect(index.size).toBe(3);
    expect(['a', 'b', 'c', 'd'].filter((id) => index.has(id))).toEqual(['a', 'c', 'd']);
    expect(index.nearest(v(), 10).map((c) => c.itemId).sort()).toEqual(['a', 'c', 'd']);
    expect(index.nearest(unitVector(rng, 5), 10)).toEqual([]);
    // A vector of another dimension (another encoder) starts the index afresh.
    index.set('e', unitVector(rng, 5));
    expect(index.size).toBe(1);
    expect(index.nearest(unitVector(rng, 5), 10).map((c) => c.itemId)).toEqual(['e']);
    expect(new FreshTextIndex(0).nearest(v(), 3)).toEqual([]);
  });
});
