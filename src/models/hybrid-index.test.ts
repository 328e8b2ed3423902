/**
 * The hybrid's retrieval index against its exact scoring, on a seeded catalogue with topic
 * structure: recall@100 of the exact top 100, exact scores for what it returns, and the index
 * surviving a snapshot.
 */
import { describe, expect, it } from 'vitest';
import { csrFromCoo } from '../core/csr-matrix.js';
import { createRng } from '../linalg/index.js';
import { createHybrid, HybridModel } from './hybrid.js';
import { recallAgainstExact } from './test-support.js';

/** Users who like items of two of `topics` topics; items' text vectors are noisy topic centres. */
function catalogue(users: number, items: number, topics: number, dim: number, seed: number) {
  const rng = createRng(seed);
  const topicOf = Int32Array.from({ length: items }, () => rng.int(topics));
  const byTopic: number[][] = Array.from({ length: topics }, () => []);
  topicOf.forEach((t, i) => byTopic[t].push(i));
  const centres = Float32Array.from({ length: topics * dim }, () => rng.normal());
  const vectors = new Float32Array(items * dim);
  for (let i = 0; i < items; i++) for (let d = 0; d < dim; d++) vectors[i * dim + d] = centres[topicOf[i] * dim + d] + 0.8 * rng.normal();
  const u: number[] = [];
  const it: number[] = [];
  const histories: number[][] = [];
  for (let user = 0; user < users; user++) {
    const liked = new Set<number>();
    const a = rng.int(topics);
    const b = rng.int(topics);
    const size = 5 + rng.int(20);
    while (liked.size < size) {
      const pool = byTopic[rng.next() < 0.7 ? a : b];
      // Skewed towards each topic's first items (popular ones).
      liked.add(pool[Math.floor(pool.length * rng.next() ** 2)]);
    }
    histories.push([...liked].sort((x, y) => x - y));
    for (const i of liked) {
      u.push(user);
      it.push(i);
    }
  }
  const matrix = csrFromCoo(users, items, Int32Array.from(u), Int32Array.from(it), new Float32Array(u.length).fill(1));
  return { matrix, embeddings: { vectors, dim }, histories };
}

describe('hybrid retrieval index', () => {
  it('finds at least 95% of the exact top 100 and returns exact blended scores, also after a snapshot', async () => {
    const items = 4_000;
    const { matrix, embeddings, histories } = catalogue(1_500, items, 40, 16, 3);
    const model = createHybrid({ factors: 8, epochs: 6, evalEvery: 100, easeLambda: 50, easeMaxItems: 1_000, textBlend: 0.4 }, { indexMinItems: 1_000 });
    await model.fit(matrix, { itemEmbeddings: embeddings });
    expect(model.indexed).toBe(true);
    const restored = HybridModel.fromSnapshot(model.snapshot());
    expect(restored.indexed).toBe(true);
    const rng = createRng(5);
    const queries = Array.from({ length: 30 }, (_, q) => {
      const user = rng.int(histories.length);
      const list = Int32Array.from(histories[user]);
      // Stored users (their trained row) and live histories (folded in).
      return { userIdx: q % 2 === 0 ? user : -1, items: list, values: new Float32Array(list.length).fill(1) };
    });
    expect(recallAgainstExact(model, [model, restored], queries, 100, 3)).toBeGreaterThanOrEqual(0.95);
  }, 120_000);

  it('has no index over a small catalogue (exact scoring) or with a popularity penalty', async () => {
    const { matrix, embeddings } = catalogue(300, 500, 10, 8, 4);
    const small = createHybrid({ factors: 4, epochs: 2, evalEvery: 100 });
    await small.fit(matrix, { itemEmbeddings: embeddings });
    expect(small.indexed).toBe(false);
    expect(small.retrieve({ userIdx: 0, items: Int32Array.from([1]), values: Float32Array.from([1]) }, 10)).toBeUndefined();
    const penalised = createHybrid({ factors: 4, epochs: 2, evalEvery: 100, popularityPenalty: 0.2 }, { indexMinItems: 100 });
    await penalised.fit(matrix, { itemEmbeddings: embeddings });
    expect(penalised.retrieve({ userIdx: 0, items: Int32Array.from([1]), values: Float32Array.from([1]) }, 10)).toBeUndefined();
  });
});
