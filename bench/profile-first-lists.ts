/**
 * Where a computed list's time goes: starts `lmrec serve` on a database under `node --cpu-prof`,
 * asks for `--lists` first lists of distinct users one after the other, stops the server and prints
 * the self time of the heaviest functions and files of the profile (and where it was written).
 *
 * Users are `bench/scale.ts`'s (`u0` … `u<users − 1>`); only the samples taken while the lists were
 * asked for are counted, not the start-up — or, with `--window start`, only the start-up's (from
 * spawning the server to its first `ok` health answer), with the longest gap between two health
 * answers asked for every 20 ms; `--window both` prints both.
 *
 * `--prefix ''` asks for users `1` … `<users>` (the MovieLens demo's), `--root` starts another checkout's server
 * and `--env NAME=value` (repeated) sets its environment, e.g. `LMREC_LIST_CACHE_TTL=0` so that every list is computed.
 *
 *   npx tsx bench/profile-first-lists.ts --db <sqlite file> --users <count> [--lists 300] [--window lists|start|both] [--top 40] [--dir <profile dir>]
 * @module
 */
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { api, quantile, startServer, stopServer } from './serve-util.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  endTime: number;
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const { values } = parseArgs({ options: { db: { type: 'string' }, lists: { type: 'string', default: '300' }, top: { type: 'string', default: '40' }, users: { type: 'string' }, window: { type: 'string', default: 'lists' }, prefix: { type: 'string', default: 'u' }, root: { type: 'string' }, env: { type: 'string', multiple: true }, dir: { type: 'string', default: '/tmp/lmrec-profile' } } });
if (values.db === undefined) throw new Error('--db <sqlite file> is required');
const dir = values.dir;
mkdirSync(dir, { recursive: true });
const before = new Set(readdirSync(dir));
const spawned = performance.now();
const env = Object.fromEntries((values.env ?? []).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
const server = await startServer(values.db, [], env, values.root === undefined ? undefined : resolve(values.root), ['--cpu-prof', `--cpu-prof-dir=${dir}`]);
let longestGap = 0;
for (let last = performance.now(); ; ) {
  const health = await api<{ status: string }>(server, 'GET', '/v1/health');
  const t = performance.now();
  longestGap = Math.max(longestGap, t - last);
  last = t;
  if (health.status === 'ok') break;
  if (t - spawned > 3_600_000) throw new Error('server not ready after an hour');
  await new Promise((r) => setTimeout(r, values.window === 'lists' ? 1_000 : 20));
}
const ready = performance.now();
const userCount = Number(values.users);
if (!(userCount > 0)) throw new Error('--users <count> is required (the scale benchmark: 100,000 × scale)');
const ids = Array.from({ length: userCount }, (_, u) => `${values.prefix}${values.prefix === '' ? u + 1 : u}`);
const lists = Number(values.lists);
const ms: number[] = [];
const listsStart = performance.now();
for (let r = 0; r < lists; r++) {
  const t0 = performance.now();
  await api(server, 'GET', `/v1/users/${ids[(r * 7919) % ids.length]}/recommendations?k=10`);
  ms.push(performance.now() - t0);
}
const listsEnd = performance.now();
await stopServer(server);
const stopped = performance.now();
console.log(`${lists} first lists: p50 ${quantile(ms, 0.5).toFixed(1)} ms, p99 ${quantile(ms, 0.99).toFixed(1)} ms`);
const file = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile') && !before.has(f)).map((f) => join(dir, f))[0];
if (file === undefined) throw new Error(`no profile written to ${dir}`);
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
if (values.window !== 'lists') console.log(`ready after ${((ready - spawned) / 1000).toFixed(1)} s; longest gap between two health answers ${longestGap.toFixed(0)} ms`);
// Sample times run back from the profile's end; a window is placed by the wall time of the stop.
const times: number[] = [];
let at = profile.endTime;
for (let i = profile.samples.length - 1; i >= 0; i--) {
  times[i] = at;
  at -= profile.timeDeltas[i] ?? 0;
}
const top = Number(values.top);
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const parent = new Map<number, number>();
for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

/** Prints the heaviest functions and files by self time among the samples between `from` and `to` (wall ms of this process). */
function report(label: string, from: number, to: number): void {
  const windowFrom = profile.endTime - (stopped - from) * 1000;
  const windowTo = profile.endTime - (stopped - to) * 1000;
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => {
    if (times[i] >= windowFrom && times[i] <= windowTo) self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const byFn = new Map<string, number>();
  const byFile = new Map<string, number>();
  let total = 0;
  for (const node of profile.nodes) {
    const us = self.get(node.id) ?? 0;
    if (us === 0) continue;
    total += us;
    const f = node.callFrame;
    const where = f.url.replace(/^file:\/\//, '').replace(/.*\/(src|node_modules)\//, '$1/');
    const fnKey = `${f.functionName || '(anonymous)'} ${where}:${f.lineNumber + 1}`;
    byFn.set(fnKey, (byFn.get(fnKey) ?? 0) + us);
    byFile.set(where || f.functionName, (byFile.get(where || f.functionName) ?? 0) + us);
  }
  const show = (m: Map<string, number>): void => {
    for (const [k, us] of [...m].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${(us / 1000).toFixed(0).padStart(8)} ms ${((100 * us) / total).toFixed(1).padStart(5)}%  ${k}`);
  };
  // Inclusive time of the project's own functions: every sample counts once for each on its stack.
  const inclusive = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    if (times[i] < windowFrom || times[i] > windowTo) return;
    const onStack = new Set<string>();
    for (let n: number | undefined = id; n !== undefined; n = parent.get(n)) {
      const f = byId.get(n)?.callFrame;
      if (f === undefined || !f.url.includes('/src/')) continue;
      onStack.add(`${f.functionName || '(anonymous)'} ${f.url.replace(/.*\/src\//, 'src/')}:${f.lineNumber + 1}`);
    }
    for (const key of onStack) inclusive.set(key, (inclusive.get(key) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  console.log(`\n== ${label}: ${(total / 1000).toFixed(0)} ms sampled\n-- functions (self)`);
  show(byFn);
  console.log('-- files (self)');
  show(byFile);
  console.log('-- src/ functions (inclusive)');
  show(inclusive);
}

console.log(`profile ${file}`);
if (values.window !== 'lists') report('start-up', spawned, ready);
if (values.window !== 'start') report(`${lists} first lists`, listsStart, listsEnd);
