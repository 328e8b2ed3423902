/**
 * What recency weighting and trending change, under a global temporal split of the vendored
 * MovieLens demo (the last 10% of events by time are the future): accuracy and freshness of the
 * lists of popularity, trending alone, EASE with and without recency half-lives, and the pipeline
 * with and without its trending source. Prints a Markdown table (`--json` prints the report).
 * Run: `npx tsx bench/temporal.ts [--json]`.
 * @module
 */
import { fileURLToPath } from 'node:url';
import { formatTemporalEffects, runTemporalEffects } from '../src/index.js';

const DEMO = fileURLToPath(new URL('../data/demo/ml-latest-small', import.meta.url));

async function main(): Promise<void> {
  const report = await runTemporalEffects({ dir: DEMO });
  if (process.argv.includes('--json')) console.log(JSON.stringify(report, null, 2));
  else console.log(formatTemporalEffects(report));
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exitCode = 1;
});
