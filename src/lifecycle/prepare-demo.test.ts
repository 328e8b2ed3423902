import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createEngine } from '../engine/engine.js';
import { openStorage } from '../storage/index.js';
import { createLifecycle } from './lifecycle.js';
import { prepareDemo } from './prepare-demo.js';
import { writeDemoSlice } from './test-support.js';

const MODELS = [{ kind: 'pop' }, { kind: 'als', params: { factors: 16, iterations: 5 } }];

describe('prepareDemo', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lmrec-demo-'));
  writeDemoSlice(dir, 40);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('imports and trains on first start, and reuses what is stored on the next', async () => {
    const url = `sqlite://${join(dir, 'first.db')}`;
    const lines: string[] = [];
    const phases = new Set<string>();
    let engine = createEngine(await openStorage(url));
    const first = await prepareDemo(engine, { dir, models: MODELS, say: (l) => lines.push(l), onProgress: (phase) => phases.add(phase) });
    expect(first.imported?.users).toBe(40);
    expect(first.trained.map((t) => [t.model, t.version])).toEqual([['pop', 1], ['als', 1]]);
    expect(first.reused).toEqual([]);
    expect(first.ready.sort()).toEqual(['als', 'pop']);
    expect(lines[0]).toMatch(/^importing the MovieLens latest-small demo/);
    expect(phases.has('read events')).toBe(true);
    await engine.close();

    engine = createEngine(await openStorage(url));
    const again = await prepareDemo(engine, { dir, models: MODELS });
    expect(again.imported).toBeUndefined();
    expect(again.trained).toEqual([]);
    expect(again.reused).toEqual(['pop', 'als']);
    expect((await engine.recommend('1', { model: 'als' })).modelVersion).toBe('als@1');
    await engine.close();
  });

  it('trains in worker threads through a lifecycle, with progress', async () => {
    const url = `sqlite://${join(dir, 'worker.db')}`;
    const engine = createEngine(await openStorage(url));
    const lifecycle = createLifecycle({ engine, storageUrl: url });
    try {
      const report = await prepareDemo(engine, { dir, models: MODELS, lifecycle, onProgress: () => undefined });
      expect(report.trained.map((t) => t.model)).toEqual(['pop', 'als']);
      expect(lifecycle.jobs().map((j) => j.state)).toEqual(['succeeded', 'succeeded']);
      expect((await engine.recommend('1', { model: 'als' })).modelVersion).toBe('als@1');
      expect(await engine.storage.models.active('als')).toBe(1);
    } finally {
      await lifecycle.close();
      await engine.close();
    }
  });
});
