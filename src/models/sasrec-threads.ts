/**
 * Data-parallel SASRec training steps: the batch's sequences are split into contiguous parts of
 * about equal rows, the fitting thread runs the first part and each training thread
 * (`sasrec-worker.ts`) one other, all over the same parameters in shared memory, with the same
 * dropout masks and sampled negatives (drawn once, by the fitting thread, in the order a one-thread
 * step draws them); each part's loss and gradient are divided by the whole batch's rows, and the
 * threads' gradients are added into the fitting thread's before the optimiser step. A step is
 * handed over through shared memory (its number in the control array, woken by `Atomics.notify`)
 * and reported done by a message, so that a failed or exited thread rejects the step. The step's
 * gradient is thus the whole batch's, summed in another order: a step agrees with a one-thread step
 * to float rounding (differences that grow over a fit as between any two summation orders), and a
 * seed and a thread count give the same model on every run.
 * @module
 */
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { BackendError } from '../core/errors.js';
import { spawnModuleWorker } from '../workers/spawn-module-worker.js';
import type { ItemAttributes } from './item-attributes.js';
import type { DropoutMasks, PackedBatch, SasRecNetwork } from './sasrec-network.js';
import { maskCount } from './sasrec-network.js';
import { CONTROL_SLOTS, Control } from './sasrec-worker-protocol.js';
import type { FromSasRecWorker, SasRecWorkerData } from './sasrec-worker-protocol.js';
import type { SasRecOptions } from './sasrec.js';
import type { TouchedRows } from './touched-rows.js';
import type { Workspace } from './workspace.js';

/**
 * Training rows per epoch below which a fit keeps to one thread by default: a smaller fit takes less
 * time than starting a thread.
 */
export const MIN_PARALLEL_ROWS = 20_000;

/** Threads a fit uses: `requested` when given, else 2 on a machine with ≥ 2 cores and an epoch of at least {@link MIN_PARALLEL_ROWS} rows. */
export function sasRecThreadCount(requested: number | undefined, epochRows: number): number {
  if (requested !== undefined) return Math.max(1, Math.floor(requested));
  return epochRows >= MIN_PARALLEL_ROWS ? Math.min(2, availableParallelism()) : 1;
}

/** The largest batch the threads must hold: rows and sequences. */
export interface SasRecThreadCapacity {
  rows: number;
  sequences: number;
}

let running = 0;

/** Training threads started and not yet exited, across all fits (tests check that none is left). */
export function runningSasRecThreads(): number {
  return running;
}

interface Thread {
  worker: Worker;
  data: SasRecWorkerData;
  control: Int32Array;
  loss: Float64Array;
  items: Int32Array;
  positions: Int32Array;
  targets: Int32Array;
  lengths: Int32Array;
  grad: Float32Array;
  /** Rejects when the thread fails or exits before it is closed; never resolves. */
  failed: Promise<never>;
  /** The last step handed to the thread. */
  step: number;
  /** Resolves the wait for the current step when the thread reports it done. */
  onDone: (() => void) | undefined;
  /** `closing` is set before the thread is terminated, so that its exit is not a failure. */
  lifecycle: { closing: boolean };
}

/** Training threads of one SASRec fit; {@link SasRecThreads.close} them when the fit ends. */
export class SasRecThreads {
  /** Shared buffer the step's dropout masks are drawn into (masks × capacity rows × dim). */
  readonly masks: Float32Array;
  /** Shared buffer the step's sampled negatives are drawn into. */
  readonly negatives: Int32Array;
  private closed = false;

  private constructor(
    private readonly threads: Thread[],
    masks: SharedArrayBuffer,
    negatives: SharedArrayBuffer,
  ) {
    this.masks = new Float32Array(masks);
    this.negatives = new Int32Array(negatives);
  }

  /** Parts a batch is split into (threads including the fitting one). */
  get parts(): number {
    return this.threads.length + 1;
  }

  /**
   * Starts `count` training threads over `theta` (which must live in a SharedArrayBuffer) and
   * resolves once all are ready; on failure the started ones are terminated.
   */
  static async start(count: number, theta: Float32Array, options: SasRecOptions, numItems: number, attributes: ItemAttributes | undefined, capacity: SasRecThreadCapacity): Promise<SasRecThreads> {
    if (!(theta.buffer instanceof SharedArrayBuffer)) throw new RangeError('SasRecThreads: the parameters must live in a SharedArrayBuffer');
    const masks = new SharedArrayBuffer(4 * Math.max(1, maskCount(options.blocks) * capacity.rows * options.dim));
    const negatives = new SharedArrayBuffer(4 * Math.max(1, options.negatives));
    const threads: Thread[] = [];
    try {
      for (let t = 0; t < count; t++) {
        const data: SasRecWorkerData = {
          options,
          numItems,
          attributes: attributes ? { indptr: attributes.indptr, indices: attributes.indices, numAttributes: attributes.numAttributes } : undefined,
          theta: theta.buffer,
          grad: new SharedArrayBuffer(theta.byteLength),
          control: new SharedArrayBuffer(4 * CONTROL_SLOTS),
          loss: new SharedArrayBuffer(8),
          items: new SharedArrayBuffer(4 * capacity.rows),
          positions: new SharedArrayBuffer(4 * capacity.rows),
          targets: new SharedArrayBuffer(4 * capacity.rows),
          lengths: new SharedArrayBuffer(4 * capacity.sequences),
          negatives,
          masks,
        };
        threads.push(startThread(data));
      }
      await Promise.all(threads.map(async (t) => {
        await Promise.race([new Promise<void>((resolve) => (t.onDone = resolve)), t.failed]);
      }));
    } catch (error) {
      await Promise.all(threads.map((t) => terminate(t)));
      throw error;
    }
    return new SasRecThreads(threads, masks, negatives);
  }

  /**
   * One step's loss over the packed batch, split across the threads, adding the whole batch's
   * gradient into `grad`. `touched` must already hold every item-table row the step reaches (with
   * sampled negatives); without it the whole table's gradient is added up. `masks` and `negatives`
   * must be views of {@link SasRecThreads.masks} and {@link SasRecThreads.negatives}.
   */
  async step(
    network: SasRecNetwork,
    packed: PackedBatch,
    targets: Int32Array,
    masks: DropoutMasks | undefined,
    negatives: Int32Array | undefined,
    grad: Float32Array,
    ws: Workspace,
    touched: TouchedRows | undefined,
  ): Promise<number> {
    const ends = splitByRows(packed, this.parts);
    const rowAt = (b: number): number => (b < packed.blocks.length ? packed.blocks[b].rowOff : packed.rows);
    const active = this.threads.slice(0, ends.length - 1);
    const done = active.map((t) => Promise.race([new Promise<void>((resolve) => (t.onDone = resolve)), t.failed]));
    active.forEach((t, i) => {
      const r0 = rowAt(ends[i]);
      const r1 = rowAt(ends[i + 1]);
      t.items.set(packed.items.subarray(r0, r1));
      t.positions.set(packed.positions.subarray(r0, r1));
      t.targets.set(targets.subarray(r0, r1));
      for (let b = ends[i]; b < ends[i + 1]; b++) t.lengths[b - ends[i]] = packed.blocks[b].length;
      const c = t.control;
      c[Control.rows] = r1 - r0;
      c[Control.sequences] = ends[i + 1] - ends[i];
      c[Control.maskStride] = masks ? masks.stride : 0;
      c[Control.maskOffset] = r0 * network.options.dim;
      c[Control.negatives] = negatives ? negatives.length : 0;
      c[Control.batchRows] = packed.rows;
      Atomics.store(c, Control.request, ++t.step);
      Atomics.notify(c, Control.request);
    });
    const b1 = ends[0];
    const r1 = rowAt(b1);
    const own: PackedBatch = {
      items: packed.items.subarray(0, r1),
      positions: packed.positions.subarray(0, r1),
      blocks: packed.blocks.slice(0, b1),
      rows: r1,
      probSize: b1 < packed.blocks.length ? packed.blocks[b1].probOff : packed.probSize,
    };
    let loss = network.partLoss(own, targets.subarray(0, r1), masks, negatives, packed.rows, grad, ws);
    const tableLength = network.numItems * network.options.dim;
    const width = network.options.dim;
    for (const [i, t] of active.entries()) {
      await done[i];
      loss += t.loss[0];
      const g = t.grad;
      if (touched) {
        const rows = touched.rows;
        for (let k = 0; k < rows.length; k++) addAndClear(grad, g, rows[k] * width, (rows[k] + 1) * width);
      } else {
        addAndClear(grad, g, 0, tableLength);
      }
      addAndClear(grad, g, tableLength, grad.length);
    }
    return loss;
  }

  /** Terminates the threads (idempotent). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.threads) {
      Atomics.store(t.control, Control.request, -1);
      Atomics.notify(t.control, Control.request);
    }
    await Promise.all(this.threads.map((t) => terminate(t)));
  }
}

function startThread(data: SasRecWorkerData): Thread {
  const worker = spawnModuleWorker(import.meta.url, 'sasrec-worker', { workerData: data });
  running++;
  worker.once('exit', () => running--);
  const lifecycle = { closing: false };
  const failed = new Promise<never>((_, reject) => {
    worker.once('error', (error) => reject(new BackendError(`a sasrec training thread failed: ${error.message}`, { cause: error })));
    worker.once('exit', (code) => {
      if (!lifecycle.closing) reject(new BackendError(`a sasrec training thread exited (code ${code})`));
    });
  });
  failed.catch(() => undefined);
  const t: Thread = {
    worker,
    data,
    control: new Int32Array(data.control),
    loss: new Float64Array(data.loss),
    items: new Int32Array(data.items),
    positions: new Int32Array(data.positions),
    targets: new Int32Array(data.targets),
    lengths: new Int32Array(data.lengths),
    grad: new Float32Array(data.grad),
    failed,
    step: 0,
    onDone: undefined,
    lifecycle,
  };
  // The thread posts `ready` once, then the number of each step it finishes (see `sasrec-worker.ts`).
  worker.on('message', (message: FromSasRecWorker) => {
    if (message.type === 'done' && message.step !== t.step) return;
    const resolve = t.onDone;
    t.onDone = undefined;
    resolve?.();
  });
  return t;
}

async function terminate(t: Thread): Promise<void> {
  t.lifecycle.closing = true;
  await t.worker.terminate();
}

/** dst[from, to) += src[from, to); src[from, to) = 0. */
function addAndClear(dst: Float32Array, src: Float32Array, from: number, to: number): void {
  for (let i = from; i < to; i++) {
    dst[i] += src[i];
    src[i] = 0;
  }
}

/**
 * End block of each part when `packed`'s sequences are split into at most `parts` contiguous runs
 * of about equal rows (each with at least one sequence): part `i` is blocks `[ends[i−1], ends[i])`.
 */
export function splitByRows(packed: PackedBatch, parts: number): number[] {
  const { blocks } = packed;
  const B = blocks.length;
  const n = Math.max(1, Math.min(parts, B));
  const ends: number[] = [];
  let prev = 0;
  for (let i = 1; i < n; i++) {
    const goal = (packed.rows * i) / n;
    // At least one sequence in this part and in each part after it.
    let b = prev + 1;
    while (b < B - (n - i) && blocks[b].rowOff < goal) b++;
    if (b - 1 > prev && goal - blocks[b - 1].rowOff < blocks[b].rowOff - goal) b--;
    ends.push(b);
    prev = b;
  }
  ends.push(B);
  return ends;
}
