/**
 * Durable ingestion through the batch route (`POST /v1/events/batch`) on SQLite and on PostgreSQL in
 * the same run: `lmrec serve` as a child process on each storage, the same demo slice in both (the
 * PostgreSQL database is filled with `copyStorage` from the SQLite file), `workers` concurrent
 * clients posting batches of `batch` events for a fixed number of events. A batch counts once its
 * response arrived (the server answers after the commit); the stored count afterwards is compared
 * with what was acknowledged. Goal on PostgreSQL: at least 5,000 events/s.
 *
 * PostgreSQL: `LMREC_BENCH_POSTGRES_URL` (a database URL), else a throw-away server started from the
 * local binaries as the tests do (`initdb`, fsync on, `synchronous_commit` on).
 *
 * Run: `npx tsx bench/postgres-ingest.ts [--quick]`; writes `bench/results/postgres-ingest.md`.
 * @module
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { copyStorage, openStorage } from '../src/index.js';
import { startTestPostgres } from '../src/storage/postgres/postgres-test-server.js';
import type { TestPostgres } from '../src/storage/postgres/postgres-test-server.js';
import { ROOT, api, jobsIdle, prepareDemoSliceDb, quantile, startServer, stopServer, table } from './serve-util.js';
import type { Server } from './serve-util.js';

const QUICK = process.argv.includes('--quick');
const TOTAL = QUICK ? 20_000 : 100_000;
/** (batch size, concurrent clients) per row. */
const SHAPES: [number, number][] = QUICK ? [[500, 4]] : [[100, 8], [500, 4], [1000, 8]];

interface Row {
  backend: string;
  batch: number;
  workers: number;
  events: number;
  seconds: number;
  perSecond: number;
  p50: number;
  p99: number;
  stored: number;
}

async function storedEvents(server: Server): Promise<number> {
  return (await api<{ events: { stored: number } }>(server, 'GET', '/v1/metrics')).events.stored;
}

async function ingest(server: Server, backend: string, items: readonly string[], batch: number, workers: number): Promise<Row> {
  const before = await storedEvents(server);
  const latencies: number[] = [];
  let next = 0;
  let acknowledged = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: workers }, async (_, w) => {
      for (;;) {
        const start = next;
        if (start >= TOTAL) return;
        next += batch;
        const events = Array.from({ length: Math.min(batch, TOTAL - start) }, (_, i) => ({
          userId: `ingest-${w}-${(start + i) % 5000}`,
          itemId: items[(start + i * 13) % items.length],
          type: 'view',
          timestamp: Date.now(),
        }));
        const sent = performance.now();
        await api(server, 'POST', '/v1/events/batch', { events });
        latencies.push(performance.now() - sent);
        acknowledged += events.length;
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  const stored = (await storedEvents(server)) - before;
  return { backend, batch, workers, events: acknowledged, seconds, perSecond: acknowledged / seconds, p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99), stored };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'lmrec-pg-ingest-'));
  let postgres: TestPostgres | undefined;
  const servers: Server[] = [];
  try {
    const sqlitePath = join(dir, 'bench.db');
    const slice = await prepareDemoSliceDb(sqlitePath, dir, 100);
    let pgUrl = process.env.LMREC_BENCH_POSTGRES_URL;
    let pgNote = 'given by LMREC_BENCH_POSTGRES_URL';
    if (pgUrl === undefined || pgUrl === '') {
      postgres = await startTestPostgres();
      pgUrl = await postgres.createDatabase('lmrec_bench');
      const [version] = await postgres.sql<{ server_version: string }>('SHOW server_version');
      pgNote = `PostgreSQL ${version.server_version} started for the run (fsync on, synchronous_commit on, shared_buffers 64 MB)`;
    }
    const source = await openStorage(`sqlite://${sqlitePath}`, { readonly: true });
    const target = await openStorage(pgUrl);
    try {
      await copyStorage(source, target);
    } finally {
      await source.close();
      await target.close();
    }

    const rows: Row[] = [];
    for (const [backend, url] of [['sqlite', sqlitePath], ['postgres', pgUrl]] as const) {
      const server = await startServer(url);
      servers.push(server);
      // The jobs a first start queues (the learned ranker, text models) finish first: ingestion is measured alone.
      await jobsIdle(server, 300_000);
      const items = (await api<{ items: { id: string }[] }>(server, 'GET', '/v1/items?limit=500')).items.map((item) => item.id);
      for (const [batch, workers] of SHAPES) {
        const row = await ingest(server, backend, items, batch, workers);
        rows.push(row);
        console.log(`${backend} batch ${batch} x${workers}: ${row.perSecond.toFixed(0)} events/s (p99 ${row.p99.toFixed(0)} ms), stored ${row.stored}/${row.events}`);
      }
      await stopServer(server);
    }

    const lines = [
      '# Durable ingestion: SQLite vs PostgreSQL through `POST /v1/events/batch`',
      '',
      `Command: \`nice npx tsx bench/postgres-ingest.ts${QUICK ? ' --quick' : ''}\` (${new Date().toISOString().slice(0, 10)}); ${cpus().length} cores, Node ${process.version}.`,
      `\`lmrec serve\` as a child process on each storage, the load from this process (loopback HTTP); ${TOTAL.toLocaleString('en-US')} events per row,`,
      `demo slice of ${slice.movies} movies / ${slice.ratings} ratings (PostgreSQL filled by \`copyStorage\` from the SQLite file). ${pgNote}; server, client and database share the machine.`,
      'Each server\'s start-up training jobs finish before its rows are measured. A batch counts when its 2xx response arrived (after the commit); "stored" is the growth of the stored event count, read afterwards.',
      '',
      table(
        ['backend', 'batch', 'clients', 'events/s', 'p50 ms / batch', 'p99 ms / batch', 'acknowledged', 'stored'],
        rows.map((r) => [r.backend, r.batch, r.workers, Math.round(r.perSecond).toLocaleString('en-US'), r.p50.toFixed(1), r.p99.toFixed(1), r.events, r.stored]),
      ),
      '',
      `Goal: >= 5,000 events/s on PostgreSQL: ${rows.filter((r) => r.backend === 'postgres').every((r) => r.perSecond >= 5_000) ? 'met in every row' : 'NOT met in every row'}.`,
      '',
    ];
    if (!QUICK) writeFileSync(join(ROOT, 'bench/results/postgres-ingest.md'), lines.join('\n'));
    console.log(lines.join('\n'));
  } finally {
    for (const server of servers) await stopServer(server);
    await postgres?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
