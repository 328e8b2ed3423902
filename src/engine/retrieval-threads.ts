/**
 * Worker threads that search large models' retrieval indices beside the serving thread. A model
 * version decoded into shared memory (`decodeSharedTrainedModel`) is restored in every thread over
 * the same bytes, so N threads cost N small heaps, not N copies of a multi-GB model. A request posts
 * the user's query and the item indices to leave out, and the least busy thread that holds the
 * version answers with the best k indices and their scores. The serving thread meanwhile builds the
 * other sources of the same list, or answers other requests.
 *
 * A thread that fails or stops is not used again and its requests answer `undefined`, as does a
 * version no thread holds: the caller then searches on its own thread, so a list never fails for a
 * reason of this pool.
 * @module
 */
import type { Worker } from 'node:worker_threads';
import type { Logger } from '../core/logger.js';
import { silentLogger } from '../core/logger.js';
import type { UserQuery } from '../models/recommender.js';
import type { ModelSnapshot } from '../models/snapshot.js';
import { spawnModuleWorker } from '../workers/spawn-module-worker.js';
import type { FromRetrievalWorker, QueryMessage, ToRetrievalWorker } from './retrieval-worker-protocol.js';

/** Options of {@link RetrievalThreads}. */
export interface RetrievalThreadsOptions {
  /** Threads to start (≥ 1). */
  threads: number;
  logger?: Logger;
}

/** What a thread answered: the best indices first, with their scores. */
export interface ThreadRetrieval {
  indices: Int32Array;
  scores: Float32Array;
}

interface Pending {
  resolve: (value: ThreadRetrieval | undefined) => void;
}

interface Slot {
  worker: Worker;
  pending: Map<number, Pending>;
  /** Versions this thread restored. */
  holds: Set<string>;
  dead: boolean;
}

/** Counters of {@link RetrievalThreads} (for `/v1/health`-style reports and tests). */
export interface RetrievalThreadStats {
  threads: number;
  /** Requests answered by a thread. */
  answered: number;
  /** Requests a thread could not answer (the caller searched itself). */
  declined: number;
}

/**
 * `a` in a buffer of its own size. A message carries a typed array's whole buffer, so a 512-d vector
 * viewing a batch of encoded texts would copy the batch (a user's text interest is such a view).
 * Shared memory is not copied, so a view of it is posted as it is.
 */
function compact<T extends Int32Array | Float32Array>(a: T): T {
  return a.buffer instanceof SharedArrayBuffer || a.byteLength === a.buffer.byteLength ? a : (a.slice() as T);
}

/** See the module description. */
export class RetrievalThreads {
  private readonly slots: Slot[] = [];
  private readonly logger: Logger;
  private nextId = 1;
  private closed = false;
  private answered = 0;
  private declined = 0;

  constructor(private readonly options: RetrievalThreadsOptions) {
    if (!Number.isInteger(options.threads) || options.threads < 1) throw new RangeError(`threads must be an integer ≥ 1, got ${options.threads}`);
    this.logger = options.logger ?? silentLogger;
  }

  /** Threads started and alive. */
  get size(): number {
    return this.slots.filter((s) => !s.dead).length;
  }

  /** Request counters. */
  stats(): RetrievalThreadStats {
    return { threads: this.size, answered: this.answered, declined: this.declined };
  }

  /** Whether some live thread holds version `key` (requests for it can be posted). */
  holds(key: string): boolean {
    return this.slots.some((s) => !s.dead && s.holds.has(key));
  }

  /**
   * Restores version `key` in every thread from `snapshot`, whose arrays must live in shared memory
   * (the threads would otherwise each receive a copy). Resolves once every live thread answered;
   * false when one could not restore it (that thread then does not serve it).
   */
  load(key: string, snapshot: ModelSnapshot): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    for (const [name, array] of Object.entries(snapshot.arrays)) {
      if (!(array.buffer instanceof SharedArrayBuffer)) throw new TypeError(`array "${name}" of ${key} is not in shared memory`);
    }
    this.start();
    const loads = this.slots
      .filter((s) => !s.dead)
      .map(
        (slot) =>
          new Promise<boolean>((resolve) => {
            const onMessage = (message: FromRetrievalWorker): void => {
              if ((message.type !== 'loaded' && message.type !== 'load-failed') || message.key !== key) return;
              slot.worker.off('message', onMessage);
              slot.worker.off('exit', onExit);
              if (message.type === 'loaded') {
                slot.holds.add(key);
                resolve(true);
              } else {
                this.logger.log('warn', `a retrieval thread could not restore ${key}; it is searched on the serving thread`, { error: message.error.message });
                resolve(false);
              }
              this.idle(slot);
            };
            const onExit = (): void => resolve(false);
            slot.worker.on('message', onMessage);
            slot.worker.once('exit', onExit);
            slot.worker.ref();
            this.post(slot, { type: 'load', key, snapshot });
          }),
      );
    return Promise.all(loads).then((done) => done.every(Boolean));
  }

  /** Releases version `key` in every thread. */
  drop(key: string): void {
    for (const slot of this.slots) {
      if (slot.dead || !slot.holds.delete(key)) continue;
      this.post(slot, { type: 'drop', key });
    }
  }

  /**
   * The `k` best items of version `key` for `query`, without the item indices in `exclude`; undefined
   * when no live thread holds the version or the thread failed (search on the calling thread then).
   */
  retrieve(key: string, query: UserQuery, k: number, exclude: Int32Array): Promise<ThreadRetrieval | undefined> {
    let best: Slot | undefined;
    for (const slot of this.slots) {
      if (slot.dead || !slot.holds.has(key)) continue;
      if (!best || slot.pending.size < best.pending.size) best = slot;
    }
    if (!best) {
      this.declined++;
      return Promise.resolve(undefined);
    }
    const slot = best;
    const id = this.nextId++;
    const message: QueryMessage = { userIdx: query.userIdx, items: compact(query.items), values: compact(query.values) };
    if (query.textVector) message.textVector = compact(query.textVector);
    if (query.sequence) message.sequence = compact(query.sequence);
    return new Promise<ThreadRetrieval | undefined>((resolve) => {
      slot.pending.set(id, { resolve });
      slot.worker.ref();
      this.post(slot, { type: 'retrieve', id, key, query: message, k, exclude });
    });
  }

  /** Stops every thread; requests in flight answer undefined. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const slots = this.slots.splice(0);
    await Promise.all(
      slots.map(async (slot) => {
        for (const p of slot.pending.values()) p.resolve(undefined);
        slot.pending.clear();
        slot.dead = true;
        await slot.worker.terminate();
      }),
    );
  }

  private start(): void {
    if (this.slots.length > 0 || this.closed) return;
    for (let t = 0; t < this.options.threads; t++) this.slots.push(this.spawn());
  }

  private spawn(): Slot {
    const worker = spawnModuleWorker(import.meta.url, 'retrieval-worker');
    const slot: Slot = { worker, pending: new Map(), holds: new Set(), dead: false };
    worker.on('message', (message: FromRetrievalWorker) => {
      if (message.type !== 'result' && message.type !== 'error') return;
      const pending = slot.pending.get(message.id);
      slot.pending.delete(message.id);
      this.idle(slot);
      if (!pending) return;
      if (message.type === 'error') {
        this.declined++;
        this.logger.log('warn', 'a retrieval thread failed a request; it was searched on the serving thread', { error: message.error.message });
        pending.resolve(undefined);
      } else if (message.missing === true) {
        this.declined++;
        pending.resolve(undefined);
      } else {
        this.answered++;
        pending.resolve({ indices: message.indices, scores: message.scores });
      }
    });
    const die = (error: Error): void => {
      if (slot.dead) return;
      slot.dead = true;
      slot.holds.clear();
      for (const p of slot.pending.values()) p.resolve(undefined);
      this.declined += slot.pending.size;
      slot.pending.clear();
      if (!this.closed) this.logger.log('warn', 'a retrieval thread stopped; its models are searched on the other threads or the serving thread', { error: error.message });
    };
    worker.on('error', die);
    worker.on('exit', (code) => die(new Error(`exit code ${code}`)));
    worker.unref();
    return slot;
  }

  private post(slot: Slot, message: ToRetrievalWorker): void {
    try {
      slot.worker.postMessage(message);
    } catch (error) {
      slot.worker.emit('error', error instanceof Error ? error : new Error(String(error)));
    }
  }

  /** Lets an idle thread stop holding the process open (a finished command exits). */
  private idle(slot: Slot): void {
    if (slot.pending.size === 0) slot.worker.unref();
  }
}
