/**
 * The gate between a listening server and a pipeline still being built, with a real SQLite file, a
 * real HTTP server and a real pipeline: health and refusals while closed, and the writes accepted
 * meanwhile reaching the pipeline once, in order, when it opens.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, createPipeline, openStorage } from '../index.js';
import type { Engine, Pipeline } from '../index.js';
import { writeDemoSlice } from '../lifecycle/test-support.js';
import { engineRecommend } from './engine-recommend.js';
import { PipelineGate, STARTING_RETRY_AFTER_S } from './pipeline-gate.js';
import { pipelineRecommend } from './pipeline-recommend.js';
import { startServer } from './server.js';

const KEY = 'gate-admin-key';

describe('PipelineGate', () => {
  it('holds writes in arrival order while closed, hands them over on open, then routes directly', async () => {
    const gate = new PipelineGate({ maxHeldEvents: 3 });
    const seen: string[] = [];
    const ev = (id: string) => ({ seq: Number(id.slice(1)), userId: 'u', itemId: id, type: 'like' as const, timestamp: 1 });
    await gate.hooks.onEvent([ev('e1'), ev('e2')], new AbortController().signal);
    await gate.hooks.onItemDeleted('gone');
    await gate.hooks.onEvent([ev('e3'), ev('e4')], new AbortController().signal);
    await gate.hooks.onUserDeleted('someone');
    // Beyond the bound the oldest events are let go; deletions never are.
    expect(gate.droppedEvents).toBe(2);
    await expect(gate.hooks.recommend({ userId: 'u', k: 3, exclude: [], includeSeen: false, filters: {}, context: {} } as never)).rejects.toMatchObject({ status: 503, code: 'starting', retryAfterSeconds: STARTING_RETRY_AFTER_S });
    expect(gate.status()).toMatchObject({ step: 'starting' });
    await gate.open({
      recommend: async () => ({ modelVersion: 'x', items: [] }),
      onEvent: (events) => void seen.push(...events.map((e) => `event ${e.itemId}`)),
      onItemDeleted: (id) => void seen.push(`item ${id}`),
      onUserDeleted: (id) => void seen.push(`user ${id}`),
    });
    expect(seen).toEqual(['item gone', 'event e3', 'event e4', 'user someone']);
    expect(gate.isOpen).toBe(true);
    expect(gate.status()).toBeUndefined();
    await gate.hooks.onEvent([ev('e5')], new AbortController().signal);
    expect(seen.at(-1)).toBe('event e5');
    await expect(gate.hooks.recommend({} as never)).resolves.toEqual({ modelVersion: 'x', items: [] });
  });
});

describe('a server listening before its pipeline is built (real SQLite file and HTTP)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lmrec-gate-'));
  let engine: Engine;
  let pipeline: Pipeline | undefined;
  let url = '';
  let close: () => Promise<void> = async () => undefined;
  const gate = new PipelineGate();

  async function call(method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown>; retryAfter: string | null }> {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: { authorization: `Bearer ${KEY}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown>, retryAfter: res.headers.get('retry-after') };
  }

  beforeAll(async () => {
    writeDemoSlice(dir, 30);
    engine = createEngine(await openStorage(`sqlite://${join(dir, 'gate.db')}`));
    await engine.import({ format: 'movielens-latest', dir });
    await engine.train('itemknn', { k: 20 });
    const started = await startServer({ engine, apiKeys: [{ key: KEY, scope: 'admin' }], port: 0, ...gate.hooks, startup: () => gate.status() });
    url = started.url;
    close = () => started.app.close();
  }, 60_000);

  afterAll(async () => {
    await close();
    await engine?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers health and refuses lists while starting; events accepted meanwhile are counted once', async () => {
    gate.step = 'loading the models and the trending counts';
    const health = await call('GET', '/v1/health');
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({ status: 'starting', starting: { step: 'loading the models and the trending counts' }, writes: 'ok' });
    const refused = await call('GET', '/v1/users/1/recommendations?k=5');
    expect(refused.status).toBe(503);
    expect(refused.retryAfter).toBe(String(STARTING_RETRY_AFTER_S));
    expect((refused.body.error as { code: string; message: string }).code).toBe('starting');
    expect((refused.body.error as { message: string }).message).toMatch(/loading the models and the trending counts/);
    expect((await call('GET', '/v1/trending?k=3')).status).toBe(503);

    // An event stored before the pipeline reads storage, and one after: both counted once.
    const now = Date.now();
    expect((await call('POST', '/v1/events', { userId: '1', itemId: '1', type: 'like', timestamp: now })).status).toBe(200);
    pipeline = await createPipeline(engine);
    expect((await call('POST', '/v1/events', { userId: '2', itemId: '1', type: 'like', timestamp: now })).status).toBe(200);
    const active = pipeline;
    await gate.open({
      recommend: pipelineRecommend(active, engineRecommend(engine)),
      onEvent: (events) => {
        for (const e of events) active.observe(e);
      },
      trending: active,
    });
    const reference = await createPipeline(engine);
    const counted = (await active.trendingItems(1000)).find((t) => t.id === '1');
    const expected = (await reference.trendingItems(1000)).find((t) => t.id === '1');
    // (Both read at their own request time: equal up to a few milliseconds of decay; counted twice, one more.)
    expect(counted?.score).toBeCloseTo(expected?.score ?? NaN, 4);

    expect((await call('GET', '/v1/health')).body).toMatchObject({ status: 'ok' });
    const served = await call('GET', '/v1/users/1/recommendations?k=5');
    expect(served.status).toBe(200);
    expect(String(served.body.modelVersion)).toMatch(/^pipeline@/);
  });
});
