/**
 * Shared parts of the HTTP benchmarks: `lmrec serve` as a child process (from the TypeScript
 * sources, loopback, port 0, admin key), recommendation load through autocannon, the
 * event-to-changed-list probe, quantiles, Markdown tables and a process's resident memory.
 * @module
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { createEngine, openStorage } from '../src/index.js';
import { writeDemoSlice } from '../src/lifecycle/test-support.js';

/** The repository root. */
export const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** The admin key the benchmark servers accept. */
export const KEY = 'bench-admin-key';

/** A running server. */
export interface Server {
  url: string;
  child: ChildProcessWithoutNullStreams;
}

/**
 * Starts `lmrec serve` on `dbPath` (a SQLite file, or a storage URL such as `postgres://…`) with
 * `extraArgs` (and extra environment), from the sources under `root` (another checkout to compare with);
 * `nodeArgs` go to node itself (such as `--cpu-prof`, which `NODE_OPTIONS` may not carry).
 */
export async function startServer(dbPath: string, extraArgs: readonly string[] = [], env: Record<string, string> = {}, root: string = ROOT, nodeArgs: readonly string[] = []): Promise<Server> {
  const child = spawn(
    process.execPath,
    [...nodeArgs, '--import', 'tsx', join(root, 'src/cli/main.ts'), '--db', dbPath.includes('://') ? dbPath : `sqlite://${dbPath}`, '--json', '--log-level', 'error', 'serve', '--port', '0', '--host', '127.0.0.1', '--no-dashboard', ...extraArgs],
    { cwd: root, env: { ...process.env, LMREC_API_KEYS: `${KEY}:admin`, ...env } },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('\n')) resolve((JSON.parse(out.split('\n')[0]) as { url: string }).url);
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}: ${stderr}`)));
  });
  return { url, child };
}

/**
 * Writes a small SQLite database at `dbPath`: the ratings of the first `users` users of the vendored
 * MovieLens demo and the movies they rated (slice files written to `sliceDir`), with one item-kNN
 * version trained, so `lmrec serve` on it starts in seconds.
 */
export async function prepareDemoSliceDb(dbPath: string, sliceDir: string, users: number): Promise<{ ratings: number; movies: number }> {
  const counts = writeDemoSlice(sliceDir, users);
  const engine = createEngine(await openStorage(`sqlite://${dbPath}`));
  try {
    await engine.import({ format: 'movielens-latest', dir: sliceDir });
    await engine.train('itemknn', { k: 20 });
  } finally {
    await engine.close();
  }
  return counts;
}

/** Stops a server with SIGTERM and waits for it. */
export async function stopServer(server: Server): Promise<void> {
  if (server.child.exitCode !== null) return;
  const exited = new Promise((resolve) => server.child.once('exit', resolve));
  server.child.kill('SIGTERM');
  await exited;
}

/** Headers of an admin JSON request. */
export const headers = { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' };

/** One JSON request; throws with the status and body when it fails. */
export async function api<T>(server: Server, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${server.url}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const json = (await res.json()) as T;
  if (!res.ok) throw new Error(`${method} ${path} → ${res.status}: ${JSON.stringify(json)}`);
  return json;
}

/** A training job as `GET /v1/models/jobs` lists it. */
export interface JobRow {
  model: string;
  reason: string;
  state: string;
}

/** Waits until the server has no queued or running training job (or `timeoutMs` passed); the jobs seen. */
export async function jobsIdle(server: Server, timeoutMs: number): Promise<{ jobs: JobRow[] }> {
  let jobs: JobRow[] = [];
  for (const deadline = performance.now() + timeoutMs; performance.now() < deadline; ) {
    // A job queued at start may take a moment to be listed.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    jobs = (await api<{ jobs: JobRow[] }>(server, 'GET', '/v1/models/jobs')).jobs;
    if (!jobs.some((j) => j.state === 'queued' || j.state === 'running')) return { jobs };
  }
  throw new Error(`training jobs still running after ${timeoutMs} ms: ${JSON.stringify(jobs)}`);
}

/** One load level. */
export interface LoadRow {
  catalogue: string;
  connections: number;
  requests: number;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

/**
 * Recommendation requests for known users at `connections` concurrent connections, in a fixed
 * 7919-step cycle over `users` starting at position `start` (pass distinct starts to keep levels
 * from asking for the same users again).
 */
export async function recommendLoad(server: Server, catalogue: string, users: readonly string[], connections: number, seconds: number, start = 0): Promise<LoadRow> {
  let n = start;
  const result = await autocannon({
    url: server.url,
    connections,
    duration: seconds,
    headers: { authorization: `Bearer ${KEY}` },
    requests: [
      {
        method: 'GET',
        setupRequest: (request) => ({ ...request, path: `/v1/users/${users[(n++ * 7919) % users.length]}/recommendations?k=10` }),
      },
    ],
  });
  return {
    catalogue,
    connections,
    requests: result.requests.total,
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.non2xx,
  };
}

/**
 * One list per user, a wait until no history text is being encoded (at most 10 minutes), and one
 * more list per user (the first ones, built without the text interest, are not kept); what it took.
 */
export async function warmUp(server: Server, users: readonly string[]): Promise<string> {
  const t0 = performance.now();
  for (const user of users) await api(server, 'GET', `/v1/users/${user}/recommendations?k=10`);
  const listed = (performance.now() - t0) / 1000;
  const pending = async (): Promise<number> => (await api<{ process?: { historyTextsPending?: number } }>(server, 'GET', '/v1/metrics')).process?.historyTextsPending ?? 0;
  while ((await pending()) > 0 && performance.now() - t0 < 10 * 60_000) await new Promise((r) => setTimeout(r, 500));
  const encoded = (performance.now() - t0) / 1000;
  for (const user of users) await api(server, 'GET', `/v1/users/${user}/recommendations?k=10`);
  return `${users.length} first lists in ${listed.toFixed(1)} s, every history text encoded after ${encoded.toFixed(1)} s, second lists done after ${((performance.now() - t0) / 1000).toFixed(1)} s`;
}

/** The q-quantile of `values`. */
export function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/** Post a like of the list's top item; time until a list without it comes back. */
export async function eventToList(server: Server, users: readonly string[], rounds: number): Promise<{ p50: number; p99: number; rounds: number }> {
  const times: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const userId = users[(r * 31) % users.length];
    const before = await api<{ items: { id: string }[] }>(server, 'GET', `/v1/users/${userId}/recommendations?k=10`);
    const top = before.items[0].id;
    const t0 = performance.now();
    await api(server, 'POST', '/v1/events', { userId, itemId: top, type: 'like' });
    for (let attempt = 0; attempt < 100; attempt++) {
      const after = await api<{ items: { id: string }[] }>(server, 'GET', `/v1/users/${userId}/recommendations?k=10`);
      if (!after.items.some((it) => it.id === top)) break;
    }
    times.push(performance.now() - t0);
  }
  return { p50: quantile(times, 0.5), p99: quantile(times, 0.99), rounds };
}

/** A Markdown table. */
export function table(headersRow: string[], rows: (string | number)[][]): string {
  const lines = [`| ${headersRow.join(' | ')} |`, `|${headersRow.map(() => '---').join('|')}|`];
  for (const row of rows) lines.push(`| ${row.map((c) => (typeof c === 'number' ? (Number.isInteger(c) ? String(c) : c.toFixed(2)) : c)).join(' | ')} |`);
  return lines.join('\n');
}


/** Resident memory of a process from `/proc/<pid>/status`, in MiB (undefined off Linux or once it exited). */
export interface ProcessMemory {
  /** Resident set now (`VmRSS`). */
  rssMb: number;
  /** Peak resident set since the process started (`VmHWM`). */
  peakMb: number;
}

/** {@link ProcessMemory} of `pid` (a server's `child.pid`). */
export function processMemory(pid: number | undefined): ProcessMemory | undefined {
  if (pid === undefined) return undefined;
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const kb = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024 };
}

/** Ids of the users stored in the SQLite file `db` (at most a million). */
export async function usersOf(db: string): Promise<string[]> {
  const storage = await openStorage(`sqlite://${db}`);
  try {
    return (await storage.users.list({ limit: 1_000_000 })).map((u) => u.id);
  } finally {
    await storage.close();
  }
}
