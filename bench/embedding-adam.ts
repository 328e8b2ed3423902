/**
 * Optimiser step of an item embedding table: dense Adam over every row (the reference) against lazy
 * Adam over the rows a sampled-softmax step touches (about 4,000: 64 windows of 50 items plus 1,024
 * negatives, as a SASRec step), for tables of 10k to 1M items × 64. The lazy step, gradient reset
 * included, should not grow with the table.
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
  const rng = createRng(items);
  const touched = new Set<number>();
  while (touched.size < Math.min(TOUCHED, items)) touched.add(rng.int(items));
  const list = Int32Array.from(touched);
  const times = [false, true].map((lazy) => {
    const theta = new Float32Array(items * WIDTH);
    const grad = new Float32Array(items * WIDTH);
    const adam = new EmbeddingAdam(theta, grad, items, WIDTH, { learningRate: 0.001 }, lazy);
    const fill = (): void => {
      for (const r of list) grad.fill(0.01, r * WIDTH, (r + 1) * WIDTH);
      adam.touched?.addAll(list);
    };
    return timeMs(() => adam.step(), { setup: fill, warmup: 2, repeats: 7 });
  });
  rows.push([String(items), String(list.length), times[0].toFixed(2), times[1].toFixed(3), (times[0] / times[1]).toFixed(1)]);
}
process.stdout.write(`Embedding table optimiser step (${WIDTH} wide; ms, median of 7)\n`);
process.stdout.write(renderTable(['items', 'rows touched', 'dense Adam ms', 'lazy Adam ms', 'speed-up'], [true, true, true, true, true], rows) + '\n');
