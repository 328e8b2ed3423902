/**
 * Shared check of the retrieval-index tests: for each query, the exact top `k` by the reference
 * model's `score`, and what each retriever's `retrieve` returns — never a masked item, the exact
 * score of every item returned — counted as recall@k over all queries and retrievers.
 * @module
 */
import { expect } from 'vitest';
import { topK } from '../linalg/index.js';
import type { Recommender, UserQuery } from './recommender.js';

/** A model answering from an index. */
export interface Retriever {
  retrieve(query: UserQuery, k: number, exclude?: Uint8Array): { indices: Int32Array; scores: Float32Array } | undefined;
}

/**
 * Recall@k of `retrievers` against `reference`'s exact scoring over `queries` (history items
 * masked); asserts the masks and the scores (to `digits` decimals) on the way.
 */
export function recallAgainstExact(reference: Recommender, retrievers: readonly Retriever[], queries: readonly UserQuery[], k: number, digits: number): number {
  const n = reference.numItems;
  const exact = new Float32Array(n);
  let found = 0;
  let total = 0;
  for (const query of queries) {
    const mask = new Uint8Array(n);
    for (const i of query.items) mask[i] = 1;
    reference.score(query, exact);
    const want = new Set(topK(exact, k, mask).indices);
    for (const m of retrievers) {
      const got = m.retrieve(query, k, mask);
      if (!got) throw new Error('an indexed model answered without its index');
      for (const i of got.indices) {
        expect(mask[i]).toBe(0);
        if (want.has(i)) found++;
      }
      got.indices.forEach((i, r) => expect(got.scores[r]).toBeCloseTo(exact[i], digits));
      total += want.size;
    }
  }
  return found / total;
}
