/**
 * Encoder benchmark on real item texts (title + overview from the vendored MovieLens latest-small
 * TMDB descriptions): USE-lite throughput and per-batch latency at batch 1, 8, 32 and 128 with the
 * one-text-per-call run as the reference, memory after load and per batch size, the cached
 * encoder's cache-hit lookups from a real SQLite file against encoding the same texts, SHA-256
 * text hashing, and — labelled as such — the ONNX encoder on the tiny hand-built test model and
 * the OpenAI-compatible encoder against a local stub server (protocol overhead only).
 *
 * Run with `npx tsx bench/encoders.ts` (`--quick` for a smoke run); a bench runner can call
 * {@link runEncoderBench}.
 * @module
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parse } from 'csv-parse/sync';
import { createCachedEncoder, createOnnxEncoder, createOpenAiEncoder, createUseLiteEncoder, textHash } from '../src/encoders/index.js';
import type { Encoder } from '../src/encoders/index.js';
import { writeTinyModelDir } from '../src/encoders/test-support.js';
import { openStorage } from '../src/storage/index.js';
import { consume, fmtMs, formatTable, gcHandleOf, sink, timeMs } from './bench-util.js';
import type { Row } from './bench-util.js';

export type { Row } from './bench-util.js';

/** Options of {@link runEncoderBench}. */
export interface EncoderBenchOptions {
  /** Fewer texts per measurement (a smoke run of well under a minute). Default false. */
  quick?: boolean;
  /** Called with each row as soon as it is measured. */
  onRow?: (row: Row) => void;
  /** Receives progress lines; default `console.error`. */
  progress?: (line: string) => void;
}

/** How to read the encoder table (the columns are the shared kernel-table columns). */
export const ENCODER_TABLE_NOTE = [
  'Texts: "Title (year). Overview" of the first items of data/demo/ml-latest-small (~340 characters, ~90 USE tokens each);',
  '"titles only" rows encode the title alone. "optimised ms" is the median (p50) wall time of one call at that batch size;',
  '"naive ms" is a reference for the same texts: USE-lite rows, the texts encoded one per call (at the measured batch-1 rate);',
  'cache hits, encoding them with USE-lite at batch 32; cache misses, the same texts through USE-lite without the cache.',
  '"speed-up" = naive / optimised. Notes: throughput, p99 per call, memory (RSS after a forced gc; "+run" = growth over the',
  'whole run, "peak" = highest growth after any call). The onnx row runs the 8-d hand-built TEST model (tokenizer +',
  'onnxruntime overhead only, not a sentence encoder); the openai rows a local stub server (HTTP + JSON overhead only).',
].join('\n');

const benchDir = dirname(fileURLToPath(import.meta.url));
const DATA_DIR = join(benchDir, '..', 'data', 'demo', 'ml-latest-small');
const MB = 1024 * 1024;

/** Item texts as the engine verbalises them for encoding: "Title (year). Overview", in file order. */
export function loadItemTexts(limit = Infinity): string[] {
  const movies = parse(readFileSync(join(DATA_DIR, 'movies.csv')), { columns: true, skip_empty_lines: true }) as Array<{ movieId: string; title: string }>;
  const titles = new Map(movies.map((m) => [m.movieId, m.title]));
  const descriptions = parse(readFileSync(join(DATA_DIR, 'descriptions.csv')), { columns: true, skip_empty_lines: true, relax_quotes: true }) as Array<{
    movieId: string;
    overview: string;
  }>;
  const texts: string[] = [];
  for (const d of descriptions) {
    const title = titles.get(d.movieId);
    if (title === undefined || d.overview.trim() === '') continue;
    texts.push(`${title}. ${d.overview.trim()}`);
    if (texts.length >= limit) break;
  }
  return texts;
}

function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

function rssMb(): number {
  gcHandleOf().run?.();
  return process.memoryUsage().rss / MB;
}

/** What one timed pass of `encode` over `texts` in calls of `batch` measured. */
interface PassResult {
  texts: number;
  p50Ms: number;
  p99Ms: number;
  totalMs: number;
  textsPerSecond: number;
  calls: number;
  rssGrowthMb: number;
  peakGrowthMb: number;
  vectors: Float32Array[];
}

/**
 * Encodes `texts` in calls of `batch` texts, timing each call, after an untimed warm-up call on a
 * few of them (skipped for the cache-miss pass, where it would fill the cache).
 */
async function timedPass(
  encoder: Encoder,
  texts: readonly string[],
  batch: number,
  options: { keepVectors?: boolean; warmup?: boolean; afterWarmup?: () => void } = {},
): Promise<PassResult> {
  const keepVectors = options.keepVectors ?? false;
  if (options.warmup ?? true) await encoder.encode(texts.slice(0, Math.min(batch, 8)));
  options.afterWarmup?.();
  const before = rssMb();
  let peak = 0;
  const times: number[] = [];
  const vectors: Float32Array[] = [];
  const started = performance.now();
  for (let start = 0; start < texts.length; start += batch) {
    const t0 = performance.now();
    const m = await encoder.encode(texts.slice(start, start + batch));
    times.push(performance.now() - t0);
    consume(m[0]);
    if (keepVectors) vectors.push(m);
    peak = Math.max(peak, process.memoryUsage().rss / MB - before);
  }
  const totalMs = performance.now() - started;
  const growth = rssMb() - before;
  times.sort((a, b) => a - b);
  return {
    texts: texts.length,
    p50Ms: percentile(times, 0.5),
    p99Ms: percentile(times, 0.99),
    totalMs,
    textsPerSecond: (texts.length / totalMs) * 1000,
    calls: times.length,
    rssGrowthMb: growth,
    peakGrowthMb: peak,
    vectors,
  };
}

function passNote(p: PassResult, extra = ''): string {
  return `${p.textsPerSecond.toFixed(p.textsPerSecond >= 100 ? 0 : 1)} texts/s, p99 ${fmtMs(p.p99Ms)} ms, RSS +run ${p.rssGrowthMb.toFixed(1)} MB, peak +${p.peakGrowthMb.toFixed(1)} MB${extra}`;
}

function row(kernel: string, size: string, optimisedMs: number, naiveMs: number | null, note: string): Row {
  return { kernel, size, optimisedMs, naiveMs, speedUp: naiveMs === null ? null : naiveMs / optimisedMs, optimisedGflops: null, naiveGflops: null, note };
}

/** Starts a local stub of `/v1/embeddings` answering `dim`-dimensional vectors; returns its base URL and a closer. */
async function startStubServer(dim: number): Promise<{ baseUrl: string; close: () => Promise<void> }> {
  const vector = Array.from({ length: dim }, (_, j) => Math.sin(j + 1));
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const { input } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { input: string[] };
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ object: 'list', data: input.map((_, index) => ({ object: 'embedding', index, embedding: vector })) }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Runs the encoder benchmark and returns its rows (also passed to `onRow` as they come). */
export async function runEncoderBench(options: EncoderBenchOptions = {}): Promise<Row[]> {
  const quick = options.quick ?? false;
  const progress = options.progress ?? ((line: string): void => console.error(line));
  const rows: Row[] = [];
  const emit = (r: Row): void => {
    rows.push(r);
    options.onRow?.(r);
    progress(`  done: ${r.kernel} ${r.size}`);
  };
  const batchSizes = [1, 8, 32, 128];
  const textsFor = (batch: number): number => (quick ? Math.max(32, batch) : Math.max(256, 4 * batch));
  const allTexts = loadItemTexts(Math.max(...batchSizes.map(textsFor)) + 128);
  const meanChars = allTexts.reduce((s, t) => s + t.length, 0) / allTexts.length;
  progress(`encoder bench: ${allTexts.length} item texts (mean ${meanChars.toFixed(0)} chars), ${gcHandleOf().how}`);

  // USE-lite: load, then each batch size over real item texts.
  const rssBeforeLoad = rssMb();
  const useLite = createUseLiteEncoder();
  const loadStarted = performance.now();
  await useLite.load();
  const loadMs = performance.now() - loadStarted;
  const rssAfterLoad = rssMb();
  emit(row('use-lite load', 'packaged weights', loadMs, null, `RSS after load ${rssAfterLoad.toFixed(0)} MB (+${(rssAfterLoad - rssBeforeLoad).toFixed(0)} MB for runtime + weights)`));

  let perTextMs = NaN;
  let batch32: PassResult | undefined;
  let batch128Texts: string[] = [];
  let batch128Vectors: Float32Array[] = [];
  for (const batch of batchSizes) {
    const texts = allTexts.slice(0, textsFor(batch));
    const pass = await timedPass(useLite, texts, batch, { keepVectors: batch === 128 });
    if (batch === 1) perTextMs = pass.totalMs / texts.length;
    if (batch === 32) batch32 = pass;
    if (batch === 128) {
      batch128Texts = texts;
      batch128Vectors = pass.vectors;
    }
    emit(row('use-lite', `batch ${batch} × ${pass.calls} calls`, pass.p50Ms, batch === 1 ? null : perTextMs * batch, passNote(pass)));
  }

  // Short texts (titles only, like search queries): here batching pays, unlike on long overviews.
  const titles = allTexts.slice(0, quick ? 64 : 256).map((t) => t.slice(0, t.indexOf('. ') > 0 ? t.indexOf('. ') : t.length));
  let titlePerTextMs = NaN;
  for (const batch of [1, 8, 32]) {
    const pass = await timedPass(useLite, titles, batch);
    if (batch === 1) titlePerTextMs = pass.totalMs / titles.length;
    emit(row('use-lite (titles only)', `batch ${batch} × ${pass.calls} calls`, pass.p50Ms, batch === 1 ? null : titlePerTextMs * batch, passNote(pass)));
  }

  // Cached encoder over a real SQLite file: fill it with the vectors just computed, then time hits.
  const dir = await mkdtemp(join(tmpdir(), 'lmrec-bench-enc-'));
  try {
    const storage = await openStorage(`sqlite://${join(dir, 'cache.db')}`);
    const entries = batch128Texts.flatMap((text, i) => {
      const m = batch128Vectors[Math.floor(i / 128)];
      const r = i % 128;
      return [{ hash: textHash(text), vector: m.slice(r * 512, (r + 1) * 512) }];
    });
    await storage.embeddings.put(useLite.id, entries);
    const cached = createCachedEncoder(useLite, storage.embeddings, { closeInner: false });
    for (const batch of [32, 512]) {
      const size = Math.min(batch, batch128Texts.length);
      const pass = await timedPass(cached, batch128Texts, size, { afterWarmup: () => cached.resetStats() });
      const stats = cached.stats;
      if (stats.encoded !== 0) throw new Error(`cache bench: ${stats.encoded} texts were encoded, expected only hits`);
      const reference = batch32 === undefined ? null : (batch32.totalMs / batch32.texts) * size;
      emit(
        row(
          'cache hits (SQLite file)',
          `batch ${size} × ${pass.calls} calls`,
          pass.p50Ms,
          reference,
          `${pass.textsPerSecond.toFixed(0)} lookups/s, p99 ${fmtMs(pass.p99Ms)} ms, ${entries.length} cached 512-d vectors, hits ${stats.hits}`,
        ),
      );
    }
    // The miss path: hashing, lookup, USE-lite encode and write back, on texts not cached yet.
    const coldTexts = allTexts.slice(batch128Texts.length, batch128Texts.length + (quick ? 32 : 128));
    if (coldTexts.length > 0) {
      // Reference: the same texts through USE-lite without the cache, just before.
      const uncached = await timedPass(useLite, coldTexts, 32);
      cached.resetStats();
      const pass = await timedPass(cached, coldTexts, 32, { warmup: false });
      if (cached.stats.encoded !== coldTexts.length) throw new Error(`cache bench: expected ${coldTexts.length} misses, encoded ${cached.stats.encoded}`);
      emit(
        row('cache misses (SQLite file)', `batch 32 × ${pass.calls} calls`, pass.p50Ms, uncached.p50Ms, `${passNote(pass)}; reference: the same texts uncached (${uncached.textsPerSecond.toFixed(1)} texts/s)`),
      );
    }
    await storage.close();

    // SHA-256 of each text: the fixed cost of every cache lookup (synchronous, so timed with timeMs).
    const hashMs = timeMs(() => {
      for (const text of batch128Texts) consume(textHash(text).length);
    });
    emit(row('sha256 text hash', `${batch128Texts.length} texts`, hashMs, null, `${((batch128Texts.length / hashMs) * 1000).toFixed(0)} texts/s`));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  await useLite.close();

  // ONNX encoder on the tiny test model, when onnxruntime-node loads here.
  const onnxDir = await mkdtemp(join(tmpdir(), 'lmrec-bench-onnx-'));
  try {
    await writeTinyModelDir(onnxDir);
    const onnx = await createOnnxEncoder({ dir: onnxDir, maxBatch: 32 });
    const pass = await timedPass(onnx, allTexts.slice(0, quick ? 64 : 512), 32);
    emit(row('onnx (tiny 8-d TEST model)', `batch 32 × ${pass.calls} calls`, pass.p50Ms, null, `${passNote(pass)}; tokenizer + runtime overhead only`));
    await onnx.close();
  } catch (error) {
    progress(`  onnx skipped: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    await rm(onnxDir, { recursive: true, force: true });
  }

  // OpenAI-compatible encoder against a local stub: what the protocol costs per call, no model.
  const stub = await startStubServer(512);
  try {
    for (const batch of [32, 128]) {
      const openai = createOpenAiEncoder({ baseUrl: stub.baseUrl, model: 'stub', maxBatch: batch, retries: 0 });
      const pass = await timedPass(openai, allTexts.slice(0, quick ? 2 * batch : Math.max(512, 8 * batch)), batch);
      emit(row('openai (local stub, 512-d)', `batch ${batch} × ${pass.calls} calls`, pass.p50Ms, null, `${passNote(pass)}; protocol overhead only`));
      await openai.close();
    }
  } finally {
    await stub.close();
  }
  consume(sink());
  return rows;
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  console.log(`encoder benchmark (${quick ? 'quick' : 'full'}), Node ${process.version}`);
  const rows = await runEncoderBench({ quick });
  console.log(formatTable(rows));
  console.log(ENCODER_TABLE_NOTE);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
}
