/**
 * The HTTP server as a real process: `lmrec serve` is spawned on an ephemeral port over a temporary
 * SQLite file seeded from a slice of the vendored MovieLens demo, and exercised over HTTP.
 */
import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSqliteStorage, openStorage } from '../storage/index.js';
import { createEngine } from '../engine/engine.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DEMO = join(ROOT, 'data/demo/ml-latest-small');
/** Ratings kept from the demo: the first users' histories, enough for item-kNN to mean something. */
const RATINGS = 25_000;
const KEYS = { admin: 'test-admin-key', write: 'test-write-key', read: 'test-read-key' };
/** A user whose deletion must leave no trace, and an unrelated user whose list is compared. */
const GHOST = 'ghost';
const OTHER = '3';
/** A user with a short history, whose list should move toward a genre after a few likes. */
const SHIFTER = '26';
const GENRE = 'Animation';

interface Json {
  [key: string]: unknown;
}

interface Answer {
  status: number;
  body: Json;
}

interface ListItem {
  id: string;
  score: number;
}

describe('HTTP server process (lmrec serve) on a MovieLens slice', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lmrec-server-'));
  const dbPath = join(dir, 'server.db');
  let child: ChildProcessWithoutNullStreams;
  let base = '';
  let stderr = '';
  let genreOf: Map<string, string[]>;
  let baseline: ListItem[];
  let byPopularity: string[];

  async function call(method: string, path: string, options: { key?: keyof typeof KEYS | null; body?: unknown; raw?: string; headers?: Record<string, string> } = {}): Promise<Answer> {
    const headers: Record<string, string> = { ...options.headers };
    const key = options.key === undefined ? 'admin' : options.key;
    if (key !== null) headers.authorization = `Bearer ${KEYS[key]}`;
    let payload: string | undefined;
    if (options.raw !== undefined) payload = options.raw;
    else if (options.body !== undefined) payload = JSON.stringify(options.body);
    if (payload !== undefined) headers['content-type'] ??= 'application/json';
    const res = await fetch(`${base}${path}`, { method, headers, body: payload });
    const text = await res.text();
    expect(res.headers.get('content-type') ?? '', `${method} ${path} answers JSON`).toMatch(/application\/json/);
    return { status: res.status, body: JSON.parse(text) as Json };
  }

  function errorOf(answer: Answer): { code: string; message: string; details?: Json } {
    return answer.body.error as { code: string; message: string; details?: Json };
  }

  async function list(userId: string, query = '', k = 10): Promise<{ impressionId: string; modelVersion: string; variant: string; items: ListItem[] }> {
    const answer = await call('GET', `/v1/users/${userId}/recommendations?k=${k}${query}`, { key: 'read' });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    return answer.body as unknown as { impressionId: string; modelVersion: string; variant: string; items: ListItem[] };
  }

  function share(items: readonly ListItem[], genre: string): number {
    return items.filter((it) => genreOf.get(it.id)?.includes(genre)).length / Math.max(1, items.length);
  }

  beforeAll(async () => {
    // A slice of the demo: the full catalogue and the first ratings.
    const slice = join(dir, 'slice');
    mkdirSync(slice);
    copyFileSync(join(DEMO, 'movies.csv'), join(slice, 'movies.csv'));
    const ratings = readFileSync(join(DEMO, 'ratings.csv'), 'utf8').split('\n');
    writeFileSync(join(slice, 'ratings.csv'), ratings.slice(0, RATINGS + 1).join('\n') + '\n');

    const engine = createEngine(await openStorage(`sqlite://${dbPath}`));
    await engine.import({ format: 'movielens-latest', dir: slice });
    genreOf = new Map<string, string[]>();
    for await (const page of engine.storage.items.scan()) {
      for (const item of page) genreOf.set(item.id, (item.attributes?.genres as string[] | undefined) ?? []);
    }
    const counts = new Map<string, number>();
    for await (const page of engine.storage.events.scan()) for (const e of page) counts.set(e.itemId!, (counts.get(e.itemId!) ?? 0) + 1);
    byPopularity = [...counts].sort((a, b) => b[1] - a[1]).map(([id]) => id);
    // Version 1 never saw the ghost: the reference for "no influence" after deletion. Each like lifts
    // the liked item's own neighbours, as in the server's default training parameters.
    await engine.train('itemknn', { k: 50, shrink: 10, aggregate: 'history' });
    baseline = (await engine.recommend(OTHER, { k: 10, model: 'itemknn' })).items.map(({ id, score }) => ({ id, score }));
    // The ghost shares the other user's history and adds items nobody else touched.
    const history = (await engine.storage.events.forUser(OTHER)).map((e) => e.itemId!);
    const t0 = Date.UTC(2024, 0, 1);
    const ghostItems = ['ghost-1', 'ghost-2', 'ghost-3'];
    await engine.storage.bulkWrite({
      items: ghostItems.map((id) => ({ id, title: `Ghost ${id}`, attributes: { genres: ['Documentary'] } })),
      users: [{ id: GHOST, attributes: { city: 'Nowhere' } }],
      events: [...history, ...ghostItems].map((itemId, i) => ({ userId: GHOST, itemId, type: 'like' as const, timestamp: t0 + i })),
    });
    // Version 2 and the popularity model include the ghost: the served models at start.
    await engine.train('itemknn', { k: 50, shrink: 10, aggregate: 'history' });
    await engine.train('pop');
    await engine.close();

    writeFileSync(
      join(dir, 'lmrec.config.json'),
      JSON.stringify({ server: { bodyLimit: 64 * 1024, experiment: { salt: 'test-salt', variants: [{ name: 'A', model: 'itemknn' }, { name: 'B', model: 'itemknn' }] } } }),
    );
    child = spawn(
      process.execPath,
      ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), '--config', join(dir, 'lmrec.config.json'), '--db', `sqlite://${dbPath}`, '--json', '--log-level', 'warn', 'serve', '--port', '0'],
      { cwd: ROOT, env: { ...process.env, LMREC_API_KEYS: `${KEYS.admin}:admin,${KEYS.write}:write,${KEYS.read}:read` } },
    );
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    base = await new Promise<string>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`server did not start: ${stderr}`)), 30_000);
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const line = out.split('\n')[0];
        if (out.includes('\n')) {
          clearTimeout(timer);
          resolve((JSON.parse(line) as { url: string }).url);
        }
      });
      child.once('exit', (code) => reject(new Error(`server exited with ${code}: ${stderr}`)));
    });
  }, 120_000);

  afterAll(async () => {
    if (child !== undefined && child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves health without a key and an OpenAPI 3 document listing the routes', async () => {
    expect((await call('GET', '/v1/health', { key: null })).body).toMatchObject({ status: 'ok' });
    const doc = (await call('GET', '/openapi.json', { key: null })).body;
    expect(String(doc.openapi)).toMatch(/^3\./);
    expect(Object.keys(doc.paths as Json)).toEqual(
      expect.arrayContaining(['/v1/items/{id}', '/v1/events/batch', '/v1/users/{id}/recommendations', '/v1/feedback', '/v1/query', '/v1/metrics']),
    );
  });

  it('deleting a user removes every row and, after retraining, every trace of influence on other users', async () => {
    // The ghost has a served list with a click, so impressions and clicks exist to be deleted.
    const served = await list(GHOST);
    expect(served.items.length).toBeGreaterThan(0);
    expect((await call('POST', '/v1/feedback', { key: 'write', body: { impressionId: served.impressionId, itemId: served.items[0].id, type: 'click' } })).status).toBe(200);
    // With the ghost in the training data the other user's scores differ from the reference.
    const before = (await list(OTHER, '&model=itemknn')).items;
    expect(before.map((it) => it.score)).not.toEqual(baseline.map((it) => it.score));

    const deleted = await call('DELETE', `/v1/users/${GHOST}?wait=true`);
    expect(deleted.status, JSON.stringify(deleted.body)).toBe(200);
    expect(deleted.body.removed).toMatchObject({ user: true, impressions: 1, clicks: 1 });
    expect((deleted.body.removed as { events: number }).events).toBeGreaterThan(3);
    const influence = deleted.body.influence as { affectedModels: { model: string }[]; retraining: { model: string; status: string }[] };
    expect(influence.affectedModels.map((m) => m.model).sort()).toEqual(['itemknn', 'pop']);
    expect(influence.retraining.every((r) => r.status === 'retrained')).toBe(true);

    // No rows left: read the file directly (WAL lets a reader in beside the server).
    const reader = createSqliteStorage({ path: dbPath, readonly: true });
    try {
      expect(await reader.users.get(GHOST)).toBeUndefined();
      expect(await reader.events.count({ userId: GHOST })).toBe(0);
      expect(await reader.impressions.get(served.impressionId)).toBeUndefined();
    } finally {
      await reader.close();
    }
    expect((await call('GET', `/v1/users/${GHOST}`, { key: 'read' })).status).toBe(404);
    // The retrained model is the reference model again: same items, same scores.
    const after = (await list(OTHER, '&model=itemknn')).items;
    expect(after.map((it) => it.id)).toEqual(baseline.map((it) => it.id));
    after.forEach((it, i) => expect(it.score).toBeCloseTo(baseline[i].score, 5));
  });

  it('a few likes in one genre shift the next top-10 toward that genre, for a known and a new user', async () => {
    for (const userId of [SHIFTER, 'newcomer']) {
      const before = await list(userId);
      const history = await call('GET', `/v1/users/${userId}?events=1000`, { key: 'read' });
      const seen = new Set(history.status === 200 ? (history.body.events as { itemId: string }[]).map((e) => e.itemId) : []);
      // Mid-popular titles of the genre: the most popular ones co-occur with blockbusters of every genre.
      const liked = byPopularity.filter((id) => genreOf.get(id)?.includes(GENRE) && !seen.has(id)).slice(30, 35);
      const now = Date.now();
      const posted = await call('POST', '/v1/events/batch', {
        key: 'write',
        body: { events: liked.map((itemId, i) => ({ userId, itemId, type: 'like', timestamp: now + i })) },
      });
      expect(posted.body).toMatchObject({ accepted: 5 });
      const after = await list(userId);
      expect(share(after.items, GENRE), userId).toBeGreaterThan(share(before.items, GENRE));
      for (const it of after.items) expect(liked).not.toContain(it.id);
    }
  });

  it('records feedback clicks once per item and reports CTR per model version and variant in /v1/metrics', async () => {
    const served = await list('7');
    expect(['A', 'B']).toContain(served.variant);
    const click = { impressionId: served.impressionId, itemId: served.items[1].id, type: 'click' };
    expect((await call('POST', '/v1/feedback', { key: 'write', body: click })).body).toMatchObject({ recorded: true, click: true });
    expect((await call('POST', '/v1/feedback', { key: 'write', body: click })).status).toBe(200);
    const metrics = (await call('GET', '/v1/metrics', { key: 'read' })).body;
    const online = metrics.online as { byModelVersion: Record<string, { clicks: number; impressions: number; ctr: number }>; byVariant: Record<string, { ctr: number }> };
    const cell = online.byModelVersion[served.modelVersion];
    expect(cell.clicks).toBeGreaterThanOrEqual(1);
    expect(cell.ctr).toBeCloseTo(cell.clicks / cell.impressions, 5);
    expect(online.byVariant[served.variant].ctr).toBeGreaterThan(0);
    const requests = metrics.requests as Record<string, { count: number; p99Ms: number }>;
    expect(requests['GET /v1/users/:id/recommendations'].count).toBeGreaterThan(0);
    expect((metrics.events as { stored: number }).stored).toBeGreaterThan(RATINGS);
  });

  it('answers bad input with a 4xx JSON error that says what was wrong, and stays up', async () => {
    const bad = async (status: number, answer: Promise<Answer>, message: RegExp): Promise<void> => {
      const a = await answer;
      expect(a.status, JSON.stringify(a.body)).toBe(status);
      expect(errorOf(a).message).toMatch(message);
    };
    await bad(400, call('POST', '/v1/events', { raw: '{"userId": "u1", "type": ' }), /malformed JSON/);
    await bad(400, call('POST', '/v1/events', { raw: '' }), /empty/);
    const events = Array.from({ length: 4 }, (_, i) => ({ userId: 'u1', itemId: '1', type: 'view', timestamp: i === 3 ? '2024-01-01' : 1 }));
    await bad(400, call('POST', '/v1/events/batch', { body: { events } }), /^body\/events\/3\/timestamp must be integer$/);
    await bad(400, call('POST', '/v1/events', { body: { userId: 'u1', itemId: '1', type: 'teleport' } }), /body\/type must be one of/);
    await bad(400, call('POST', '/v1/events', { body: { userId: 'u1', itemId: '1', type: 'view', surprise: true } }), /body\/surprise is not an allowed property/);
    await bad(400, call('PUT', '/v1/items/x', { body: { title: 42 } }), /body\/title must be string/);
    await bad(400, call('GET', '/v1/users/1/recommendations?k=ten', { key: 'read' }), /querystring\/k must be integer/);
    await bad(400, call('GET', '/v1/users/1/recommendations?k=5000', { key: 'read' }), /querystring\/k must be <= 1000/);
    await bad(400, call('GET', '/v1/users/1/recommendations?model=nosuchmodel', { key: 'read' }), /unknown model/);
    await bad(404, call('GET', '/v1/items/no-such-item', { key: 'read' }), /not found/);
    await bad(404, call('GET', '/v1/items/no-such-item/similar', { key: 'read' }), /not found/);
    await bad(404, call('POST', '/v1/feedback', { key: 'write', body: { impressionId: 'nope', itemId: '1', type: 'click' } }), /impression "nope" not found/);
    await bad(404, call('GET', '/v1/nowhere'), /no route GET \/v1\/nowhere/);
    await bad(413, call('PUT', '/v1/items/big', { body: { title: 'Big', text: 'x'.repeat(100 * 1024) } }), /larger than the configured limit/);
    await bad(415, call('POST', '/v1/events', { raw: 'userId=u1', headers: { 'content-type': 'application/x-www-form-urlencoded' } }), /application\/json/);
    await bad(401, call('GET', '/v1/items/1', { key: null }), /missing API key/);
    await bad(401, call('GET', '/v1/items/1', { key: null, headers: { authorization: 'Bearer wrong' } }), /unknown API key/);
    await bad(403, call('POST', '/v1/events', { key: 'read', body: { userId: 'u1', itemId: '1', type: 'view' } }), /needs "write"/);
    await bad(403, call('DELETE', '/v1/users/1', { key: 'write' }), /needs "admin"/);
    await bad(400, call('POST', '/v1/models/nope/train', { body: {} }), /nope/);
    // x-api-key works as well as a bearer token.
    expect((await call('GET', '/v1/items/1', { key: null, headers: { 'x-api-key': KEYS.read } })).status).toBe(200);
    expect(child.exitCode).toBeNull();
    expect((await call('GET', '/v1/health', { key: null })).status).toBe(200);
  });
  it('swaps model versions under load (train in a worker, activate, roll back) without failing a request', async () => {
    const versionOf = (modelVersion: string): number => Number(/itemknn@(\d+)/.exec(modelVersion)?.[1] ?? NaN);
    const before = versionOf((await list(OTHER, '&model=itemknn')).modelVersion);
    let stop = false;
    const failures: string[] = [];
    const seen = new Set<number>();
    let served = 0;
    const load = async (): Promise<void> => {
      while (!stop) {
        const res = await fetch(`${base}/v1/users/${OTHER}/recommendations?k=10&model=itemknn`, { headers: { authorization: `Bearer ${KEYS.read}` } });
        const body = (await res.json()) as { modelVersion?: string };
        served++;
        if (res.status !== 200) failures.push(`${res.status} ${JSON.stringify(body)}`);
        else seen.add(versionOf(body.modelVersion ?? ''));
      }
    };
    const loops = Array.from({ length: 4 }, () => load());
    try {
      const started = await call('POST', '/v1/models/itemknn/train', { body: { params: { k: 40, shrink: 10 } } });
      expect(started.status, JSON.stringify(started.body)).toBe(202);
      const jobId = started.body.jobId as string;
      let job: Json | undefined;
      for (let i = 0; i < 600 && (job?.state === undefined || job.state === 'queued' || job.state === 'running'); i++) {
        await new Promise((r) => setTimeout(r, 100));
        job = ((await call('GET', '/v1/models/jobs', { key: 'read' })).body.jobs as Json[]).find((j) => j.id === jobId);
      }
      expect(job?.state, JSON.stringify(job)).toBe('succeeded');
      const trained = (job?.result as { version: number }).version;
      expect(trained).toBeGreaterThan(before);
      // The new version serves without a restart; rollback returns to the previous one; activation again to the new.
      await expect.poll(async () => versionOf((await list(OTHER, '&model=itemknn')).modelVersion), { timeout: 5000 }).toBe(trained);
      expect((await call('POST', '/v1/models/itemknn/rollback', { body: {} })).status).toBe(200);
      expect(versionOf((await list(OTHER, '&model=itemknn')).modelVersion)).toBe(before);
      expect((await call('POST', '/v1/models/itemknn/activate', { body: { version: trained } })).status).toBe(200);
      expect(versionOf((await list(OTHER, '&model=itemknn')).modelVersion)).toBe(trained);
    } finally {
      stop = true;
      await Promise.all(loops);
    }
    expect(failures).toEqual([]);
    expect(served).toBeGreaterThan(20);
    // Requests in flight were answered by the old version, then by the new one.
    expect(seen.has(before)).toBe(true);
    expect(seen.size).toBeGreaterThanOrEqual(2);
  }, 90_000);
});
