/**
 * What a client sees while `lmrec serve` starts on a stored database: the time from spawning the
 * process to the first answer of `/v1/health` (any status), to the first `status: ok`, and to the
 * first served recommendation list, with the answers seen on the way (connection refused, `starting`,
 * 503), the health answers' p99, slowest and count over 250 ms, and the server's peak RSS by then. Several trees can be compared in one run (`--root <checkout>`, repeated), each started
 * `--runs` times on its own copy of the database, one after the other.
 *
 * Run with `npx tsx bench/startup.ts --db <prepared database> [--root <checkout> …] [--runs 3]`.
 * Without `--db` a slice of the vendored MovieLens demo (200 users, item-kNN trained) is prepared.
 * @module
 */
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { KEY, ROOT, prepareDemoSliceDb, processMemory, quantile, table } from './serve-util.js';

function argValues(name: string): string[] {
  const out: string[] = [];
  process.argv.forEach((a, i) => {
    if (a === name && process.argv[i + 1] !== undefined) out.push(process.argv[i + 1]);
  });
  return out;
}

const roots = argValues('--root').map((r) => resolve(r));
const dbArg = argValues('--db')[0];
const runs = Number(argValues('--runs')[0] ?? 3);

/** A free loopback port (the server must be reachable before it can say which port it took). */
function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const address = s.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      s.close(() => res(port));
    });
  });
}

interface StartRow {
  root: string;
  run: number;
  firstHealthMs: number;
  okMs: number;
  firstListMs: number;
  refused: number;
  starting: number;
  listsRefused: number;
  /** Latency of the health answers received while starting (ms), p99. */
  healthP99: number;
  /** The slowest health answer while starting, and how many took over 250 ms (ms, count). */
  healthMax: number;
  healthSlow: number;
  /** The server's peak RSS (`VmHWM`) when its first list was served, in MiB. */
  peakRssMb: number;
}

/** Starts one server and polls it every 20 ms until it serves a list (or 10 minutes pass). */
async function measure(root: string, db: string, run: number): Promise<StartRow> {
  const port = await freePort();
  const t0 = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'src/cli/main.ts'), '--db', `sqlite://${db}`, '--json', '--log-level', 'error', 'serve', '--port', String(port), '--host', '127.0.0.1', '--no-dashboard'], {
    cwd: root,
    env: { ...process.env, LMREC_API_KEYS: `${KEY}:admin` },
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const row: StartRow = { root, run, firstHealthMs: NaN, okMs: NaN, firstListMs: NaN, refused: 0, starting: 0, listsRefused: 0, healthP99: NaN, healthMax: NaN, healthSlow: 0, peakRssMb: NaN };
  const healthTimes: number[] = [];
  const base = `http://127.0.0.1:${port}`;
  const user = '1';
  try {
    for (const deadline = t0 + 10 * 60_000; performance.now() < deadline; ) {
      if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}: ${stderr}`);
      const h0 = performance.now();
      try {
        const res = await fetch(`${base}/v1/health`);
        const body = (await res.json()) as { status?: string };
        healthTimes.push(performance.now() - h0);
        if (Number.isNaN(row.firstHealthMs)) row.firstHealthMs = h0 - t0;
        if (body.status === 'starting') row.starting++;
        if (body.status === 'ok' && Number.isNaN(row.okMs)) row.okMs = performance.now() - t0;
        const list = await fetch(`${base}/v1/users/${user}/recommendations?k=10`, { headers: { authorization: `Bearer ${KEY}` } });
        await list.arrayBuffer();
        if (list.status === 200) {
          row.firstListMs = performance.now() - t0;
          row.peakRssMb = processMemory(child.pid)?.peakMb ?? NaN;
          if (Number.isNaN(row.okMs) && ((await (await fetch(`${base}/v1/health`)).json()) as { status?: string }).status === 'ok') row.okMs = performance.now() - t0;
          break;
        }
        row.listsRefused++;
      } catch {
        row.refused++;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
  row.healthP99 = healthTimes.length > 0 ? quantile(healthTimes, 0.99) : NaN;
  row.healthMax = healthTimes.length > 0 ? Math.max(...healthTimes) : NaN;
  row.healthSlow = healthTimes.filter((ms) => ms > 250).length;
  return row;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'lmrec-bench-startup-'));
  try {
    let db = dbArg;
    if (db === undefined) {
      db = join(dir, 'slice.db');
      await prepareDemoSliceDb(db, join(dir, 'slice'), 200);
    } else if (!existsSync(db)) throw new Error(`no database at ${db}`);
    const trees = roots.length > 0 ? roots : [ROOT];
    const rows: StartRow[] = [];
    for (let r = 0; r < runs; r++) {
      // Trees alternate, so a machine getting busier or quieter affects each alike.
      for (const root of trees) {
        const copy = join(dir, `run.db`);
        copyFileSync(db, copy);
        rows.push(await measure(root, copy, r + 1));
        for (const suffix of ['', '-wal', '-shm']) rmSync(copy + suffix, { force: true });
      }
    }
    const cpu = cpus();
    const f = (ms: number): string => (Number.isNaN(ms) ? '–' : (ms / 1000).toFixed(2));
    console.log(`\n## Start-up of \`lmrec serve\` (${cpu[0]?.model.trim() ?? 'CPU'} × ${cpu.length}, Node ${process.version}; database ${dbArg ?? 'demo slice, 200 users'})\n`);
    console.log(
      table(
        ['tree', 'run', 'first /v1/health answer s', 'status ok s', 'first list s', 'connections refused', 'health `starting`', 'lists answered 503', 'health p99 ms while starting', 'slowest health ms', 'health answers > 250 ms', 'peak RSS GiB'],
        rows.map((r) => [r.root, r.run, f(r.firstHealthMs), f(r.okMs), f(r.firstListMs), r.refused, r.starting, r.listsRefused, Number.isNaN(r.healthP99) ? '–' : r.healthP99.toFixed(1), Number.isNaN(r.healthMax) ? '–' : r.healthMax.toFixed(0), r.healthSlow, Number.isNaN(r.peakRssMb) ? '–' : (r.peakRssMb / 1024).toFixed(2)]),
      ),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
