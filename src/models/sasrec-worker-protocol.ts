/**
 * What the SASRec training threads share with the fitting thread (`sasrec-threads.ts` and
 * `sasrec-worker.ts`): the buffers, all SharedArrayBuffers, the slots of the control array through
 * which a step is handed over, and the messages by which the thread reports it done.
 * @module
 */
import type { SasRecOptions } from './sasrec.js';

/** Slots of a training thread's control array (`Int32Array` of {@link CONTROL_SLOTS}). */
export const Control = {
  /** Number of the step handed to the thread (increases by one per step; −1 = stop). */
  request: 0,
  /** Number of the last step the thread finished (also posted as a {@link FromSasRecWorker} message). */
  done: 1,
  /** Rows of the thread's part. */
  rows: 2,
  /** Sequences of the thread's part. */
  sequences: 3,
  /** Entries between two dropout masks in the shared mask buffer; 0 = no dropout this step. */
  maskStride: 4,
  /** First entry of the part's rows within each mask. */
  maskOffset: 5,
  /** Sampled negatives in the shared negative buffer; 0 = full softmax. */
  negatives: 6,
  /** Rows of the whole batch (the loss is the mean over them). */
  batchRows: 7,
} as const;

/** Length of a control array. */
export const CONTROL_SLOTS = 8;

/** What a SASRec training thread is started with. */
export interface SasRecWorkerData {
  options: SasRecOptions;
  numItems: number;
  attributes: { indptr: Int32Array; indices: Int32Array; numAttributes: number } | undefined;
  /** The parameters (Float32), written by the fitting thread between steps only. */
  theta: SharedArrayBuffer;
  /** This thread's gradient (Float32, the parameters' layout); the fitting thread adds it up and zeroes it. */
  grad: SharedArrayBuffer;
  /** Int32 slots, see {@link Control}. */
  control: SharedArrayBuffer;
  /** Float64: the part's loss. */
  loss: SharedArrayBuffer;
  /** Int32 input item, position and target of each row of the part. */
  items: SharedArrayBuffer;
  positions: SharedArrayBuffer;
  targets: SharedArrayBuffer;
  /** Int32 length of each sequence of the part. */
  lengths: SharedArrayBuffer;
  /** Int32 sampled negatives of the step (shared by all threads). */
  negatives: SharedArrayBuffer;
  /** Float32 dropout masks of the whole batch (shared by all threads). */
  masks: SharedArrayBuffer;
}

/** Messages from a SASRec training thread: once `ready`, then `done` after each step. */
export type FromSasRecWorker = { type: 'ready' } | { type: 'done'; step: number };
