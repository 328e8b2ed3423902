/**
 * Messages between the worker encoder (`worker-encoder.ts`, in the serving thread) and its thread
 * (`encoder-worker.ts`). Plain, structured-cloneable data only.
 * @module
 */
import type { WorkerError } from '../workers/worker-error.js';
import type { EncoderConfig } from './create-encoder.js';

/** What the encoder thread is started with. */
export interface EncoderWorkerData {
  config: EncoderConfig;
}

/** Messages to the encoder thread. */
export type ToEncoderWorker = { type: 'encode'; id: number; texts: string[] } | { type: 'abort'; id: number } | { type: 'close' };

/** Messages from the encoder thread. */
export type FromEncoderWorker =
  | { type: 'ready'; encoderId: string; dim: number; maxBatch: number }
  | { type: 'failed'; error: WorkerError }
  | { type: 'result'; id: number; dim: number; vectors: Float32Array }
  | { type: 'error'; id: number; error: WorkerError }
  | { type: 'closed' };
