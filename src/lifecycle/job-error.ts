/**
 * Errors of training jobs crossing the worker boundary (see `workers/worker-error.ts`).
 * @module
 */
export { fromWorkerError as fromJobError, toWorkerError as toJobError } from '../workers/worker-error.js';
