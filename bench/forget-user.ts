/**
 * What a user deletion costs the live counts (trending, popularity, topics, birth times): before,
 * they were rebuilt from every stored event; now the deleted user's events are taken out
 * (`LiveItemSignals.forget`). On a copy of a database (the user is deleted from it), the benchmark
 * times the rebuild a deletion used to run and the forget that replaces it, with the longest
 * event-loop pause of each (a 1 ms timer), and checks that both give the same top lists.
 *
 *   npx tsx bench/forget-user.ts --db <sqlite file, copied first> [--user u42] [--out <file.md>]
 * @module
 */
import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_FEEDBACK_POLICY, LiveItemSignals, openStorage } from '../src/index.js';
import { withLongestPause } from './bench-util.js';
import { table } from './serve-util.js';

const { values } = parseArgs({ options: { db: { type: 'string' }, user: { type: 'string' }, out: { type: 'string' } } });
if (values.db === undefined || !existsSync(values.db)) throw new Error('--db <sqlite file> is required (it is copied; the copy loses the user)');
const dir = mkdtempSync(join(tmpdir(), 'lmrec-forget-'));
const path = join(dir, 'copy.db');
copyFileSync(values.db, path);
for (const suffix of ['-wal', '-shm']) if (existsSync(values.db + suffix)) copyFileSync(values.db + suffix, path + suffix);
const storage = await openStorage(`sqlite://${path}`);
const options = { policy: DEFAULT_FEEDBACK_POLICY, topics: true };

try {
  const events = await storage.events.count();
  const live = new LiveItemSignals(options);
  const load = await withLongestPause(() => live.load(storage));
  // The user with the most events among the first thousand, unless one is named.
  let userId = values.user;
  if (userId === undefined) {
    let most = -1;
    for (const u of await storage.users.list({ limit: 1_000 })) {
      const n = await storage.events.count({ userId: u.id });
      if (n > most) [most, userId] = [n, u.id];
    }
  }
  if (userId === undefined) throw new Error('the database has no users');
  const own = await storage.events.forUser(userId);
  const removed = await storage.users.delete(userId);
  if (removed.events !== own.length) throw new Error(`read ${own.length} events of ${userId}, deleted ${removed.events}`);
  const forget = await withLongestPause(() => live.forget(own, storage));
  if (!forget.value) throw new Error(`${userId}'s events cannot be taken out exactly (a tag that made a topic)`);
  const rebuilt = new LiveItemSignals(options);
  const rebuild = await withLongestPause(() => rebuilt.load(storage));
  const now = Date.now();
  const agree = (['trending', 'popularityCounts'] as const).every((t) => {
    const a = live[t].top(100, now);
    const b = rebuilt[t].top(100, now);
    return a.length === b.length && a.every((e, r) => Math.abs(e.score - b[r].score) <= 1e-9 * Math.max(1, Math.abs(b[r].score)));
  });
  const lines = [
    `# A user deletion and the live counts (${new Date().toISOString().slice(0, 10)})`,
    '',
    `Database: a copy of \`${values.db}\` (${events.toLocaleString('en-US')} events); deleted user \`${userId}\` with ${own.length} events; Node ${process.version}.`,
    `Run: \`npx tsx bench/forget-user.ts --db ${values.db}${values.user === undefined ? '' : ` --user ${values.user}`}\`.`,
    '',
    table(
      ['step', 'ms', 'longest event-loop pause ms'],
      [
        ['load at start (every event)', load.ms.toFixed(0), load.pauseMs.toFixed(1)],
        ['rebuild after the deletion (before: every event left)', rebuild.ms.toFixed(0), rebuild.pauseMs.toFixed(1)],
        ["forget: the user's events out, items first seen in them read by item (now)", forget.ms.toFixed(1), forget.pauseMs.toFixed(1)],
      ],
    ),
    '',
    `- rebuild ÷ forget: ${(rebuild.ms / forget.ms).toFixed(0)}×`,
    `- top 100 trending and popularity scores of the forget path equal the rebuild's (relative 1e-9): ${agree ? 'yes' : 'NO'}`,
  ];
  const text = lines.join('\n') + '\n';
  console.log(text);
  if (values.out !== undefined) writeFileSync(values.out, text);
  if (!agree) process.exitCode = 1;
} finally {
  await storage.close();
  rmSync(dir, { recursive: true, force: true });
}
