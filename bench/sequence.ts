/**
 * Sequence-model benchmark on Amazon Beauty (S3-Rec file): seconds per training epoch, time to
 * convergence (early stopping on validation NDCG@10 over a user sample, with `--converge`), and peak
 * memory (maxRSS) for `sasrec` and `gru4rec`; plus the kernels they spend their time in against
 * references in the same run (Float32 `matmul` vs Float64 `gemm`, `causalAttention` vs a naive loop).
 *
 * Run: `npx tsx bench/sequence.ts [--epochs 2] [--converge] [--data <Beauty.txt>]`.
 * @module
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LOO_SEQ, createModel, prepareProtocol, readInteractionFile, sampleTaskUsers } from '../src/index.js';
import { evaluateRanking } from '../src/eval/evaluate-ranking.js';
import { causalAttention, createRng, gemm, matmul } from '../src/linalg/index.js';
import { renderTable, timeMs } from './bench-util.js';

const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const at = args.indexOf(name);
  return at >= 0 ? args[at + 1] : undefined;
};
const benchDir = dirname(fileURLToPath(import.meta.url));
const dataPath = flag('--data') ?? join(benchDir, '..', '..', 'shared', 'datasets', 'amazon-beauty', 'Beauty.txt');
const epochs = Number(flag('--epochs') ?? 2);
const converge = args.includes('--converge');

function randomF32(n: number, seed: number): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: n }, () => rng.normal());
}

/** Attention straight from the definition, for comparison. */
function naiveCausalAttention(q: Float32Array, k: Float32Array, v: Float32Array, out: Float32Array, T: number, dim: number): void {
  for (let i = 0; i < T; i++) {
    const w: number[] = [];
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let c = 0; c < dim; c++) s += q[i * dim + c] * k[j * dim + c];
      w.push(Math.exp(s / Math.sqrt(dim)));
    }
    const z = w.reduce((a, b) => a + b, 0);
    for (let c = 0; c < dim; c++) {
      let acc = 0;
      for (let j = 0; j <= i; j++) acc += (w[j] / z) * v[j * dim + c];
      out[i * dim + c] = acc;
    }
  }
}

function kernelRows(): string[][] {
  const rows: string[][] = [];
  for (const [m, k, n, label] of [
    [1024, 64, 64, 'linear layer 1024×64·64×64'],
    [1024, 64, 256, 'sampled output 1024×64·64×256'],
  ] as const) {
    const a = randomF32(m * k, 1);
    const b = randomF32(k * n, 2);
    const c = new Float32Array(m * n);
    const fast = timeMs(() => matmul(a, b, c, m, k, n), { warmup: 3, repeats: 20 });
    const ref = timeMs(() => gemm(a, b, c, m, k, n), { warmup: 3, repeats: 20 });
    rows.push([label, 'matmul (f32)', fast.toFixed(3), 'gemm (f64 packed)', ref.toFixed(3), (ref / fast).toFixed(2)]);
  }
  const dim = 64;
  for (const T of [50, 200]) {
    const q = randomF32(T * dim, 3);
    const k = randomF32(T * dim, 4);
    const v = randomF32(T * dim, 5);
    const out = new Float32Array(T * dim);
    const probs = new Float32Array(T * T);
    const fast = timeMs(() => causalAttention(q, k, v, out, probs, { rowOff: 0, length: T, probOff: 0, dim, heads: 1 }), { warmup: 3, repeats: 20 });
    const ref = timeMs(() => naiveCausalAttention(q, k, v, out, T, dim), { warmup: 3, repeats: 20 });
    rows.push([`attention T=${T} d=${dim}`, 'causalAttention', fast.toFixed(3), 'naive loop', ref.toFixed(3), (ref / fast).toFixed(2)]);
  }
  return rows;
}

async function modelRows(): Promise<string[][]> {
  if (!existsSync(dataPath)) {
    process.stderr.write(`skipping model timings: ${dataPath} not found (pass --data)\n`);
    return [];
  }
  const log = await readInteractionFile(dataPath, { format: 's3rec' });
  const prepared = prepareProtocol(log, LOO_SEQ);
  const sample = sampleTaskUsers(prepared.validTask, 3000, 1);
  const rows: string[][] = [];
  for (const kind of ['gru4rec', 'sasrec']) {
    const model = createModel(kind, converge ? {} : { epochs });
    const t0 = performance.now();
    const report = await model.fit(prepared.train, {
      sequences: prepared.trainSequences,
      validate: converge ? () => evaluateRanking(model, sample, { ks: [10] }).metrics['ndcg@10'] ?? 0 : undefined,
    });
    const seconds = (performance.now() - t0) / 1000;
    rows.push([
      kind,
      String(report.epochs),
      (report.seconds / report.epochs).toFixed(1),
      converge ? seconds.toFixed(0) : '–',
      report.bestScore === undefined ? '–' : report.bestScore.toFixed(4),
      (process.resourceUsage().maxRSS / 1024).toFixed(0),
    ]);
  }
  return rows;
}

const kernels = kernelRows();
process.stdout.write('Kernels (ms per call; speed-up = reference / ours)\n');
process.stdout.write(renderTable(['shape', 'ours', 'ms', 'reference', 'ms', 'speed-up'], [false, false, true, false, true, true], kernels) + '\n\n');
const models = await modelRows();
if (models.length > 0) {
  process.stdout.write(`Sequence models on ${dataPath} (${converge ? 'to convergence, validation NDCG@10 on 3000 users' : `${epochs} epochs`})\n`);
  process.stdout.write(renderTable(['model', 'epochs', 's/epoch', 's to converge', 'best valid ndcg@10', 'peak RSS MiB (process)'], [false, true, true, true, true, true], models) + '\n');
}
