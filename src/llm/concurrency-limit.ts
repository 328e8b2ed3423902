/**
 * A counting semaphore for outgoing model requests: at most `limit` run at once, the others wait in
 * arrival order; a waiter whose signal aborts leaves the queue.
 * @module
 */
import { AbortError } from '../core/errors.js';

/** Runs tasks with at most `limit` at once; see {@link createConcurrencyLimit}. */
export type ConcurrencyLimit = <T>(task: () => Promise<T>, signal?: AbortSignal) => Promise<T>;

/** Creates a limit of `limit` concurrent tasks (a positive integer). */
export function createConcurrencyLimit(limit: number): ConcurrencyLimit {
  let running = 0;
  const queue: (() => void)[] = [];
  const release = (): void => {
    running--;
    const next = queue.shift();
    if (next) next();
  };
  return async <T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T> => {
    if (running >= limit) {
      await new Promise<void>((resolve, reject) => {
        const start = (): void => {
          signal?.removeEventListener('abort', onAbort);
          running++;
          resolve();
        };
        const onAbort = (): void => {
          const at = queue.indexOf(start);
          if (at >= 0) queue.splice(at, 1);
          reject(new AbortError('operation aborted while waiting for a model slot', { cause: signal?.reason }));
        };
        if (signal?.aborted) {
          onAbort();
          return;
        }
        signal?.addEventListener('abort', onAbort, { once: true });
        queue.push(start);
      });
    } else {
      running++;
    }
    try {
      return await task();
    } finally {
      release();
    }
  };
}
