/**
 * Training off the request path: each job trains one model in its own worker thread, which opens
 * its own storage connection, stores the new version and reports progress. Jobs have ids, states,
 * progress and errors. One job per model runs at a time; a request while one runs waits behind it
 * (at most one waits: a second identical request joins the waiting job, since that job reads the
 * data only when it starts); a job is cancelled through its
 * `AbortSignal` or {@link Trainer.cancel} (the worker aborts at its next checkpoint, and is
 * terminated when it does not stop within a grace period).
 * @module
 */
import { randomUUID } from 'node:crypto';
import type { Worker } from 'node:worker_threads';
import { ConflictError } from '../core/errors.js';
import { silentLogger } from '../core/logger.js';
import type { Logger, LogLevel } from '../core/logger.js';
import type { EncoderConfig } from '../encoders/create-encoder.js';
import type { FeedbackPolicy } from '../engine/feedback-policy.js';
import type { ModelParams } from '../models/recommender.js';
import type { DomainTemplate } from '../text/verbalizer.js';
import { toJobError } from './job-error.js';
import { spawnTrainWorker } from './spawn-train-worker.js';
import type { JobError, JobState, JobStatus, ParentMessage, TrainWorkerData, WorkerMessage } from './train-job.js';

/** Options of {@link createTrainer}. */
export interface TrainerOptions {
  /** Storage URL the workers open (the same database the engine serves from). */
  storageUrl: string;
  /** Encoder for text-aware models (`semantic`, `hybrid`); the same settings the engine uses. */
  encoder?: EncoderConfig;
  /** Feedback policy; the engine's, so training reads events the way serving does. */
  feedback?: FeedbackPolicy;
  /** Verbalisation template; the engine's, so cached item vectors are reused. */
  template?: DomainTemplate;
  /** How long a worker's writes wait for another writer's lock, ms (SQLite; default 5000). */
  busyTimeoutMs?: number;
  /** Where evaluation jobs (`evaluation-job.ts`) write their report folders; without it they fail. */
  reportsDir?: string;
  /** Jobs that train at once (default 1: training is CPU-bound and serving needs a core). */
  concurrency?: number;
  /** Finished jobs remembered for {@link Trainer.jobs} (default 100). */
  keepFinished?: number;
  /** How long a cancelled worker may take to stop before it is terminated, ms (default 2000). */
  cancelGraceMs?: number;
  logger?: Logger;
  /** Lowest level of worker log records passed to `logger` (default `info`). */
  logLevel?: LogLevel;
  /** Called with a copy of a job's status whenever it changes (state or progress). */
  onUpdate?: (status: JobStatus) => void;
  /**
   * Runs after a worker stored its version and before the job counts as succeeded, e.g. to put
   * the version into service; resolves whether it did. A rejection fails the job (the stored
   * version stays stored).
   */
  onTrained?: (status: JobStatus, signal: AbortSignal) => Promise<boolean>;
}

/** Options of {@link Trainer.start}. */
export interface StartJobOptions {
  /** Why the job is started (shown in its status; default `api`). */
  reason?: string;
  /** Cancels the job. */
  signal?: AbortSignal;
}

/** A started job. */
export interface TrainJob {
  readonly id: string;
  /** Resolves with the final status (never rejects: failures are in the status). */
  readonly done: Promise<JobStatus>;
}

/** Runs training jobs in worker threads. */
export interface Trainer {
  /**
   * Queues a job training `model`. While one runs, the new job waits for it; while one already
   * waits with the same parameters, that job is returned; with other parameters, `ConflictError`.
   */
  start(model: string, params?: ModelParams, options?: StartJobOptions): TrainJob;
  /** Every remembered job, newest first. */
  jobs(): JobStatus[];
  /** One job, or undefined. */
  job(id: string): JobStatus | undefined;
  /** The queued or running job of `model`, if any. */
  pending(model: string): JobStatus | undefined;
  /** Resolves with the job's final status; undefined for an unknown id. */
  wait(id: string): Promise<JobStatus | undefined>;
  /** Cancels a queued or training job; false when there is nothing to cancel. */
  cancel(id: string): boolean;
  /** Cancels every job and waits until their workers are gone. Further `start` calls fail. */
  close(): Promise<void>;
}

interface Job {
  status: JobStatus;
  done: Promise<JobStatus>;
  resolve: (status: JobStatus) => void;
  controller: AbortController;
  worker?: Worker;
  /** The worker reported its outcome (its exit is then expected). */
  reported: boolean;
  cancelling: boolean;
  graceTimer?: NodeJS.Timeout;
}

const FINISHED: ReadonlySet<JobState> = new Set(['succeeded', 'failed', 'cancelled']);

function sameParams(a: ModelParams, b: ModelParams): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}

/**
 * Creates a trainer whose workers open `options.storageUrl`.
 * @example
 * ```ts
 * const trainer = createTrainer({ storageUrl: 'sqlite://var/lmrec.db' });
 * const job = trainer.start('ease', { lambda: 500 });
 * const status = await job.done; // { state: 'succeeded', result: { version: 2, … }, … }
 * await trainer.close();
 * ```
 */
export function createTrainer(options: TrainerOptions): Trainer {
  const logger = options.logger ?? silentLogger;
  const concurrency = Math.max(1, options.concurrency ?? 1);
  const keepFinished = Math.max(0, options.keepFinished ?? 100);
  const graceMs = options.cancelGraceMs ?? 2_000;
  const jobs = new Map<string, Job>();
  let closed = false;

  const snapshot = (job: Job): JobStatus => structuredClone(job.status);
  const notify = (job: Job): void => {
    if (!options.onUpdate) return;
    try {
      options.onUpdate(snapshot(job));
    } catch (error) {
      logger.log('warn', 'a job update listener threw', { error: (error as Error).message });
    }
  };

  const isActive = (job: Job): boolean => !FINISHED.has(job.status.state);

  function prune(): void {
    const finished = [...jobs.values()].filter((j) => !isActive(j));
    for (const job of finished.slice(0, Math.max(0, finished.length - keepFinished))) jobs.delete(job.status.id);
  }

  function finish(job: Job, state: JobState, error?: JobError): void {
    if (!isActive(job)) return;
    if (job.graceTimer) clearTimeout(job.graceTimer);
    job.status.state = state;
    job.status.finishedAt = Date.now();
    if (error) job.status.error = error;
    logger.log(state === 'failed' ? 'warn' : 'info', `training job ${job.status.id} (${job.status.model}) ${state}`, error ? { error: error.message } : {});
    notify(job);
    job.resolve(snapshot(job));
    prune();
    pump();
  }

  function pump(): void {
    if (closed) return;
    const running = [...jobs.values()].filter((j) => j.status.state === 'running').length;
    let free = concurrency - running;
    const busy = new Set([...jobs.values()].filter((j) => j.status.state === 'running').map((j) => j.status.model));
    for (const job of jobs.values()) {
      if (free <= 0) break;
      if (job.status.state !== 'queued' || busy.has(job.status.model)) continue;
      free--;
      busy.add(job.status.model);
      run(job);
    }
  }

  function run(job: Job): void {
    job.status.state = 'running';
    job.status.startedAt = Date.now();
    notify(job);
    const data: TrainWorkerData = {
      storageUrl: options.storageUrl,
      model: job.status.model,
      params: job.status.params,
      logLevel: options.logLevel ?? 'info',
      ...(options.encoder === undefined ? {} : { encoder: options.encoder }),
      ...(options.feedback === undefined ? {} : { feedback: options.feedback }),
      ...(options.template === undefined ? {} : { template: options.template }),
      ...(options.busyTimeoutMs === undefined ? {} : { busyTimeoutMs: options.busyTimeoutMs }),
      ...(options.reportsDir === undefined ? {} : { reportsDir: options.reportsDir }),
    };
    let worker: Worker;
    try {
      worker = spawnTrainWorker(data);
    } catch (error) {
      finish(job, 'failed', toJobError(error));
      return;
    }
    job.worker = worker;
    worker.on('message', (message: WorkerMessage) => onMessage(job, message));
    worker.on('error', (error) => {
      job.reported = true;
      finish(job, job.cancelling ? 'cancelled' : 'failed', toJobError(error));
    });
    worker.on('exit', (code) => {
      job.worker = undefined;
      if (job.reported) return;
      if (job.cancelling) finish(job, 'cancelled', { code: 'aborted', message: 'training cancelled' });
      else finish(job, 'failed', { code: 'internal', message: `training worker exited with code ${code} before reporting` });
    });
  }

  function onMessage(job: Job, message: WorkerMessage): void {
    switch (message.type) {
      case 'progress':
        job.status.progress = { phase: message.phase, done: message.done, total: message.total };
        notify(job);
        return;
      case 'log':
        logger.log(message.level, `[train ${job.status.model}] ${message.message}`, message.fields);
        return;
      case 'error':
        job.reported = true;
        finish(job, job.cancelling || message.error.code === 'aborted' ? 'cancelled' : 'failed', message.error);
        return;
      case 'done':
        job.reported = true;
        job.status.result = message.result;
        void afterTraining(job);
        return;
    }
  }

  async function afterTraining(job: Job): Promise<void> {
    if (!options.onTrained) {
      finish(job, 'succeeded');
      return;
    }
    job.status.progress = { phase: 'activate', done: 0, total: 1 };
    notify(job);
    try {
      job.status.activated = await options.onTrained(snapshot(job), job.controller.signal);
      job.status.progress = { phase: 'activate', done: 1, total: 1 };
      finish(job, 'succeeded');
    } catch (error) {
      finish(job, 'failed', toJobError(error));
    }
  }

  function cancel(id: string): boolean {
    const job = jobs.get(id);
    if (!job || !isActive(job) || job.cancelling) return false;
    if (job.status.state === 'queued') {
      finish(job, 'cancelled', { code: 'aborted', message: 'training cancelled before it started' });
      return true;
    }
    if (job.reported) return false;
    job.cancelling = true;
    job.controller.abort();
    const worker = job.worker;
    if (worker) {
      worker.postMessage({ type: 'abort' } satisfies ParentMessage);
      // A synchronous fit loop only sees the abort at its next checkpoint; do not wait forever.
      job.graceTimer = setTimeout(() => void worker.terminate(), graceMs);
      job.graceTimer.unref();
    }
    return true;
  }

  return {
    start(model, params = {}, startOptions = {}) {
      if (closed) throw new ConflictError('the trainer is closed');
      for (const job of jobs.values()) {
        if (job.status.model !== model || job.status.state !== 'queued') continue;
        // A waiting job reads the data when it starts, so it already covers this request.
        if (sameParams(job.status.params, params)) return { id: job.status.id, done: job.done };
        throw new ConflictError(`model "${model}" already has a job waiting (${job.status.id}) with other parameters`, { details: { model, jobId: job.status.id } });
      }
      let resolve!: (status: JobStatus) => void;
      const done = new Promise<JobStatus>((r) => (resolve = r));
      const id = randomUUID();
      const job: Job = {
        status: { id, model, params: { ...params }, state: 'queued', reason: startOptions.reason ?? 'api', createdAt: Date.now() },
        done,
        resolve,
        controller: new AbortController(),
        reported: false,
        cancelling: false,
      };
      jobs.set(id, job);
      notify(job);
      const { signal } = startOptions;
      if (signal) {
        const onAbort = (): void => void cancel(id);
        if (signal.aborted) onAbort();
        else {
          signal.addEventListener('abort', onAbort, { once: true });
          void done.then(() => signal.removeEventListener('abort', onAbort));
        }
      }
      pump();
      return { id, done };
    },
    jobs: () => [...jobs.values()].map(snapshot).reverse(),
    job: (id) => {
      const job = jobs.get(id);
      return job ? snapshot(job) : undefined;
    },
    pending: (model) => {
      for (const job of jobs.values()) if (job.status.model === model && isActive(job)) return snapshot(job);
      return undefined;
    },
    wait: async (id) => jobs.get(id)?.done,
    cancel,
    async close() {
      closed = true;
      const all = [...jobs.values()];
      for (const job of all) cancel(job.status.id);
      await Promise.all(all.map((j) => j.done));
    },
  };
}
