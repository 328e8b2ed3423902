// A trained model's payload round-trips through storage chunks, decoding without a second copy.
import { describe, expect, it } from 'vitest';
import { csrFromCoo } from '../core/csr-matrix.js';
import { IdDictionary } from '../core/id-dictionary.js';
import { createRng } from '../linalg/index.js';
import { createEase } from '../models/ease.js';
import { openStorage } from '../storage/index.js';
import { decodeTrainedModel, encodeTrainedModel } from './trained-model.js';
import type { TrainedModel } from './trained-model.js';

async function trained(): Promise<TrainedModel> {
  const rng = createRng(2);
  const rows: number[] = [];
  const cols: number[] = [];
  for (let e = 0; e < 2000; e++) {
    rows.push(rng.int(100));
    cols.push(rng.int(60));
  }
  const train = csrFromCoo(100, 60, rows, cols, null, 'max');
  const model = createEase({ lambda: 5, maxItems: 40 });
  await model.fit(train);
  const counts = new Float32Array(60);
  for (const i of train.indices) counts[i]++;
  return {
    model,
    users: IdDictionary.from(Array.from({ length: 100 }, (_, u) => `u${u}`)),
    items: IdDictionary.from(Array.from({ length: 60 }, (_, i) => `i${i}`)),
    itemCounts: counts,
    dataSeq: 42,
    trainedAt: 1_700_000_000_000,
  };
}

function scores(t: TrainedModel, items: number[]): number[] {
  const out = new Float32Array(t.items.size);
  t.model.score({ userIdx: -1, items: Int32Array.from(items), values: new Float32Array(items.length).fill(1) }, out);
  return Array.from(out);
}

describe('decodeTrainedModel', () => {
  it('restores the same model from one buffer and from storage chunks of a small chunk size', async () => {
    const original = await trained();
    const payload = encodeTrainedModel(original);
    const storage = await openStorage('sqlite::memory:', { modelChunkBytes: 1024 });
    try {
      await storage.models.save('ease', {}, payload);
      const record = await storage.models.loadChunks('ease');
      expect(record!.byteLength).toBe(payload.length);
      expect(payload.length).toBeGreaterThan(4 * 1024);
      const fromChunks = await decodeTrainedModel(record!.chunks);
      const fromOne = await decodeTrainedModel(payload.slice());
      for (const t of [fromChunks, fromOne]) {
        expect(t.users.toArray()).toEqual(original.users.toArray());
        expect(t.items.toArray()).toEqual(original.items.toArray());
        expect(Array.from(t.itemCounts)).toEqual(Array.from(original.itemCounts));
        expect([t.dataSeq, t.trainedAt]).toEqual([42, 1_700_000_000_000]);
        expect(scores(t, [1, 5, 7, 50])).toEqual(scores(original, [1, 5, 7, 50]));
      }
    } finally {
      await storage.close();
    }
  });

  it('decoding one buffer copies no array: they view the payload', async () => {
    const payload = encodeTrainedModel(await trained()).slice();
    const t = await decodeTrainedModel(payload);
    expect(t.itemCounts.buffer).toBe(payload.buffer);
    expect(t.model.snapshot().arrays.weights.buffer).toBe(payload.buffer);
  });
});
