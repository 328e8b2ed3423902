/**
 * How long the live counts (popularity, trending, topics, birth times) take to load from a
 * database: what `lmrec serve` does at start, and what a rebuild after a retention purge does.
 * Prints the load's wall time, the longest event-loop pause (a 1 ms timer) and the RSS after it.
 * To compare trees, run it from a checkout of each.
 *
 *   npx tsx bench/signals-load.ts --db <sqlite file> [--runs 1]
 * @module
 */
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { DEFAULT_FEEDBACK_POLICY, LiveItemSignals, openStorage } from '../src/index.js';
import { withLongestPause } from './bench-util.js';

const { values } = parseArgs({ options: { db: { type: 'string' }, runs: { type: 'string' } } });
if (values.db === undefined || !existsSync(values.db)) throw new Error('--db <sqlite file> is required');
const storage = await openStorage(`sqlite://${values.db}`);
try {
  const events = await storage.events.count();
  for (let run = 1; run <= Number(values.runs ?? 1); run++) {
    const live = new LiveItemSignals({ policy: DEFAULT_FEEDBACK_POLICY, topics: true });
    const load = await withLongestPause(() => live.load(storage));
    const rss = process.memoryUsage().rss / 2 ** 30;
    console.log(`run ${run}: ${events.toLocaleString('en-US')} events loaded in ${(load.ms / 1000).toFixed(1)} s, longest event-loop pause ${load.pauseMs.toFixed(0)} ms, RSS ${rss.toFixed(2)} GiB`);
  }
} finally {
  await storage.close();
}
