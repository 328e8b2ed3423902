/**
 * Retrieval of the factor models (ALS, BPR) from their IVF index against exact scoring on a seeded
 * catalogue with community structure: recall@100, exact scores, and the index in the snapshot.
 */
import { describe, expect, it } from 'vitest';
import { csrFromCoo } from '../core/csr-matrix.js';
import { createRng } from '../linalg/index.js';
import { createAls, AlsModel } from './als.js';
import { createBpr, BprModel } from './bpr.js';
import type { Recommender, UserQuery } from './recommender.js';
import type { ModelSnapshot } from './snapshot.js';
import { recallAgainstExact } from './test-support.js';

function communities(users: number, items: number, groups: number, seed: number) {
  const rng = createRng(seed);
  const u: number[] = [];
  const it: number[] = [];
  const histories: number[][] = [];
  const per = items / groups;
  for (let user = 0; user < users; user++) {
    const g = rng.int(groups);
    const liked = new Set<number>();
    const size = 5 + rng.int(15);
    while (liked.size < size) liked.add(rng.next() < 0.8 ? g * per + Math.floor(per * rng.next() ** 2) : rng.int(items));
    histories.push([...liked].sort((a, b) => a - b));
    for (const i of liked) {
      u.push(user);
      it.push(i);
    }
  }
  return { matrix: csrFromCoo(users, items, Int32Array.from(u), Int32Array.from(it), new Float32Array(u.length).fill(1)), histories };
}

type Indexed = Recommender & { indexed: boolean; retrieve(q: UserQuery, k: number, exclude?: Uint8Array): { indices: Int32Array; scores: Float32Array } | undefined };

describe('factor model retrieval index', () => {
  const items = 4_000;
  const { matrix, histories } = communities(2_000, items, 40, 7);
  const cases = [
    { kind: 'als', make: () => createAls({ factors: 16, iterations: 4 }, { indexMinItems: 1_000 }), restore: (s: ModelSnapshot) => AlsModel.fromSnapshot(s) },
    { kind: 'bpr', make: () => createBpr({ factors: 16, epochs: 5 }, { indexMinItems: 1_000 }), restore: (s: ModelSnapshot) => BprModel.fromSnapshot(s) },
  ];
  for (const { kind, make, restore } of cases) it(`${kind} finds at least 95% of the exact top 100 with exact scores, also after a snapshot`, async () => {
    const model = make() as unknown as Indexed;
    await model.fit(matrix);
    expect(model.indexed).toBe(true);
    const restored = restore(model.snapshot()) as unknown as Indexed;
    expect(restored.indexed).toBe(true);
    const rng = createRng(3);
    const queries = Array.from({ length: 30 }, (_, q): UserQuery => {
      const user = rng.int(histories.length);
      const list = Int32Array.from(histories[user]);
      // Trained rows and folded-in live histories.
      return { userIdx: q % 2 === 0 ? user : -1, items: list, values: new Float32Array(list.length).fill(1) };
    });
    expect(recallAgainstExact(model, [model, restored], queries, 100, 4)).toBeGreaterThanOrEqual(0.95);
  }, 120_000);

  it('builds no index for a small catalogue', async () => {
    const small = createAls({ factors: 8, iterations: 2 });
    await small.fit(matrix);
    expect(small.indexed).toBe(false);
    expect(small.retrieve({ userIdx: 0, items: Int32Array.from([1]), values: Float32Array.from([1]) }, 10)).toBeUndefined();
  });
});
