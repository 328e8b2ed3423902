/**
 * What a list costs when it is not a repeat, tree against tree: `lmrec serve` with list reuse off
 * (`LMREC_LIST_CACHE_TTL=0`, so every request computes its list with every source, the ranker, MMR
 * and explanations) on a fresh copy of one prepared database, recommendation throughput and latency
 * at 1 and 16 connections. Several trees (`--root <checkout>`, repeated; default this one) are
 * started in turn, `--runs` times, alternating, so that a machine getting busier or quieter affects
 * each alike; the last table gives each tree's median run. Single levels of this kind vary by half
 * from run to run on a shared 2-core machine, which is why one pair of runs cannot tell two trees
 * apart.
 *
 * The database is one `bench/demo-serving.ts --db <file>` prepared (the demo with every default
 * source trained, text models included). Each server is warmed up as there: a list per user, the
 * history texts encoded, a second list per user.
 *
 * Run with `npx tsx bench/computed-lists.ts --db <prepared demo database> [--root <checkout> …]
 * [--runs 3] [--seconds 10]`.
 * @module
 */
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ROOT, jobsIdle, quantile, recommendLoad, startServer, stopServer, table, usersOf, warmUp } from './serve-util.js';
import type { LoadRow } from './serve-util.js';

const { values: args } = parseArgs({
  options: {
    db: { type: 'string' },
    root: { type: 'string', multiple: true },
    runs: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '10' },
  },
});
if (args.db === undefined || !existsSync(args.db)) throw new Error(`--db must name a prepared database (bench/demo-serving.ts --db <file>); got ${args.db ?? 'none'}`);
const runs = Number(args.runs);
const seconds = Number(args.seconds);
if (!Number.isInteger(runs) || runs < 1 || !(seconds > 0)) throw new Error('--runs must be a positive integer and --seconds positive');
const trees = (args.root ?? [ROOT]).map((r) => resolve(r));

interface Row {
  tree: string;
  run: number;
  load1: LoadRow;
  load16: LoadRow;
  load: string;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'lmrec-bench-computed-'));
  try {
    const users = await usersOf(args.db!);
    const rows: Row[] = [];
    for (let run = 1; run <= runs; run++) {
      for (const tree of trees) {
        const copy = join(dir, 'run.db');
        copyFileSync(args.db!, copy);
        const before = loadavg()[0];
        const server = await startServer(copy, [], { LMREC_LIST_CACHE_TTL: '0' }, tree);
        try {
          await jobsIdle(server, 30 * 60_000);
          await warmUp(server, users);
          const load1 = await recommendLoad(server, 'computed', users, 1, seconds);
          const load16 = await recommendLoad(server, 'computed', users, 16, seconds, 1);
          rows.push({ tree, run, load1, load16, load: `${before.toFixed(2)} → ${loadavg()[0].toFixed(2)}` });
          console.error(`run ${run} ${tree}: @1 ${load1.rps.toFixed(0)} req/s, @16 ${load16.rps.toFixed(0)} req/s p99 ${load16.p99} ms`);
        } finally {
          await stopServer(server);
          for (const suffix of ['', '-wal', '-shm']) rmSync(copy + suffix, { force: true });
        }
      }
    }
    const cpu = cpus();
    console.log(`\n## Every list computed (\`LMREC_LIST_CACHE_TTL=0\`), tree against tree (${cpu[0]?.model.trim() ?? 'CPU'} × ${cpu.length}, Node ${process.version}; ${seconds} s per level)\n`);
    console.log(
      table(
        ['tree', 'run', '@1 req/s', '@1 p50 / p99 ms', '@16 req/s', '@16 p50 / p99 ms', 'errors', 'load average'],
        rows.map((r) => [r.tree, r.run, r.load1.rps.toFixed(1), `${r.load1.p50} / ${r.load1.p99}`, r.load16.rps.toFixed(1), `${r.load16.p50} / ${r.load16.p99}`, r.load1.errors + r.load16.errors, r.load]),
      ),
    );
    const median = (values: number[]): number => quantile(values, 0.5);
    console.log('\nMedian run per tree:\n');
    console.log(
      table(
        ['tree', '@1 req/s', '@16 req/s', '@16 p99 ms', 'range of @16 req/s'],
        trees.map((tree) => {
          const own = rows.filter((r) => r.tree === tree);
          const rps16 = own.map((r) => r.load16.rps);
          return [tree, median(own.map((r) => r.load1.rps)).toFixed(1), median(rps16).toFixed(1), median(own.map((r) => r.load16.p99)), `${Math.min(...rps16).toFixed(0)}–${Math.max(...rps16).toFixed(0)}`];
        }),
      ),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
