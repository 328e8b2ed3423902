/**
 * The server when storage writes fail (in process, real SQLite files): a list whose impression
 * cannot be written is served all the same, `/v1/health` says `degraded` with the reason, a write
 * waiting for another process's lock does not stop other requests, and a read-only database serves
 * reads from the start.
 * @module
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, openStorage } from '../index.js';
import type { Engine } from '../index.js';
import { openSqliteDatabase } from '../storage/sqlite/sqlite-driver.js';
import { createServer } from './server.js';

const auth = { authorization: 'Bearer faults-key' };
const apiKeys = [{ key: 'faults-key', scope: 'admin' as const }];
const T0 = Date.UTC(2024, 0, 1);

describe('serving while storage writes fail', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lmrec-server-faults-'));
  const path = join(dir, 'faults.db');
  let engine: Engine;
  let app: FastifyInstance;

  beforeAll(async () => {
    engine = createEngine(await openStorage(`sqlite://${path}`, { busyTimeoutMs: 400 }));
    await engine.storage.items.upsert(['a', 'b', 'c', 'd'].map((id) => ({ id, title: `Item ${id}` })));
    await engine.storage.events.append([
      { userId: 'u1', itemId: 'a', type: 'like', timestamp: T0 },
      { userId: 'u2', itemId: 'a', type: 'like', timestamp: T0 },
      { userId: 'u2', itemId: 'b', type: 'like', timestamp: T0 },
    ]);
    await engine.train('pop');
    app = await createServer({ engine, apiKeys });
  });

  afterAll(async () => {
    await app?.close();
    await engine?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const recommend = () => app.inject({ method: 'GET', url: '/v1/users/u1/recommendations?k=2', headers: auth });
  const health = async () => (await app.inject({ method: 'GET', url: '/v1/health' })).json<Record<string, unknown>>();

  it('is ok while writes work', async () => {
    const res = await recommend();
    expect(res.statusCode).toBe(200);
    expect(res.json()).toHaveProperty('impressionId');
    expect(await health()).toMatchObject({ status: 'ok', writes: 'ok', failedWrites: 0, impressionsNotRecorded: 0 });
  });

  it('serves the list without an impression when the impression cannot be written, and says so in /v1/health', async () => {
    const other = openSqliteDatabase(path);
    try {
      // A trigger stands in for a full disk or a file made read-only under the server.
      other.exec("CREATE TRIGGER no_room BEFORE INSERT ON impressions BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END");
      const res = await recommend();
      expect(res.statusCode).toBe(200);
      const body = res.json<{ impressionId?: string; items: unknown[] }>();
      expect(body.items.length).toBeGreaterThan(0);
      expect(body.impressionId).toBeUndefined();
      expect(await health()).toMatchObject({
        status: 'degraded',
        writes: 'failing',
        failedWrites: 1,
        impressionsNotRecorded: 1,
        lastWriteError: { operation: 'impressions.record', message: expect.stringMatching(/disk is full/) as unknown },
      });
      other.exec('DROP TRIGGER no_room');
    } finally {
      other.close();
    }
    // The next write that works clears the state; the count and the last error stay.
    expect((await recommend()).json()).toHaveProperty('impressionId');
    expect(await health()).toMatchObject({ status: 'ok', writes: 'ok', failedWrites: 1, lastWriteError: { operation: 'impressions.record' } });
  });

  it('keeps answering other requests while a write waits for another process\'s lock', async () => {
    const other = openSqliteDatabase(path);
    other.exec('BEGIN IMMEDIATE');
    try {
      const started = performance.now();
      const waiting = recommend();
      // The recommendation waits (asynchronously) for the lock; health answers meanwhile.
      await new Promise((resolve) => setTimeout(resolve, 50));
      const h0 = performance.now();
      expect((await app.inject({ method: 'GET', url: '/v1/health' })).statusCode).toBe(200);
      expect(performance.now() - h0).toBeLessThan(150);
      const res = await waiting;
      expect(res.statusCode).toBe(200);
      expect(res.json()).not.toHaveProperty('impressionId');
      expect(performance.now() - started).toBeGreaterThanOrEqual(350);
      expect(await health()).toMatchObject({ status: 'degraded', writes: 'failing', lastWriteError: { message: expect.stringMatching(/locked by another writer/) as unknown } });
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
  });

  it('serves reads from a read-only database and says why it refuses writes', async () => {
    const readonly = createEngine(await openStorage(`sqlite://${path}?readonly=true`));
    const server = await createServer({ engine: readonly, apiKeys });
    try {
      const res = await server.inject({ method: 'GET', url: '/v1/users/u1/recommendations?k=2', headers: auth });
      expect(res.statusCode).toBe(200);
      expect(res.json()).not.toHaveProperty('impressionId');
      const h = (await server.inject({ method: 'GET', url: '/v1/health' })).json<Record<string, unknown>>();
      expect(h).toMatchObject({ status: 'degraded', writes: 'read-only', readOnlyReason: 'opened read-only as asked', impressionsNotRecorded: 1 });
      const post = await server.inject({ method: 'POST', url: '/v1/events', headers: auth, payload: { userId: 'u1', itemId: 'c', type: 'view' } });
      expect(post.statusCode).toBeGreaterThanOrEqual(500);
      expect(post.json()).toMatchObject({ error: { message: expect.stringMatching(/read-only/) as unknown } });
    } finally {
      await server.close();
      await readonly.close();
    }
  });
});
