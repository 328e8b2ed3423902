import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UnsupportedError, ValidationError } from '../core/errors.js';
import { createEngine } from '../engine/engine.js';
import type { Engine } from '../engine/engine.js';
import { openStorage } from '../storage/index.js';
import { EVALUATION_JOB, evaluationParams, evaluationProtocol } from './evaluation-job.js';
import { createLifecycle } from './lifecycle.js';
import type { ManagedLifecycle } from './lifecycle.js';
import { writeDemoSlice } from './test-support.js';

describe('evaluationParams', () => {
  it('defaults to the temporal protocol over the stored models, leaving out sequence models and the ranker', () => {
    expect(evaluationParams({}, ['ease', 'ranker', 'sasrec', 'pop'])).toEqual({ protocol: 'temporal', models: 'ease,pop', search: false, seed: 2020 });
  });

  it('names the field that is wrong', () => {
    expect(() => evaluationParams({ models: ['pop', 'nope'] }, [])).toThrow(/models\/1: unknown model "nope"/);
    expect(() => evaluationParams({ models: ['gru4rec'] }, [])).toThrow(/sequence model/);
    expect(() => evaluationParams({ protocol: 'x' as never }, ['pop'])).toThrow(/protocol must be one of temporal, random, loo/);
    expect(() => evaluationParams({}, ['ranker'])).toThrow(ValidationError);
    expect(() => evaluationParams({ models: Array.from({ length: 9 }, () => 'pop').map((m, i) => (i === 0 ? m : `${m}${i}`)) }, [])).toThrow(/at most 8 models/);
  });

  it('cuts the global timeline for the temporal protocol and keeps every positive weight', () => {
    const p = evaluationProtocol('temporal', 7);
    expect(p.split).toEqual({ kind: 'temporal', ratios: [0.8, 0.1, 0.1] });
    expect(p.minValue).toBeUndefined();
    expect(p.seed).toBe(7);
    expect(evaluationProtocol('loo', 1).split.kind).toBe('leave-one-out');
  });
});

describe('evaluation jobs', () => {
  let dir: string;
  let engine: Engine;
  let lifecycle: ManagedLifecycle;
  const reportsDir = (): string => join(dir, 'reports');

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lmrec-evaluation-'));
    writeDemoSlice(dir, 120);
    const url = `sqlite://${join(dir, 'e.db')}`;
    engine = createEngine(await openStorage(url));
    await engine.import({ format: 'movielens-latest', dir });
    await engine.train('itemknn', { k: 20, shrink: 0 });
    lifecycle = createLifecycle({ engine, storageUrl: url, reportsDir: reportsDir(), syncEvery: 0 });
  });

  afterAll(async () => {
    await lifecycle.close();
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('evaluates the stored events in a worker and writes a report the dashboard can list', async () => {
    const { jobId } = await lifecycle.evaluate({ models: ['pop', 'itemknn'] });
    const status = await lifecycle.wait(jobId);
    expect(status?.state, JSON.stringify(status?.error)).toBe('succeeded');
    expect(status?.model).toBe(EVALUATION_JOB);
    expect(status?.activated).toBe(false);
    const ref = status?.result?.report;
    expect(ref?.models.map((m) => m.kind)).toEqual(['pop', 'itemknn']);
    const report = JSON.parse(readFileSync(join(reportsDir(), ref?.id ?? '?', 'report.json'), 'utf8')) as {
      complete: boolean;
      protocol: { name: string };
      dataset: { name: string; raw: { users: number } };
      models: { kind: string; params: Record<string, unknown>; test: { metrics: Record<string, number> } }[];
    };
    expect(report.complete).toBe(true);
    expect(report.protocol.name).toBe('global-temporal');
    expect(report.dataset.name).toBe('stored events (sqlite)');
    expect(report.dataset.raw.users).toBeGreaterThan(50);
    // Without a search, each model is evaluated with the parameters it serves with: item-kNN's stored version's.
    expect(report.models[1].params).toMatchObject({ k: 20, shrink: 0 });
    for (const m of report.models) expect(m.test.metrics['ndcg@10']).toBeGreaterThan(0);
    expect(ref?.models[1].ndcg10).toBeCloseTo(report.models[1].test.metrics['ndcg@10'], 10);
    expect(existsSync(join(reportsDir(), ref?.id ?? '?', 'report.md'))).toBe(true);
    // Nothing was stored or put into service by it.
    expect(await engine.storage.models.names()).toEqual(['itemknn']);
  });

  it('can be cancelled', async () => {
    const { jobId } = await lifecycle.evaluate({ models: ['pop', 'itemknn', 'ease'], search: true, protocol: 'random' });
    expect(lifecycle.cancel(jobId)).toBe(true);
    expect((await lifecycle.wait(jobId))?.state).toBe('cancelled');
  });

  it('refuses a bad request before queueing, and evaluations without a reports directory', async () => {
    await expect(lifecycle.evaluate({ models: ['nope'] })).rejects.toThrow(ValidationError);
    const other = createLifecycle({ engine, storageUrl: `sqlite://${join(dir, 'e.db')}`, syncEvery: 0 });
    try {
      await expect(other.evaluate({})).rejects.toThrow(UnsupportedError);
    } finally {
      await other.close();
    }
  });
});
