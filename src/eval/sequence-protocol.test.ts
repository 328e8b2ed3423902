/**
 * Quality regression of the sequence models on the vendored MovieLens latest-small under the
 * LRURec/LlamaRec leave-one-out protocol (`loo-seq-5core`): a small SASRec with fixed seeds and a
 * fixed number of epochs, with and without the movies' genres as item attributes, so the figures
 * are reproducible; tolerances absorb floating-point reordering only.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { readInteractionFile } from '../ingest/index.js';
import { LOO_SEQ_5CORE, runProtocol } from './protocol.js';
import type { ProtocolReport } from './protocol.js';

const DIR = new URL('../../data/demo/ml-latest-small/', import.meta.url);

/** Genres of each movie (the last field of movies.csv), by movie id. */
async function movieGenres(): Promise<Map<string, string[]>> {
  const text = await readFile(fileURLToPath(new URL('movies.csv', DIR)), 'utf8');
  const genres = new Map<string, string[]>();
  for (const line of text.split('\n').slice(1)) {
    if (line.trim() === '') continue;
    const id = line.slice(0, line.indexOf(','));
    const field = line.slice(line.lastIndexOf(',') + 1).trim();
    genres.set(id, field === '(no genres listed)' ? [] : field.split('|'));
  }
  return genres;
}

/**
 * A small SASRec on each user's last 50 items for a fixed 20 epochs (validated only at the last), so
 * the test stays short.
 */
const SMALL_SASREC = { dim: [32], blocks: [1], maxLen: [50], dropout: [0.2], negatives: [128], batchSize: [16], epochs: [20], evalEvery: [100], allWindows: [false], learningRate: [0.003] };

describe('loo-seq-5core on ml-latest-small (vendored)', () => {
  let plain: ProtocolReport;
  let withGenres: ProtocolReport;

  beforeAll(async () => {
    const log = await readInteractionFile(fileURLToPath(new URL('ratings.csv', DIR)));
    const config = { ...LOO_SEQ_5CORE, sequenceLength: 50 };
    plain = await runProtocol(log, 'ml-latest-small', config, [{ kind: 'sasrec', grid: { ...SMALL_SASREC, attributes: [false] } }]);
    withGenres = await runProtocol(log, 'ml-latest-small', config, [{ kind: 'sasrec', grid: SMALL_SASREC }], { itemAttributes: await movieGenres() });
  }, 600_000);

  it('reproduces the measured accuracy of SASRec without and with genres as item attributes', () => {
    const ndcg = (r: ProtocolReport): number => r.models[0].test.metrics['ndcg@10'];
    expect(plain.models[0].params.attributes).toBe(false);
    expect(ndcg(plain)).toBeCloseTo(0.0261, 3);
    // The genres (20 attributes) lift this small model's test NDCG@10 by a third.
    expect(ndcg(withGenres)).toBeCloseTo(0.0348, 3);
  });
});
