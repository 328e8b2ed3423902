/**
 * Entry of a training worker thread: opens its own connection to the storage the server uses (an
 * SQLite file in WAL mode lets this thread write while the server reads), trains one model with
 * the server's encoder, feedback policy and template (or, for the job named `ranker`, the pipeline's
 * learned ranker over every trained source; for the job named `evaluation`, the offline protocol on
 * the stored events, writing a report instead), stores the new version, and reports progress,
 * logs and the outcome to the parent. An `abort` message aborts training at its next checkpoint.
 * @module
 */
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import type { Logger, LogLevel } from '../core/logger.js';
import { createEncoder } from '../encoders/create-encoder.js';
import type { Encoder } from '../encoders/encoder.js';
import { createEngine } from '../engine/engine.js';
import type { Engine } from '../engine/engine.js';
import { RANKER_MODEL, trainEngineRanker } from '../pipeline/train-ranker.js';
import { openStorage } from '../storage/open-storage.js';
import { EVALUATION_JOB, runEvaluation } from './evaluation-job.js';
import { toJobError } from './job-error.js';
import type { ParentMessage, TrainWorkerData, WorkerMessage } from './train-job.js';

/** Progress messages are sent at most this often per phase (plus the last one of a phase). */
const PROGRESS_EVERY_MS = 100;

const LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

/** Trains as `data` says, reporting through `port`; never throws. */
export async function runTrainWorker(port: MessagePort, data: TrainWorkerData): Promise<void> {
  const post = (message: WorkerMessage): void => port.postMessage(message);
  const controller = new AbortController();
  const onMessage = (message: ParentMessage): void => {
    if (message.type === 'abort') controller.abort(new Error('training cancelled'));
  };
  port.on('message', onMessage);
  const { signal } = controller;
  const minLevel = LEVELS.indexOf(data.logLevel);
  const logger: Logger = {
    log(level, message, fields) {
      if (LEVELS.indexOf(level) < minLevel) return;
      post(fields === undefined ? { type: 'log', level, message } : { type: 'log', level, message, fields: plain(fields) });
    },
  };
  let last = { phase: '', at: 0 };
  const onProgress = (phase: string, done: number, total: number): void => {
    const now = performance.now();
    if (phase === last.phase && done < total && now - last.at < PROGRESS_EVERY_MS) return;
    last = { phase, at: now };
    post({ type: 'progress', phase, done, total });
  };

  let engine: Engine | undefined;
  let encoder: Encoder | undefined;
  try {
    const storage = await openStorage(data.storageUrl, { signal, ...(data.busyTimeoutMs === undefined ? {} : { busyTimeoutMs: data.busyTimeoutMs }) });
    try {
      if (data.encoder) encoder = await createEncoder(data.encoder, { logger, signal });
    } catch (error) {
      await storage.close();
      throw error;
    }
    engine = createEngine(storage, { logger, encoder, feedback: data.feedback, template: data.template });
    if (data.model === EVALUATION_JOB) {
      if (data.reportsDir === undefined) throw new Error('an evaluation job needs a reports directory');
      post({ type: 'done', result: plain(await runEvaluation(engine, data.params, { reportsDir: data.reportsDir, signal, onProgress, logger })) });
    } else if (data.model === RANKER_MODEL) {
      // The pipeline's learned ranker over every trained source (each refitted on the earlier part of the history).
      const r = await trainEngineRanker(engine, { signal, onProgress });
      const fit = { seconds: r.fit.seconds, epochs: r.fit.epochs, bestEpoch: r.fit.bestEpoch, bestScore: r.fit.bestScore };
      post({ type: 'done', result: { version: r.version ?? 0, params: { sources: r.ranker.sources.join(',') }, fit, users: r.fit.groups, items: 0, interactions: 0 } });
    } else {
      // One thread: this worker trains beside a serving process, whose requests keep the other core.
      const r = await engine.train(data.model, data.params, { signal, onProgress, threads: 1 });
      post({ type: 'done', result: { version: r.version, params: r.params, fit: plain(r.fit), users: r.users, items: r.items, interactions: r.interactions } });
    }
  } catch (error) {
    post({ type: 'error', error: toJobError(error) });
  } finally {
    try {
      await engine?.close();
    } catch (error) {
      logger.log('warn', 'closing the training worker\'s storage failed', { error: (error as Error).message });
    }
    port.off('message', onMessage);
    port.close();
  }
}

/** A structured-cloneable copy (drops functions and class prototypes). */
function plain<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

if (!isMainThread && parentPort) await runTrainWorker(parentPort, workerData as TrainWorkerData);
