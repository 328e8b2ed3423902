/**
 * The whole service on PostgreSQL: `startService` (lifecycle, pipeline, HTTP server) over a
 * `postgres://` storage on a server the test starts, with the vendored demo slice imported,
 * popularity and item-kNN trained, recommendations served, events ingested through both event routes and read
 * back by another connection, and a training job run in a worker thread (which opens its own
 * PostgreSQL connection) whose new version is then served.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelManager, createEngine, openStorage } from '../index.js';
import type { Engine } from '../index.js';
import { writeDemoSlice } from '../lifecycle/test-support.js';
import { postgresForTests } from '../storage/postgres/postgres-test-server.js';
import { startService } from './start-service.js';
import type { Service } from './start-service.js';

const available = await postgresForTests();
const server = available.server;
const KEY = 'pg-admin-key';

describe.skipIf(server === undefined)(`the service on PostgreSQL${server === undefined ? ` (${available.reason})` : ''}`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'lmrec-pg-service-'));
  let url: string;
  let engine: Engine;
  let service: Service;

  async function call(method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
    const res = await fetch(`${service.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${KEY}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  beforeAll(async () => {
    url = await server!.createDatabase();
    writeDemoSlice(dir, 40);
    engine = createEngine(await openStorage(url));
    await engine.import({ format: 'movielens-latest', dir });
    const manager = new ModelManager(engine);
    await manager.activate('pop', (await engine.train('pop', {})).version);
    await manager.activate('itemknn', (await engine.train('itemknn', { k: 20 })).version);
    service = await startService({ engine, storageUrl: url, apiKeys: [{ key: KEY, scope: 'admin' }], port: 0, lifecycle: { syncEvery: 100 } });
  }, 120_000);

  afterAll(async () => {
    await service?.close();
    await engine?.close();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reports healthy PostgreSQL storage', async () => {
    const health = await call('GET', '/v1/health');
    expect(health.status).toBe(200);
    expect(JSON.stringify(health.body)).not.toMatch(/degraded/);
    expect(engine.storage.url).toMatch(/^postgres:\/\//);
    expect(engine.storage.capabilities.concurrentWriters).toBe(true);
  });

  it('serves recommendations from the stored models and records the list', async () => {
    expect((await engine.storage.models.load('pop'))?.version).toBe(1);
    const list = await call('GET', '/v1/users/1/recommendations?k=5');
    expect(list.status).toBe(200);
    const items = list.body.items as { id: string }[];
    expect(items).toHaveLength(5);
    expect(String(list.body.modelVersion)).toMatch(/itemknn@1/);
    // The served list was recorded as an impression in PostgreSQL.
    expect(await engine.storage.impressions.get(String(list.body.impressionId))).toMatchObject({ userId: '1', itemIds: items.map((i) => i.id) });
  });

  it('stores events posted to /v1/events and /v1/events/batch, visible to another connection', async () => {
    const other = await openStorage(url);
    try {
      const before = await other.events.lastSeq();
      const items = (await other.items.list({ limit: 3 })).map((item) => item.id);
      expect((await call('POST', '/v1/events', { userId: 'pg-user', itemId: items[0], type: 'view' })).status).toBeLessThan(300);
      const batch = await call('POST', '/v1/events/batch', { events: items.map((itemId) => ({ userId: 'pg-user', itemId, type: 'like' })) });
      expect(batch.status).toBeLessThan(300);
      const stored = await other.events.forUser('pg-user');
      expect(stored.map((e) => [e.type, e.itemId])).toEqual([['view', items[0]], ...items.map((id) => ['like', id])]);
      expect(await other.events.lastSeq()).toBe(before + 4);
      // The new user's list now leaves out what they liked.
      const list = await call('GET', '/v1/users/pg-user/recommendations?k=5');
      expect((list.body.items as { id: string }[]).map((i) => i.id).filter((id) => items.includes(id))).toEqual([]);
    } finally {
      await other.close();
    }
  });

  it('trains a new version in a worker (its own PostgreSQL connection) and serves it', async () => {
    const queued = await call('POST', '/v1/models/itemknn/train', { params: { k: 30 } });
    expect(queued.status).toBeLessThan(300);
    let version = '';
    for (const deadline = Date.now() + 30_000; Date.now() < deadline && !/itemknn@2/.test(version); ) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      version = String((await call('GET', '/v1/users/1/recommendations?k=5')).body.modelVersion);
    }
    expect(version).toMatch(/itemknn@2/);
    expect((await engine.storage.models.versions('itemknn')).map((v) => v.version)).toEqual([2, 1]);
    // The learned ranker queued at start (none was stored) was trained in a worker too.
    expect((await engine.storage.models.versions('ranker')).length).toBeGreaterThan(0);
  }, 60_000);
});
