/**
 * Shared parts of the retrieval-index tests: for each query, the exact top `k` by the reference
 * model's `score`, and what each retriever's `retrieve` returns — never a masked item, the exact
 * score of every item returned — counted as recall@k over all queries and retrievers; and the
 * vendored demo catalogue's USE-lite vectors.
 * @module
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { fromHalf } from '../encoders/embedding-pack.js';
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

const PACK = fileURLToPath(new URL('../../data/demo/ml-latest-small/embeddings/use-lite', import.meta.url));

/** The demo catalogue's USE-lite vectors (9,742 × 512, row-major) from the vendored embedding pack. */
export function packVectors(): { vectors: Float32Array; dim: number; rows: number } {
  const manifest = JSON.parse(readFileSync(join(PACK, 'pack.json'), 'utf8')) as { dim: number; rows: number; vectors: string[] };
  const vectors = new Float32Array(manifest.rows * manifest.dim);
  let offset = 0;
  for (const f of manifest.vectors) {
    const data = readFileSync(join(PACK, f));
    for (let p = 0; p < data.length; p += 2) vectors[offset++] = fromHalf(data.readUInt16LE(p));
  }
  return { vectors, dim: manifest.dim, rows: manifest.rows };
}
