/**
 * Does a long CLI import stall a server on the same SQLite file? `lmrec serve` (child process, no
 * pipeline, a popularity model) answers `GET /v1/health` back to back, `POST /v1/events` and
 * recommendations (each recorded as an impression: a write) while `lmrec import` (a second child
 * process) imports a generated events file of `--events` rows (default 1,000,000) into the same file.
 * Reported: the import's time, health latency (p50/p99/max) and failures, and for the writes and
 * recommendations their worst latency, failures and lists served without an impression.
 *
 * The reference in the same run is the same scenario on another source tree, `--before <commit>`
 * (exported with `git archive` into a temporary directory, sharing this checkout's node_modules):
 * e.g. the commit before writes waited asynchronously and imports committed in bounded transactions.
 *
 * Run with `npx tsx bench/faults.ts [--events 1000000] [--before <commit>]`; writes `bench/results/faults.md`.
 * @module
 */
import { execFileSync, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { KEY, ROOT, headers, quantile, startServer, stopServer, table } from './serve-util.js';


function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i < 0 ? undefined : process.argv[i + 1];
}

const EVENTS = Number(arg('--events') ?? 1_000_000);
const BEFORE = arg('--before');
const ITEMS = 2_000;
const USERS = 50_000;
const T0 = Date.UTC(2024, 0, 1);

/** Runs the CLI of the tree at `root` to the end; returns stdout. */
function cli(root: string, db: string, args: readonly string[]): string {
  return execFileSync(process.execPath, ['--import', 'tsx', join(root, 'src/cli/main.ts'), '--db', `sqlite://${db}`, '--json', '--log-level', 'error', ...args], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, LMREC_API_KEYS: `${KEY}:admin` },
  });
}

async function writeFile(path: string, lines: Iterable<string>): Promise<void> {
  const out = createWriteStream(path);
  for (const line of lines) if (!out.write(line)) await once(out, 'drain');
  out.end();
  await once(out, 'finish');
}

function* itemLines(): Generator<string> {
  yield 'id,title\n';
  for (let i = 0; i < ITEMS; i++) yield `i${i},Item ${i}\n`;
}

/** Events of `n` rows, deterministic, distinct per `tag` (so the import log sees new content). */
function* eventLines(n: number, tag: string): Generator<string> {
  yield 'user,item,type,timestamp\n';
  yield `${tag}u1,i0,view,${T0}\n`;
  let x = 12345;
  for (let r = 0; r < n; r++) {
    x = (x * 1103515245 + 12345) % 2147483648;
    yield `${tag}u${x % USERS},i${(x >> 8) % ITEMS},view,${T0 + r * 1000}\n`;
  }
}

interface Probe {
  latencies: number[];
  failed: number;
  statuses: Map<number, number>;
  unrecorded: number;
}

function probe(): Probe {
  return { latencies: [], failed: 0, statuses: new Map(), unrecorded: 0 };
}

/** Calls `request` every `everyMs` until `stop()` is true, recording latency and status. */
async function loop(p: Probe, everyMs: number, stop: () => boolean, request: () => Promise<Response>, check?: (body: unknown) => boolean): Promise<void> {
  while (!stop()) {
    const t0 = performance.now();
    try {
      const res = await request();
      const body: unknown = await res.json();
      p.latencies.push(performance.now() - t0);
      p.statuses.set(res.status, (p.statuses.get(res.status) ?? 0) + 1);
      if (!res.ok) p.failed++;
      else if (check !== undefined && !check(body)) p.unrecorded++;
    } catch {
      p.latencies.push(performance.now() - t0);
      p.failed++;
    }
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

interface Row {
  tree: string;
  importSeconds: number;
  health: Probe;
  events: Probe;
  recs: Probe;
  healthAfter: unknown;
}

async function scenario(tree: string, root: string, work: string): Promise<Row> {
  const db = join(work, `${tree}.db`);
  cli(root, db, ['import', join(work, 'items.csv'), '--format', 'csv', '--kind', 'items']);
  cli(root, db, ['import', join(work, 'seed.csv'), '--format', 'csv', '--kind', 'events']);
  cli(root, db, ['train', 'pop']);
  const server = await startServer(db, ['--no-pipeline'], {}, root);
  const health = probe();
  const events = probe();
  const recs = probe();
  let stop = false;
  let n = 0;
  const loops = Promise.all([
    loop(health, 10, () => stop, () => fetch(`${server.url}/v1/health`)),
    loop(events, 25, () => stop, () =>
      fetch(`${server.url}/v1/events`, { method: 'POST', headers, body: JSON.stringify({ userId: `live${n++ % 100}`, itemId: 'i1', type: 'view' }) }),
    ),
    loop(recs, 25, () => stop, () => fetch(`${server.url}/v1/users/seedu1/recommendations?k=10`, { headers }), (body) => typeof (body as { impressionId?: unknown }).impressionId === 'string'),
  ]);
  await new Promise((resolve) => setTimeout(resolve, 500));
  const t0 = performance.now();
  const importer = spawn(
    process.execPath,
    ['--import', 'tsx', join(root, 'src/cli/main.ts'), '--db', `sqlite://${db}`, '--json', '--log-level', 'error', 'import', join(work, 'events.csv'), '--format', 'csv', '--kind', 'events', '--force'],
    { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const code = await new Promise<number | null>((resolve) => importer.once('exit', resolve));
  const importSeconds = (performance.now() - t0) / 1000;
  if (code !== 0) throw new Error(`${tree}: import exited with ${code}`);
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  stop = true;
  await loops;
  const healthAfter = await (await fetch(`${server.url}/v1/health`)).json();
  await stopServer(server);
  return { tree, importSeconds, health, events, recs, healthAfter };
}

function statuses(p: Probe): string {
  return [...p.statuses].sort((a, b) => a[0] - b[0]).map(([s, c]) => `${s}×${c}`).join(' ');
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'lmrec-faults-bench-'));
  try {
    await writeFile(join(work, 'items.csv'), itemLines());
    await writeFile(join(work, 'seed.csv'), eventLines(5_000, 'seed'));
    await writeFile(join(work, 'events.csv'), eventLines(EVENTS, 'bulk'));
    const trees: [string, string][] = [];
    if (BEFORE !== undefined) {
      const dir = join(work, 'before');
      mkdirSync(dir);
      execFileSync('sh', ['-c', `git archive ${BEFORE} | tar -x -C ${dir}`], { cwd: ROOT });
      symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
      trees.push([`before (${BEFORE.slice(0, 7)})`, dir]);
    }
    trees.push(['this tree', ROOT]);
    const rows: Row[] = [];
    for (const [name, root] of trees) {
      process.stderr.write(`${name}: import of ${EVENTS} events beside a serving process …\n`);
      rows.push(await scenario(name, root, work));
    }
    const body = table(
      ['tree', 'import s', 'health n', 'health p50 ms', 'health p99 ms', 'health max ms', 'health failed', 'POST /v1/events n', 'events max ms', 'events failed (statuses)', 'recs n', 'recs max ms', 'recs failed', 'recs without impression'],
      rows.map((r) => [
        r.tree,
        r.importSeconds.toFixed(1),
        r.health.latencies.length,
        quantile(r.health.latencies, 0.5),
        quantile(r.health.latencies, 0.99),
        Math.max(...r.health.latencies),
        r.health.failed,
        r.events.latencies.length,
        Math.max(...r.events.latencies),
        `${r.events.failed} (${statuses(r.events)})`,
        r.recs.latencies.length,
        Math.max(...r.recs.latencies),
        r.recs.failed,
        r.recs.unrecorded,
      ]),
    );
    const report =
      `# Faults: a CLI import of ${EVENTS.toLocaleString('en')} events beside a serving process\n\n` +
      `\`npx tsx bench/faults.ts --events ${EVENTS}${BEFORE === undefined ? '' : ` --before ${BEFORE}`}\` (${new Date().toISOString().slice(0, 10)}). ` +
      'Health every 10 ms, one event posted and one recommendation (recorded as an impression) every 25 ms, from 0.5 s before the import to 1 s after it.\n\n' +
      body +
      '\n\n' +
      rows.map((r) => `/v1/health after the import (${r.tree}): \`${JSON.stringify(r.healthAfter)}\``).join('\n\n') +
      '\n';
    mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
    writeFileSync(join(ROOT, 'bench/results/faults.md'), report);
    process.stdout.write(report);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
