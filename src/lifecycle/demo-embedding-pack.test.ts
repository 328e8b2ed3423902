/**
 * The demo ships USE-lite's vectors of its catalogue texts (data/demo/ml-latest-small/embeddings):
 * they must match what the engine would encode today, so a first start encodes nothing. A change
 * of templates or text clipping that makes them stale fails here, not silently at first start.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Encoder } from '../encoders/encoder.js';
import { bagOfWordsEncoder } from '../encoders/test-support.js';
import { USE_LITE_DIM, USE_LITE_ID } from '../encoders/use-lite-encoder.js';
import { createEngine } from '../engine/engine.js';
import { openStorage } from '../storage/index.js';
import { DEMO_DATA_DIR, prepareDemo } from './prepare-demo.js';

describe('the demo embedding pack', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lmrec-demo-pack-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('covers every demo item text, so the first start encodes nothing', async () => {
    let encoded = 0;
    const inner = bagOfWordsEncoder();
    // Stands in for USE-lite's runtime only to count calls: every vector must come from the pack.
    const counting: Encoder = {
      ...inner,
      id: USE_LITE_ID,
      dim: USE_LITE_DIM,
      async encode(texts) {
        encoded += texts.length;
        return new Float32Array(texts.length * USE_LITE_DIM);
      },
    };
    const engine = createEngine(await openStorage(`sqlite://${join(dir, 'demo.db')}`), { encoder: counting });
    try {
      const lines: string[] = [];
      await prepareDemo(engine, { models: [], say: (l) => lines.push(l) });
      expect(lines.join('\n')).toMatch(/seeded the embedding cache with 9742 item vectors/);
      const report = await engine.embedCatalogue();
      expect(report).toMatchObject({ items: 9742, encoded: 0, cached: 9742 });
      expect(encoded).toBe(0);
      // Vectors are unit length (half precision keeps them within 1e-3).
      const vectors = await engine.itemVectors();
      const v = vectors.vectorOf('1')!;
      let s = 0;
      for (const x of v) s += x * x;
      expect(Math.abs(Math.sqrt(s) - 1)).toBeLessThan(1e-3);
    } finally {
      await engine.close();
    }
  }, 120_000);

  it('seeds nothing for another encoder', async () => {
    const engine = createEngine(await openStorage(`sqlite://${join(dir, 'other.db')}`), { encoder: bagOfWordsEncoder() });
    try {
      const lines: string[] = [];
      await prepareDemo(engine, { models: [], say: (l) => lines.push(l), dir: DEMO_DATA_DIR });
      expect(lines.join('\n')).not.toMatch(/seeded/);
      expect(await engine.storage.embeddings.count('test-bow')).toBe(0);
    } finally {
      await engine.close();
    }
  }, 120_000);
});
