/**
 * Model benchmark: fit time, memory growth and top-10 latency of every registered model (default
 * hyper-parameters) on MovieLens latest-small (vendored), MovieLens 100K (from `../shared/datasets`,
 * skipped when absent) and a seeded synthetic set of MovieLens-1M shape. Each latency is measured
 * against a naive reference in the same run (the same scoring, then a full sort of all item
 * scores), and EASE's SPD inverse is set against this machine's gemm rate.
 *
 * Run with `npx tsx bench/models.ts` (add `--quick` for fewer epochs and a smaller user sample,
 * `--datasets=ml-100k,synthetic-ml1m` to choose datasets); a bench runner can call
 * {@link runModelBench}.
 * @module
 */
import { existsSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { CF_MODEL_KINDS, columnCounts, createModel, csrFromCoo, filterByValue, readInteractionFile, rowIndices, rowValues } from '../src/index.js';
import type { CsrMatrix, ModelParams, Recommender, UserQuery } from '../src/index.js';
import { createRng, gemm, naiveTopK, shuffleInPlace, topK } from '../src/linalg/index.js';
import { consume, fmtMs, gcHandleOf, renderTable, sink, syntheticCsr, timeMs, type TableStyle } from './bench-util.js';

/** Dataset names {@link runModelBench} knows, in run order. */
export const MODEL_BENCH_DATASETS = ['ml-latest-small', 'ml-100k', 'synthetic-ml1m'] as const;

/** One (dataset, model) measurement. */
export interface ModelRow {
  /** Dataset name, one of {@link MODEL_BENCH_DATASETS}. */
  dataset: string;
  /** Registry name of the model. */
  model: string;
  /** Wall-clock seconds of `fit`. */
  fitSeconds: number;
  /** Resident set size after the fit minus before it (both after a full gc when one is available), MB. */
  rssDeltaMb: number;
  /** Median per-user latency of score + mask + `topK(…, 10)`, ms. */
  p50Ms: number;
  /** 99th-percentile per-user latency (nearest rank), ms. */
  p99Ms: number;
  /** Mean per-user latency, ms. */
  meanMs: number;
  /** 1000 / meanMs: users served per second on one thread. */
  usersPerSecond: number;
  /** Median per-user latency of the reference: the same scoring, then a full sort of all item scores. */
  naiveP50Ms: number;
  /** naiveP50Ms / p50Ms. */
  speedUp: number;
  /** Heap and buffer growth, capped parameters, references and agreement checks. */
  note: string;
}

/** What was benchmarked on one dataset (or why it was skipped). */
export interface DatasetResult {
  /** Dataset name. */
  name: string;
  /** Source, positive-feedback rule, matrix shape and user sample, in one line. */
  description: string;
  /** Why the dataset was skipped, when it was. */
  skipped?: string;
  /** One row per model (empty when skipped). */
  rows: ModelRow[];
}

/** Options of {@link runModelBench}. */
export interface ModelBenchOptions {
  /** Fewer ALS iterations and BPR epochs, and a smaller latency sample on the synthetic set. Default false. */
  quick?: boolean;
  /** Datasets to run (default: all of {@link MODEL_BENCH_DATASETS}). */
  datasets?: string[];
  /** Receives result lines (dataset headers, skip reasons, tables); default `console.log`. */
  print?: (line: string) => void;
  /** Receives progress lines; default `console.error`. */
  progress?: (line: string) => void;
  /** Called with each dataset's result as soon as it is complete. */
  onDataset?: (result: DatasetResult) => void;
  /** Called once, before the first dataset, with the run's references. */
  onReference?: (reference: ModelBenchReference) => void;
}

/** Machine-level references of a run. */
export interface ModelBenchReference {
  /** How garbage was collected before memory readings (see `gcHandleOf`). */
  gc: string;
  /** GFLOP/s of a 512³ gemm at the start of the run (EASE rows re-measure it right after their fit). */
  gemmGflops: number;
}

/** What the columns and references of {@link formatModelTable} mean, one sentence a line. */
export const MODEL_TABLE_NOTES: readonly string[] = [
  'fit s: wall clock of model.fit with default hyper-parameters (except where the note says otherwise).',
  'Δrss MB: resident set size after the fit minus before it, each read after a full gc; the allocator may keep freed pages, so a fit that allocates big temporaries (EASE\'s Gram matrix) shows more than the model keeps. Δheap/Δbuffers in the note: JS heap and ArrayBuffer growth, same readings; "new peak rss": the fit raised the process\'s high-water mark (resourceUsage().maxRSS) to this.',
  'p50/p99/mean ms: per user, model.score for the user\'s training row (userIdx and history) + masking the training items + topK(scores, 10, mask); users/s = 1000 / mean.',
  'naive-sort p50 ms: the same scoring and mask, then naiveTopK (a full sort of all unmasked item scores) — the reference; speed-up = naive p50 / p50. Both passes run back to back after 50 untimed users.',
  'EASE note: fit phases from its progress callbacks; inverse GFLOP/s counts n³ flops for n kept items (potrf + potri convention, as in the kernel bench) and is divided by the gemm 512³ rate (2·n³ flops, median of 5) measured right after that fit; the run-start rate is shown too, as a gauge of how much the machine\'s speed moved.',
  'Timings are single-threaded wall clock, taken while other work may share the machine: treat differences under ~20% as noise.',
];

/** MovieLens ratings at or above this are positive implicit feedback; the rest are dropped. */
export const POSITIVE_RATING = 3;

const TOP_K = 10;
const MB = 1024 * 1024;
const SYNTHETIC = { seed: 1_000_209, users: 6040, items: 3706, interactions: 1_000_000 } as const;
const SAMPLE_SEED = 7;
const WARMUP_USERS = 50;

const benchDir = dirname(fileURLToPath(import.meta.url));
const repoRoot = dirname(benchDir);
const sharedDatasets = join(repoRoot, '..', 'shared', 'datasets');

interface Dataset {
  train: CsrMatrix;
  description: string;
}

/**
 * Fits every collaborative-filtering model ({@link CF_MODEL_KINDS}; text and sequence models have their own benchmarks) with default hyper-parameters on each dataset and measures
 * fit time, memory growth and per-user top-10 latency against a full-sort reference. Prints one
 * table per dataset as it completes (see {@link ModelBenchOptions.print}) and returns all rows.
 * Throws on an unknown dataset name.
 */
export async function runModelBench(options: ModelBenchOptions = {}): Promise<ModelRow[]> {
  const quick = options.quick ?? false;
  const print = options.print ?? ((line: string): void => console.log(line));
  const progress = options.progress ?? ((line: string): void => console.error(line));
  const names = options.datasets ?? [...MODEL_BENCH_DATASETS];
  for (const name of names) {
    if (!(MODEL_BENCH_DATASETS as readonly string[]).includes(name)) {
      throw new Error(`unknown dataset "${name}"; known: ${MODEL_BENCH_DATASETS.join(', ')}`);
    }
  }
  const gc = gcHandleOf();
  const gemmGflops = measureGemmGflops();
  print(`memory: ${gc.how}; FLOP-rate reference: gemm 512³ at ${gemmGflops.toFixed(2)} GFLOP/s`);
  options.onReference?.({ gc: gc.how, gemmGflops });

  const rows: ModelRow[] = [];
  for (const name of names) {
    progress(`loading ${name}`);
    const loaded = await loadDataset(name);
    if (typeof loaded === 'string') {
      print(`\n${name}: skipped — ${loaded}`);
      options.onDataset?.({ name, description: '', skipped: loaded, rows: [] });
      continue;
    }
    const { train } = loaded;
    const users = latencyUsers(train, name === 'synthetic-ml1m' ? (quick ? 500 : 2000) : Infinity);
    const description = `${loaded.description}; latency over ${users.length === train.numRows ? `all ${users.length} users` : `a seeded sample of ${users.length} of ${train.numRows} users`}`;
    print(`\n${name}: ${description}`);
    const datasetRows: ModelRow[] = [];
    for (const kind of CF_MODEL_KINDS) {
      const { params, capNote } = benchParams(kind, name, quick);
      progress(`  ${name}: fitting ${kind}${Object.keys(params).length > 0 ? ` ${JSON.stringify(params)}` : ''}`);
      const row = await benchModel(name, kind, params, train, users, gemmGflops, progress);
      if (capNote) row.note = `${capNote}; ${row.note}`;
      datasetRows.push(row);
      rows.push(row);
    }
    print(formatModelTable(datasetRows));
    options.onDataset?.({ name, description, rows: datasetRows });
  }
  print('');
  for (const line of MODEL_TABLE_NOTES) print(line);
  consume(sink());
  return rows;
}

/** Renders model rows as a padded text table (or Markdown) with the benchmark's columns. */
export function formatModelTable(rows: readonly ModelRow[], style: TableStyle = 'text'): string {
  const header = ['model', 'fit s', 'Δrss MB', 'p50 ms', 'p99 ms', 'mean ms', 'users/s', 'naive-sort p50 ms', 'speed-up', 'note'];
  const fitS = (s: number): string => (s >= 10 ? s.toFixed(1) : s >= 0.1 ? s.toFixed(2) : s.toFixed(3));
  const body = rows.map((r) => [
    r.model,
    fitS(r.fitSeconds),
    r.rssDeltaMb.toFixed(1),
    fmtMs(r.p50Ms),
    fmtMs(r.p99Ms),
    fmtMs(r.meanMs),
    r.usersPerSecond >= 100 ? r.usersPerSecond.toFixed(0) : r.usersPerSecond.toFixed(1),
    fmtMs(r.naiveP50Ms),
    `${r.speedUp.toFixed(1)}×`,
    r.note,
  ]);
  return renderTable(header, [false, true, true, true, true, true, true, true, true, false], body, style);
}

/**
 * Default parameters, except in quick mode (fewer ALS iterations and BPR epochs, EASE on items with at
 * least 5 interactions) and BPR's epochs capped at 30 on the synthetic set.
 */
function benchParams(kind: string, dataset: string, quick: boolean): { params: ModelParams; capNote: string | null } {
  if (kind === 'als' && quick) return { params: { iterations: 3 }, capNote: 'quick: iterations 15→3' };
  if (kind === 'bpr' && quick) return { params: { epochs: 5 }, capNote: 'quick: epochs 100→5' };
  if (kind === 'ease' && quick) return { params: { minSupport: 5 }, capNote: 'quick: minSupport 1→5 (the inverse is cubic in kept items)' };
  if (kind === 'bpr' && dataset === 'synthetic-ml1m') return { params: { epochs: 30 }, capNote: 'epochs capped 100→30' };
  return { params: {}, capNote: null };
}

/** GFLOP/s of a 512³ gemm (2·n³ flops), median of 5 runs. */
function measureGemmGflops(): number {
  const n = 512;
  const rng = createRng(512);
  const a = Float64Array.from({ length: n * n }, () => rng.normal());
  const b = Float64Array.from({ length: n * n }, () => rng.normal());
  const c = new Float64Array(n * n);
  const ms = timeMs(() => gemm(a, b, c, n, n, n), { repeats: 5 });
  consume(c[0]);
  return (2 * n ** 3) / (ms * 1e6);
}

/** The user × item matrix of `name`, or why it cannot be loaded. */
async function loadDataset(name: string): Promise<Dataset | string> {
  if (name === 'synthetic-ml1m') return syntheticDataset();
  let path: string;
  if (name === 'ml-latest-small') {
    path = join(repoRoot, 'data', 'demo', 'ml-latest-small', 'ratings.csv');
  } else {
    if (!existsSync(sharedDatasets)) return `${relative(repoRoot, sharedDatasets)} is missing (shared datasets are not checked out next to the project)`;
    path = join(sharedDatasets, 'ml-100k', 'u.data');
    if (!existsSync(path)) return `${relative(repoRoot, path)} is missing`;
  }
  const t0 = performance.now();
  const log = filterByValue(await readInteractionFile(path), POSITIVE_RATING);
  const train = csrFromCoo(log.users.size, log.items.size, log.userIdx, log.itemIdx, null);
  const ms = performance.now() - t0;
  const description =
    `${relative(repoRoot, path)}, ratings ≥ ${POSITIVE_RATING} as implicit positives (value 1): ` +
    `${shape(train)} (read + filter + csrFromCoo ${fmtMs(ms)} ms)`;
  return { train, description };
}

/** MovieLens-1M shape: log-normal user activity, Zipf-like item popularity, all interactions positive. */
function syntheticDataset(): Dataset {
  const t0 = performance.now();
  const s = syntheticCsr(SYNTHETIC.seed, SYNTHETIC.users, SYNTHETIC.items, SYNTHETIC.interactions);
  const nnz = s.indices.length;
  const rows = new Int32Array(nnz);
  for (let u = 0; u < s.numRows; u++) rows.fill(u, s.indptr[u], s.indptr[u + 1]);
  const train = csrFromCoo(s.numRows, s.numCols, rows, s.indices, null);
  const ms = performance.now() - t0;
  const description =
    `seeded synthetic (createRng(${SYNTHETIC.seed}); log-normal user activity, Zipf(0.9) item popularity), ` +
    `every interaction a positive: ${shape(train)} (generate + csrFromCoo ${fmtMs(ms)} ms)`;
  return { train, description };
}

function shape(m: CsrMatrix): string {
  const nnz = m.indices.length;
  const density = (100 * nnz) / (m.numRows * m.numCols);
  return `${m.numRows.toLocaleString('en')} users × ${m.numCols.toLocaleString('en')} items, ${nnz.toLocaleString('en')} interactions (${density.toFixed(2)}% dense)`;
}

/** Users with at least one training item: all of them, or a seeded sample of `limit`. */
function latencyUsers(train: CsrMatrix, limit: number): Int32Array {
  const withHistory: number[] = [];
  for (let u = 0; u < train.numRows; u++) if (train.indptr[u + 1] > train.indptr[u]) withHistory.push(u);
  const all = Int32Array.from(withHistory);
  if (all.length <= limit) return all;
  return shuffleInPlace(all, createRng(SAMPLE_SEED)).slice(0, limit).sort();
}

/** Fits one model and measures it; see {@link ModelRow}. */
async function benchModel(
  dataset: string,
  kind: string,
  params: ModelParams,
  train: CsrMatrix,
  users: Int32Array,
  gemmGflops: number,
  progress: (line: string) => void,
): Promise<ModelRow> {
  const model = createModel(kind, params);
  const phases: { name: string; at: number }[] = [];

  await settleMemory();
  const before = process.memoryUsage();
  const peakBefore = process.resourceUsage().maxRSS; // KiB, the process's high-water mark
  const t0 = performance.now();
  const report = await model.fit(train, { onProgress: (phase) => phases.push({ name: phase, at: performance.now() }) });
  const fitMs = performance.now() - t0;
  const peakAfter = process.resourceUsage().maxRSS;
  await settleMemory();
  const after = process.memoryUsage();

  const notes: string[] = [];
  if (report.epochs > 1) notes.push(`${report.epochs} ${kind === 'bpr' ? 'epochs' : 'iterations'}, ${(fitMs / 1000 / report.epochs).toFixed(2)} s each`);
  if (kind === 'ease') {
    // The machine is shared, so the FLOP-rate reference is re-measured right after the fit rather
    // than taken from the start of the run.
    const adjacentGflops = measureGemmGflops();
    notes.push(easeNote(phases, t0, fitMs, train, Number(model.params.minSupport ?? 1), adjacentGflops, gemmGflops));
  }
  notes.push(
    `Δheap ${((after.heapUsed - before.heapUsed) / MB).toFixed(1)} MB, Δbuffers ${((after.arrayBuffers - before.arrayBuffers) / MB).toFixed(1)} MB` +
      (peakAfter > peakBefore ? `, new peak rss ${(peakAfter / 1024).toFixed(0)} MB` : ''),
  );

  progress(`  ${dataset}: ${kind} fitted in ${(fitMs / 1000).toFixed(2)} s; timing top-${TOP_K} for ${users.length} users`);
  const latency = measureLatency(model, train, users);
  notes.push(latency.mismatches === 0 ? 'top-10 identical to full sort' : `top-10 differs from full sort for ${latency.mismatches} users`);
  return {
    dataset,
    model: kind,
    fitSeconds: fitMs / 1000,
    rssDeltaMb: (after.rss - before.rss) / MB,
    p50Ms: latency.fast.p50,
    p99Ms: latency.fast.p99,
    meanMs: latency.fast.mean,
    usersPerSecond: 1000 / latency.fast.mean,
    naiveP50Ms: latency.naive.p50,
    speedUp: latency.naive.p50 / latency.fast.p50,
    note: notes.join('; '),
  };
}

/**
 * Collects garbage twice around a turn of the event loop, so that array buffers freed by the first
 * collection have their backing stores released before memory is read (no-op without a gc).
 */
async function settleMemory(): Promise<void> {
  const gc = gcHandleOf().run;
  if (gc === null) return;
  gc();
  await new Promise<void>((resolve) => setImmediate(resolve));
  gc();
}

/**
 * Splits EASE's fit into its progress phases (gram, inverse, weights) and rates the inverse:
 * n³ flops (the potrf + potri convention of the kernel bench) over its wall time, against gemm 512³.
 */
function easeNote(
  phases: readonly { name: string; at: number }[],
  t0: number,
  fitMs: number,
  train: CsrMatrix,
  minSupport: number,
  gemmGflops: number,
  runStartGflops: number,
): string {
  const at = (name: string): number | undefined => phases.find((p) => p.name === name)?.at;
  const gramAt = at('ease gram');
  const inverseAt = at('ease inverse');
  const weightsAt = at('ease weights');
  if (gramAt === undefined || inverseAt === undefined || weightsAt === undefined) return 'EASE phases not reported';
  const n = columnCounts(train).filter((c) => c > 0 && c >= minSupport).length; // the items EASE keeps
  const inverseMs = weightsAt - inverseAt;
  const inverseGflops = n ** 3 / (inverseMs * 1e6);
  const s = (ms: number): string => (ms / 1000).toFixed(2);
  return (
    `prep ${s(gramAt - t0)} s, gram ${s(inverseAt - gramAt)} s, inverse ${s(inverseMs)} s (${((100 * inverseMs) / fitMs).toFixed(0)}% of fit), ` +
    `B ${s(t0 + fitMs - weightsAt)} s; inverse n=${n}: ${inverseGflops.toFixed(2)} GFLOP/s (n³) = ${(inverseGflops / gemmGflops).toFixed(2)}× gemm 512³ ` +
    `(${gemmGflops.toFixed(2)} GFLOP/s right after the fit; ${runStartGflops.toFixed(2)} at run start)`
  );
}

interface LatencyStats {
  p50: number;
  p99: number;
  mean: number;
}

/**
 * Per-user latency of score + mask + topK, then of the reference (the same score and mask, then
 * `naiveTopK`, a full sort of all unmasked item scores), each after a short untimed warm-up.
 */
function measureLatency(model: Recommender, train: CsrMatrix, users: Int32Array): { fast: LatencyStats; naive: LatencyStats; mismatches: number } {
  const numItems = model.numItems;
  const scores = new Float32Array(numItems);
  const mask = new Uint8Array(numItems);
  const queries: UserQuery[] = Array.from(users, (u) => ({ userIdx: u, items: rowIndices(train, u), values: rowValues(train, u) }));
  const fastTop = new Int32Array(users.length * TOP_K).fill(-1);
  const naiveTop = new Int32Array(users.length * TOP_K).fill(-1);

  const pass = (select: typeof topK, out: Int32Array): Float64Array => {
    const times = new Float64Array(queries.length);
    const warm = Math.min(WARMUP_USERS, queries.length);
    for (let w = 0; w < warm; w++) {
      model.score(queries[w], scores);
      consume(select(scores, TOP_K, mask).indices.length);
    }
    for (let q = 0; q < queries.length; q++) {
      const query = queries[q];
      const items = query.items;
      const start = performance.now();
      model.score(query, scores);
      for (let t = 0; t < items.length; t++) mask[items[t]] = 1;
      const best = select(scores, TOP_K, mask);
      for (let t = 0; t < items.length; t++) mask[items[t]] = 0;
      times[q] = performance.now() - start;
      out.set(best.indices, q * TOP_K);
    }
    return times;
  };

  const fast = pass(topK, fastTop);
  const naive = pass(naiveTopK, naiveTop);
  let mismatches = 0;
  for (let q = 0; q < queries.length; q++) {
    for (let r = 0; r < TOP_K; r++) {
      if (fastTop[q * TOP_K + r] !== naiveTop[q * TOP_K + r]) {
        mismatches++;
        break;
      }
    }
  }
  return { fast: stats(fast), naive: stats(naive), mismatches };
}

function stats(times: Float64Array): LatencyStats {
  const sorted = Float64Array.from(times).sort();
  const rank = (p: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
  let sum = 0;
  for (const t of sorted) sum += t;
  return { p50: rank(0.5), p99: rank(0.99), mean: sum / sorted.length };
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const datasetArg = process.argv.find((a) => a.startsWith('--datasets='));
  const datasets = datasetArg === undefined ? undefined : datasetArg.slice('--datasets='.length).split(',').filter(Boolean);
  console.log(`model benchmark (${quick ? 'quick' : 'full'}), Node ${process.version}; timings are wall clock on a shared machine, so expect noise`);
  await runModelBench({ quick, datasets });
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
}
