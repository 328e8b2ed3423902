/**
 * Memory per distinct user on the serving path: starts the whole service in this process (lifecycle,
 * pipeline, HTTP server and dashboard routes) on a temporary SQLite file with a small synthetic
 * catalogue and trained models, posts events for N distinct users through `POST /v1/events/batch`,
 * asks for the lists of every `--recommend-every`-th user, opens the dashboard's users page once, and
 * prints RSS and V8 heap after a forced collection at each step and after a pause. Not run by tests.
 *
 * ```sh
 * node --expose-gc --import tsx bench/user-memory.ts --users 100000
 * ```
 * @module
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { getHeapStatistics } from 'node:v8';
import { createEngine, openStorage } from '../src/index.js';
import type { Event } from '../src/index.js';
import { startService } from '../src/server/index.js';
import { registerDashboard } from '../src/server-dashboard/index.js';
import { createRng } from '../src/linalg/index.js';
import { gcHandleOf, renderTable } from './bench-util.js';

const { values: args } = parseArgs({
  options: {
    users: { type: 'string', default: '200000' },
    'events-per-user': { type: 'string', default: '3' },
    items: { type: 'string', default: '2000' },
    batch: { type: 'string', default: '5000' },
    'recommend-every': { type: 'string', default: '50' },
    pause: { type: 'string', default: '10' },
  },
});
const USERS = Number(args.users);
const PER_USER = Number(args['events-per-user']);
const ITEMS = Number(args.items);
const BATCH = Number(args.batch);
const RECOMMEND_EVERY = Number(args['recommend-every']);
const PAUSE_S = Number(args.pause);
const KEY = 'bench-admin-key';
const headers = { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' };

const gc = gcHandleOf();
const mb = (bytes: number): string => (bytes / 2 ** 20).toFixed(1);
const rows: string[][] = [];
let base: { rss: number; heap: number } | undefined;

function reading(step: string): void {
  for (let i = 0; i < 3; i++) gc.run?.();
  const { rss } = process.memoryUsage();
  const heap = getHeapStatistics().used_heap_size;
  base ??= { rss, heap };
  rows.push([step, mb(rss), mb(heap), mb(rss - base.rss), mb(heap - base.heap)]);
  process.stderr.write(`${step}: rss ${mb(rss)} MB, heap ${mb(heap)} MB\n`);
}

const dir = mkdtempSync(join(tmpdir(), 'lmrec-user-memory-'));
const url = `sqlite://${join(dir, 'bench.db')}`;
const rng = createRng(7);
const itemId = (): string => `i${Math.floor(rng.next() ** 2 * ITEMS)}`;
const engine = createEngine(await openStorage(url));
try {
  // A catalogue and a few hundred users of history, so that the models and the ranker have something to learn.
  await engine.storage.items.upsert(Array.from({ length: ITEMS }, (_, i) => ({ id: `i${i}`, title: `Item ${i}`, attributes: { genres: [`g${i % 17}`] } })));
  const seed: Event[] = [];
  for (let u = 0; u < 500; u++) for (let e = 0; e < 20; e++) seed.push({ userId: `seed${u}`, itemId: itemId(), type: 'view', timestamp: 1_700_000_000_000 + u * 1000 + e });
  await engine.storage.events.append(seed);
  for (const kind of ['pop', 'itemknn', 'ease']) await engine.train(kind);
  const service = await startService({
    engine,
    storageUrl: url,
    apiKeys: [{ key: KEY, scope: 'admin' }],
    port: 0,
    host: '127.0.0.1',
    register: async (app) => void (await registerDashboard(app, { engine, reportsDirs: [join(dir, 'reports')] })),
  });
  const call = async (method: string, path: string, body?: unknown): Promise<unknown> => {
    const res = await fetch(`${service.url}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const json: unknown = await res.json();
    if (!res.ok) throw new Error(`${method} ${path} → ${res.status}: ${JSON.stringify(json)}`);
    return json;
  };
  try {
    process.stderr.write(`${USERS} users × ${PER_USER} events, ${ITEMS} items; gc: ${gc.how}\n`);
    reading('service started');
    const t0 = performance.now();
    let batch: Event[] = [];
    for (let u = 0; u < USERS; u++) {
      for (let e = 0; e < PER_USER; e++) batch.push({ userId: `u${u}`, itemId: itemId(), type: e === 0 ? 'view' : 'like', timestamp: Date.now() });
      if (batch.length >= BATCH || u === USERS - 1) {
        await call('POST', '/v1/events/batch', { events: batch });
        batch = [];
      }
    }
    const postSeconds = (performance.now() - t0) / 1000;
    reading(`after events of ${USERS} users`);
    const t1 = performance.now();
    let lists = 0;
    for (let u = 0; u < USERS; u += RECOMMEND_EVERY) {
      await call('GET', `/v1/users/u${u}/recommendations?k=10`);
      lists++;
    }
    const listSeconds = (performance.now() - t1) / 1000;
    reading(`after ${lists} lists`);
    await call('GET', '/v1/users?limit=50');
    reading('after the dashboard users page');
    await new Promise((resolve) => setTimeout(resolve, PAUSE_S * 1000));
    reading(`after a ${PAUSE_S} s pause`);
    process.stdout.write(
      `\n${renderTable(['step', 'rss MB', 'heap MB', 'Δ rss MB', 'Δ heap MB'], [false, true, true, true, true], rows, 'markdown')}\n\n` +
        `events posted in ${postSeconds.toFixed(1)} s (${((USERS * PER_USER) / postSeconds).toFixed(0)}/s); ${lists} lists in ${listSeconds.toFixed(1)} s; gc: ${gc.how}\n`,
    );
  } finally {
    await service.close();
  }
} finally {
  await engine.close();
  rmSync(dir, { recursive: true, force: true });
}
