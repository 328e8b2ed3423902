/**
 * Several serving processes: recommendation throughput and latency of `lmrec serve --workers N`
 * for N = 1, 2 and `auto` (one per core) on SQLite and on PostgreSQL, the default pipeline with every
 * demo source trained (popularity, item-kNN, EASE, semantic, hybrid, the learned ranker), and the
 * time from an event sent to one process until another has applied it (its `/v1/metrics` shows
 * the event's seq followed) and until that process's trending list shows it. The load generator
 * shares the machine's cores with the servers, so `auto` competes with it.
 *
 * Data: the demo database prepared by `bench/demo-serving.ts --db <file>` (reused; prepared here
 * when missing, which trains the text models: several minutes). PostgreSQL: a throw-away server
 * from the local binaries, filled with `copyStorage` from that file (`LMREC_BENCH_POSTGRES_URL` for
 * an existing database).
 *
 * Run: `npx tsx bench/workers.ts [--db /tmp/bench-demo.db] [--quick]`; writes `bench/results/workers.md`.
 * @module
 */
import { existsSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { DEMO_DATA_DIR, DEMO_MODELS, copyStorage, createEngine, createUseLiteEncoder, openStorage } from '../src/index.js';
import { startTestPostgres } from '../src/storage/postgres/postgres-test-server.js';
import type { TestPostgres } from '../src/storage/postgres/postgres-test-server.js';
import { ROOT, api, quantile, recommendLoad, startServer, stopServer, table } from './serve-util.js';
import type { LoadRow, Server } from './serve-util.js';

const QUICK = process.argv.includes('--quick');
const SECONDS = QUICK ? 4 : 10;
const CONNECTIONS = 16;
const dbArg = process.argv.indexOf('--db');
const DB = dbArg > 0 ? process.argv[dbArg + 1] : '/tmp/bench-demo.db';

async function prepare(): Promise<void> {
  if (existsSync(DB)) return;
  console.error(`preparing ${DB} (the demo with every default source; several minutes) …`);
  const engine = createEngine(await openStorage(`sqlite://${DB}`), { encoder: createUseLiteEncoder() });
  try {
    await engine.import({ format: 'movielens-latest', dir: DEMO_DATA_DIR });
    await engine.seedEmbeddings(join(DEMO_DATA_DIR, 'embeddings', 'use-lite'));
    for (const { kind, params } of [...DEMO_MODELS, { kind: 'semantic' }, { kind: 'hybrid' }]) await engine.train(kind, params ?? {});
  } finally {
    await engine.close();
  }
}

/** Waits until the service answers with the learned ranker (trained at its first start when missing). */
async function rankerServes(server: Server, user: string): Promise<string> {
  for (const deadline = Date.now() + 20 * 60_000; Date.now() < deadline; ) {
    const { modelVersion } = await api<{ modelVersion: string }>(server, 'GET', `/v1/users/${user}/recommendations?k=10`);
    if (modelVersion.includes('ranker-')) return modelVersion;
    await new Promise((r) => setTimeout(r, 2000));
  }
  throw new Error('the ranker was not served within 20 minutes');
}

async function loadRow(url: string, backend: string, workers: number, label: string, users: readonly string[]): Promise<LoadRow & { version: string }> {
  const server = await startServer(url, ['--workers', String(workers)]);
  try {
    const version = await rankerServes(server, users[0]);
    // Warm-up: every worker decodes its models and encodes the users' history texts.
    await recommendLoad(server, 'warm-up', users, CONNECTIONS, QUICK ? 3 : 20);
    const row = await recommendLoad(server, `${backend}, ${label}`, users, CONNECTIONS, SECONDS);
    return { ...row, version };
  } finally {
    await stopServer(server);
  }
}

/** Event sent to A → applied by B (B's followed seq) and → B's trending list shows the item. */
async function crossProcess(url: string, rounds: number): Promise<{ applied: number[]; trending: number[]; afterAck: number[] }> {
  const a = await startServer(url);
  const b = await startServer(url);
  const applied: number[] = [];
  const trending: number[] = [];
  /** From A's acknowledgement (the batch committed) until B applied it. */
  const afterAck: number[] = [];
  try {
    const items = (await api<{ items: { id: string }[] }>(a, 'GET', '/v1/items?limit=500')).items.map((i) => i.id);
    for (let r = 0; r < rounds; r++) {
      const item = items[100 + r];
      const t0 = performance.now();
      // Enough views at once to put the item on top of B's trending list.
      const events = Array.from({ length: 300 }, (_, i) => ({ userId: `x-${r}-${i}`, itemId: item, type: 'view', timestamp: Date.now() }));
      const { lastSeq } = await api<{ lastSeq: number }>(a, 'POST', '/v1/events', { events });
      const acked = performance.now();
      let seenApplied = false;
      for (;;) {
        if (!seenApplied) {
          const m = await api<{ process: { following?: { eventSeq: number } } }>(b, 'GET', '/v1/metrics');
          if ((m.process.following?.eventSeq ?? 0) >= lastSeq) {
            applied.push(performance.now() - t0);
            afterAck.push(performance.now() - acked);
            seenApplied = true;
          }
        }
        const top = await api<{ items: { id: string }[] }>(b, 'GET', '/v1/trending?k=1');
        if (top.items[0]?.id === item) {
          trending.push(performance.now() - t0);
          if (!seenApplied) {
            applied.push(performance.now() - t0);
            afterAck.push(performance.now() - acked);
          }
          break;
        }
        if (performance.now() - t0 > 10_000) throw new Error(`round ${r}: B did not show the item within 10 s`);
      }
    }
  } finally {
    await stopServer(a);
    await stopServer(b);
  }
  return { applied, trending, afterAck };
}

async function main(): Promise<void> {
  await prepare();
  const source = await openStorage(`sqlite://${DB}`);
  const users = (await source.users.list({ limit: 1000 })).map((u) => u.id);
  let pg: TestPostgres | undefined;
  let pgUrl = process.env.LMREC_BENCH_POSTGRES_URL;
  const notes: string[] = [];
  if (pgUrl === undefined) {
    pg = await startTestPostgres();
    pgUrl = await pg.createDatabase('bench_workers');
    const target = await openStorage(pgUrl);
    const t0 = performance.now();
    await copyStorage(source, target);
    await target.close();
    notes.push(`PostgreSQL filled from ${DB} with copyStorage in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
  await source.close();
  const auto = availableParallelism();
  const levels: [number, string][] = [
    [1, '1 worker'],
    [2, '2 workers'],
  ];
  if (auto !== 2 && auto !== 1) levels.push([auto, `auto (${auto})`]);
  const rows: (LoadRow & { version: string; load: number })[] = [];
  try {
    for (const [backend, url] of [
      ['sqlite', `sqlite://${DB}`],
      ['postgres', pgUrl],
    ] as const) {
      for (const [n, label] of levels) {
        const row = await loadRow(url, backend, n, label + (n === auto ? ' = auto' : ''), users);
        rows.push({ ...row, load: loadavg()[0] });
        console.error(`${row.catalogue}: ${row.rps.toFixed(1)} req/s, p99 ${row.p99} ms`);
      }
    }
    const cross: [string, { applied: number[]; trending: number[]; afterAck: number[] }][] = [];
    for (const [backend, url] of [
      ['sqlite', `sqlite://${DB}`],
      ['postgres', pgUrl],
    ] as const) {
      cross.push([backend, await crossProcess(url, QUICK ? 5 : 20)]);
    }
    const cpu = cpus();
    const out: string[] = [];
    out.push(`## Serving processes (${cpu[0]?.model.trim() ?? 'CPU'} × ${cpu.length}, Node ${process.version}; ${SECONDS} s at ${CONNECTIONS} connections after a warm-up; the load generator shares the cores)\n`);
    out.push(`Every row serves the demo's default pipeline (${rows[0]?.version ?? '?'}); requests cycle over ${users.length} users.\n`);
    out.push(table(['storage, processes', 'requests', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'load avg'], rows.map((r) => [r.catalogue, r.requests, r.rps, r.p50, r.p99, r.errors, r.load])));
    for (const backend of ['sqlite', 'postgres']) {
      const one = rows.find((r) => r.catalogue === `${backend}, 1 worker`);
      const two = rows.find((r) => r.catalogue.startsWith(`${backend}, 2 workers`));
      if (one && two) out.push(`\n${backend}: 2 workers serve ${(two.rps / one.rps).toFixed(2)}× the throughput of 1 (p99 ${two.p99} vs ${one.p99} ms).`);
    }
    out.push('\n### Event on process A → process B\n');
    out.push(
      table(
        ['storage', 'rounds', 'A acknowledged → B applied p50 ms', 'p99 ms', 'post sent → B applied p50 ms', 'p99 ms', 'post sent → B\'s trending shows it p50 ms', 'p99 ms'],
        cross.map(([backend, c]) => [backend, c.trending.length, quantile(c.afterAck, 0.5), quantile(c.afterAck, 0.99), quantile(c.applied, 0.5), quantile(c.applied, 0.99), quantile(c.trending, 0.5), quantile(c.trending, 0.99)]),
      ),
    );
    out.push('\nEach round posts 300 views of one item to A in one batch and polls B: one clock starts when A acknowledges the batch (committed), one before the post (so it includes the batch\'s commit); both stop when B reports the batch\'s last seq applied, the last one when B\'s `/v1/trending` lists the item first. B reads the logs every 20 ms on SQLite; on PostgreSQL it is woken at each commit (LISTEN/NOTIFY).');
    if (notes.length > 0) out.push(`\n${notes.map((n) => `- ${n}`).join('\n')}`);
    const text = out.join('\n') + '\n';
    console.log(text);
    writeFileSync(join(ROOT, 'bench/results/workers.md'), text);
  } finally {
    await pg?.stop();
  }
}

await main();
