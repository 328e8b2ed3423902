/**
 * The server's retention job: every `checkEvery` (and once shortly after start) it deletes events
 * and served lists older than their windows ({@link purgeExpired}, in batches, off the request
 * path: each batch is one short transaction between timer ticks). A run never overlaps another.
 * @module
 */
import { AbortError, ValidationError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { Storage } from '../storage/storage.js';
import { purgeExpired } from './purge-expired.js';
import type { PurgeResult } from './purge-expired.js';

const DAY_MS = 86_400_000;

/** Retention windows in days; an unset window keeps those rows forever. */
export interface RetentionWindows {
  /** Events older than this many days are deleted. */
  eventsDays?: number;
  /** Served lists (impressions) and their clicks older than this many days are deleted. */
  impressionsDays?: number;
}

/** Options of {@link startRetentionSchedule}. */
export interface RetentionScheduleOptions extends RetentionWindows {
  storage: Storage;
  /** Interval between runs in ms (default one hour). */
  checkEvery?: number;
  /** Delay of the first run after start in ms (default 30 s: after start-up work). */
  firstRunAfter?: number;
  /** Rows per delete transaction (see `purgeExpired`). */
  batchSize?: number;
  logger?: Logger;
  /** Clock, for tests. */
  now?: () => number;
  /** Called after each run that removed something. */
  onPurge?: (result: PurgeResult & { eventsBefore?: number; impressionsBefore?: number }) => void;
}

/** What the retention job has done, for operators (`GET /v1/metrics`). */
export interface RetentionStatus {
  eventsDays?: number;
  impressionsDays?: number;
  /** Interval between runs (ms); absent when no window is set (nothing runs). */
  checkEveryMs?: number;
  /** When the last run ended (ISO time). */
  lastRunAt?: string;
  /** What the last run removed. */
  lastRun?: PurgeResult;
  /** The last run's failure, if it failed. */
  lastError?: string;
  /** Everything removed since start. */
  removed: PurgeResult;
}

/** A running retention schedule. */
export interface RetentionSchedule {
  /** Windows, last run and totals. */
  status(): RetentionStatus;
  /** Runs a purge now (joins one in progress) and resolves with what it removed. */
  runNow(): Promise<PurgeResult>;
  /** Stops the timer and any run in progress (between two batches). */
  close(): Promise<void>;
}

/** The cut-offs (ms since epoch) of `windows` at time `now`; absent where no window is set. */
export function retentionCutoffs(windows: RetentionWindows, now: number): { eventsBefore?: number; impressionsBefore?: number } {
  const out: { eventsBefore?: number; impressionsBefore?: number } = {};
  for (const [field, days] of [['eventsDays', windows.eventsDays], ['impressionsDays', windows.impressionsDays]] as const) {
    if (days === undefined) continue;
    if (typeof days !== 'number' || !Number.isFinite(days) || days <= 0) {
      throw new ValidationError(`retention.${field} must be a positive number of days, got ${String(days)}`, { details: { field: `retention.${field}`, value: days } });
    }
    if (field === 'eventsDays') out.eventsBefore = now - days * DAY_MS;
    else out.impressionsBefore = now - days * DAY_MS;
  }
  return out;
}

/**
 * Starts the schedule; with no window set it does nothing (and `runNow` removes nothing).
 * Timers are unref'd: the schedule never keeps a process alive.
 * @example
 * const retention = startRetentionSchedule({ storage, eventsDays: 365, impressionsDays: 90, logger });
 * // … on shutdown
 * await retention.close();
 */
export function startRetentionSchedule(options: RetentionScheduleOptions): RetentionSchedule {
  const { storage, logger } = options;
  const now = options.now ?? Date.now;
  retentionCutoffs(options, 0);
  const enabled = options.eventsDays !== undefined || options.impressionsDays !== undefined;
  const controller = new AbortController();
  let running: Promise<PurgeResult> | undefined;
  let timer: NodeJS.Timeout | undefined;
  const checkEvery = options.checkEvery ?? 3_600_000;
  const removed: PurgeResult = { events: 0, impressions: 0, clicks: 0 };
  let lastRunAt: number | undefined;
  let lastRun: PurgeResult | undefined;
  let lastError: string | undefined;

  function runNow(): Promise<PurgeResult> {
    if (running) return running;
    if (!enabled || controller.signal.aborted) return Promise.resolve({ events: 0, impressions: 0, clicks: 0 });
    const cutoffs = retentionCutoffs(options, now());
    running = purgeExpired(storage, {
      ...cutoffs,
      signal: controller.signal,
      ...(options.batchSize === undefined ? {} : { batchSize: options.batchSize }),
    })
      .then((result) => {
        lastRunAt = now();
        lastRun = result;
        lastError = undefined;
        removed.events += result.events;
        removed.impressions += result.impressions;
        removed.clicks += result.clicks;
        if (result.events + result.impressions > 0) {
          logger?.log('info', 'retention: deleted expired rows', { ...result, ...cutoffs });
          options.onPurge?.({ ...result, ...cutoffs });
        }
        return result;
      })
      .catch((error: unknown) => {
        if (!(error instanceof AbortError)) {
          lastRunAt = now();
          lastError = error instanceof Error ? error.message : String(error);
        }
        throw error;
      })
      .finally(() => {
        running = undefined;
      });
    return running;
  }

  function tick(): void {
    runNow().catch((error: unknown) => {
      if (error instanceof AbortError) return;
      logger?.log('warn', 'retention: purge failed; it is tried again at the next run', { error: error instanceof Error ? error.message : String(error) });
    });
  }

  if (enabled) {
    const first = setTimeout(() => {
      tick();
      timer = setInterval(tick, checkEvery);
      timer.unref();
    }, options.firstRunAfter ?? 30_000);
    first.unref();
    timer = first;
  }

  return {
    runNow,
    status: () => ({
      ...(options.eventsDays === undefined ? {} : { eventsDays: options.eventsDays }),
      ...(options.impressionsDays === undefined ? {} : { impressionsDays: options.impressionsDays }),
      ...(enabled ? { checkEveryMs: checkEvery } : {}),
      ...(lastRunAt === undefined ? {} : { lastRunAt: new Date(lastRunAt).toISOString() }),
      ...(lastRun === undefined ? {} : { lastRun: { ...lastRun } }),
      ...(lastError === undefined ? {} : { lastError }),
      removed: { ...removed },
    }),
    async close() {
      if (timer) {
        clearTimeout(timer);
        clearInterval(timer);
      }
      controller.abort();
      await running?.catch(() => undefined);
    },
  };
}
