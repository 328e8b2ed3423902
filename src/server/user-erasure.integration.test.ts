/**
 * Deleting a user end to end, in process: `startService` (model lifecycle with training in worker
 * threads, HTTP server) over a real SQLite file holding a slice of the vendored MovieLens demo.
 * Older stored model versions trained on the user are deleted, the served ones are retrained and
 * then deleted, rollback cannot bring the user's data back, reading the deleted user's list leaves
 * no row naming them, and a deletion interrupted before its purge is completed at the next start.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine } from '../engine/engine.js';
import type { Engine } from '../engine/engine.js';
import { isTrainedOnErasedData } from '../lifecycle/erased-versions.js';
import { writeDemoSlice } from '../lifecycle/test-support.js';
import { trainEngineRanker } from '../pipeline/train-ranker.js';
import { openSqliteDatabase } from '../storage/sqlite/sqlite-driver.js';
import { openStorage } from '../storage/index.js';
import type { Storage } from '../storage/storage.js';
import { startService } from './start-service.js';
import type { Service } from './start-service.js';
import type { UserDeletionReport } from './user-deletion.js';

const USERS = 40;
const KEY = 'erasure-admin-key';
const ITEMKNN = { k: 50, shrink: 10 };
/** The user deleted over HTTP, and one deleted "while the service was down". */
const ERASED = 'erased-user';
const CRASHED = '3';

interface Json {
  [key: string]: unknown;
}

/** Every stored version of the recommenders, decoded: which ones still name `userId` in their training data. */
async function versionsNaming(engine: Engine, userId: string): Promise<string[]> {
  const out: string[] = [];
  for (const model of ['itemknn', 'pop']) {
    for (const { version } of await engine.storage.models.versions(model)) {
      const loaded = await engine.loadModel(model, version);
      if (loaded?.trained.users.has(userId)) out.push(`${model} v${version}`);
    }
  }
  return out;
}

async function versionNumbers(storage: Storage, model: string): Promise<number[]> {
  return (await storage.models.versions(model)).map((v) => v.version);
}

describe('user deletion purges model versions trained on the user (startService, worker training, SQLite file)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lmrec-erasure-'));
  const dbPath = join(dir, 'erasure.db');
  const url = `sqlite://${dbPath}`;
  let engine: Engine;
  let service: Service;
  let rankerVersion: number;

  async function start(say?: (line: string) => void): Promise<void> {
    engine = createEngine(await openStorage(url));
    service = await startService({ engine, storageUrl: url, apiKeys: [{ key: KEY, scope: 'admin' }], port: 0, pipeline: false, lifecycle: { checkEvery: '1h' }, ...(say ? { say } : {}) });
  }

  async function stop(): Promise<void> {
    await service.close();
    await engine.close();
  }

  async function call(method: 'GET' | 'POST' | 'DELETE', path: string, body?: Json): Promise<{ status: number; body: Json }> {
    const res = await service.app.inject({ method, url: path, headers: { authorization: `Bearer ${KEY}` }, ...(body === undefined ? {} : { payload: body }) });
    return { status: res.statusCode, body: res.json<Json>() };
  }

  /** Rows of the impressions table naming `userId`, read straight from the file. */
  function impressionRows(userId: string): number {
    const db = openSqliteDatabase(dbPath);
    try {
      return (db.prepare('SELECT COUNT(*) AS n FROM impressions WHERE user_id = ?').get([userId]) as { n: number }).n;
    } finally {
      db.close();
    }
  }

  beforeAll(async () => {
    writeDemoSlice(dir, USERS);
    const setup = createEngine(await openStorage(url));
    await setup.import({ format: 'movielens-latest', dir });
    // itemknn v1 never saw the erased user.
    await setup.train('itemknn', ITEMKNN);
    const history = (await setup.storage.events.forUser(CRASHED)).map((e) => e.itemId!);
    const own = ['erased-1', 'erased-2', 'erased-3'];
    await setup.storage.bulkWrite({
      items: own.map((id) => ({ id, title: `Only ${id}` })),
      users: [{ id: ERASED, attributes: { city: 'Nowhere' } }],
      events: [...history.slice(0, 20), ...own].map((itemId, i) => ({ userId: ERASED, itemId, type: 'like' as const, timestamp: Date.UTC(2024, 0, 1) + i })),
    });
    // itemknn v2 and v3 and pop v1 did; v3 and pop v1 serve (latest, nothing activated).
    await setup.train('itemknn', ITEMKNN);
    await setup.train('itemknn', ITEMKNN);
    await setup.train('pop');
    const ranker = await trainEngineRanker(setup, { models: [{ kind: 'itemknn', params: ITEMKNN }] });
    rankerVersion = ranker.version!;
    expect(await versionsNaming(setup, ERASED)).toEqual(['itemknn v3', 'itemknn v2', 'pop v1']);
    await setup.close();
    await start();
  }, 120_000);

  afterAll(async () => {
    await stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('DELETE ?wait=true deletes every stored version trained on the user, retrains the served ones, and says so', async () => {
    const before = await call('GET', `/v1/users/${ERASED}/recommendations?k=5`);
    expect(before.status).toBe(200);
    expect(typeof before.body.impressionId).toBe('string');

    const deleted = await call('DELETE', `/v1/users/${ERASED}?wait=true`);
    expect(deleted.status, JSON.stringify(deleted.body)).toBe(200);
    const report = deleted.body as unknown as UserDeletionReport;
    expect(report.removed).toMatchObject({ user: true, events: 23, impressions: 1 });
    const { influence } = report;
    expect(influence.affectedModels).toEqual([
      { model: 'itemknn', version: 3 },
      { model: 'pop', version: 1 },
    ]);
    expect(influence.retraining.map((r) => [r.model, r.status, r.version])).toEqual([
      ['itemknn', 'retrained', 4],
      ['pop', 'retrained', 2],
    ]);
    const purged = influence.purgedVersions.map((v) => `${v.model} v${v.version}`).sort();
    expect(purged).toEqual(['itemknn v2', 'itemknn v3', 'pop v1']);
    expect(influence.pendingVersions).toEqual([]);
    expect(influence.keptModels).toEqual([{ model: 'ranker', reason: expect.stringMatching(/aggregate features/) }]);
    expect(influence.note).toMatch(/Deleted 3 stored model version\(s\) trained on their data: itemknn v2, itemknn v3, pop v1\./);
    expect(influence.note).toMatch(/no stored version holds their data/);
    expect(influence.note).toMatch(/Kept: ranker/);

    // What storage holds now: only versions that never saw the user, and the ranker.
    expect(await versionNumbers(engine.storage, 'itemknn')).toEqual([4, 1]);
    expect(await versionNumbers(engine.storage, 'pop')).toEqual([2]);
    expect(await versionsNaming(engine, ERASED)).toEqual([]);
    const erasures = await engine.storage.erasures.list();
    for (const model of ['itemknn', 'pop']) {
      for (const v of await engine.storage.models.versions(model)) expect(isTrainedOnErasedData(v, erasures), `${model} v${v.version}`).toBe(false);
    }
    expect(await versionNumbers(engine.storage, 'ranker')).toEqual([rankerVersion]);
    expect(JSON.stringify(erasures)).not.toContain(ERASED);
  });

  it('rollback after the deletion goes to a version that never saw the user; the deleted ones cannot be activated', async () => {
    const rolled = await call('POST', '/v1/models/itemknn/rollback', {});
    expect(rolled.status, JSON.stringify(rolled.body)).toBe(200);
    expect(rolled.body.result).toEqual({ name: 'itemknn', version: 1 });
    expect((await engine.loadModel('itemknn'))?.trained.users.has(ERASED)).toBe(false);
    const list = await call('GET', `/v1/users/${CRASHED}/recommendations?k=5&model=itemknn`);
    expect(list.body.modelVersion).toBe('itemknn@1');

    for (const version of [2, 3]) {
      const refused = await call('POST', '/v1/models/itemknn/activate', { version });
      expect(refused.status, JSON.stringify(refused.body)).toBe(404);
    }
    expect((await call('POST', '/v1/models/itemknn/activate', { version: 4 })).status).toBe(200);
  });

  it('reading the deleted user\u2019s recommendations records no impression naming them', async () => {
    const statsBefore = await engine.storage.impressions.stats();
    for (const userId of [ERASED, 'never-seen']) {
      const answer = await call('GET', `/v1/users/${userId}/recommendations?k=5`);
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      expect((answer.body.items as unknown[]).length).toBe(5);
      expect(answer.body).not.toHaveProperty('impressionId');
      expect(impressionRows(userId)).toBe(0);
    }
    expect(await engine.storage.impressions.stats()).toEqual(statsBefore);
    expect(await engine.storage.users.get(ERASED)).toBeUndefined();
    expect(await engine.storage.events.count({ userId: ERASED })).toBe(0);
    // A known user's list is still recorded, for feedback.
    const known = await call('GET', `/v1/users/${CRASHED}/recommendations?k=5`);
    expect(typeof known.body.impressionId).toBe('string');
    expect(impressionRows(CRASHED)).toBeGreaterThan(0);
  });

  it('a deletion interrupted before its purge and retraining is completed at the next start', async () => {
    await stop();
    // As if the process died right after the rows went: the erasure is logged, nothing else happened.
    const storage = await openStorage(url);
    expect((await storage.users.delete(CRASHED)).events).toBeGreaterThan(0);
    await storage.close();

    const said: string[] = [];
    await start((line) => said.push(line));
    expect(said).toContain('deleted 1 model version(s) trained on data of deleted users; retraining itemknn, pop without them');
    // itemknn v1 saw user 3 and no longer serves: gone at once. The served itemknn v4 and pop v2 are retrained.
    expect(await versionNumbers(engine.storage, 'itemknn')).toEqual([4]);
    const jobs = service.lifecycle.jobs().filter((j) => j.reason === 'erasure');
    expect(jobs.map((j) => j.model).sort()).toEqual(['itemknn', 'pop']);
    for (const job of jobs) expect((await service.lifecycle.wait(job.id))?.state).toBe('succeeded');

    expect(await versionNumbers(engine.storage, 'itemknn')).toEqual([5]);
    expect(await versionNumbers(engine.storage, 'pop')).toEqual([3]);
    expect(await versionsNaming(engine, CRASHED)).toEqual([]);
    expect((await call('GET', `/v1/users/1/recommendations?k=5&model=itemknn`)).body.modelVersion).toBe('itemknn@5');
    const rollback = await call('POST', '/v1/models/itemknn/rollback', {});
    expect(rollback.status).toBe(404);
    expect((rollback.body.error as { message: string }).message).toMatch(/no version to roll back to/);
  }, 120_000);
});
