import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createRng } from '../linalg/index.js';
import { openStorage } from '../storage/index.js';
import { fromHalf, seedFromEmbeddingPack, toHalf, writeEmbeddingPack } from './embedding-pack.js';
import { textHash } from './text-hash.js';

describe('embedding packs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lmrec-pack-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('round-trips half precision like IEEE 754 binary16', () => {
    for (const [x, bits] of [
      [0, 0],
      [1, 0x3c00],
      [-2, 0xc000],
      [65504, 0x7bff],
      [1e6, 0x7c00],
      [2 ** -24, 0x0001],
      [0.333251953125, 0x3555],
    ] as const) {
      expect(toHalf(x)).toBe(bits);
      if (Math.abs(x) <= 65504) expect(fromHalf(bits)).toBe(x);
    }
    const rng = createRng(7);
    for (let i = 0; i < 10_000; i++) {
      const x = (rng.next() - 0.5) * 2;
      expect(Math.abs(fromHalf(toHalf(x)) - x)).toBeLessThanOrEqual(Math.abs(x) * 2 ** -11 + 2 ** -25);
    }
  });

  it('seeds the cache with the asked rows of its own encoder, in files under 5 MB', async () => {
    const rng = createRng(3);
    const dim = 512;
    const entries = Array.from({ length: 5_000 }, (_, r) => {
      const vector = new Float32Array(dim);
      let s = 0;
      for (let d = 0; d < dim; d++) s += (vector[d] = rng.next() - 0.5) ** 2;
      for (let d = 0; d < dim; d++) vector[d] /= Math.sqrt(s);
      return { hash: textHash(`text ${r}`), vector };
    });
    const packDir = join(dir, 'pack');
    const manifest = await writeEmbeddingPack(packDir, 'use-lite', entries);
    expect(manifest.vectors.length).toBeGreaterThan(1);
    for (const f of manifest.vectors) expect(statSync(join(packDir, f)).size).toBeLessThan(5 * 1024 * 1024);
    const storage = await openStorage(`sqlite://${join(dir, 'seed.db')}`);
    try {
      expect(await seedFromEmbeddingPack(packDir, storage.embeddings, 'other-encoder')).toBe(0);
      const wanted = new Set(entries.filter((_, r) => r % 2 === 0).map((e) => e.hash));
      expect(await seedFromEmbeddingPack(packDir, storage.embeddings, 'use-lite', wanted)).toBe(2_500);
      expect(await storage.embeddings.count('use-lite')).toBe(2_500);
      const got = await storage.embeddings.get('use-lite', [entries[0].hash, entries[1].hash]);
      expect(got.has(entries[1].hash)).toBe(false);
      const v = got.get(entries[0].hash)!;
      let cos = 0;
      for (let d = 0; d < dim; d++) cos += v[d] * entries[0].vector[d];
      expect(cos).toBeGreaterThan(0.9999);
    } finally {
      await storage.close();
    }
  });
});
