/**
 * Latency of `pipeline.recommend` (sources → learned ranker → re-rank → explanations) against
 * `engine.recommend` (one model, the reference) over users of the vendored MovieLens demo, in a
 * real SQLite file. Prints p50/p99 per path. Run: `npx tsx bench/pipeline.ts [users]`.
 * @module
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createEngine, createPipeline, openStorage, trainEngineRanker, formatRankerTable } from '../src/index.js';

const DEMO = fileURLToPath(new URL('../data/demo/ml-latest-small', import.meta.url));
const USERS = Number(process.argv[2] ?? 200);

function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'lmrec-bench-pipeline-'));
  const engine = createEngine(await openStorage(`sqlite://${join(dir, 'bench.db')}`));
  try {
    await engine.import({ format: 'movielens-latest', dir: DEMO });
    await engine.train('ease', { lambda: 500, minSupport: 5 });
    await engine.train('itemknn', { k: 100, shrink: 10 });
    const ranker = await trainEngineRanker(engine, { seed: 2020 });
    console.log('ranker validation (seeded temporal holdout):');
    console.log(formatRankerTable(ranker.table));
    const pipeline = await createPipeline(engine);
    const users = Array.from({ length: USERS }, (_, i) => String(1 + (i % 610)));
    const rows: { path: string; p50: number; p99: number; mean: number }[] = [];
    for (const [path, run] of [
      ['engine.recommend (ease, reference)', (u: string) => engine.recommend(u, { k: 10 })],
      ['pipeline.recommend (explanations)', (u: string) => pipeline.recommend(u, { k: 10 })],
      ['pipeline.recommend (no explanations)', (u: string) => pipeline.recommend(u, { k: 10, includeExplanations: false })],
    ] as const) {
      for (const u of users.slice(0, 10)) await run(u);
      const times: number[] = [];
      for (const u of users) {
        const t0 = performance.now();
        await run(u);
        times.push(performance.now() - t0);
      }
      times.sort((a, b) => a - b);
      rows.push({ path, p50: quantile(times, 0.5), p99: quantile(times, 0.99), mean: times.reduce((s, t) => s + t, 0) / times.length });
    }
    const ref = rows[0].p50;
    console.log(`\nlatency over ${USERS} requests (k = 10, sequential)`);
    console.log('| path | p50 ms | p99 ms | mean ms | p50 / reference |');
    console.log('|---|---:|---:|---:|---:|');
    for (const r of rows) console.log(`| ${r.path} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${r.mean.toFixed(2)} | ${(r.p50 / ref).toFixed(2)} |`);
  } finally {
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
