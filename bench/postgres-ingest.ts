/**
 * Durable ingestion through the batch route (`POST /v1/events/batch`) on SQLite and on PostgreSQL in
 * the same run: `lmrec serve` as a child process on each storage, the same demo slice in both (the
 * PostgreSQL database is filled with `copyStorage` from the SQLite file), `workers` concurrent
 * clients posting batches of `batch` events for a fixed number of events. Both servers run at once
 * and the backends alternate, round after round, so other work on the same cores weighs on both
 * alike; each shape reports the median round. A batch counts once its response arrived (the server
 * answers after the commit); the stored count afterwards is compared with what was acknowledged.
 * Goal on PostgreSQL: at least 5,000 events/s.
 *
 * PostgreSQL: `LMREC_BENCH_POSTGRES_URL` (a database URL), else a throw-away server started from the
 * local binaries as the tests do (`initdb`, fsync on, `synchronous_commit` on).
 *
 * Run: `npx tsx bench/postgres-ingest.ts [--quick]`; writes `bench/results/postgres-ingest.md`.
 * @module
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { copyStorage, openStorage } from '../src/index.js';
import { startTestPostgres } from '../src/storage/postgres/postgres-test-server.js';
import type { TestPostgres } from '../src/storage/postgres/postgres-test-server.js';
import { ROOT, api, jobsIdle, prepareDemoSliceDb, quantile, startServer, stopServer, table } from './serve-util.js';
import type { Server } from './serve-util.js';

const QUICK = process.argv.includes('--quick');
const TOTAL = QUICK ? 10_000 : 30_000;
/** Rounds per shape; the backends alternate within each round, so load from outside falls on both alike. */
const ROUNDS = QUICK ? 1 : 3;
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
  /** The machine's 1-minute load average when the row ended (other work on the same cores shows here). */
  load: number;
  /** Slowest and fastest round (set on the reported median rows). */
  low?: number;
  high?: number;
  /** Every round stored what it acknowledged. */
  storedAll?: boolean;
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
  return { backend, batch, workers, events: acknowledged, seconds, perSecond: acknowledged / seconds, p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99), stored, load: loadavg()[0] };
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

    const backends: { backend: string; server: Server; items: string[] }[] = [];
    for (const [backend, url] of [['sqlite', sqlitePath], ['postgres', pgUrl]] as const) {
      const server = await startServer(url);
      servers.push(server);
      // The jobs a first start queues (the learned ranker, text models) finish first: ingestion is measured alone.
      await jobsIdle(server, 300_000);
      const items = (await api<{ items: { id: string }[] }>(server, 'GET', '/v1/items?limit=500')).items.map((item) => item.id);
      backends.push({ backend, server, items });
    }
    const rows: Row[] = [];
    for (const [batch, workers] of SHAPES) {
      const rounds = new Map<string, Row[]>();
      for (let round = 0; round < ROUNDS; round++) {
        for (const { backend, server, items } of round % 2 === 0 ? backends : [...backends].reverse()) {
          const row = await ingest(server, backend, items, batch, workers);
          rounds.set(backend, [...(rounds.get(backend) ?? []), row]);
          console.log(`${backend} batch ${batch} x${workers} round ${round + 1}: ${row.perSecond.toFixed(0)} events/s (p99 ${row.p99.toFixed(0)} ms, load ${row.load.toFixed(1)}), stored ${row.stored}/${row.events}`);
        }
      }
      for (const { backend } of backends) {
        const sorted = [...rounds.get(backend)!].sort((a, b) => a.perSecond - b.perSecond);
        const median = sorted[Math.floor(sorted.length / 2)];
        rows.push({ ...median, low: sorted[0].perSecond, high: sorted[sorted.length - 1].perSecond, storedAll: sorted.every((r) => r.stored === r.events) });
      }
    }
    for (const server of servers.splice(0)) await stopServer(server);

    const lines = [
      '# Durable ingestion: SQLite vs PostgreSQL through `POST /v1/events/batch`',
      '',
      `Command: \`nice npx tsx bench/postgres-ingest.ts${QUICK ? ' --quick' : ''}\` (${new Date().toISOString().slice(0, 10)}); ${cpus().length} cores, Node ${process.version}.`,
      `\`lmrec serve\` as a child process on each storage (both running), the load from this process (loopback HTTP); ${TOTAL.toLocaleString('en-US')} events per round,`,
      `${ROUNDS} rounds per shape with the backends alternating; the table shows the median round, with the slowest and fastest.`,
      `demo slice of ${slice.movies} movies / ${slice.ratings} ratings (PostgreSQL filled by \`copyStorage\` from the SQLite file). ${pgNote}; server, client and database share the machine.`,
      'Each server\'s start-up training jobs finish before its rows are measured. A batch counts when its 2xx response arrived (after the commit); "stored" is the growth of the stored event count, read afterwards.',
      '',
      table(
        ['backend', 'batch', 'clients', 'events/s (median)', 'slowest – fastest', 'p50 ms / batch', 'p99 ms / batch', 'stored = acknowledged', 'load avg (1 min)'],
        rows.map((r) => [
          r.backend,
          r.batch,
          r.workers,
          Math.round(r.perSecond).toLocaleString('en-US'),
          `${Math.round(r.low ?? r.perSecond).toLocaleString('en-US')} – ${Math.round(r.high ?? r.perSecond).toLocaleString('en-US')}`,
          r.p50.toFixed(1),
          r.p99.toFixed(1),
          r.storedAll === true ? 'yes, every round' : 'NO',
          r.load.toFixed(1),
        ]),
      ),
      '',
      `Goal: >= 5,000 events/s on PostgreSQL: ${rows.filter((r) => r.backend === 'postgres').every((r) => r.perSecond >= 5_000) ? 'met by the median of every shape' : 'NOT met by the median of every shape'}.`,
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
