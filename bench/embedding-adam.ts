/**
 * Optimiser step of an item embedding table: dense Adam over every row (the reference) against lazy
 * Adam over the rows a sampled-softmax step touches (about 4,000: 64 windows of 50 items plus 1,024
 * negatives, as a SASRec step, drawn afresh each step), for tables of 10k to 1M items × 64. The lazy
 * step, gradient reset and the catch-up of the steps its rows sat out included, should not grow with
 * the table.
 *
 * Run: `npx tsx bench/embedding-adam.ts`.
 * @module
 */
import { createRng } from '../src/linalg/index.js';
import { EmbeddingAdam } from '../src/models/embedding-adam.js';
import { renderTable, timeMs } from './bench-util.js';

const WIDTH = 64;
const TOUCHED = 4_000;
const rows: string[][] = [];
for (const items of [10_000, 100_000, 1_000_000]) {
  const touched = Math.min(TOUCHED, items);
  const times = [false, true].map((lazy) => {
    const rng = createRng(items);
    const theta = new Float32Array(items * WIDTH);
    const grad = new Float32Array(items * WIDTH);
    const adam = new EmbeddingAdam(theta, grad, items, WIDTH, { learningRate: 0.001 }, lazy);
    // A fresh set of rows per step, so the lazy optimiser also applies the steps they sat out.
    const fill = (): void => {
      const rows = new Set<number>();
      while (rows.size < touched) rows.add(rng.int(items));
      for (const r of rows) grad.fill(0.01, r * WIDTH, (r + 1) * WIDTH);
      adam.touched?.addAll(Array.from(rows));
    };
    return timeMs(() => adam.step(), { setup: fill, warmup: 2, repeats: 7 });
  });
  rows.push([String(items), String(touched), times[0].toFixed(2), times[1].toFixed(3), (times[0] / times[1]).toFixed(1)]);
}
process.stdout.write(`Embedding table optimiser step (${WIDTH} wide; ms, median of 7)\n`);
process.stdout.write(renderTable(['items', 'rows touched', 'dense Adam ms', 'lazy Adam ms', 'speed-up'], [true, true, true, true, true], rows) + '\n');
