/**
 * First-start preparation of the bundled demo for `lmrec serve` and `lmrec demo`: imports the
 * vendored MovieLens latest-small (only when storage holds no events), optionally embeds the
 * catalogue and trains the semantic model, trains the default models that have no stored version,
 * and decodes the serving versions so the first requests do not. Later starts reuse what is stored.
 * @module
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { throwIfAborted } from '../core/errors.js';
import { hasEmbeddingPack } from '../encoders/embedding-pack.js';
import type { ProgressCallback } from '../core/logger.js';
import type { EmbedReport, Engine } from '../engine/engine.js';
import type { ImportReport } from '../ingest/import-source.js';
import type { ModelParams } from '../models/recommender.js';
import { fromJobError } from './job-error.js';
import { DEFAULT_TRAIN_PARAMS } from './train-defaults.js';
import type { ManagedLifecycle } from './lifecycle.js';

/** A model the demo trains, with its hyper-parameters. */
export interface DemoModel {
  kind: string;
  params?: ModelParams;
}

/** Models trained for the demo: popularity, item-kNN and EASE (the default model), with {@link DEFAULT_TRAIN_PARAMS}. */
export const DEMO_MODELS: readonly DemoModel[] = ['pop', 'itemknn', 'ease'].map((kind) => {
  const params = DEFAULT_TRAIN_PARAMS[kind];
  return params === undefined ? { kind } : { kind, params: { ...params } };
});

/** The vendored demo dataset (MovieLens latest-small with TMDB descriptions). */
export const DEMO_DATA_DIR = fileURLToPath(new URL('../../data/demo/ml-latest-small', import.meta.url));

/** Options of {@link prepareDemo}. */
export interface PrepareDemoOptions {
  /** MovieLens-latest directory to import (default {@link DEMO_DATA_DIR}). */
  dir?: string;
  /** Models to train when they have no stored version (default {@link DEMO_MODELS}). */
  models?: readonly DemoModel[];
  /**
   * Also encode the catalogue with the engine's encoder and train the `semantic` model, which
   * natural-language queries need (USE-lite encodes the demo's ~9 700 items in a few minutes on
   * two cores, once: vectors are cached in storage).
   */
  embed?: boolean;
  /**
   * An embedding pack to seed the cache from (default `embeddings/<encoder id>` in the demo
   * directory, when present): the catalogue's vectors then need no encoding.
   */
  embeddingPack?: string;
  /** Train in worker threads through this lifecycle instead of in the calling thread. */
  lifecycle?: ManagedLifecycle;
  /** Progress of import, embedding and training. */
  onProgress?: ProgressCallback;
  /** One line per step, for people watching a terminal. */
  say?: (line: string) => void;
  signal?: AbortSignal;
}

/** What {@link prepareDemo} did. */
export interface DemoReport {
  /** Set when the dataset was imported by this call. */
  imported?: ImportReport;
  /** Set when the catalogue was embedded by this call. */
  embedded?: EmbedReport;
  /** Models trained by this call. */
  trained: { model: string; version: number; seconds: number }[];
  /** Models that already had a stored version. */
  reused: string[];
  /** Models whose serving version is decoded and ready. */
  ready: string[];
}

/** How often progress of a worker job is polled, ms. */
const POLL_MS = 200;

/** See the module description. */
export async function prepareDemo(engine: Engine, options: PrepareDemoOptions = {}): Promise<DemoReport> {
  const { signal, onProgress } = options;
  const say = options.say ?? (() => undefined);
  const storage = engine.storage;
  const report: DemoReport = { trained: [], reused: [], ready: [] };

  if ((await storage.events.count({ signal })) === 0) {
    const dir = options.dir ?? DEMO_DATA_DIR;
    say(`importing the MovieLens latest-small demo from ${dir} …`);
    report.imported = await engine.import({ format: 'movielens-latest', dir }, { signal });
    say(`imported ${report.imported.items} items, ${report.imported.users} users, ${report.imported.events} events`);
  } else {
    say(`storage ${storage.url} already holds data; reusing it`);
  }

  if (engine.hasEncoder()) {
    const packDir = options.embeddingPack ?? join(options.dir ?? DEMO_DATA_DIR, 'embeddings', engine.encoder().id);
    if (hasEmbeddingPack(packDir)) {
      const seeded = await engine.seedEmbeddings(packDir, { signal });
      if (seeded > 0) say(`seeded the embedding cache with ${seeded} item vectors shipped with the demo (${engine.encoder().id})`);
    }
  }

  const models = [...(options.models ?? DEMO_MODELS)];
  if (options.embed) {
    say('embedding the catalogue (cached after the first run) …');
    report.embedded = await engine.embedCatalogue({ ...(signal === undefined ? {} : { signal }), ...(onProgress === undefined ? {} : { onProgress }) });
    say(`embedded ${report.embedded.items} items with ${report.embedded.encoder} (${report.embedded.encoded} encoded, ${report.embedded.cached} cached)`);
    if (!models.some((m) => m.kind === 'semantic')) models.push({ kind: 'semantic' });
  }

  for (const { kind, params = {} } of models) {
    throwIfAborted(signal);
    if ((await storage.models.versions(kind, { signal })).length > 0) {
      report.reused.push(kind);
      continue;
    }
    say(`training ${kind} …`);
    const t0 = performance.now();
    const version = options.lifecycle
      ? await trainInWorker(options.lifecycle, kind, params, onProgress, signal)
      : (await engine.train(kind, params, { ...(signal === undefined ? {} : { signal }), ...(onProgress === undefined ? {} : { onProgress }) })).version;
    const seconds = (performance.now() - t0) / 1000;
    report.trained.push({ model: kind, version, seconds });
    say(`trained ${kind} v${version} in ${seconds.toFixed(1)} s`);
  }

  for (const name of await storage.models.names({ signal })) {
    if (await engine.loadModel(name, undefined, signal)) report.ready.push(name);
  }
  return report;
}

async function trainInWorker(lifecycle: ManagedLifecycle, kind: string, params: ModelParams, onProgress: ProgressCallback | undefined, signal: AbortSignal | undefined): Promise<number> {
  const { jobId } = await lifecycle.train(kind, params);
  const onAbort = (): void => void lifecycle.cancel(jobId);
  signal?.addEventListener('abort', onAbort, { once: true });
  const poll = onProgress
    ? setInterval(() => {
        const p = lifecycle.job(jobId)?.progress;
        if (p) onProgress(p.phase, p.done, p.total);
      }, POLL_MS)
    : undefined;
  try {
    const status = await lifecycle.wait(jobId);
    if (!status || status.state !== 'succeeded' || !status.result) {
      throw fromJobError(status?.error ?? { code: 'internal', message: `training ${kind} did not finish` });
    }
    return status.result.version;
  } finally {
    if (poll) clearInterval(poll);
    signal?.removeEventListener('abort', onAbort);
  }
}
