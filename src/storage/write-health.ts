/**
 * What {@link Storage.health} reports, kept the same way by every backend: the backend's own write
 * failures are counted (refusals such as validation or conflicts are not), the latest one is kept,
 * and `failing` lasts until the next write succeeds.
 * @module
 */
import { BackendError } from '../core/errors.js';
import type { StorageHealth } from './storage.js';

/** The health record of one open storage. */
export interface WriteHealth {
  /** Records the outcome of one write: `undefined` when it succeeded, else its error. */
  note(operation: string, error: unknown): void;
  /** The report for `Storage.health`; `readOnlyReason` makes it `read-only`. */
  report(readOnlyReason: string | undefined): StorageHealth;
}

/** A fresh health record (no write tried yet: `ok`). */
export function createWriteHealth(now: () => number = Date.now): WriteHealth {
  let failedWrites = 0;
  let lastWriteFailed = false;
  let lastWriteError: StorageHealth['lastWriteError'];
  return {
    note(operation, error) {
      if (error === undefined) {
        lastWriteFailed = false;
        return;
      }
      if (!(error instanceof BackendError)) return;
      failedWrites++;
      lastWriteFailed = true;
      lastWriteError = { operation, message: error.message, at: now() };
    },
    report(readOnlyReason) {
      const writes = readOnlyReason !== undefined ? 'read-only' : lastWriteFailed ? 'failing' : 'ok';
      return {
        writes,
        ...(readOnlyReason === undefined ? {} : { readOnlyReason }),
        failedWrites,
        ...(lastWriteError === undefined ? {} : { lastWriteError: { ...lastWriteError } }),
      };
    },
  };
}
