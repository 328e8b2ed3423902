/**
 * Starts a training worker thread (`train-worker.ts`/`.js` beside this module); see
 * `spawnModuleWorker` for how it runs from sources and from `dist/`.
 * @module
 */
import type { Worker } from 'node:worker_threads';
import { spawnModuleWorker } from '../workers/spawn-module-worker.js';
import type { TrainWorkerData } from './train-job.js';

/** Starts one worker training as `data` says. */
export function spawnTrainWorker(data: TrainWorkerData): Worker {
  return spawnModuleWorker(import.meta.url, 'train-worker', { workerData: data });
}
