/**
 * Does a retention purge hold up the event loop? `--events` expired events (default 300,000) are
 * written to a SQLite file, then deleted twice over (the file rebuilt in between): once in a single
 * `events.deleteBefore` transaction (what a naive purge does) and once by `purgeExpired` in batches of
 * 500 rows with a pause between them (what `lmrec serve` and `lmrec purge` do). A 1 ms timer measures
 * the longest pause of the event loop during each; the same numbers tell how long another process's
 * write would wait for the lock.
 *
 * Run with `npx tsx bench/retention.ts [--events 300000]`; writes `bench/results/retention.md`.
 * @module
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSqliteStorage, purgeExpired } from '../src/index.js';
import type { Event, Storage } from '../src/index.js';
import { withLongestPause } from './bench-util.js';
import { ROOT, table } from './serve-util.js';

const DAY = 86_400_000;
const i = process.argv.indexOf('--events');
const n = i < 0 ? 300_000 : Number(process.argv[i + 1]);

async function prepared(path: string): Promise<Storage> {
  rmSync(path, { force: true });
  const storage = createSqliteStorage({ path });
  const now = Date.now();
  const events: Event[] = Array.from({ length: n }, (_, j) => ({ userId: `u${j % 5_000}`, itemId: `i${j % 20_000}`, type: 'view', timestamp: now - 800 * DAY + j }));
  await storage.bulkWrite({ events }, { transactionRows: 50_000 });
  return storage;
}

async function measure(work: () => Promise<number>): Promise<{ removed: number; ms: number; longestPauseMs: number }> {
  const { value, ms, pauseMs } = await withLongestPause(work);
  return { removed: value, ms, longestPauseMs: pauseMs };
}

const dir = mkdtempSync(join(tmpdir(), 'lmrec-bench-retention-'));
try {
  const cutoff = Date.now() - 365 * DAY;
  const path = join(dir, 'retention.db');
  let storage = await prepared(path);
  const single = await measure(() => storage.events.deleteBefore(cutoff));
  await storage.close();
  storage = await prepared(path);
  const batched = await measure(async () => (await purgeExpired(storage, { eventsBefore: cutoff })).events);
  await storage.close();
  const rows = [
    ['one transaction (events.deleteBefore without limit)', single.removed, Math.round(single.ms), single.longestPauseMs.toFixed(1)],
    ['purgeExpired, batches of 500 + 15 ms pause', batched.removed, Math.round(batched.ms), batched.longestPauseMs.toFixed(1)],
  ];
  const report = `# Retention purge: event-loop pauses\n\n${n.toLocaleString('en')} expired events in a SQLite file, ${new Date().toISOString()}.\n\n${table(['purge', 'events deleted', 'total ms', 'longest event-loop pause ms'], rows)}\n`;
  process.stdout.write(report);
  mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
  writeFileSync(join(ROOT, 'bench', 'results', 'retention.md'), report);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
