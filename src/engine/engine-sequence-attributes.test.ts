/**
 * A SASRec trained by the engine reads the stored items' `attributeIds` (as an S3-Rec import with its
 * attribute file stores them) as side information, keeps them in its stored version and serves from it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStorage } from '../storage/index.js';
import { createEngine } from './engine.js';
import type { Engine } from './engine.js';

describe('engine training sasrec with item attributes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lmrec-seq-attr-'));
  let engine: Engine;

  beforeAll(async () => {
    engine = createEngine(await openStorage(`sqlite://${join(dir, 's.db')}`));
    // Twelve items in two attribute groups; users walk 0 → 1 → 2 → … from random starts.
    await engine.storage.items.upsert(Array.from({ length: 12 }, (_, i) => ({ id: `i${i}`, title: `Item ${i}`, attributes: { attributeIds: [i % 2 === 0 ? 1 : 2, 10 + (i % 3)] } })));
    const events = [];
    for (let u = 0; u < 40; u++) for (let t = 0; t < 5; t++) events.push({ userId: `u${u}`, itemId: `i${(u + t) % 12}`, type: 'purchase' as const, timestamp: 1_000 * t });
    await engine.storage.events.append(events);
  });

  afterAll(async () => {
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stores the attributes with the model and recommends from the reloaded version', async () => {
    const result = await engine.train('sasrec', { dim: 8, blocks: 1, maxLen: 8, epochs: 2 });
    const loaded = await engine.loadModel('sasrec', result.version);
    const snapshot = loaded!.trained.model.snapshot();
    // Five distinct labels: 1, 2 and 10, 11, 12.
    expect(snapshot.meta.numAttributes).toBe(5);
    expect(snapshot.arrays.attributeIndices?.length).toBe(24);
    const list = await engine.recommend('u3', { k: 3 });
    expect(list.items.length).toBe(3);
  });
});
