/**
 * Writes an embedding pack (see `src/encoders/embedding-pack.ts`) of the catalogue stored in a
 * database: the cached vectors of its items' current texts under one encoder. Used to ship the
 * demo's USE-lite vectors with the demo data:
 *
 *   npx tsx scripts/pack-embeddings.ts sqlite:///tmp/demo.db data/demo/ml-latest-small/embeddings/use-lite
 *
 * The database must have been embedded first (`lmrec embed`); items whose vector is not cached are
 * reported and left out.
 * @module
 */
import { catalogueText, clipForEncoder, createVerbalizer, MOVIE_TEMPLATE, openStorage, textHash, writeEmbeddingPack } from '../src/index.js';

const [url, out, encoderId = 'use-lite'] = process.argv.slice(2);
if (!url || !out) {
  console.error('usage: npx tsx scripts/pack-embeddings.ts <storage-url> <out-dir> [encoder-id]');
  process.exit(2);
}
const storage = await openStorage(url);
try {
  const { texts } = await catalogueText(storage, createVerbalizer(MOVIE_TEMPLATE));
  const hashes = [...new Set(texts.map((t) => textHash(clipForEncoder(t))))];
  const entries: { hash: string; vector: Float32Array }[] = [];
  for (let start = 0; start < hashes.length; start += 500) {
    const found = await storage.embeddings.get(encoderId, hashes.slice(start, start + 500));
    for (const [hash, vector] of found) entries.push({ hash, vector });
  }
  const manifest = await writeEmbeddingPack(out, encoderId, entries);
  console.log(`packed ${manifest.rows} of ${hashes.length} texts (${encoderId}, ${manifest.dim}-d) into ${out}: ${manifest.vectors.join(', ')}`);
  if (entries.length < hashes.length) console.log(`${hashes.length - entries.length} texts had no cached vector`);
} finally {
  await storage.close();
}
