/**
 * Retention (C22): deleting events and served lists older than a cut-off through the storage port,
 * in bounded batches with a pause between them, so that a purge of years of rows never holds the
 * event loop or the write lock for longer than one batch. What `lmrec purge` and the server's
 * retention schedule run.
 * @module
 */
import { ValidationError, throwIfAborted } from '../core/errors.js';
import type { CallOptions, Storage } from '../storage/storage.js';

/** Rows per delete transaction when the caller gives none: about 5 ms of SQLite work (each row leaves three indices). */
export const DEFAULT_PURGE_BATCH = 500;
/** Pause between two batches (ms), so requests and other writers get their turn. */
export const DEFAULT_PURGE_PAUSE_MS = 15;

/** Options of {@link purgeExpired}. */
export interface PurgeExpiredOptions extends CallOptions {
  /** Delete events whose timestamp is before this (ms since epoch); unset: keep every event. */
  eventsBefore?: number;
  /** Delete served lists (and their clicks) created before this (ms since epoch); unset: keep them. */
  impressionsBefore?: number;
  /** Rows per transaction (default {@link DEFAULT_PURGE_BATCH}). */
  batchSize?: number;
  /** Pause between batches in ms (default {@link DEFAULT_PURGE_PAUSE_MS}; 0 still yields to the event loop). */
  pauseMs?: number;
  /** Called after each batch with the totals so far. */
  onProgress?: (removed: PurgeResult) => void;
}

/** What a purge removed. */
export interface PurgeResult {
  events: number;
  impressions: number;
  clicks: number;
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Deletes what is older than the given cut-offs, batch by batch, until nothing older is left.
 * An abort stops between batches (`AbortError`); what earlier batches deleted stays deleted.
 * @example
 * const removed = await purgeExpired(storage, { eventsBefore: Date.now() - 365 * 86_400_000 });
 */
export async function purgeExpired(storage: Storage, options: PurgeExpiredOptions): Promise<PurgeResult> {
  const batchSize = options.batchSize ?? DEFAULT_PURGE_BATCH;
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) {
    throw new ValidationError(`batchSize must be an integer >= 1, got ${batchSize}`, { details: { field: 'batchSize', value: batchSize } });
  }
  const pauseMs = options.pauseMs ?? DEFAULT_PURGE_PAUSE_MS;
  const { signal } = options;
  const removed: PurgeResult = { events: 0, impressions: 0, clicks: 0 };
  const { eventsBefore, impressionsBefore } = options;
  if (eventsBefore !== undefined) {
    for (;;) {
      throwIfAborted(signal);
      const n = await storage.events.deleteBefore(eventsBefore, { limit: batchSize, ...(signal === undefined ? {} : { signal }) });
      removed.events += n;
      options.onProgress?.({ ...removed });
      if (n < batchSize) break;
      await pause(pauseMs);
    }
  }
  if (impressionsBefore !== undefined) {
    for (;;) {
      throwIfAborted(signal);
      const n = await storage.impressions.deleteBefore(impressionsBefore, { limit: batchSize, ...(signal === undefined ? {} : { signal }) });
      removed.impressions += n.impressions;
      removed.clicks += n.clicks;
      options.onProgress?.({ ...removed });
      if (n.impressions < batchSize) break;
      await pause(pauseMs);
    }
  }
  return removed;
}
