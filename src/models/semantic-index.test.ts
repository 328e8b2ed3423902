/**
 * The semantic model's retrieval index against exact scoring, on the real USE-lite vectors of the
 * demo catalogue (shipped in data/demo as an embedding pack): recall@100 of the exact top 100.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { csrFromCoo } from '../core/csr-matrix.js';
import { fromHalf } from '../encoders/embedding-pack.js';
import { createRng, topK } from '../linalg/index.js';
import { createSemantic, SemanticModel } from './semantic.js';

const PACK = fileURLToPath(new URL('../../data/demo/ml-latest-small/embeddings/use-lite', import.meta.url));

function packVectors(): { vectors: Float32Array; dim: number; rows: number } {
  const manifest = JSON.parse(readFileSync(join(PACK, 'pack.json'), 'utf8')) as { dim: number; rows: number; vectors: string[] };
  const vectors = new Float32Array(manifest.rows * manifest.dim);
  let offset = 0;
  for (const f of manifest.vectors) {
    const data = readFileSync(join(PACK, f));
    for (let p = 0; p < data.length; p += 2) vectors[offset++] = fromHalf(data.readUInt16LE(p));
  }
  return { vectors, dim: manifest.dim, rows: manifest.rows };
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
    const restored = SemanticModel.fromSnapshot(model.snapshot());
    expect(restored.indexed).toBe(true);
    expect('ivfItems' in model.snapshot().arrays).toBe(ivfMinItems !== undefined);
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
    expect(found / total).toBeGreaterThanOrEqual(0.95);
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
