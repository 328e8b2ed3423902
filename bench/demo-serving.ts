/**
 * What `npm start` serves, under load: the MovieLens latest-small demo (9,742 items) with every
 * default source trained — popularity, item-kNN, EASE, and the text models `semantic` and `hybrid`
 * (USE-lite vectors from the demo's embedding pack) — and the learned ranker, served by `lmrec serve`
 * as a child process with autocannon in this process on the same 2-core machine. Reported:
 * recommendation latency p50/p99 and throughput at 1, 16 and 64 connections, event-to-changed-list
 * latency, and as references in the same run the single-model path (`--no-pipeline`, EASE) and the
 * pipeline with list reuse off (`LMREC_LIST_CACHE_TTL=0`: every request computes its list). Requests
 * cycle through the demo's 610 users, so with the default reuse most lists are repeats within 30 s.
 *
 * Run with `npx tsx bench/demo-serving.ts` (`--quick`: 3 s per load level instead of 10 s;
 * `--db <file>`: prepare the database there and keep it, or reuse it when it exists).
 * @module
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEMO_DATA_DIR, DEMO_MODELS, createEngine, createUseLiteEncoder, hasEmbeddingPack, openStorage } from '../src/index.js';
import type { Engine } from '../src/index.js';
import { api, eventToList, jobsIdle, recommendLoad, startServer, stopServer, table, warmUp } from './serve-util.js';
import type { LoadRow } from './serve-util.js';

const quick = process.argv.includes('--quick');
const SECONDS = quick ? 3 : 10;
const CONNECTIONS = [1, 16, 64];
const dbArg = process.argv.indexOf('--db');
const PIPELINE = 'pipeline, all default sources (pop, itemknn, ease, semantic, hybrid, trending, session, fresh), ranker, MMR, explanations';
const keptDb = dbArg > 0 ? process.argv[dbArg + 1] : undefined;

/** Imports the demo, seeds the embedding cache from its pack and trains every default model. */
async function prepare(engine: Engine, notes: string[]): Promise<void> {
  let t0 = performance.now();
  const imported = await engine.import({ format: 'movielens-latest', dir: DEMO_DATA_DIR });
  const pack = join(DEMO_DATA_DIR, 'embeddings', 'use-lite');
  if (hasEmbeddingPack(pack)) notes.push(`embedding cache seeded from the demo's pack: ${await engine.seedEmbeddings(pack)} vectors`);
  else notes.push('no embedding pack in the demo data: the catalogue is encoded now (about 12 minutes on 2 cores)');
  notes.push(`import + seed ${((performance.now() - t0) / 1000).toFixed(1)} s (${imported.items} items, ${imported.users} users, ${imported.events} events)`);
  for (const { kind, params } of [...DEMO_MODELS, { kind: 'semantic' }, { kind: 'hybrid' }]) {
    t0 = performance.now();
    await engine.train(kind, params ?? {});
    notes.push(`trained ${kind} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'lmrec-bench-demo-'));
  const notes: string[] = [];
  try {
    const db = keptDb ?? join(dir, 'demo.db');
    const reuse = keptDb !== undefined && existsSync(keptDb);
    const engine = createEngine(await openStorage(`sqlite://${db}`), { encoder: createUseLiteEncoder() });
    if (!reuse) await prepare(engine, notes);
    else notes.push(`reused the prepared database ${db}`);
    const users = (await engine.storage.users.list({ limit: 10_000 })).map((u) => u.id);
    await engine.close();

    const loads: LoadRow[] = [];
    let server = await startServer(db, ['--no-pipeline']);
    for (const c of CONNECTIONS) loads.push(await recommendLoad(server, 'single model (ease), reference', users, c, SECONDS));
    await stopServer(server);

    const t0 = performance.now();
    server = await startServer(db);
    notes.push(`pipeline server listening after ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    // The server trains the ranker in the background when the stored one lacks a source: measured
    // once it is stored and serves, not while its worker takes a core.
    const idle = await jobsIdle(server, 30 * 60_000);
    notes.push(`background jobs at start: ${idle.jobs.length === 0 ? 'none' : idle.jobs.map((j) => `${j.model} (${j.reason}, ${j.state})`).join(', ')}; idle after ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const sample = await api<{ modelVersion: string; items: { id: string; sources: string[] }[] }>(server, 'GET', `/v1/users/${users[0]}/recommendations?k=10`);
    notes.push(`served by ${sample.modelVersion}`);
    // Warm-up: decode, JIT, and the background encoding of every user's history text (a list built
    // before it is ready is not reused), timed: a server that just started goes through it too.
    notes.push(`warm-up of the pipeline server: ${await warmUp(server, users)}`);
    for (const c of CONNECTIONS) loads.push(await recommendLoad(server, PIPELINE, users, c, SECONDS));
    const changed = await eventToList(server, users, quick ? 20 : 100);
    const cache = (await api<{ process?: { listCache?: { users: number; hits: number; misses: number } } }>(server, 'GET', '/v1/metrics')).process?.listCache;
    if (cache) notes.push(`list cache (default: reused up to 30 s while nothing the list depends on changed): ${cache.hits} hits, ${cache.misses} misses (${((100 * cache.hits) / Math.max(1, cache.hits + cache.misses)).toFixed(1)}% hits), ${cache.users} users held`);
    await stopServer(server);

    // The same pipeline computing every list (no reuse): what a request costs when it is not a repeat.
    server = await startServer(db, [], { LMREC_LIST_CACHE_TTL: '0' });
    await jobsIdle(server, 30 * 60_000);
    notes.push(`warm-up of the server without list reuse: ${await warmUp(server, users)}`);
    for (const c of [1, 16]) loads.push(await recommendLoad(server, `${PIPELINE}, every list computed (LMREC_LIST_CACHE_TTL=0)`, users, c, SECONDS));
    await stopServer(server);

    const cpu = cpus();
    console.log(`\n## Demo serving (${cpu[0]?.model.trim() ?? 'CPU'} × ${cpu.length}, Node ${process.version}; ${SECONDS} s per level; server and load generator share the machine)\n`);
    console.log(table(['path', 'connections', 'requests', 'req/s', 'p50 ms', 'p99 ms', 'errors'], loads.map((r) => [r.catalogue, r.connections, r.requests, r.rps, r.p50, r.p99, r.errors])));
    const ref16 = loads.find((r) => r.connections === 16 && r.catalogue.startsWith('single'));
    const pipe16 = loads.find((r) => r.connections === 16 && r.catalogue === PIPELINE);
    if (ref16 && pipe16) console.log(`\nAt 16 connections the pipeline serves ${(pipe16.rps / ref16.rps).toFixed(2)}× the single model's throughput, p99 ${pipe16.p99} ms vs ${ref16.p99} ms.`);
    console.log(`\nEvent → changed list: p50 ${changed.p50.toFixed(1)} ms, p99 ${changed.p99.toFixed(1)} ms over ${changed.rounds} rounds.`);
    console.log('\n' + notes.map((n) => `- ${n}`).join('\n'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
