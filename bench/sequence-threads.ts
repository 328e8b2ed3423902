/**
 * SASRec training threads: seconds per epoch with 1 and with 2 threads in the same run (data-parallel
 * steps, `FitContext.threads`), on Amazon Beauty (S3-Rec file, `loo-seq` training sequences, with the
 * items' attributes when `Beauty_item2attributes.json` sits beside it, as `lmrec evaluate` reads it),
 * and what the two models are worth: validation NDCG@10 over a sample of 3,000 users, and how far
 * apart their parameters end (the two fits sum each step's gradient in another order, and the
 * rounding differences grow over the steps as in any two runs of a non-convex fit: a different
 * trajectory of the same training, not a different model). Without the shared Beauty file it says so and uses the
 * vendored MovieLens latest-small (`loo-seq-5core`). Prints the machine load beside the figures.
 *
 * Run: `npx tsx bench/sequence-threads.ts [--epochs 2] [--data <Beauty.txt>] [--threads 2]`.
 * @module
 */
import { existsSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LOO_SEQ, LOO_SEQ_5CORE, createModel, prepareProtocol, readInteractionFile, readS3RecAttributes, sampleTaskUsers } from '../src/index.js';
import { evaluateRanking } from '../src/eval/evaluate-ranking.js';
import type { RankingTask } from '../src/eval/evaluate-ranking.js';
import { alignItemAttributes } from '../src/models/item-attributes.js';
import type { FitContext } from '../src/models/recommender.js';
import type { SasRecModel } from '../src/models/sasrec.js';
import { renderTable } from './bench-util.js';

const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const at = args.indexOf(name);
  return at >= 0 ? args[at + 1] : undefined;
};
const benchDir = dirname(fileURLToPath(import.meta.url));
const beauty = flag('--data') ?? join(benchDir, '..', '..', 'shared', 'datasets', 'amazon-beauty', 'Beauty.txt');
const demo = join(benchDir, '..', 'data', 'demo', 'ml-latest-small', 'ratings.csv');
const epochs = Number(flag('--epochs') ?? 2);
const parallel = Number(flag('--threads') ?? 2);

async function load(): Promise<{ name: string; context: FitContext; train: Parameters<SasRecModel['fit']>[0]; valid: RankingTask }> {
  if (existsSync(beauty)) {
    const log = await readInteractionFile(beauty, { format: 's3rec' });
    const prepared = prepareProtocol(log, LOO_SEQ);
    const byId = await readS3RecAttributes(beauty);
    const itemAttributes = byId ? alignItemAttributes(prepared.log.items.size, (i) => prepared.log.items.idAt(i), (id) => byId.get(id)) : undefined;
    const name = `${beauty} (loo-seq${itemAttributes ? `, ${itemAttributes.numAttributes} attributes` : ''})`;
    return { name, train: prepared.train, valid: sampleTaskUsers(prepared.validTask, 3000, 1), context: { sequences: prepared.trainSequences, ...(itemAttributes ? { itemAttributes } : {}) } };
  }
  process.stderr.write(`${beauty} not found (pass --data): using the vendored ${demo} instead\n`);
  const prepared = prepareProtocol(await readInteractionFile(demo), { ...LOO_SEQ_5CORE, sequenceLength: 50 });
  return { name: `${demo} (loo-seq-5core, sequences ≤ 50)`, train: prepared.train, valid: sampleTaskUsers(prepared.validTask, 3000, 1), context: { sequences: prepared.trainSequences } };
}

const load1 = (): string => loadavg().map((l) => l.toFixed(2)).join(' ');
const { name, train, context, valid } = await load();
const rows: string[][] = [];
const models: SasRecModel[] = [];
const perEpoch: number[] = [];
for (const threads of [1, parallel]) {
  const before = load1();
  const model = createModel('sasrec', { epochs }) as SasRecModel;
  const cpu0 = process.cpuUsage();
  const report = await model.fit(train, { ...context, threads });
  const cpu = process.cpuUsage(cpu0);
  // CPU seconds of all the process's threads per wall second: how many cores the fit kept busy.
  const busy = (cpu.user + cpu.system) / 1e6 / report.seconds;
  const seconds = report.seconds / report.epochs;
  models.push(model);
  perEpoch.push(seconds);
  const after = load1();
  const ndcg = evaluateRanking(model, valid, { ks: [10] }).metrics['ndcg@10'] ?? NaN;
  rows.push([String(threads), String(report.epochs), seconds.toFixed(1), (perEpoch[0] / seconds).toFixed(2), busy.toFixed(2), ndcg.toFixed(4), `${before} → ${after}`]);
}

/** Root mean square of `a − b` (or of `a` alone). */
function rms(a: Float32Array, b?: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - (b ? b[i] : 0)) ** 2;
  return Math.sqrt(s / Math.max(1, a.length));
}
process.stdout.write(`SASRec (default settings) on ${name}, ${epochs} epochs, ${availableParallelism()} cores\n`);
process.stdout.write(renderTable(['threads', 'epochs', 's/epoch', 'speed-up', 'cores busy', 'valid ndcg@10 (≤ 3000 users)', 'load avg 1/5/15 min (before → after fit)'], [true, true, true, true, true, true, false], rows) + '\n');
const [a, b] = models.map((m) => m.parameters);
process.stdout.write(`parameters, 1 vs ${parallel} threads: rms difference ${rms(a, b).toExponential(2)} against rms ${rms(a).toExponential(2)}\n`);
