/**
 * First lists with and without the retrieval threads: `lmrec serve` on a copy of one prepared
 * database with `LMREC_RETRIEVAL_THREADS` set to each value of `--threads` in turn, `--runs` times,
 * alternating, so that a machine getting busier or quieter affects each alike. Every request is a
 * user's first list since the server started (each user asked once per server), so every source,
 * the ranker, MMR and explanations run for it: the path a large catalogue makes slow. Reported per
 * run and as each setting's median, with the ratio to the first setting.
 *
 * The database is one `bench/scale.ts --db <file>` prepared (every default source trained), e.g.
 * `--scale 0.1` (100,000 items) or the full 1M. The server is asked one list and left 10 s to
 * restore its versions in the threads before the levels.
 *
 * Run with `npx tsx bench/retrieval-threads.ts --db <prepared database> [--threads 0,1,2] [--runs 2]
 * [--seconds 10] [--out <file>] [--root <checkout> …]` (`--root`, repeated: trees compared, each with
 * every thread count; a tree without the setting ignores it).
 * @module
 */
import { appendFileSync, copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ROOT, api, processMemory, quantile, recommendLoad, startServer, stopServer, table, usersOf } from './serve-util.js';
import type { LoadRow } from './serve-util.js';

const { values: args } = parseArgs({
  options: {
    db: { type: 'string' },
    threads: { type: 'string', default: '0,1' },
    runs: { type: 'string', default: '2' },
    seconds: { type: 'string', default: '10' },
    out: { type: 'string' },
    root: { type: 'string', multiple: true },
  },
});
if (args.db === undefined || !existsSync(args.db)) throw new Error(`--db must name a prepared database (bench/scale.ts --db <file>); got ${args.db ?? 'none'}`);
const roots = (args.root ?? [ROOT]).map((r) => resolve(r));
/** Each tree with each thread count: `<threads>` alone when one tree is compared. */
const settings = roots.flatMap((root) => args.threads.split(',').map((t) => ({ root, threads: t.trim(), label: roots.length > 1 ? `${root} ${t.trim()}` : t.trim() })));
const runs = Number(args.runs);
const seconds = Number(args.seconds);
if (!Number.isInteger(runs) || runs < 1 || !(seconds > 0)) throw new Error('--runs must be a positive integer and --seconds positive');

interface Row {
  label: string;
  run: number;
  load1: LoadRow;
  load16: LoadRow;
  peakRssMb: number | undefined;
  /** Searches the threads answered / handed back (`/v1/metrics`), or `–` without threads. */
  searches: string;
  load: string;
}

function say(text: string): void {
  console.log(text);
  if (args.out) appendFileSync(args.out, `${text}\n`);
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'lmrec-bench-threads-'));
  try {
    const users = await usersOf(args.db!);
    // Request n asks for user (n · 7919) mod |users|: distinct users while n < |users| (7919 is prime),
    // and the 16-connection level starts half-way, so it never asks a user the first level asked.
    if (users.length % 7919 === 0) throw new Error('the user count must not be a multiple of 7919');
    const half = Math.floor(users.length / 2);
    const rows: Row[] = [];
    for (let run = 1; run <= runs; run++) {
      for (const { root, threads, label } of settings) {
        const copy = join(dir, 'run.db');
        copyFileSync(args.db!, copy);
        const before = loadavg()[0];
        const server = await startServer(copy, [], { LMREC_RETRIEVAL_THREADS: threads }, root);
        try {
          await api(server, 'GET', `/v1/users/${encodeURIComponent(users[users.length - 1])}/recommendations?k=10`);
          await new Promise((resolve) => setTimeout(resolve, 10_000));
          const load1 = await recommendLoad(server, 'first lists', users, 1, seconds);
          const load16 = await recommendLoad(server, 'first lists', users, 16, seconds, half);
          if (load1.requests >= half || load16.requests >= users.length - half) throw new Error('more requests than distinct users: lower --seconds or use a larger database');
          const metrics = await api<{ retrievalThreads?: { threads: number; answered: number; declined: number } }>(server, 'GET', '/v1/metrics');
          const t = metrics.retrievalThreads;
          const searches = t === undefined ? '–' : `${t.answered} / ${t.declined} (${t.threads} threads)`;
          const peakRssMb = server.child.pid === undefined ? undefined : processMemory(server.child.pid)?.peakMb;
          rows.push({ label, run, load1, load16, peakRssMb, searches, load: `${before.toFixed(2)} → ${loadavg()[0].toFixed(2)}` });
          console.error(`run ${run} threads ${label}: @1 ${load1.rps.toFixed(1)} req/s p99 ${load1.p99} ms, @16 ${load16.rps.toFixed(1)} req/s p99 ${load16.p99} ms`);
        } finally {
          await stopServer(server);
          for (const suffix of ['', '-wal', '-shm']) rmSync(copy + suffix, { force: true });
        }
      }
    }
    const cpu = cpus();
    say(`\n## First lists by retrieval threads (\`LMREC_RETRIEVAL_THREADS\`; ${cpu[0]?.model.trim() ?? 'CPU'} × ${cpu.length}, Node ${process.version}; ${seconds} s per level, ${users.length} users)\n`);
    say(`Run: \`npx tsx bench/retrieval-threads.ts --db ${args.db} --threads ${args.threads} --runs ${runs} --seconds ${seconds}${roots.length > 1 ? roots.map((r) => ` --root ${r}`).join('') : ''}\`\n`);
    say(
      table(
        ['threads', 'run', '@1 req/s', '@1 p50 / p99 ms', '@16 req/s', '@16 p50 / p99 ms', 'errors', 'searches on threads / handed back', 'server peak RSS MiB', 'load average'],
        rows.map((r) => [r.label, r.run, r.load1.rps.toFixed(1), `${r.load1.p50} / ${r.load1.p99}`, r.load16.rps.toFixed(1), `${r.load16.p50} / ${r.load16.p99}`, r.load1.errors + r.load16.errors, r.searches, r.peakRssMb?.toFixed(0) ?? '–', r.load]),
      ),
    );
    // The mean of the middle two for an even count of runs.
    const median = (values: number[]): number => (quantile(values, 0.5) + quantile(values, (values.length - 1) / 2 / values.length)) / 2;
    const summary = settings.map(({ label }) => {
      const own = rows.filter((r) => r.label === label);
      return { label, rps1: median(own.map((r) => r.load1.rps)), p99_1: median(own.map((r) => r.load1.p99)), rps16: median(own.map((r) => r.load16.rps)), p99_16: median(own.map((r) => r.load16.p99)) };
    });
    const ref = summary[0];
    say('\nMedian run per setting (ratio to the first setting):\n');
    say(
      table(
        ['threads', '@1 req/s', '@1 p99 ms', '@16 req/s', '@16 p99 ms'],
        summary.map((s) => [s.label, `${s.rps1.toFixed(1)} (${(s.rps1 / ref.rps1).toFixed(2)}×)`, `${s.p99_1.toFixed(0)} (${(s.p99_1 / ref.p99_1).toFixed(2)}×)`, `${s.rps16.toFixed(1)} (${(s.rps16 / ref.rps16).toFixed(2)}×)`, `${s.p99_16.toFixed(0)} (${(s.p99_16 / ref.p99_16).toFixed(2)}×)`]),
      ),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
