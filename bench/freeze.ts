/**
 * Does a large write freeze the server? `lmrec serve` (child process, default encoder USE-lite, the
 * full pipeline over the MovieLens demo) receives bulk item upserts while a second client asks
 * `GET /v1/health` back to back; reported are the upsert's answer time, the health latency during
 * it (p50/p99/max) and how many health requests were answered. The reference in the same run is the
 * same server with its encoder on the request thread (`LMREC_ENCODER_THREAD=main`, the behaviour
 * before encoding moved to a worker thread), measured on a smaller batch so it ends in minutes.
 * Also: the answer to a 64,000-character title and to a 100,000-character text.
 *
 * Run with `npx tsx bench/freeze.ts` (`--quick`: 500 items instead of 2,000).
 * @module
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEMO_DATA_DIR, createEngine, openStorage } from '../src/index.js';
import { headers, quantile, startServer, stopServer, table } from './serve-util.js';
import type { Server } from './serve-util.js';

const DEMO = DEMO_DATA_DIR;
const quick = process.argv.includes('--quick');
const BIG_BATCH = quick ? 500 : 2_000;
const REFERENCE_BATCH = quick ? 50 : 100;

/** Item texts of ~340 characters, like the demo's plot summaries, distinct per run. */
function items(n: number, tag: string): { id: string; title: string; text: string; attributes: { genres: string[] } }[] {
  const words = ['heist', 'family', 'space', 'war', 'romance', 'detective', 'island', 'robot', 'village', 'storm', 'secret', 'journey', 'music', 'ghost', 'city', 'river'];
  return Array.from({ length: n }, (_, i) => {
    const picked = Array.from({ length: 48 }, (_, w) => words[(i * 7 + w * 3 + w * w) % words.length]);
    return { id: `${tag}-${i}`, title: `New film ${tag} ${i}`, text: `A story of ${picked.join(' ')}.`.slice(0, 340), attributes: { genres: ['Drama'] } };
  });
}

interface FreezeRow {
  encoder: string;
  items: number;
  upsertMs: number;
  status: number;
  health: number;
  p50: number;
  p99: number;
  max: number;
}

/** Upserts `n` items while polling health; returns the figures. */
async function upsertUnderWatch(server: Server, n: number, tag: string, encoder: string): Promise<FreezeRow> {
  const latencies: number[] = [];
  let stop = false;
  const watcher = (async () => {
    while (!stop) {
      const t0 = performance.now();
      const res = await fetch(`${server.url}/v1/health`);
      await res.arrayBuffer();
      latencies.push(performance.now() - t0);
      await new Promise((r) => setTimeout(r, 10));
    }
  })();
  await new Promise((r) => setTimeout(r, 300));
  const t0 = performance.now();
  const res = await fetch(`${server.url}/v1/items`, { method: 'POST', headers, body: JSON.stringify({ items: items(n, tag) }) });
  await res.arrayBuffer();
  const upsertMs = performance.now() - t0;
  // Keep watching while background encoding goes on.
  await new Promise((r) => setTimeout(r, 3_000));
  stop = true;
  await watcher;
  return { encoder, items: n, upsertMs, status: res.status, health: latencies.length, p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99), max: Math.max(...latencies) };
}

async function oversized(server: Server): Promise<string[]> {
  const out: string[] = [];
  const bigTitle = await fetch(`${server.url}/v1/items/huge-title`, { method: 'PUT', headers, body: JSON.stringify({ title: 'x'.repeat(64_000) }) });
  out.push(`PUT 64,000-character title → ${bigTitle.status} ${(await bigTitle.text()).slice(0, 160)}`);
  const t0 = performance.now();
  const bigText = await fetch(`${server.url}/v1/items/huge-text`, { method: 'PUT', headers, body: JSON.stringify({ title: 'Long text', text: 'word '.repeat(20_000) }) });
  await bigText.arrayBuffer();
  out.push(`PUT 100,000-character text → ${bigText.status} in ${(performance.now() - t0).toFixed(0)} ms (stored whole; the encoder reads the first 2,000 characters)`);
  return out;
}

async function timed(f: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await f();
  return performance.now() - t0;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'lmrec-bench-freeze-'));
  try {
    const db = join(dir, 'demo.db');
    const engine = createEngine(await openStorage(`sqlite://${db}`));
    await engine.import({ format: 'movielens-latest', dir: DEMO });
    await engine.train('itemknn', { k: 100, shrink: 10 });
    await engine.close();
    const rows: FreezeRow[] = [];
    const notes: string[] = [];
    let server = await startServer(db, []);
    rows.push(await upsertUnderWatch(server, REFERENCE_BATCH, 'w-small', 'worker thread'));
    rows.push(await upsertUnderWatch(server, BIG_BATCH, 'w-big', 'worker thread'));
    notes.push(...(await oversized(server)));
    notes.push(`SIGTERM → exit (worker thread): ${(await timed(() => stopServer(server))).toFixed(0)} ms`);
    server = await startServer(db, [], { LMREC_ENCODER_THREAD: 'main' });
    rows.push(await upsertUnderWatch(server, REFERENCE_BATCH, 'm-small', 'request thread (reference)'));
    notes.push(`SIGTERM → exit (request thread): ${(await timed(() => stopServer(server))).toFixed(0)} ms`);
    console.log(`\n## Large writes and the event loop (demo, full pipeline, USE-lite; health polled every 10 ms)\n`);
    console.log(table(['encoder', 'items upserted', 'upsert answer ms', 'status', 'health answers', 'health p50 ms', 'health p99 ms', 'health max ms'], rows.map((r) => [r.encoder, r.items, r.upsertMs, r.status, r.health, r.p50, r.p99, r.max])));
    const w = rows[0];
    const m = rows[rows.length - 1];
    console.log(`\nSame ${REFERENCE_BATCH}-item upsert: health max ${m.max.toFixed(0)} ms on the request thread vs ${w.max.toFixed(0)} ms with the worker (${(m.max / w.max).toFixed(0)}×); upsert answer ${m.upsertMs.toFixed(0)} vs ${w.upsertMs.toFixed(0)} ms.`);
    console.log('\n' + notes.map((n) => `- ${n}`).join('\n'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
