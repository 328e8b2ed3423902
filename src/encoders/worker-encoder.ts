/**
 * An encoder whose model runs in a worker thread, so that encoding — item texts arriving through the
 * API, a natural-language query — never blocks the serving thread: `/v1/health` and every other
 * route keep answering while a 2,000-item upsert is being embedded.
 *
 * Calls are split into chunks and scheduled on one queue with two priorities: `interactive` chunks
 * (the default; a query a request waits for) go ahead of `background` ones (new items), and
 * background chunks are kept small so an interactive call waits for at most one of them. A thread
 * that dies is restarted on the next call; the calls it was running reject with its error.
 * @module
 */
import type { Worker } from 'node:worker_threads';
import { AbortError, BackendError } from '../core/errors.js';
import { silentLogger } from '../core/logger.js';
import type { Logger } from '../core/logger.js';
import { fromWorkerError } from '../workers/worker-error.js';
import { spawnModuleWorker } from '../workers/spawn-module-worker.js';
import { createEncoder } from './create-encoder.js';
import type { EncoderConfig } from './create-encoder.js';
import type { EncodeOptions, EncodePriority, Encoder } from './encoder.js';
import type { FromEncoderWorker, ToEncoderWorker } from './encoder-worker-protocol.js';

/** Options of {@link createWorkerEncoder}. */
export interface WorkerEncoderOptions {
  /** Texts per background chunk (default an eighth of the encoder's batch, at least 1). */
  backgroundChunk?: number;
  logger?: Logger;
}

/** Queue counters of a {@link WorkerEncoder}. */
export interface WorkerEncoderStats {
  /** Texts waiting in the queue (not yet sent to the thread), by priority. */
  queued: Record<EncodePriority, number>;
  /** Texts encoded by the thread since creation. */
  encoded: number;
  /** Times the thread was (re)started. */
  starts: number;
}

/** An encoder running in a worker thread. */
export interface WorkerEncoder extends Encoder {
  /** Queue counters (a snapshot). */
  readonly stats: WorkerEncoderStats;
  load(options?: { signal?: AbortSignal }): Promise<void>;
}

interface Chunk {
  texts: string[];
  priority: EncodePriority;
  resolve: (vectors: Float32Array) => void;
  reject: (error: unknown) => void;
  signal: AbortSignal | undefined;
}

interface Thread {
  worker: Worker;
  ready: Promise<{ encoderId: string; dim: number; maxBatch: number }>;
  /** Chunk sent to the thread, by request id. */
  inFlight: Map<number, Chunk>;
  dead: boolean;
}

/**
 * Starts the encoder `config` describes in a worker thread and resolves once it is ready (for
 * USE-lite that is before its weights are read; they load on the first call or `load()`). Rejects
 * with the encoder's own error when it cannot be built (a missing package, model or directory).
 * @example
 * ```ts
 * const encoder = await createWorkerEncoder({ kind: 'use-lite' });
 * const vectors = await encoder.encode(['a quiet drama set in Japan']); // the serving thread stays free
 * await encoder.close();
 * ```
 */
export async function createWorkerEncoder(config: EncoderConfig, options: WorkerEncoderOptions = {}): Promise<WorkerEncoder> {
  const logger = options.logger ?? silentLogger;
  let nextId = 1;
  let thread: Thread | undefined;
  let closed = false;
  const queues: Record<EncodePriority, Chunk[]> = { interactive: [], background: [] };
  const stats: WorkerEncoderStats = { queued: { interactive: 0, background: 0 }, encoded: 0, starts: 0 };

  function start(): Thread {
    const worker = spawnModuleWorker(import.meta.url, 'encoder-worker', { workerData: { config } });
    stats.starts++;
    const inFlight = new Map<number, Chunk>();
    const t: Thread = { worker, inFlight, dead: false, ready: Promise.resolve({ encoderId: '', dim: 0, maxBatch: 1 }) };
    t.ready = new Promise((resolve, reject) => {
      worker.on('message', (message: FromEncoderWorker) => {
        switch (message.type) {
          case 'ready':
            resolve(message);
            break;
          case 'failed':
            reject(fromWorkerError(message.error));
            break;
          case 'result': {
            const chunk = inFlight.get(message.id);
            inFlight.delete(message.id);
            stats.encoded += chunk?.texts.length ?? 0;
            chunk?.resolve(message.vectors);
            pump();
            break;
          }
          case 'error': {
            const chunk = inFlight.get(message.id);
            inFlight.delete(message.id);
            chunk?.reject(fromWorkerError(message.error));
            pump();
            break;
          }
          case 'closed':
            break;
        }
      });
      const die = (error: Error): void => {
        if (t.dead) return;
        t.dead = true;
        if (thread === t) thread = undefined;
        const failure = new BackendError(`the encoder thread stopped: ${error.message}`, { cause: error });
        reject(failure);
        for (const chunk of inFlight.values()) chunk.reject(failure);
        inFlight.clear();
        if (!closed) logger.log('warn', 'encoder thread stopped; it restarts on the next call', { error: error.message });
        // Queued chunks go to a new thread.
        if (!closed && (queues.interactive.length > 0 || queues.background.length > 0)) pump();
      };
      worker.on('error', die);
      worker.on('exit', (code) => die(new Error(`exit code ${code}`)));
    });
    // The thread keeps the process alive only while it has work (starting, or a chunk in flight),
    // so an idle encoder never holds a finished command open.
    const idle = (): void => {
      if (inFlight.size === 0 && queues.interactive.length === 0 && queues.background.length === 0) worker.unref();
    };
    t.ready.then(idle, () => undefined);
    worker.on('message', idle);
    return t;
  }

  function current(): Thread {
    if (closed) throw new BackendError('the encoder was closed');
    thread ??= start();
    return thread;
  }

  const first = current();
  const info = await first.ready;
  const backgroundChunk = Math.max(1, Math.floor(options.backgroundChunk ?? info.maxBatch / 8));

  /** Sends the next queued chunk when the thread is idle. */
  function pump(): void {
    if (closed) return;
    let t: Thread;
    try {
      t = current();
    } catch {
      return;
    }
    if (t.inFlight.size > 0) return;
    const chunk = queues.interactive.shift() ?? queues.background.shift();
    if (!chunk) return;
    stats.queued[chunk.priority] -= chunk.texts.length;
    if (chunk.signal?.aborted) {
      chunk.reject(new AbortError('encode aborted', { cause: chunk.signal.reason }));
      pump();
      return;
    }
    const id = nextId++;
    t.inFlight.set(id, chunk);
    t.worker.ref();
    t.ready.then(
      () => t.worker.postMessage({ type: 'encode', id, texts: chunk.texts } satisfies ToEncoderWorker),
      () => undefined,
    );
    if (chunk.signal) {
      const signal = chunk.signal;
      const onAbort = (): void => {
        if (t.inFlight.has(id)) t.worker.postMessage({ type: 'abort', id } satisfies ToEncoderWorker);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      const done = (): void => signal.removeEventListener('abort', onAbort);
      chunk.resolve = wrapAfter(chunk.resolve, done);
      chunk.reject = wrapAfter(chunk.reject, done);
    }
  }

  function enqueue(texts: string[], priority: EncodePriority, signal: AbortSignal | undefined): Promise<Float32Array> {
    return new Promise((resolve, reject) => {
      queues[priority].push({ texts, priority, resolve, reject, signal });
      stats.queued[priority] += texts.length;
      pump();
    });
  }

  return {
    id: info.encoderId,
    dim: info.dim,
    maxBatch: info.maxBatch,
    get stats() {
      return { queued: { ...stats.queued }, encoded: stats.encoded, starts: stats.starts };
    },
    async load(o = {}) {
      if (o.signal?.aborted) throw new AbortError('operation aborted', { cause: o.signal.reason });
      // One short text makes the thread read its weights now rather than on the first real call.
      await enqueue(['load'], 'interactive', o.signal);
    },
    async encode(texts: readonly string[], o: EncodeOptions = {}): Promise<Float32Array> {
      const priority = o.priority ?? 'interactive';
      const size = priority === 'interactive' ? info.maxBatch : backgroundChunk;
      const dim = info.dim;
      if (o.signal?.aborted) throw new AbortError('operation aborted', { cause: o.signal.reason });
      const parts: Promise<Float32Array>[] = [];
      let done = 0;
      for (let start = 0; start < texts.length; start += size) {
        const slice = texts.slice(start, start + size);
        parts.push(
          enqueue(slice, priority, o.signal).then((v) => {
            done += slice.length;
            o.onProgress?.(done, texts.length);
            return v;
          }),
        );
      }
      const results = await Promise.all(parts);
      const rowDim = dim > 0 ? dim : results.length > 0 ? results[0].length / Math.min(size, texts.length) : 0;
      const out = new Float32Array(texts.length * rowDim);
      let offset = 0;
      for (const r of results) {
        out.set(r, offset);
        offset += r.length;
      }
      return out;
    },
    async close() {
      if (closed) return;
      closed = true;
      const aborted = new AbortError('the encoder was closed');
      for (const q of Object.values(queues)) for (const chunk of q.splice(0)) chunk.reject(aborted);
      const t = thread;
      thread = undefined;
      if (t && !t.dead) await t.worker.terminate();
    },
  };
}

function wrapAfter<A extends unknown[]>(f: (...args: A) => void, after: () => void): (...args: A) => void {
  return (...args: A) => {
    after();
    f(...args);
  };
}

/**
 * The encoder a server should use for `config`: a local model (USE-lite, ONNX) runs in a worker
 * thread ({@link createWorkerEncoder}); a remote endpoint, whose calls are I/O, runs in this thread.
 */
export async function createServingEncoder(config: EncoderConfig, options: WorkerEncoderOptions = {}): Promise<Encoder> {
  if (config.kind === 'openai') {
    return createEncoder(config, options.logger === undefined ? {} : { logger: options.logger });
  }
  return createWorkerEncoder(config, options);
}
