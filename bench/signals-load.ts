/**
 * How long the live counts (popularity, trending, topics, birth times) take to load from a
 * database: what `lmrec serve` does at start, and what a rebuild after a retention purge does.
 * Prints the load's wall time, the longest event-loop pause (a 1 ms timer) and the RSS after it.
 * To compare trees, run it from a checkout of each.
 *
 * With `--snapshot` the load starts from the stored snapshot of the counts, as `lmrec serve` does
 * (`src/pipeline/signals-snapshot.ts`), and stores a new one when it read at least `--min-events`
 * beyond it (default the server's); the line also says whether one was used, how many events were
 * read and how long storing the new one took. Two runs show both: the first stores, the second reads it.
 *
 *   npx tsx bench/signals-load.ts --db <sqlite file> [--runs 1] [--snapshot] [--min-events <n>]
 * @module
 */
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { DEFAULT_FEEDBACK_POLICY, LiveItemSignals, openStorage } from '../src/index.js';
import { withLongestPause } from './bench-util.js';

const { values } = parseArgs({ options: { db: { type: 'string' }, runs: { type: 'string' }, snapshot: { type: 'boolean' }, 'min-events': { type: 'string' } } });
if (values.db === undefined || !existsSync(values.db)) throw new Error('--db <sqlite file> is required');
const storage = await openStorage(`sqlite://${values.db}`);
try {
  const events = await storage.events.count();
  for (let run = 1; run <= Number(values.runs ?? 1); run++) {
    const live = new LiveItemSignals({ policy: DEFAULT_FEEDBACK_POLICY, topics: true });
    const minEvents = values['min-events'] === undefined ? undefined : Number(values['min-events']);
    const snapshot = values.snapshot === true ? { ...(minEvents === undefined ? {} : { minEvents }), onError: (error: unknown) => console.error('storing the snapshot failed:', error) } : undefined;
    const load = await withLongestPause(() => live.load(storage, { snapshot }));
    const rss = process.memoryUsage().rss / 2 ** 30;
    let saved = '';
    if (snapshot !== undefined) {
      const t = performance.now();
      const stored = await load.value.saved;
      saved = `; snapshot ${load.value.snapshot}, ${load.value.eventsRead.toLocaleString('en-US')} events read, ${stored ? `a new one stored in ${((performance.now() - t) / 1000).toFixed(1)} s` : 'none stored'}`;
    }
    console.log(`run ${run}: ${events.toLocaleString('en-US')} events loaded in ${(load.ms / 1000).toFixed(1)} s, longest event-loop pause ${load.pauseMs.toFixed(0)} ms, RSS ${rss.toFixed(2)} GiB${saved}`);
  }
} finally {
  await storage.close();
}
