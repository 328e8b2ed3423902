/**
 * Loading a large model version from storage, as a serving process does when a new version is
 * activated: the time to read every chunk (`models.loadChunks`, drained) and the longest pause of the
 * event loop meanwhile, on a SQLite file and on PostgreSQL in the same run. A serving thread that
 * stalls here stalls every request in flight, so the pause is the figure that matters; the time is
 * reported beside it.
 *
 * The payload is `--mb` MiB (default 512) of seeded bytes, saved once per backend with the default
 * chunk size (64 MiB), then loaded `--runs` times (default 3, the backends alternating); each row is
 * the median run.
 *
 * PostgreSQL: `LMREC_BENCH_POSTGRES_URL` (a database URL), else a throw-away server started from the
 * local binaries as the tests do.
 *
 * Run: `npx tsx bench/model-load.ts [--mb 512] [--runs 3]`.
 * @module
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openStorage } from '../src/index.js';
import type { Storage } from '../src/index.js';
import { startTestPostgres } from '../src/storage/postgres/postgres-test-server.js';
import type { TestPostgres } from '../src/storage/postgres/postgres-test-server.js';
import { fmtMs, renderTable, withLongestPause } from './bench-util.js';

const { values: args } = parseArgs({ options: { mb: { type: 'string', default: '512' }, runs: { type: 'string', default: '3' } } });
const MIB = 1024 * 1024;
const bytes = Number(args.mb) * MIB;
const runs = Number(args.runs);
if (!(bytes > 0) || !Number.isInteger(runs) || runs < 1) throw new Error('--mb must be positive and --runs a positive integer');

/** Seeded bytes (xorshift), so no backend compresses or deduplicates them. */
function payloadOf(length: number): Uint8Array {
  const out = new Uint8Array(length);
  const words = new Uint32Array(out.buffer, 0, length >>> 2);
  let x = 2463534242;
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    words[i] = x >>> 0;
  }
  return out;
}

/** A sum of every 65,536th byte by its offset in the payload, whatever the chunks' sizes. */
const STRIDE = 65_536;
function checksumOf(chunk: Uint8Array, offset: number, sum: number): number {
  for (let i = (STRIDE - (offset % STRIDE)) % STRIDE; i < chunk.length; i += STRIDE) sum = (sum + chunk[i]) | 0;
  return sum;
}

async function drain(storage: Storage, version: number): Promise<{ bytes: number; checksum: number }> {
  const loaded = await storage.models.loadChunks('big', version);
  if (loaded === undefined) throw new Error('the saved version is missing');
  let total = 0;
  let checksum = 0;
  for await (const chunk of loaded.chunks) {
    checksum = checksumOf(chunk, total, checksum);
    total += chunk.length;
  }
  return { bytes: total, checksum };
}

const dir = mkdtempSync(join(tmpdir(), 'lmrec-model-load-'));
let pg: TestPostgres | undefined;
try {
  const payload = payloadOf(bytes);
  const expected = checksumOf(payload, 0, 0);
  const pgUrl = process.env.LMREC_BENCH_POSTGRES_URL ?? (await (async () => {
    pg = await startTestPostgres();
    return pg.createDatabase();
  })());
  const backends: { name: string; storage: Storage; version: number }[] = [];
  for (const [name, url] of [['sqlite file', `sqlite://${join(dir, 'models.db')}`], ['postgres', pgUrl]] as const) {
    const storage = await openStorage(url);
    const saved = await storage.models.save('big', { bench: true }, payload);
    backends.push({ name, storage, version: saved.version });
  }
  const results = new Map<string, { ms: number; pauseMs: number }[]>();
  for (let run = 0; run < runs; run++) {
    for (const backend of backends) {
      const { value, ms, pauseMs } = await withLongestPause(() => drain(backend.storage, backend.version));
      if (value.bytes !== bytes || value.checksum !== expected) throw new Error(`${backend.name} read back other bytes than were saved`);
      results.set(backend.name, [...(results.get(backend.name) ?? []), { ms, pauseMs }]);
    }
  }
  const median = (values: number[]): number => [...values].sort((a, b) => a - b)[values.length >> 1];
  const rows = backends.map(({ name }) => {
    const measured = results.get(name)!;
    const ms = median(measured.map((m) => m.ms));
    return [name, `${(bytes / MIB).toFixed(0)} MiB`, fmtMs(ms), `${(bytes / MIB / (ms / 1000)).toFixed(0)} MiB/s`, fmtMs(median(measured.map((m) => m.pauseMs)))];
  });
  console.log(`model load, ${runs} runs each, median (${new Date().toISOString()})`);
  console.log(renderTable(['backend', 'payload', 'load', 'rate', 'longest pause'], [false, true, true, true, true], rows, 'markdown'));
  for (const backend of backends) await backend.storage.close();
} finally {
  await pg?.stop();
  rmSync(dir, { recursive: true, force: true });
}
