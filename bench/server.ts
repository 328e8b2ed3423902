/**
 * HTTP server benchmark. The server runs as a child process (`lmrec serve` on loopback, port 0);
 * load comes from autocannon in this process. Measures, on the MovieLens latest-small demo and on a
 * synthetic 1M-item catalogue:
 * - recommendation latency (p50/p99) and throughput at 1, 16 and 64 connections;
 * - event-to-changed-list latency: post a `like` of the list's top item, then request the list
 *   again until it no longer holds that item (seen items are excluded, so one request suffices);
 * - sustained ingestion through `/v1/events/batch`, with the stored row count afterwards.
 *
 * Run with `npx tsx bench/server.ts` (`--quick`: 3 s per load level instead of 10 s, fewer events).
 * @module
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEngine, createSqliteStorage, openStorage } from '../src/index.js';
import type { Event, Item } from '../src/index.js';
import { ROOT, api, eventToList, recommendLoad, startServer, stopServer, table } from './serve-util.js';
import type { LoadRow, Server } from './serve-util.js';

const DEMO = join(ROOT, 'data/demo/ml-latest-small');
const quick = process.argv.includes('--quick');
const SECONDS = quick ? 3 : 10;
const CONNECTIONS = [1, 16, 64];

/** `total` events in batches of `batch`, from `workers` concurrent clients; rows counted before and after. */
async function ingestion(server: Server, items: readonly string[], total: number, batch: number, workers: number): Promise<{ events: number; seconds: number; perSecond: number; before: number; after: number }> {
  const count = async (): Promise<number> => (await api<{ events: { stored: number } }>(server, 'GET', '/v1/metrics')).events.stored;
  const before = await count();
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: workers }, async (_, w) => {
      for (;;) {
        const start = next;
        if (start >= total) return;
        next += batch;
        const events = Array.from({ length: Math.min(batch, total - start) }, (_, i) => ({
          userId: `ingest-${w}-${(start + i) % 5000}`,
          itemId: items[(start + i * 13) % items.length],
          type: 'view',
          timestamp: Date.now(),
        }));
        await api(server, 'POST', '/v1/events/batch', { events });
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  const after = await count();
  return { events: total, seconds, perSecond: total / seconds, before, after };
}

/** A synthetic catalogue of `nItems` items with Zipf-like popularity over `nUsers` users. */
async function syntheticDb(path: string, nItems: number, nUsers: number, eventsPerUser: number): Promise<string[]> {
  const storage = createSqliteStorage({ path });
  const chunk = 100_000;
  for (let start = 0; start < nItems; start += chunk) {
    const items: Item[] = Array.from({ length: Math.min(chunk, nItems - start) }, (_, i) => ({ id: `i${start + i}`, title: `Item ${start + i}` }));
    await storage.bulkWrite({ items });
  }
  let state = 12345;
  const random = (): number => {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    return state / 0x7fffffff;
  };
  const users: string[] = [];
  for (let start = 0; start < nUsers; start += 10_000) {
    const events: Event[] = [];
    for (let u = start; u < Math.min(nUsers, start + 10_000); u++) {
      users.push(`u${u}`);
      for (let e = 0; e < eventsPerUser; e++) {
        // The first million events touch every item once, so the model spans the whole catalogue;
        // the rest follow a skewed (power of a uniform draw) popularity.
        const index = u * eventsPerUser + e;
        const item = index < nItems ? index : Math.floor(nItems * random() ** 4);
        events.push({ userId: `u${u}`, itemId: `i${item}`, type: 'view', timestamp: 1_700_000_000_000 + e });
      }
    }
    await storage.bulkWrite({ events });
  }
  await storage.close();
  return users;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'lmrec-bench-server-'));
  const started = performance.now();
  const loads: LoadRow[] = [];
  const notes: string[] = [];
  try {
    // 1. The demo catalogue with item-kNN.
    const demoDb = join(dir, 'demo.db');
    const engine = createEngine(await openStorage(`sqlite://${demoDb}`));
    const imported = await engine.import({ format: 'movielens-latest', dir: DEMO });
    await engine.train('itemknn', { k: 100, shrink: 10 });
    const demoUsers = (await engine.storage.users.list({ limit: 10_000 })).map((u) => u.id);
    const demoItems = (await engine.storage.items.list({ limit: 10_000 })).map((it) => it.id);
    await engine.close();
    console.error(`demo: ${imported.items} items, ${imported.users} users, ${imported.events} events; itemknn trained`);
    // The single-model path first (reference), then the full pipeline (sources, ranker, re-rank, explanations).
    let server = await startServer(demoDb, ['--no-pipeline']);
    for (const c of CONNECTIONS) loads.push(await recommendLoad(server, `demo ${imported.items} items, single model (itemknn)`, demoUsers, c, SECONDS));
    await stopServer(server);
    server = await startServer(demoDb);
    for (const c of CONNECTIONS) loads.push(await recommendLoad(server, `demo ${imported.items} items, pipeline (itemknn + trending + session + fresh, ranker, MMR, explanations)`, demoUsers, c, SECONDS));
    const changed = await eventToList(server, demoUsers, quick ? 20 : 100);
    const ingest = await ingestion(server, demoItems, quick ? 50_000 : 200_000, 5_000, 4);
    await stopServer(server);

    // 2. A synthetic 1M-item catalogue with popularity.
    const bigDb = join(dir, 'big.db');
    const t0 = performance.now();
    const bigUsers = await syntheticDb(bigDb, 1_000_000, 60_000, 25);
    const big = createEngine(await openStorage(`sqlite://${bigDb}`));
    const trainedBig = await big.train('pop');
    await big.close();
    console.error(`synthetic: ${trainedBig.items} items in the model, ${trainedBig.users} users, ${trainedBig.interactions} interactions; generated and trained in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    server = await startServer(bigDb, ['--no-pipeline']);
    for (const c of CONNECTIONS) loads.push(await recommendLoad(server, '1M items (pop)', bigUsers, c, SECONDS));
    await stopServer(server);

    const cpu = cpus();
    console.log(`\n## HTTP server (${cpu[0]?.model.trim() ?? 'CPU'} × ${cpu.length}, Node ${process.version}; ${SECONDS} s per load level; server and load generator share the machine)\n`);
    console.log(table(['catalogue', 'connections', 'requests', 'req/s', 'p50 ms', 'p99 ms', 'errors'], loads.map((r) => [r.catalogue, r.connections, r.requests, r.rps, r.p50, r.p99, r.errors])));
    console.log('\n' + table(['measure', 'value'], [
      ['event → changed list p50 (ms)', changed.p50],
      ['event → changed list p99 (ms)', changed.p99],
      ['rounds', changed.rounds],
      ['ingested events (batches of 5 000, 4 clients)', ingest.events],
      ['ingestion seconds', ingest.seconds],
      ['ingestion events/s', Math.round(ingest.perSecond)],
      ['rows before → after', `${ingest.before} → ${ingest.after}`],
      ['lost events', ingest.before + ingest.events - ingest.after],
    ]));
    notes.push(`total bench time ${((performance.now() - started) / 1000).toFixed(0)} s`);
    console.log('\n' + notes.join('\n'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
