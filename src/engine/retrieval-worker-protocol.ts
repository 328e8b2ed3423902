/**
 * Messages between the engine's retrieval threads (`retrieval-threads.ts`, in the serving thread)
 * and each thread (`retrieval-worker.ts`). Plain, structured-cloneable data only; a model's arrays
 * travel as views of shared memory, so every thread reads the same bytes.
 * @module
 */
import type { ModelSnapshot } from '../models/snapshot.js';
import type { WorkerError } from '../workers/worker-error.js';

/** A user's query as a retrieval thread receives it (the fields of `UserQuery`). */
export interface QueryMessage {
  userIdx: number;
  items: Int32Array;
  values: Float32Array;
  textVector?: Float32Array;
  sequence?: Int32Array;
}

/** Messages to a retrieval thread. */
export type ToRetrievalWorker =
  /** Restore a model version from a snapshot whose arrays live in shared memory. */
  | { type: 'load'; key: string; snapshot: ModelSnapshot }
  | { type: 'drop'; key: string }
  /** The `k` best items of model `key` for `query`, leaving out the item indices in `exclude`. */
  | { type: 'retrieve'; id: number; key: string; query: QueryMessage; k: number; exclude: Int32Array }
  | { type: 'close' };

/** Messages from a retrieval thread. */
export type FromRetrievalWorker =
  | { type: 'loaded'; key: string }
  | { type: 'load-failed'; key: string; error: WorkerError }
  /** `indices` empty and `missing` true when the thread holds no such version (dropped meanwhile). */
  | { type: 'result'; id: number; indices: Int32Array; scores: Float32Array; missing?: boolean }
  | { type: 'error'; id: number; error: WorkerError }
  | { type: 'closed' };
