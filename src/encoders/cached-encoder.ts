/**
 * A persistent embedding cache in front of any encoder: each text is keyed by the SHA-256 of its
 * exact bytes under the inner encoder's id in the storage's `EmbeddingStore`, so a text is encoded
 * once per model across calls and processes. Only misses reach the inner encoder (each distinct
 * text once per call), and they are written back batch by batch, so an aborted run keeps its work.
 * @module
 */
import { BackendError, ValidationError, throwIfAborted } from '../core/errors.js';
import { silentLogger } from '../core/logger.js';
import type { Logger } from '../core/logger.js';
import type { EmbeddingStore } from '../storage/storage.js';
import type { EncodeOptions, Encoder } from './encoder.js';
import { positiveInt } from './for-each-batch.js';
import { textHash } from './text-hash.js';

/** Options of {@link createCachedEncoder}. */
export interface CachedEncoderOptions {
  /** Distinct missing texts per inner `encode` call and store write (default: the inner `maxBatch`). */
  writeBatch?: number;
  /** Hashes per store lookup (default 512). */
  lookupBatch?: number;
  /** Whether `close()` also closes the inner encoder (default true). The store is never closed. */
  closeInner?: boolean;
  /** Receives per-call hit/miss counts at `debug` level. */
  logger?: Logger;
}

/** Cache counters since creation (or the last {@link CachedEncoder.resetStats}). */
export interface CacheStats {
  /** Input texts answered from the store. */
  hits: number;
  /** Input texts not in the store (a text repeated in one call counts each time). */
  misses: number;
  /** Distinct texts sent to the inner encoder. */
  encoded: number;
}

/** An encoder with the inner encoder's id and dimension, backed by the embedding store. */
export interface CachedEncoder extends Encoder {
  /** The wrapped encoder. */
  readonly inner: Encoder;
  /** Counters, for tests and benchmarks (a snapshot). */
  readonly stats: Readonly<CacheStats>;
  /** Sets the counters back to zero. */
  resetStats(): void;
  /** Loads the inner encoder when it can be loaded ahead of time. */
  load(options?: { signal?: AbortSignal }): Promise<void>;
}

/**
 * Wraps `inner` with a cache in `store` keyed by `inner.id` and the text's SHA-256 (hex). Rows come
 * back in input order; a cached vector whose length differs from the encoder's dimension (the
 * model behind an id changed) is treated as a miss and overwritten.
 * @example
 * ```ts
 * const storage = await openStorage('sqlite:///var/lmrec.db');
 * const encoder = createCachedEncoder(createUseLiteEncoder(), storage.embeddings);
 * await encoder.encode(titles); // encodes and stores
 * await encoder.encode(titles); // reads the store only
 * ```
 */
export function createCachedEncoder(inner: Encoder, store: EmbeddingStore, options: CachedEncoderOptions = {}): CachedEncoder {
  const lookupBatch = positiveInt('lookupBatch', options.lookupBatch, 512);
  const writeBatch = positiveInt('writeBatch', options.writeBatch, inner.maxBatch);
  const logger = options.logger ?? silentLogger;
  const stats: CacheStats = { hits: 0, misses: 0, encoded: 0 };

  return {
    inner,
    id: inner.id,
    get dim() {
      return inner.dim;
    },
    maxBatch: inner.maxBatch,
    get stats() {
      return { ...stats };
    },
    resetStats() {
      stats.hits = 0;
      stats.misses = 0;
      stats.encoded = 0;
    },
    async load(loadOptions = {}) {
      throwIfAborted(loadOptions.signal);
      await inner.load?.(loadOptions);
    },
    async encode(texts: readonly string[], encodeOptions: EncodeOptions = {}): Promise<Float32Array> {
      const { signal, onProgress, priority } = encodeOptions;
      const total = texts.length;
      throwIfAborted(signal);
      const hashes = texts.map((text, i) => {
        if (typeof text !== 'string') throw new ValidationError(`texts[${i}] must be a string, got ${typeof text}`, { details: { index: i, field: 'texts' } });
        return textHash(text);
      });
      // Distinct hashes in first-seen order, each with the positions that share it.
      const positionsOf = new Map<string, number[]>();
      hashes.forEach((hash, i) => {
        const list = positionsOf.get(hash);
        if (list === undefined) positionsOf.set(hash, [i]);
        else list.push(i);
      });
      const distinct = [...positionsOf.keys()];
      const vectors = new Map<string, Float32Array>();
      let dim = inner.dim;
      for (let start = 0; start < distinct.length; start += lookupBatch) {
        throwIfAborted(signal);
        const found = await store.get(inner.id, distinct.slice(start, start + lookupBatch), { signal });
        for (const [hash, vector] of found) {
          if (dim === 0) dim = vector.length;
          if (vector.length === dim) vectors.set(hash, vector);
        }
      }

      const missing = distinct.filter((hash) => !vectors.has(hash));
      let done = 0;
      for (const [hash, positions] of positionsOf) if (vectors.has(hash)) done += positions.length;
      const hits = done;
      stats.hits += hits;
      stats.misses += total - hits;
      if (total > 0 && (missing.length === 0 || done > 0)) onProgress?.(done, total);

      for (let start = 0; start < missing.length; start += writeBatch) {
        throwIfAborted(signal);
        const chunk = missing.slice(start, start + writeBatch);
        const chunkTexts = chunk.map((hash) => texts[(positionsOf.get(hash) as number[])[0]]);
        const matrix = await inner.encode(chunkTexts, { ...(signal === undefined ? {} : { signal }), ...(priority === undefined ? {} : { priority }) });
        const rowDim = matrix.length / chunk.length;
        if (!Number.isInteger(rowDim) || rowDim === 0 || (dim !== 0 && rowDim !== dim)) {
          throw new BackendError(`encoder ${inner.id} returned ${matrix.length} values for ${chunk.length} texts (expected dimension ${dim || 'unknown'})`);
        }
        dim = rowDim;
        const entries = chunk.map((hash, r) => ({ hash, vector: matrix.slice(r * dim, (r + 1) * dim) }));
        await store.put(inner.id, entries, { signal });
        stats.encoded += chunk.length;
        for (const entry of entries) {
          vectors.set(entry.hash, entry.vector);
          done += (positionsOf.get(entry.hash) as number[]).length;
        }
        onProgress?.(done, total);
      }
      logger.log('debug', 'embedding cache', { encoder: inner.id, texts: total, hits, encoded: missing.length });

      const out = new Float32Array(total * dim);
      for (const [hash, positions] of positionsOf) {
        const vector = vectors.get(hash) as Float32Array;
        for (const p of positions) out.set(vector, p * dim);
      }
      return out;
    },
    async close() {
      if (options.closeInner ?? true) await inner.close();
    },
  };
}
